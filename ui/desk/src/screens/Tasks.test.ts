import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import Tasks from './Tasks.svelte';
import { app } from '../lib/app.svelte';
import { emitDeskEvent } from '../lib/bus';
import { go, nav } from '../lib/nav.svelte';
import { resetNotices } from '../lib/notices.svelte';
import type { Call } from '../bindings/Call';
import type { Reply } from '../bindings/Reply';
import type { Task } from '../bindings/Task';
import type { TaskScope } from '../bindings/TaskScope';
import { deskError, doorReply, doorRequests, fakeDesk, readyStatus, session, staffRecord, taskRecord } from '../test-helpers';

const worker = { ...session, permissions: [...session.permissions, 'task_work'] } as typeof session;
const manager = { ...worker, permissions: [...worker.permissions, 'task_manage'] } as typeof session;

const late = taskRecord({ id: '01HTASK0000000000000000001', title: 'Ring Mrs Chan back', due_at: '2026-03-01T02:00:00Z', overdue: true, client_id: '01HCLIENT00000000000000001', client_name: 'Sophea Chan' });
const later = taskRecord({ id: '01HTASK0000000000000000002', title: 'Order gloves', kind: 'custom', due_at: '2099-01-01T02:00:00Z', priority: 'high' });
const waiting = taskRecord({
  id: '01HTASK0000000000000000003',
  kind: 'chat',
  title: 'Website chat',
  visitor_name: 'Sok',
  conversation_id: '01HCONV0000000000000000001',
  assignee_id: null,
  assignee_name: null,
  reason: 'queued',
  created_by: null,
  created_by_name: null,
});

/** A desk with these lists per scope; `more` answers everything else. */
function desk(lists: Partial<Record<TaskScope, () => Task[]>>, more: (c: Call) => Reply = () => {
  throw new Error('unexpected');
}): Call[] {
  return fakeDesk((c) => {
    if (c.call !== 'door') throw new Error(`unexpected ${c.call}`);
    if (c.args.op === 'task_list') return doorReply({ kind: 'tasks', data: lists[c.args.args.scope]?.() ?? [] });
    if (c.args.op === 'staff_list') return doorReply({ kind: 'staff_list', data: [staffRecord()] });
    return more(c);
  });
}

const row = (id: string) => document.querySelector(`tr[data-task-id="${id}"]`) as HTMLTableRowElement | null;

beforeEach(() => {
  app.status = readyStatus(manager);
  nav.view = 'tasks';
  nav.pending = {};
  resetNotices();
});
afterEach(() => {
  app.status = null;
});

describe('the task list', () => {
  it('highlights overdue tasks, in words as well as colour', async () => {
    const calls = desk({ mine: () => [late, later] });
    render(Tasks);
    await vi.waitFor(() => expect(row(later.id)).not.toBeNull());
    expect(doorRequests(calls, 'task_list')[0].args).toEqual({ scope: 'mine', include_closed: false, limit: 500 });
    expect(row(late.id)!.classList.contains('overdue')).toBe(true);
    expect(row(late.id)!.dataset.overdue).toBe('true');
    expect(within(row(late.id)!).getByText('Overdue')).toBeTruthy();
    expect(row(later.id)!.classList.contains('overdue')).toBe(false);
    expect(within(row(later.id)!).queryByText('Overdue')).toBeNull();
    // Each row: kind, title, client, assignee, priority, status.
    expect(row(late.id)!.textContent).toContain('Call back');
    expect(row(late.id)!.textContent).toContain('Ring Mrs Chan back');
    expect(row(late.id)!.textContent).toContain('Sophea Chan');
    expect(row(late.id)!.textContent).toContain('Dara Sok');
    expect(row(later.id)!.textContent).toContain('High');
    expect(row(later.id)!.textContent).toContain('Open');
  });

  it('names a chat task after the visitor and shows a queued one as waiting', async () => {
    desk({ team: () => [waiting] });
    render(Tasks);
    await fireEvent.click(await screen.findByRole('tab', { name: 'Team board' }));
    await vi.waitFor(() => expect(row(waiting.id)).not.toBeNull());
    expect(row(waiting.id)!.textContent).toContain('Sok');
    expect(row(waiting.id)!.textContent).not.toContain('Website chat Website chat');
    expect(row(waiting.id)!.textContent).toContain('Waiting in the queue');
  });

  it('asks for closed tasks only when told to', async () => {
    const calls = desk({ mine: () => [late] });
    render(Tasks);
    await vi.waitFor(() => expect(row(late.id)).not.toBeNull());
    await fireEvent.click(screen.getByLabelText('Show closed'));
    await vi.waitFor(() => expect(doorRequests(calls, 'task_list')).toHaveLength(2));
    expect(doorRequests(calls, 'task_list')[1].args.include_closed).toBe(true);
  });

  it('shows only my own tasks to someone who does not manage tasks', async () => {
    app.status = readyStatus(worker);
    desk({ mine: () => [late] });
    render(Tasks);
    await vi.waitFor(() => expect(row(late.id)).not.toBeNull());
    expect(screen.getAllByRole('tab').map((t) => t.textContent)).toEqual(['My tasks']);
  });

  it('lets me take a waiting chat from the queue', async () => {
    let queue = [waiting];
    const calls = desk({ queue: () => queue }, (c) => {
      if (c.call === 'door' && c.args.op === 'task_assign') {
        queue = [];
        return doorReply({ kind: 'task', data: { ...waiting, assignee_id: session.staff_id } });
      }
      throw new Error('unexpected');
    });
    render(Tasks);
    await fireEvent.click(await screen.findByRole('tab', { name: 'Queue' }));
    await vi.waitFor(() => expect(row(waiting.id)).not.toBeNull());
    expect(doorRequests(calls, 'task_list').at(-1)!.args.scope).toBe('queue');
    await fireEvent.click(within(row(waiting.id)!).getByRole('button', { name: 'Take it' }));
    await vi.waitFor(() => expect(doorRequests(calls, 'task_assign')).toHaveLength(1));
    expect(doorRequests(calls, 'task_assign')[0].args).toEqual({ id: waiting.id, staff_id: session.staff_id, note: null });
    // Taken: the queue is read again, and it is gone.
    await vi.waitFor(() => expect(row(waiting.id)).toBeNull());
    expect(await screen.findByText('Nobody is waiting.')).toBeTruthy();
  });

  it('assigns a waiting chat to a colleague from the queue', async () => {
    const calls = desk({ queue: () => [waiting] }, () => doorReply({ kind: 'task', data: waiting }));
    render(Tasks);
    await fireEvent.click(await screen.findByRole('tab', { name: 'Queue' }));
    await vi.waitFor(() => expect(row(waiting.id)).not.toBeNull());
    await fireEvent.click(within(row(waiting.id)!).getByRole('button', { name: 'Assign…' }));
    await screen.findByRole('option', { name: 'Mony Keo' });
    await fireEvent.change(screen.getByLabelText('Hand on to'), { target: { value: staffRecord().id } });
    await fireEvent.click(screen.getByRole('button', { name: 'Hand on' }));
    await vi.waitFor(() => expect(doorRequests(calls, 'task_assign')).toHaveLength(1));
    expect(doorRequests(calls, 'task_assign')[0].args).toEqual({ id: waiting.id, staff_id: staffRecord().id, note: null });
  });

  it('refreshes live on task events, never by polling, and a burst costs one more read', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      let mine = [late];
      const calls = desk({ mine: () => mine });
      render(Tasks);
      await vi.waitFor(() => expect(row(late.id)).not.toBeNull());
      await vi.advanceTimersByTimeAsync(60_000);
      expect(doorRequests(calls, 'task_list')).toHaveLength(1);

      mine = [late, later];
      emitDeskEvent({ kind: 'task_assigned', task_id: later.id, assignee_id: session.staff_id, from: null, task_kind: 'custom', reason: 'manual', conversation_id: null });
      await vi.waitFor(() => expect(row(later.id)).not.toBeNull());
      expect(doorRequests(calls, 'task_list')).toHaveLength(2);

      for (let i = 0; i < 5; i++) emitDeskEvent({ kind: 'task_changed', id: late.id });
      await vi.waitFor(() => expect(doorRequests(calls, 'task_list').length).toBeGreaterThanOrEqual(3));
      await vi.advanceTimersByTimeAsync(100);
      expect(doorRequests(calls, 'task_list').length).toBeLessThanOrEqual(4);
    } finally {
      vi.useRealTimers();
    }
  });

  it('opens the task a popup asked for', async () => {
    const calls = desk({ mine: () => [late] }, (c) => {
      if (c.call === 'door' && c.args.op === 'task_get') return doorReply({ kind: 'task', data: later });
      throw new Error('unexpected');
    });
    render(Tasks);
    go('tasks', { task: later.id });
    const detail = await screen.findByTestId('task-detail');
    expect(detail.dataset.taskId).toBe(later.id);
    await vi.waitFor(() => expect(screen.getByRole('heading', { name: 'Order gloves' })).toBeTruthy());
    expect(doorRequests(calls, 'task_get')[0].args).toEqual({ id: later.id });
    expect(nav.pending.task).toBeUndefined();
  });

  it('shows a refused list as the desk said it', async () => {
    fakeDesk(() => {
      throw deskError('access.forbidden');
    });
    render(Tasks);
    expect((await screen.findByTestId('error-banner')).textContent).toBe('Your role does not allow this.');
  });
});
