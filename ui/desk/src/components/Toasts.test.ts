import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import { flushSync } from 'svelte';
import Toasts from './Toasts.svelte';
import { notice, notices, resetNotices, expectOwn, savedFile, TOAST_MS } from '../lib/notices.svelte';
import { nav } from '../lib/nav.svelte';
import { taskTone } from '../lib/sound';
import type { Event } from '../bindings/Event';

vi.mock('../lib/sound', () => ({ taskTone: vi.fn(), chime: vi.fn() }));

const ME = '01HSTAFF000000000000000001';
const OTHER = '01HSTAFF000000000000000002';

function assigned(n: number, over: Partial<Extract<Event, { kind: 'task_assigned' }>> = {}): Event {
  return {
    kind: 'task_assigned',
    task_id: `01HTASK00000000000000000${String(n).padStart(2, '0')}`,
    assignee_id: ME,
    from: null,
    task_kind: 'call_back',
    reason: 'manual',
    conversation_id: null,
    ...over,
  };
}

const toasts = () => screen.queryAllByTestId('toast');

beforeEach(() => {
  vi.useFakeTimers();
  resetNotices();
  vi.mocked(taskTone).mockClear();
  nav.view = 'clients';
  nav.pending = {};
});
afterEach(() => {
  resetNotices();
  vi.useRealTimers();
});

describe('toasts', () => {
  it('announce a task given to me, with a sound, and open it on a click', async () => {
    render(Toasts);
    notice(assigned(1), ME);
    flushSync();
    expect(toasts()).toHaveLength(1);
    expect(toasts()[0].getAttribute('role')).toBe('status');
    expect(toasts()[0].textContent).toContain('A new call-back task for you');
    expect(taskTone).toHaveBeenCalledTimes(1);
    await fireEvent.click(screen.getByRole('button', { name: /new call-back task/ }));
    expect(nav.view).toBe('tasks');
    expect(nav.pending.task).toBe('01HTASK0000000000000000001');
    expect(toasts()).toHaveLength(0);
  });

  it('group a burst: five events make one "5 new tasks" toast and one sound', () => {
    render(Toasts);
    for (let i = 1; i <= 5; i++) notice(assigned(i, { task_kind: i % 2 ? 'chat' : 'custom', conversation_id: i % 2 ? `C${i}` : null }), ME);
    flushSync();
    expect(toasts()).toHaveLength(1);
    expect(toasts()[0].textContent).toContain('5 new tasks');
    expect(taskTone).toHaveBeenCalledTimes(1);
    // A grouped toast opens the list, not one of them.
    expect(notices.toasts[0].target).toEqual({ open: 'tasks' });
  });

  it('go away by themselves after about eight seconds, and news keeps one up', () => {
    render(Toasts);
    notice(assigned(1), ME);
    vi.advanceTimersByTime(TOAST_MS - 1000);
    notice(assigned(2), ME);
    vi.advanceTimersByTime(TOAST_MS - 1000);
    flushSync();
    expect(toasts()).toHaveLength(1);
    expect(toasts()[0].textContent).toContain('2 new tasks');
    vi.advanceTimersByTime(1001);
    flushSync();
    expect(toasts()).toHaveLength(0);
    // The next one stands alone again.
    notice(assigned(3, { task_kind: 'chat', conversation_id: 'C3' }), ME);
    flushSync();
    expect(toasts()[0].textContent).toContain('A website chat for you');
    expect(notices.toasts[0].target).toEqual({ open: 'conversation', id: 'C3' });
  });

  it('stay silent when I muted sounds', () => {
    notices.prefs = { mute_popups: false, mute_sounds: true, ui_language: null };
    render(Toasts);
    notice(assigned(1), ME);
    flushSync();
    expect(toasts()).toHaveLength(1);
    expect(taskTone).not.toHaveBeenCalled();
  });

  it("say nothing of a colleague's task, or of one I gave myself", () => {
    render(Toasts);
    notice(assigned(1, { assignee_id: OTHER }), ME);
    expectOwn('01HTASK0000000000000000002');
    notice(assigned(2), ME);
    notice({ kind: 'task_changed', id: '01HTASK0000000000000000003' }, ME);
    flushSync();
    expect(toasts()).toHaveLength(0);
    expect(taskTone).not.toHaveBeenCalled();
  });

  it('tell me when my chat was passed on for want of an answer', () => {
    render(Toasts);
    notice(assigned(1, { assignee_id: OTHER, from: ME, reason: 'sla', task_kind: 'chat', conversation_id: 'C1' }), ME);
    // A hand-over I made myself is no news.
    notice(assigned(2, { assignee_id: OTHER, from: ME, reason: 'manual' }), ME);
    flushSync();
    expect(toasts()).toHaveLength(1);
    expect(toasts()[0].dataset.kind).toBe('passed');
    expect(toasts()[0].textContent).toContain('Your chat was passed on to a colleague');
  });

  it('can be dismissed', async () => {
    render(Toasts);
    notice(assigned(1), ME);
    flushSync();
    await fireEvent.click(screen.getByRole('button', { name: 'Dismiss this notice' }));
    expect(toasts()).toHaveLength(0);
    expect(nav.view).toBe('clients');
  });

  it('say where a saved file went, apart from task news, and go by themselves', () => {
    render(Toasts);
    notice(assigned(1), ME);
    savedFile('C:\\Users\\mony\\Downloads\\frontdesk-report-2026-03-01-to-2026-03-31.pdf');
    flushSync();
    expect(toasts()).toHaveLength(2);
    const saved = toasts()[1];
    expect(saved.dataset.kind).toBe('saved');
    expect(saved.getAttribute('role')).toBe('status');
    expect(saved.textContent).toContain('Saved to');
    expect(saved.querySelector('.path')!.textContent).toBe('C:\\Users\\mony\\Downloads\\frontdesk-report-2026-03-01-to-2026-03-31.pdf');
    vi.advanceTimersByTime(TOAST_MS + 1);
    flushSync();
    expect(toasts()).toHaveLength(0);
    expect(notices.toasts).toEqual([]);
  });
});
