import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { emit } from '@tauri-apps/api/event';
import App from './App.svelte';
import { applyLocale } from './lib/i18n.svelte';
import { app } from './lib/app.svelte';
import { nav } from './lib/nav.svelte';
import { resetNotices } from './lib/notices.svelte';
import { myTasks } from './lib/mytasks.svelte';
import type { Call } from './bindings/Call';
import type { Reply } from './bindings/Reply';
import type { Task } from './bindings/Task';
import type { Prefs } from './bindings/Prefs';
import { resetOverdue } from './lib/overdue.svelte';
import { doorReply, doorRequests, fakeDesk, privacyOverviewRecord, readyStatus, session, taskRecord } from './test-helpers';

vi.mock('./lib/sound', () => ({ taskTone: vi.fn(), chime: vi.fn() }));

const me = { ...session, permissions: [...session.permissions, 'chat_read', 'task_work'] } as typeof session;
const mine = taskRecord({ title: 'Ring Mrs Chan back' });
const forOther = taskRecord({ id: '01HTASK0000000000000000009', title: 'Given to Mony', assignee_id: '01HSTAFF000000000000000002', created_by: session.staff_id });

function desk(over: (c: Call) => Reply | undefined = () => undefined, start: Partial<Prefs> = {}) {
  let prefs: Prefs = { mute_popups: false, mute_sounds: false, ui_language: null, ...start };
  let tasks: Task[] = [mine, forOther];
  const calls = fakeDesk(
    (c) => {
      const r = over(c);
      if (r) return r;
      if (c.call === 'status') return { kind: 'status', data: readyStatus(me) };
      if (c.call === 'shown' || c.call === 'keep_alive') return { kind: 'done' };
      if (c.call !== 'door') throw new Error(`unexpected ${c.call}`);
      switch (c.args.op) {
        case 'prefs_get':
          return doorReply({ kind: 'prefs', data: prefs });
        case 'prefs_update':
          prefs = c.args.args;
          return doorReply({ kind: 'prefs', data: prefs });
        case 'task_list':
          return doorReply({ kind: 'tasks', data: tasks });
        case 'task_get':
          return doorReply({ kind: 'task', data: tasks.find((t) => t.id === (c.args as { args: { id: string } }).args.id) ?? mine });
        default:
          throw new Error(`unexpected ${c.args.op}`);
      }
    },
    { events: true },
  );
  return { calls, setTasks: (t: Task[]) => (tasks = t) };
}

const assigned = (n: number) => ({
  kind: 'task_assigned',
  task_id: `01HTASK00000000000000000${String(n + 10)}`,
  assignee_id: session.staff_id,
  from: null,
  task_kind: 'custom',
  reason: 'manual',
  conversation_id: null,
});

beforeEach(() => {
  nav.view = 'clients';
  nav.pending = {};
  resetNotices();
  resetOverdue();
  myTasks.open = 0;
});
afterEach(() => {
  app.status = null;
});

describe('the desk', () => {
  it('counts my open tasks on the Tasks button, not the ones I gave others', async () => {
    desk();
    render(App);
    const button = await screen.findByRole('button', { name: /Tasks/ });
    await vi.waitFor(() => expect(within(button).getByTestId('my-task-count').textContent).toBe('1'));
    expect(button.textContent).toContain('1 open task');
  });

  it('opens the task a clicked popup names', async () => {
    desk();
    render(App);
    await screen.findByRole('button', { name: /Tasks/ });
    await emit('frontdesk://open', { open: 'task', id: mine.id });
    const detail = await screen.findByTestId('task-detail');
    expect(detail.dataset.taskId).toBe(mine.id);
    expect(document.querySelector('[data-screen="tasks"]')).not.toBeNull();
    expect(await screen.findByRole('heading', { name: 'Ring Mrs Chan back' })).toBeTruthy();
  });

  it('opens the conversation a clicked chat popup names', async () => {
    desk((c) => {
      if (c.call === 'chat_status') return { kind: 'chat_status', data: { state: 'off', relay_url: null, last_error: null, built_in_url: null, demo_page: null } };
      if (c.call === 'door' && c.args.op === 'conversation_list') return doorReply({ kind: 'conversations', data: [] });
      if (c.call === 'door' && c.args.op === 'conversation_get') throw { code: 'record.not_found', message: 'x', field: null, retry_after_secs: null };
      return undefined;
    });
    render(App);
    await screen.findByRole('button', { name: /Tasks/ });
    await emit('frontdesk://open', { open: 'conversation', id: '01HCONV0000000000000000001' });
    const conv = await screen.findByTestId('conversation');
    expect(conv.dataset.conversationId).toBe('01HCONV0000000000000000001');
  });

  it('turns a burst of tasks for me into one toast, and refreshes the count', async () => {
    const { calls, setTasks } = desk();
    render(App);
    await screen.findByRole('button', { name: /Tasks/ });
    const before = doorRequests(calls, 'task_list').length;
    setTasks([mine, ...[1, 2, 3, 4, 5].map((n) => taskRecord({ id: assigned(n).task_id }))]);
    for (let n = 1; n <= 5; n++) await emit('frontdesk://event', assigned(n));
    const toasts = await screen.findAllByTestId('toast');
    expect(toasts).toHaveLength(1);
    expect(toasts[0].textContent).toContain('5 new tasks');
    await vi.waitFor(() => expect(screen.getByTestId('my-task-count').textContent).toBe('6'));
    expect(doorRequests(calls, 'task_list').length - before).toBeLessThanOrEqual(2);
    // The grouped toast opens my tasks.
    await fireEvent.click(within(toasts[0]).getByRole('button', { name: /5 new tasks/ }));
    expect(nav.view).toBe('tasks');
    expect(screen.queryAllByTestId('toast')).toHaveLength(0);
  });

  it('keeps my notification choices from the bell, and says tasks still arrive', async () => {
    const { calls } = desk();
    render(App);
    await fireEvent.click(await screen.findByRole('button', { name: 'My notifications' }));
    const dialog = await screen.findByTestId('prefs-dialog');
    expect(dialog.textContent).toContain('your tasks still arrive');
    const mute = within(dialog).getByLabelText('Mute sounds') as HTMLInputElement;
    await vi.waitFor(() => expect(mute.disabled).toBe(false));
    await fireEvent.click(mute);
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Save', hidden: true }));
    await vi.waitFor(() => expect(doorRequests(calls, 'prefs_update')).toHaveLength(1));
    expect(doorRequests(calls, 'prefs_update')[0].args).toEqual({ mute_popups: false, mute_sounds: true, ui_language: null });
  });

  it("speaks the person's own language once they are in, and keeps a new choice with their account", async () => {
    const { calls } = desk(undefined, { ui_language: 'vi' });
    render(App);
    await vi.waitFor(() => expect(document.documentElement.lang).toBe('vi'));
    expect(await screen.findByRole('button', { name: /Công việc/ })).toBeTruthy();
    const picker = document.getElementById('ui-language') as HTMLSelectElement;
    await fireEvent.change(picker, { target: { value: 'ar' } });
    await vi.waitFor(() => expect(doorRequests(calls, 'prefs_update')).toHaveLength(1));
    expect(doorRequests(calls, 'prefs_update')[0].args).toEqual({ mute_popups: false, mute_sounds: false, ui_language: 'ar' });
    expect(document.documentElement.dir).toBe('rtl');
    applyLocale('en');
  });

  it('shows the calendar second in the menu to those who may read appointments, and opens it', async () => {
    const withCalendar = { ...me, permissions: [...me.permissions, 'appointment_read', 'appointment_book'] } as typeof me;
    const { calls } = desk((c) => {
      if (c.call === 'status') return { kind: 'status', data: readyStatus(withCalendar) };
      if (c.call !== 'door') return undefined;
      if (c.args.op === 'appointment_calendar')
        return doorReply({ kind: 'calendar', data: { from: c.args.args.from, days: 1, providers: [{ id: '01HSTAFF000000000000000002', name: 'Mony Keo' }], appointments: [], hours: [], closed: [] } });
      if (c.args.op === 'appointment_no_shows') return doorReply({ kind: 'appointments', data: [] });
      return undefined;
    });
    render(App);
    const button = await screen.findByRole('button', { name: 'Calendar' });
    expect([...document.querySelectorAll('.topbar nav button')].map((b) => b.id).slice(0, 3)).toEqual(['nav-clients', 'nav-calendar', 'nav-chats']);
    await fireEvent.click(button);
    expect(nav.view).toBe('calendar');
    expect(await screen.findByRole('heading', { name: /\d{4}/ })).toBeTruthy();
    // No working hours anywhere: 08:00 to 18:00.
    await vi.waitFor(() => expect(document.querySelectorAll('.slot')).toHaveLength(40));
    expect(doorRequests(calls, 'appointment_calendar')).toHaveLength(1);
  });

  it('has no calendar for a session without the permission', async () => {
    desk();
    render(App);
    await screen.findByRole('button', { name: /Tasks/ });
    expect(document.getElementById('nav-calendar')).toBeNull();
  });
});

describe('privacy at the top of the desk', () => {
  /** The emergency account while open: it reads what care needs and changes nothing. */
  const emergency = {
    ...session,
    staff_id: '01HSTAFF0000000000000000EM',
    login: 'emergency',
    display_name: 'Emergency access',
    role: 'emergency',
    permissions: ['clinic_read', 'client_search', 'client_read', 'staff_read', 'own_account', 'chat_read', 'appointment_read', 'client_open_restricted'],
  } as typeof session;
  const admin = {
    ...me,
    role: 'admin',
    permissions: [...me.permissions, 'report_read', 'staff_read', 'staff_manage', 'clinic_configure', 'audit_read', 'privacy_manage', 'client_erase'],
  } as typeof session;

  it('keeps a red banner up for the emergency account, and offers no screen it cannot use', async () => {
    desk((c) => (c.call === 'status' ? { kind: 'status', data: readyStatus(emergency) } : undefined));
    render(App);
    const banner = await screen.findByTestId('emergency-banner');
    expect(banner.textContent).toBe('Emergency access — everything you do is logged and the admins were told.');
    expect(banner.getAttribute('role')).toBe('alert');
    expect([...document.querySelectorAll('.topbar nav button')].map((b) => b.id)).toEqual(['nav-clients', 'nav-calendar', 'nav-chats']);
    expect(screen.getByTestId('who').textContent).toContain('Emergency access');
    // Nor does a screen it cannot use open by another way.
    nav.view = 'staff';
    await vi.waitFor(() => expect(document.querySelector('[data-screen="clients"]')).not.toBeNull());
    expect(document.querySelector('[data-screen="staff"]')).toBeNull();
  });

  it('has no banner for anyone else', async () => {
    desk();
    render(App);
    await screen.findByRole('button', { name: /Tasks/ });
    expect(screen.queryByTestId('emergency-banner')).toBeNull();
    expect(document.getElementById('nav-privacy')).toBeNull();
    expect(document.getElementById('nav-audit')).toBeNull();
  });

  it('tells an admin at log-in what is late, on the Privacy button and in a banner that opens it', async () => {
    const { calls } = desk((c) => {
      if (c.call === 'status') return { kind: 'status', data: readyStatus(admin) };
      if (c.call === 'door' && c.args.op === 'privacy_overview') {
        return doorReply({ kind: 'privacy_overview', data: privacyOverviewRecord({ overdue_requests: 2, open_requests: 3, late_incident_notices: 1 }) });
      }
      if (c.call === 'door' && c.args.op === 'privacy_request_list') return doorReply({ kind: 'privacy_requests', data: [] });
      return undefined;
    });
    render(App);
    const count = await screen.findByTestId('privacy-late-count');
    expect(count.textContent).toBe('3');
    expect(document.getElementById('nav-privacy')!.textContent).toContain('3 items are late');
    expect(document.getElementById('nav-audit')).not.toBeNull();
    const banner = screen.getByTestId('privacy-late-banner');
    expect(banner.textContent).toContain('2 data-subject requests are overdue.');
    expect(banner.textContent).toContain("One incident's 72-hour notice to the authority is late.");
    expect(doorRequests(calls, 'privacy_overview').length).toBeGreaterThanOrEqual(1);

    await fireEvent.click(within(banner).getByRole('button', { name: 'Open Privacy' }));
    expect(nav.view).toBe('privacy');
    await vi.waitFor(() => expect(screen.getByRole('tab', { name: /Requests/ }).getAttribute('aria-selected')).toBe('true'));
    expect(screen.queryByTestId('privacy-late-banner')).toBeNull();
  });

  it('lets the banner be put off until the next log-in', async () => {
    desk((c) => {
      if (c.call === 'status') return { kind: 'status', data: readyStatus(admin) };
      if (c.call === 'door' && c.args.op === 'privacy_overview') return doorReply({ kind: 'privacy_overview', data: privacyOverviewRecord({ overdue_requests: 1 }) });
      return undefined;
    });
    render(App);
    const banner = await screen.findByTestId('privacy-late-banner');
    await fireEvent.click(within(banner).getByRole('button', { name: 'Later' }));
    expect(screen.queryByTestId('privacy-late-banner')).toBeNull();
    expect(screen.getByTestId('privacy-late-count').textContent).toBe('1');
  });
});
