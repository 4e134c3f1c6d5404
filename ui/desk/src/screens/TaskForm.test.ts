import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import TaskForm from './TaskForm.svelte';
import { app } from '../lib/app.svelte';
import { i18n } from '../lib/i18n.svelte';
import { dropDraft, takeDraft } from '../lib/drafts';
import type { Call } from '../bindings/Call';
import type { Reply } from '../bindings/Reply';
import type { Task } from '../bindings/Task';
import { clientRecord, clinic, deskError, doorReply, doorRequests, fakeDesk, readyStatus, session, staffRecord, taskRecord } from '../test-helpers';

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const me = { ...session, permissions: [...session.permissions, 'task_work'] } as typeof session;
const dara = staffRecord({ id: session.staff_id, login: 'dara', display_name: 'Dara Sok', role: 'receptionist' });
const mony = staffRecord();

function desk(save: (c: Call) => Reply = () => {
  throw new Error('no save expected');
}): Call[] {
  return fakeDesk((c) => {
    if (c.call !== 'door') throw new Error(`unexpected ${c.call}`);
    switch (c.args.op) {
      case 'staff_list':
        return doorReply({ kind: 'staff_list', data: [dara, mony] });
      case 'client_search':
        return doorReply({ kind: 'client_page', data: { items: [{ id: clientRecord().id, full_name: 'Sophea Chan', phone: '+855 12 345 678', email: null }], next_cursor: null } });
      default:
        return save(c);
    }
  });
}

function made(c: Call): Reply {
  if (c.call !== 'door' || c.args.op !== 'task_create') throw new Error('expected task_create');
  const a = c.args.args;
  const tasks: Task[] = a.assignee_ids.map((to, i) => taskRecord({ id: i ? `${a.id!.slice(0, 25)}${i}` : a.id!, title: a.title, assignee_id: to }));
  return doorReply({ kind: 'tasks', data: tasks });
}

const el = (id: string) => document.getElementById(id) as HTMLInputElement;
const type = (id: string, value: string) => fireEvent.input(el(id), { target: { value } });
const save = () => fireEvent.click(screen.getByRole('button', { name: 'Give out the task' }));
const recipient = async (name: string | RegExp) => fireEvent.click(await screen.findByRole('checkbox', { name }));

function renderForm(client: { client_id: string; client_name: string } | null = null) {
  const onsaved = vi.fn<(t: Task[]) => void>();
  const oncancel = vi.fn<() => void>();
  render(TaskForm, { client, onsaved, oncancel });
  return { onsaved, oncancel };
}

beforeEach(() => {
  app.status = readyStatus(me);
  i18n.timeZone = clinic.time_zone;
  dropDraft(session.staff_id, 'task:new');
  dropDraft(session.staff_id, `task:new:${clientRecord().id}`);
});
afterEach(() => {
  app.status = null;
  i18n.timeZone = undefined;
});

describe('the new task form', () => {
  it('asks for at least one recipient before sending anything, beside the recipients', async () => {
    const calls = desk();
    const { onsaved } = renderForm();
    await screen.findByRole('checkbox', { name: 'Mony Keo' });
    await type('task-title', 'Ring back');
    await save();
    const err = document.querySelector('[data-field-error="task-recipients"]');
    expect(err?.textContent).toBe('Choose at least one person.');
    expect(err?.closest('fieldset')?.id).toBe('task-recipients');
    expect(doorRequests(calls, 'task_create')).toEqual([]);
    expect(onsaved).not.toHaveBeenCalled();
  });

  it("shows the desk's field error beside that field, not as a banner", async () => {
    const calls = desk(() => {
      throw deskError('validation.too_long', { field: 'note' });
    });
    renderForm();
    await type('task-title', 'Ring back');
    await type('task-note', 'x'.repeat(20));
    await recipient('Mony Keo');
    await save();
    const err = await vi.waitFor(() => {
      const e = document.querySelector('[data-field-error="task-note"]');
      expect(e).not.toBeNull();
      return e!;
    });
    expect(err.textContent).toBe('This is too long.');
    expect(el('task-note').closest('.field')?.classList.contains('invalid')).toBe(true);
    expect(document.activeElement).toBe(el('task-note'));
    expect(screen.queryByTestId('error-banner')).toBeNull();
    expect(doorRequests(calls, 'task_create')).toHaveLength(1);
  });

  it('gives the task to each recipient with one id, the due time in UTC from the clinic clock', async () => {
    const calls = desk(made);
    const { onsaved } = renderForm();
    await type('task-title', 'Ring back about the results');
    await fireEvent.change(el('task-kind'), { target: { value: 'custom' } });
    await fireEvent.change(el('task-priority'), { target: { value: 'urgent' } });
    await recipient('Mony Keo');
    await recipient(/^Dara Sok\s*\(you\)$/);
    // The clinic is in Phnom Penh (UTC+7).
    await type('task-due', '03/02/2026');
    await type('task-due-time', '2:30 pm');
    await save();
    await vi.waitFor(() => expect(onsaved).toHaveBeenCalledTimes(1));
    const [create] = doorRequests(calls, 'task_create');
    expect(create.args.id).toMatch(ULID);
    expect(create.args).toEqual({
      id: create.args.id,
      kind: 'custom',
      title: 'Ring back about the results',
      note: '',
      client_id: null,
      conversation_id: null,
      assignee_ids: [mony.id, dara.id],
      due_at: '2026-03-02T07:30:00.000Z',
      priority: 'urgent',
    });
    expect(onsaved.mock.calls[0][0]).toHaveLength(2);
    expect(takeDraft(session.staff_id, 'task:new')).toBeUndefined();
  });

  it('retries a failed save with the same id, so the tasks are never made twice', async () => {
    let attempt = 0;
    const calls = desk((c) => {
      if (++attempt === 1) throw deskError('store.busy');
      return made(c);
    });
    const { onsaved } = renderForm();
    await type('task-title', 'Ring back');
    await recipient('Mony Keo');
    await save();
    expect((await screen.findByTestId('error-banner')).textContent).toBe('The database is busy. Try again in a moment.');
    await save();
    await vi.waitFor(() => expect(onsaved).toHaveBeenCalledTimes(1));
    const sent = doorRequests(calls, 'task_create');
    expect(sent).toHaveLength(2);
    expect(sent[1].args.id).toBe(sent[0].args.id);
  });

  it('comes prefilled with the client it was opened from, and can find another', async () => {
    const calls = desk(made);
    const { onsaved } = renderForm({ client_id: clientRecord().id, client_name: 'Sophea Chan' });
    expect(screen.getByTestId('task-client').textContent).toContain('Sophea Chan');
    await type('task-title', 'Ring back');
    await recipient('Mony Keo');
    await save();
    await vi.waitFor(() => expect(onsaved).toHaveBeenCalledTimes(1));
    expect(doorRequests(calls, 'task_create')[0].args.client_id).toBe(clientRecord().id);
  });

  it('finds a client by search', async () => {
    const calls = desk(made);
    const { onsaved } = renderForm();
    await type('task-client-search', 'Soph');
    await fireEvent.click(await screen.findByRole('button', { name: /Sophea Chan/ }), {});
    expect(doorRequests(calls, 'client_search')[0].args.query).toBe('Soph');
    expect(screen.getByTestId('task-client').textContent).toContain('Sophea Chan');
    await type('task-title', 'Ring back');
    await recipient('Mony Keo');
    await save();
    await vi.waitFor(() => expect(onsaved).toHaveBeenCalledTimes(1));
    expect(doorRequests(calls, 'task_create')[0].args.client_id).toBe(clientRecord().id);
  });

  it('keeps what was typed as a draft, for the same person only', async () => {
    desk();
    const first = render(TaskForm, { client: null, onsaved: () => {}, oncancel: () => {} });
    await type('task-title', 'Half written');
    await recipient('Mony Keo');
    first.unmount();
    render(TaskForm, { client: null, onsaved: () => {}, oncancel: () => {} });
    expect(el('task-title').value).toBe('Half written');
    expect(screen.getByTestId('draft-restored')).toBeTruthy();
    expect((await screen.findByRole('checkbox', { name: 'Mony Keo' }) as HTMLInputElement).checked).toBe(true);
  });
});
