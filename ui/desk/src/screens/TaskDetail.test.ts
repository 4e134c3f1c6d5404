import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import TaskDetail from './TaskDetail.svelte';
import { app } from '../lib/app.svelte';
import { i18n } from '../lib/i18n.svelte';
import { nav } from '../lib/nav.svelte';
import type { Call } from '../bindings/Call';
import type { Reply } from '../bindings/Reply';
import type { Task } from '../bindings/Task';
import { clinic, deskError, doorReply, doorRequests, fakeDesk, readyStatus, session, staffRecord, taskRecord } from '../test-helpers';

const me = { ...session, permissions: [...session.permissions, 'task_work'] } as typeof session;

const task = taskRecord({
  title: 'Ring Mrs Chan back',
  note: 'About the results',
  client_id: '01HCLIENT00000000000000001',
  client_name: 'Sophea Chan',
  due_at: '2026-03-01T02:00:00Z',
  overdue: true,
  history: [
    { at: '2026-03-02T01:00:00Z', actor_id: '01HSTAFF000000000000000002', actor_name: 'Mony Keo', action: 'created', from_id: null, from_name: null, to_id: null, to_name: null, status: null, reason: null, note: null },
    { at: '2026-03-02T01:00:00Z', actor_id: '01HSTAFF000000000000000002', actor_name: 'Mony Keo', action: 'assigned', from_id: null, from_name: null, to_id: session.staff_id, to_name: 'Dara Sok', status: null, reason: 'manual', note: null },
    { at: '2026-03-02T01:05:00Z', actor_id: '01HSTAFF000000000000000002', actor_name: 'Mony Keo', action: 'escalated', from_id: '01HSTAFF000000000000000009', from_name: 'Bora', to_id: session.staff_id, to_name: 'Dara Sok', status: null, reason: 'escalated', note: 'Needs a senior' },
  ],
});

function desk(act: (c: Call) => Reply = () => {
  throw new Error('unexpected');
}, current: () => Task = () => task): Call[] {
  return fakeDesk((c) => {
    if (c.call !== 'door') throw new Error(`unexpected ${c.call}`);
    if (c.args.op === 'task_get') return doorReply({ kind: 'task', data: current() });
    if (c.args.op === 'staff_list') return doorReply({ kind: 'staff_list', data: [staffRecord()] });
    return act(c);
  });
}

beforeEach(() => {
  app.status = readyStatus(me);
  i18n.timeZone = clinic.time_zone;
  nav.pending = {};
});
afterEach(() => {
  app.status = null;
  i18n.timeZone = undefined;
});

describe('a task', () => {
  it('shows what it is, who has it and why, overdue in words, and its log', async () => {
    desk();
    render(TaskDetail, { id: task.id, onclose: () => {} });
    expect((await screen.findByRole('heading', { name: 'Ring Mrs Chan back' }))).toBeTruthy();
    expect(screen.getByTestId('task-overdue').textContent).toContain('Overdue');
    expect(screen.getByTestId('task-assignee').textContent).toBe('Dara Sok');
    expect(screen.getByTestId('task-why').textContent).toBe('Given by Mony Keo');
    expect(screen.getByTestId('task-note').textContent).toBe('About the results');
    const log = [...screen.getByTestId('task-history').querySelectorAll('li')];
    expect(log.map((l) => l.dataset.action)).toEqual(['created', 'assigned', 'escalated']);
    expect(log[2].textContent).toContain('Mony Keo');
    expect(log[2].textContent).toContain('Escalated');
    expect(log[2].textContent).toContain('Bora → Dara Sok');
    expect(log[2].querySelector('q')!.textContent).toBe('Needs a senior');
  });

  it('opens the client card it is about', async () => {
    desk();
    render(TaskDetail, { id: task.id, onclose: () => {} });
    await fireEvent.click(await screen.findByRole('button', { name: 'Client card: Sophea Chan' }));
    expect(nav.view).toBe('clients');
    expect(nav.pending.client).toBe(task.client_id);
  });

  it('is started and marked done through the door', async () => {
    let current = task;
    const calls = desk((c) => {
      if (c.call === 'door' && c.args.op === 'task_set_status') {
        current = { ...current, status: c.args.args.status, overdue: false };
        return doorReply({ kind: 'task', data: current });
      }
      throw new Error('unexpected');
    }, () => current);
    render(TaskDetail, { id: task.id, onclose: () => {} });
    await fireEvent.click(await screen.findByRole('button', { name: 'Start' }));
    await vi.waitFor(() => expect(screen.getByTestId('task-status').textContent).toBe('In progress'));
    expect(screen.queryByRole('button', { name: 'Start' })).toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: 'Done' }));
    await vi.waitFor(() => expect(screen.getByTestId('task-status').textContent).toBe('Done'));
    expect(doorRequests(calls, 'task_set_status').map((r) => r.args)).toEqual([
      { id: task.id, status: 'in_progress', note: null },
      { id: task.id, status: 'done', note: null },
    ]);
    // Closed: nothing more to do with it.
    expect(screen.queryByRole('button', { name: 'Done' })).toBeNull();
  });

  it('is handed on with a note', async () => {
    const calls = desk(() => doorReply({ kind: 'task', data: { ...task, assignee_id: staffRecord().id, assignee_name: 'Mony Keo' } }));
    render(TaskDetail, { id: task.id, onclose: () => {} });
    await fireEvent.click(await screen.findByRole('button', { name: 'Hand on to…' }));
    await screen.findByRole('option', { name: 'Mony Keo' });
    await fireEvent.change(screen.getByLabelText('Hand on to'), { target: { value: staffRecord().id } });
    await fireEvent.input(screen.getByLabelText('Note for them (optional)'), { target: { value: 'I am off tomorrow' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Hand on' }));
    await vi.waitFor(() => expect(screen.getByTestId('task-assignee').textContent).toBe('Mony Keo'));
    expect(doorRequests(calls, 'task_assign')[0].args).toEqual({ id: task.id, staff_id: staffRecord().id, note: 'I am off tomorrow' });
  });

  it('is edited against its version; a conflict offers the stored version with my changes on top', async () => {
    let stored = task;
    let refuse = true;
    const calls = desk((c) => {
      if (c.call === 'door' && c.args.op === 'task_update') {
        if (refuse) throw deskError('record.conflict');
        stored = { ...stored, ...c.args.args.fields, version: stored.version + 1 };
        return doorReply({ kind: 'task', data: stored });
      }
      throw new Error('unexpected');
    }, () => stored);
    render(TaskDetail, { id: task.id, onclose: () => {} });
    await fireEvent.click(await screen.findByRole('button', { name: 'Edit' }));
    // The due time shows on the clinic clock: 02:00 UTC is 09:00 in Phnom Penh.
    expect((document.getElementById('task-edit-due') as HTMLInputElement).value).toBe('03/01/2026');
    expect((document.getElementById('task-edit-due-time') as HTMLInputElement).value).toBe('9:00 AM');
    await fireEvent.input(document.getElementById('task-edit-title')!, { target: { value: 'Ring Mrs Chan today' } });
    // Meanwhile someone else changed the note.
    stored = { ...task, note: 'Results are in', version: 2 };
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect((await screen.findByTestId('error-banner')).textContent).toMatch(/Someone else changed this/);
    refuse = false;
    await fireEvent.click(screen.getByRole('button', { name: /Load their version/ }));
    await vi.waitFor(() => expect((document.getElementById('task-edit-note') as HTMLTextAreaElement).value).toBe('Results are in'));
    expect((document.getElementById('task-edit-title') as HTMLInputElement).value).toBe('Ring Mrs Chan today');
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await vi.waitFor(() => expect(screen.getByRole('heading', { name: 'Ring Mrs Chan today' })).toBeTruthy());
    const updates = doorRequests(calls, 'task_update');
    expect(updates.map((u) => u.args.expected_version)).toEqual([1, 2]);
    expect(updates[1].args.fields).toEqual({ title: 'Ring Mrs Chan today', note: 'Results are in', due_at: '2026-03-01T02:00:00.000Z', priority: 'normal' });
  });
});
