import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import AppointmentDetail from './AppointmentDetail.svelte';
import { app } from '../lib/app.svelte';
import { i18n } from '../lib/i18n.svelte';
import { nav } from '../lib/nav.svelte';
import type { Appointment } from '../bindings/Appointment';
import type { Call } from '../bindings/Call';
import type { Reply } from '../bindings/Reply';
import type { WaitlistEntry } from '../bindings/WaitlistEntry';
import type { BookingPrefill } from '../lib/appointments';
import { appointmentRecord, clinic, deskError, doorReply, doorRequests, fakeDesk, readyStatus, session } from '../test-helpers';

const receptionist = { ...session, permissions: [...session.permissions, 'appointment_read', 'appointment_book'] } as typeof session;
const manager = { ...receptionist, role: 'manager', permissions: [...receptionist.permissions, 'appointment_revert'] } as typeof session;
const ID = '01HAPPT0000000000000000001';

const past = (over: Partial<Appointment> = {}) => appointmentRecord({ start: '2026-03-02T10:00', ...over });
const future = (over: Partial<Appointment> = {}) => appointmentRecord({ start: '2031-03-04T10:00', ...over });

function desk(a: Appointment, act: (c: Call) => Reply = () => doorReply({ kind: 'appointment_saved', data: { appointments: [a], overridden: [], offers: [] } })): Call[] {
  return fakeDesk((c) => {
    if (c.call !== 'door') throw new Error(`unexpected ${c.call}`);
    if (c.args.op === 'appointment_get') return doorReply({ kind: 'appointment', data: a });
    return act(c);
  });
}

function renderDetail() {
  const onbook = vi.fn<(p: BookingPrefill) => void>();
  const onclose = vi.fn<() => void>();
  render(AppointmentDetail, { id: ID, version: 0, onclose, onbook });
  return { onbook, onclose };
}

const statusButtons = () => [...document.querySelectorAll('.status-buttons button')].map((b) => b.id);

beforeEach(() => {
  app.status = readyStatus(receptionist);
  i18n.timeZone = clinic.time_zone;
  nav.pending = {};
});
afterEach(() => {
  app.status = null;
  i18n.timeZone = undefined;
});

describe('an appointment\'s status', () => {
  it('offers only the next steps the path allows', async () => {
    desk(past());
    renderDetail();
    await screen.findByTestId('appointment-status');
    expect(statusButtons()).toEqual(['status-confirmed', 'status-arrived', 'status-cancelled_client', 'status-cancelled_clinic', 'status-late_cancel', 'status-no_show']);
    expect(screen.getByRole('button', { name: 'Confirm' })).toBeTruthy();
  });

  it('offers no no-show before the visit has begun', async () => {
    desk(future({ status: 'confirmed' }));
    renderDetail();
    await screen.findByTestId('appointment-status');
    expect(statusButtons()).toEqual(['status-arrived', 'status-cancelled_client', 'status-cancelled_clinic', 'status-late_cancel']);
  });

  it('from arrived, only "In room"; and records the step with the version it saw', async () => {
    const a = past({ status: 'arrived', version: 7, wait_minutes: null });
    const calls = desk(a);
    renderDetail();
    await screen.findByTestId('appointment-status');
    expect(statusButtons()).toEqual(['status-in_room']);
    await fireEvent.click(document.getElementById('status-in_room')!);
    await waitFor(() => expect(doorRequests(calls, 'appointment_set_status')).toHaveLength(1));
    expect(doorRequests(calls, 'appointment_set_status')[0].args).toEqual({ id: ID, expected_version: 7, status: 'in_room', scope: 'this', note: null });
  });

  it('offers nothing after done, and shows the wait and the reminder', async () => {
    desk(past({ status: 'done', wait_minutes: 12, reminder_outcome: 'no_consent', reminder_at: '2026-03-01T03:00:00Z' }));
    renderDetail();
    await screen.findByTestId('appointment-status');
    expect(statusButtons()).toEqual([]);
    expect(screen.getByTestId('appointment-wait').textContent).toBe('12 minutes');
    expect(screen.getByTestId('appointment-reminder').textContent).toContain('Not sent: the client has not agreed to reminders');
    // A receptionist cannot correct a recorded step.
    expect(screen.queryByRole('button', { name: 'Correct status…' })).toBeNull();
  });

  it('lets a manager correct a status, only with a reason', async () => {
    app.status = readyStatus(manager);
    const a = past({ status: 'arrived' });
    const calls = desk(a);
    renderDetail();
    await fireEvent.click(await screen.findByRole('button', { name: 'Correct status…' }));
    const to = document.getElementById('correct-status') as HTMLSelectElement;
    expect([...to.options].map((o) => o.value)).toEqual(['booked', 'confirmed']);
    await fireEvent.change(to, { target: { value: 'confirmed' } });
    await fireEvent.click(document.getElementById('correct-save')!);
    expect(document.querySelector('[data-field-error="correct-reason"]')!.textContent).toBe('Give the reason for the correction.');
    expect(doorRequests(calls, 'appointment_revert')).toEqual([]);
    await fireEvent.input(document.getElementById('correct-reason')!, { target: { value: 'Marked arrived by mistake' } });
    await fireEvent.click(document.getElementById('correct-save')!);
    await waitFor(() => expect(doorRequests(calls, 'appointment_revert')).toHaveLength(1));
    expect(doorRequests(calls, 'appointment_revert')[0].args).toEqual({ id: ID, expected_version: 3, status: 'confirmed', note: 'Marked arrived by mistake' });
  });

  it('asks which visits of a series a cancellation is for', async () => {
    const calls = desk(future({ series_id: '01HSERIES00000000000000001', occurrence: 3 }));
    renderDetail();
    await fireEvent.click(await screen.findByRole('button', { name: 'Cancelled by clinic' }));
    expect((await screen.findByTestId('scope-choice')).textContent).toContain('Mark which visits as “Cancelled by clinic”?');
    expect(doorRequests(calls, 'appointment_set_status')).toEqual([]);
    await fireEvent.click(screen.getByRole('button', { name: 'This and following' }));
    await waitFor(() => expect(doorRequests(calls, 'appointment_set_status')).toHaveLength(1));
    expect(doorRequests(calls, 'appointment_set_status')[0].args).toMatchObject({ status: 'cancelled_clinic', scope: 'this_and_following' });
  });

  it('says so when someone else changed it meanwhile, and reloads on request', async () => {
    const calls = desk(future(), () => {
      throw deskError('record.conflict');
    });
    renderDetail();
    await fireEvent.click(await screen.findByRole('button', { name: 'Confirm' }));
    expect((await screen.findByTestId('error-banner')).textContent).toBe('Someone else changed this appointment in the meantime. Reload it, then try again.');
    await fireEvent.click(screen.getByRole('button', { name: 'Reload' }));
    await waitFor(() => expect(doorRequests(calls, 'appointment_get')).toHaveLength(2));
  });
});

describe('after a cancellation', () => {
  it('offers the freed time to the waiting list, and books one of them there', async () => {
    const a = future({ provider_id: '01HSTAFF000000000000000002' });
    const offer: WaitlistEntry = {
      id: '01HWAIT0000000000000000001',
      client_id: '01HCLIENT00000000000000007',
      client_name: 'Vanna Kim',
      service_id: '01HSERVICE0000000000000001',
      service_name: 'Check-up',
      provider_id: null,
      provider_name: null,
      weekdays: [],
      from_time: null,
      to_time: null,
      note: 'Any morning',
      status: 'waiting',
      created_at: '2026-03-01T02:00:00Z',
    };
    const calls = desk(a, () => doorReply({ kind: 'appointment_saved', data: { appointments: [{ ...a, status: 'cancelled_client' }], overridden: [], offers: [offer] } }));
    const { onbook } = renderDetail();
    await fireEvent.click(await screen.findByRole('button', { name: 'Cancelled by client' }));
    const offers = await screen.findByTestId('offers');
    expect(offers.textContent).toContain('A client on the waiting list fits the freed time');
    expect(offers.textContent).toContain('Vanna Kim');
    expect(doorRequests(calls, 'appointment_set_status')[0].args).toMatchObject({ status: 'cancelled_client', scope: 'this' });
    await fireEvent.click(screen.getByRole('button', { name: 'Book Vanna Kim' }));
    expect(onbook).toHaveBeenCalledWith({
      client: { id: '01HCLIENT00000000000000007', name: 'Vanna Kim' },
      service_id: '01HSERVICE0000000000000001',
      provider_id: '01HSTAFF000000000000000002',
      date: '2031-03-04',
      time: '10:00',
    });
  });
});

describe('the note and the history', () => {
  it('saves the note against the version shown, and lists who did what', async () => {
    const a = future({
      version: 5,
      history: [
        { at: '2026-03-01T02:00:00Z', actor_id: session.staff_id, actor_name: 'Dara Sok', action: 'booked', from_status: null, to_status: 'booked', changes: null, override_reason: 'Squeezed in', note: null },
        { at: '2026-03-01T03:00:00Z', actor_id: null, actor_name: 'Mony Keo', action: 'status', from_status: 'booked', to_status: 'confirmed', changes: null, override_reason: null, note: 'Phoned' },
      ],
    });
    const calls = desk(a);
    renderDetail();
    const history = await screen.findByTestId('appointment-history');
    const rows = [...history.querySelectorAll('li')].map((li) => li.textContent!.replace(/\s+/g, ' '));
    expect(rows[0]).toContain('Mony Keo');
    expect(rows[0]).toContain('Booked → Confirmed');
    expect(rows[0]).toContain('Phoned');
    expect(rows[1]).toContain('Despite the warnings: Squeezed in');
    await fireEvent.input(document.getElementById('appointment-note')!, { target: { value: 'Wheelchair' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save the note' }));
    await waitFor(() => expect(doorRequests(calls, 'appointment_note')).toHaveLength(1));
    expect(doorRequests(calls, 'appointment_note')[0].args).toEqual({ id: ID, expected_version: 5, note: 'Wheelchair' });
  });

  it('opens the client card from the client\'s name', async () => {
    desk(future());
    renderDetail();
    await fireEvent.click(await screen.findByRole('button', { name: 'Sophea Chan' }));
    expect(nav.view).toBe('clients');
    expect(nav.pending.client).toBe('01HCLIENT00000000000000001');
  });
});
