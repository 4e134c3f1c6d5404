import { afterEach, describe, expect, it } from 'vitest';
import { applyLocale } from './i18n.svelte';
import { followingIds, localToUtc, REASONS, taskName, utcToLocal, whyLine } from './tasks';
import { taskRecord } from '../test-helpers';
import type { Reason } from '../bindings/Reason';
import ar from '../locales/ar.json';

afterEach(() => applyLocale('en'));

describe('the why line', () => {
  const on = (reason: Reason) => whyLine(taskRecord({ reason, assignee_id: 'S1', assignee_name: 'Bora', history: [] }));

  it('names the rule that fired, one sentence per reason', () => {
    const lines = Object.fromEntries(REASONS.map((r) => [r, on(r)]));
    expect(lines).toEqual({
      continuity: "Bora already handles this client's open request",
      account_manager: "Bora is this client's responsible person",
      least_loaded: 'Fewest open chats among those on shift',
      most_experienced: 'Most experienced among those on shift with room',
      tiered: 'First support line with someone free',
      round_robin: 'Next in turn among those on shift',
      queued: 'Waiting: nobody on shift has room',
      manual: 'Given by a person',
      escalated: 'Escalated to a higher support tier',
      sla: 'Passed on: not answered in time',
    });
    // Every reason reads differently.
    expect(new Set(Object.values(lines)).size).toBe(REASONS.length);
  });

  it('names who gave it out when the log says so', () => {
    const t = taskRecord({
      reason: 'manual',
      history: [
        { at: '2026-03-02T01:00:00Z', actor_id: 'S9', actor_name: 'Amara', action: 'assigned', from_id: null, from_name: null, to_id: 'S1', to_name: 'Bora', status: null, reason: 'manual', note: null },
      ],
    });
    expect(whyLine(t)).toBe('Given by Amara');
  });

  it('says a task without an assignee waits in the queue', () => {
    expect(whyLine(taskRecord({ reason: 'sla', assignee_id: null, assignee_name: null }))).toBe('Waiting: nobody on shift has room');
  });

  it('has an Arabic sentence for every reason', () => {
    applyLocale('ar');
    for (const r of REASONS) expect(on(r)).toBe((ar as Record<string, string>)[`why.${r}`].replace('{name}', 'Bora'));
  });
});

describe('task names', () => {
  it('names a chat task after the client, else the visitor', () => {
    expect(taskName(taskRecord({ kind: 'chat', title: 'Website chat', client_name: 'Lina', visitor_name: 'Sok' }))).toBe('Lina');
    expect(taskName(taskRecord({ kind: 'chat', title: 'Website chat', client_name: null, visitor_name: 'Sok' }))).toBe('Sok');
    expect(taskName(taskRecord({ kind: 'call_back', title: 'Ring back', client_name: 'Lina' }))).toBe('Ring back');
  });
});

describe('due times on the clinic clock', () => {
  it('reads the field as the clinic time zone and sends UTC', () => {
    expect(localToUtc('2026-03-02T14:30', 'Asia/Phnom_Penh')).toBe('2026-03-02T07:30:00.000Z');
    expect(localToUtc('2026-03-02T01:00', 'Asia/Phnom_Penh')).toBe('2026-03-01T18:00:00.000Z');
    expect(localToUtc('2026-07-01T09:00', 'Europe/Berlin')).toBe('2026-07-01T07:00:00.000Z');
    expect(localToUtc('2026-01-01T09:00', 'Europe/Berlin')).toBe('2026-01-01T08:00:00.000Z');
  });

  it('gets the day of a clock change right', () => {
    // Berlin moves to summer time at 02:00 on 29 March 2026.
    expect(localToUtc('2026-03-29T01:30', 'Europe/Berlin')).toBe('2026-03-29T00:30:00.000Z');
    expect(localToUtc('2026-03-29T03:30', 'Europe/Berlin')).toBe('2026-03-29T01:30:00.000Z');
  });

  it('shows a stored time back on the clinic clock', () => {
    expect(utcToLocal('2026-03-02T07:30:00.000000Z', 'Asia/Phnom_Penh')).toBe('2026-03-02T14:30');
    expect(utcToLocal(localToUtc('2026-11-05T23:45', 'America/New_York'), 'America/New_York')).toBe('2026-11-05T23:45');
    expect(utcToLocal(null, 'Asia/Phnom_Penh')).toBe('');
  });

  it('refuses what is not a date and time', () => {
    expect(localToUtc('tomorrow', 'Asia/Phnom_Penh')).toBeNull();
    expect(localToUtc('', 'Asia/Phnom_Penh')).toBeNull();
  });
});

describe('followingIds', () => {
  it('gives the ULIDs that follow the first, as the desk does for several recipients', () => {
    expect(followingIds('01HZZZZZZZZZZZZZZZZZZZZZZY', 3)).toEqual([
      '01HZZZZZZZZZZZZZZZZZZZZZZY',
      '01HZZZZZZZZZZZZZZZZZZZZZZZ',
      '01J00000000000000000000000',
    ]);
    expect(followingIds('01hzzzzzzzzzzzzzzzzzzzzzzy', 1)).toEqual(['01HZZZZZZZZZZZZZZZZZZZZZZY']);
  });
});
