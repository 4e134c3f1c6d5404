import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import BookingForm from './BookingForm.svelte';
import { app } from '../lib/app.svelte';
import { i18n } from '../lib/i18n.svelte';
import type { AppointmentSaved } from '../bindings/AppointmentSaved';
import type { Call } from '../bindings/Call';
import type { Conflict } from '../bindings/Conflict';
import type { Reply } from '../bindings/Reply';
import type { BookingPrefill } from '../lib/appointments';
import {
  appointmentRecord,
  clientRecord,
  clinic,
  deskError,
  doorReply,
  doorRequests,
  fakeDesk,
  readyStatus,
  serviceRecord,
  session,
  staffRecord,
} from '../test-helpers';

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const me = { ...session, permissions: [...session.permissions, 'appointment_read', 'appointment_book'] } as typeof session;
const MONY = '01HSTAFF000000000000000002';
const SERVICE = '01HSERVICE0000000000000001';
const clash: Conflict = { kind: 'provider', date: '2031-03-04', other_id: '01HAPPT0000000000000000009', other_start_local: '2031-03-04T10:00', other_end_local: '2031-03-04T10:45' };
const filled: BookingPrefill = { client: { id: clientRecord().id, name: 'Sophea Chan' }, service_id: SERVICE, provider_id: MONY, date: '2031-03-04', time: '10:15' };

function booked(c: Call): Reply {
  if (c.call !== 'door' || c.args.op !== 'appointment_book') throw new Error('expected appointment_book');
  const a = appointmentRecord({ id: c.args.args.id!, start: c.args.args.start.slice(0, 16), note: c.args.args.note });
  return doorReply({ kind: 'appointment_saved', data: { appointments: [a], overridden: [], offers: [] } });
}

/** The desk: `check` answers the dry runs, `book` the booking; everything else as a clinic would. */
function desk(check: (n: number) => Conflict[], book: (c: Call, n: number) => Reply = booked, more: (c: Call) => Reply | undefined = () => undefined): Call[] {
  let checks = 0;
  let books = 0;
  return fakeDesk((c) => {
    if (c.call !== 'door') throw new Error(`unexpected ${c.call}`);
    const r = more(c);
    if (r) return r;
    switch (c.args.op) {
      case 'service_list':
        return doorReply({ kind: 'services', data: [serviceRecord({ duration_minutes: 45 }), serviceRecord({ id: '01HSERVICE0000000000000002', name: 'Cleaning', provider_ids: [] })] });
      case 'staff_list':
        return doorReply({ kind: 'staff_list', data: [staffRecord({ id: session.staff_id, login: 'dara', display_name: 'Dara Sok' }), staffRecord()] });
      case 'room_list':
        return doorReply({ kind: 'rooms', data: [{ id: '01HROOM0000000000000000001', name: 'Room 1', active: true, version: 1 }] });
      case 'appointment_check':
        return doorReply({ kind: 'conflicts', data: check(++checks) });
      case 'appointment_book':
        return book(c, ++books);
      case 'client_search':
        return doorReply({ kind: 'client_page', data: { items: [{ id: clientRecord().id, full_name: 'Sophea Chan', phone: '+855 12 345 678', email: null }], next_cursor: null } });
      default:
        throw new Error(`unexpected ${c.args.op}`);
    }
  });
}

function renderForm(prefill: BookingPrefill = filled) {
  const onbooked = vi.fn<(s: AppointmentSaved, confirmation: 'sent' | 'failed' | null) => void>();
  const oncancel = vi.fn<() => void>();
  render(BookingForm, { prefill, onbooked, oncancel });
  return { onbooked, oncancel };
}

const el = <T extends HTMLElement = HTMLInputElement>(id: string) => document.getElementById(id) as T;
const submit = () => fireEvent.click(el('booking-submit'));

beforeEach(() => {
  app.status = readyStatus(me);
  i18n.timeZone = clinic.time_zone;
});
afterEach(() => {
  app.status = null;
  i18n.timeZone = undefined;
});

describe('the booking form', () => {
  it('books what was typed, with one id made when the form opened and the service\'s length', async () => {
    const calls = desk(() => []);
    const { onbooked } = renderForm();
    await waitFor(() => expect(el('booking-duration').value).toBe('45'));
    await fireEvent.input(el('booking-note'), { target: { value: 'First visit' } });
    await fireEvent.change(el<HTMLSelectElement>('booking-room'), { target: { value: '01HROOM0000000000000000001' } });
    await waitFor(() => expect(doorRequests(calls, 'appointment_check').length).toBeGreaterThan(0));
    expect(el('booking-submit').textContent).toBe('Book');
    await submit();
    await waitFor(() => expect(onbooked).toHaveBeenCalledTimes(1));
    const [b] = doorRequests(calls, 'appointment_book');
    expect(b.args.id).toMatch(ULID);
    expect(b.args).toEqual({
      id: b.args.id,
      client_id: clientRecord().id,
      service_id: SERVICE,
      provider_id: MONY,
      room_id: '01HROOM0000000000000000001',
      start: '2031-03-04T10:15:00',
      duration_minutes: 45,
      end: null,
      note: 'First visit',
      conversation_id: null,
      recurrence: null,
      override_reason: null,
      allow_past: false,
    });
    expect(onbooked.mock.calls[0][1]).toBeNull();
  });

  it('shows the warnings as the form is filled in, and books anyway only with a reason', async () => {
    const calls = desk(() => [clash]);
    const { onbooked } = renderForm();
    const warnings = await screen.findByTestId('booking-warnings');
    expect(warnings.textContent).toContain('Check this before booking:');
    expect(warnings.textContent).toContain('The provider has another appointment on');
    expect(warnings.textContent!.replace(/\s/g, ' ')).toContain('10:00 AM–10:45 AM');
    expect(el('booking-submit').textContent).toBe('Book anyway');
    expect(screen.getByText("Needed to go ahead despite the warnings. The reason is kept in the appointment's history.")).toBeTruthy();
    // The dry run is of the booking as typed.
    expect(doorRequests(calls, 'appointment_check')[0].args).toMatchObject({ client_id: clientRecord().id, provider_id: MONY, start: '2031-03-04T10:15:00', override_reason: null });

    await submit();
    expect(document.querySelector('[data-field-error="booking-reason"]')!.textContent).toBe('Give a reason to go ahead despite the warnings.');
    expect(document.activeElement).toBe(el('booking-reason'));
    expect(doorRequests(calls, 'appointment_book')).toEqual([]);

    await fireEvent.input(el('booking-reason'), { target: { value: 'Urgent: pain since yesterday' } });
    await submit();
    await waitFor(() => expect(onbooked).toHaveBeenCalledTimes(1));
    expect(doorRequests(calls, 'appointment_book')[0].args.override_reason).toBe('Urgent: pain since yesterday');
  });

  it('when another desk took the time meanwhile, checks again and keeps everything typed', async () => {
    const calls = desk(
      (n) => (n === 1 ? [] : [clash]),
      (c, n) => {
        if (n === 1) throw deskError('appointment.conflict');
        return booked(c);
      },
    );
    const { onbooked } = renderForm();
    await waitFor(() => expect(doorRequests(calls, 'appointment_check')).toHaveLength(1));
    await fireEvent.input(el('booking-note'), { target: { value: 'Bring the X-rays' } });
    await submit();
    expect((await screen.findByTestId('error-banner')).textContent).toBe(
      'Another desk booked into this time a moment ago. The warnings below are up to date; what you typed is kept.',
    );
    expect((await screen.findByTestId('booking-warnings')).textContent).toContain('The provider has another appointment');
    expect(doorRequests(calls, 'appointment_check').length).toBeGreaterThanOrEqual(2);
    expect(el<HTMLTextAreaElement>('booking-note').value).toBe('Bring the X-rays');
    expect(el('booking-time').dataset.value).toBe('10:15');
    expect(el('booking-time').value).toBe('10:15 AM');
    expect(onbooked).not.toHaveBeenCalled();

    await fireEvent.input(el('booking-reason'), { target: { value: 'Client insists' } });
    await submit();
    await waitFor(() => expect(onbooked).toHaveBeenCalledTimes(1));
    const sent = doorRequests(calls, 'appointment_book');
    expect(sent).toHaveLength(2);
    // The same booking: a retried submit books once.
    expect(sent[1].args.id).toBe(sent[0].args.id);
    expect(sent[1].args).toMatchObject({ note: 'Bring the X-rays', override_reason: 'Client insists' });
  });

  it('asks for a client, and shows a time in the past beside the time with the way out', async () => {
    const calls = desk(
      () => [],
      (c) => {
        if (c.call === 'door' && c.args.op === 'appointment_book' && !c.args.args.allow_past) throw deskError('appointment.in_past', { field: 'start' });
        return booked(c);
      },
    );
    const { onbooked } = renderForm({ ...filled, client: null });
    await submit();
    expect(document.querySelector('[data-field-error="booking-client"]')!.textContent).toBe('This is required.');
    expect(doorRequests(calls, 'appointment_book')).toEqual([]);
    await fireEvent.input(el('booking-client-search'), { target: { value: 'Soph' } });
    await fireEvent.click(await screen.findByRole('button', { name: /Sophea Chan/ }));
    await submit();
    await waitFor(() => expect(document.querySelector('[data-field-error="booking-time"]')?.textContent).toBe('This time has passed. Tick “Record an earlier visit” to enter it anyway.'));
    await fireEvent.click(screen.getByLabelText('Record an earlier visit'));
    await submit();
    await waitFor(() => expect(onbooked).toHaveBeenCalledTimes(1));
    expect(doorRequests(calls, 'appointment_book').at(-1)!.args).toMatchObject({ allow_past: true, client_id: clientRecord().id });
  });

  it('adds a new client on the spot, with an id made here', async () => {
    const calls = desk(
      () => [],
      booked,
      (c) =>
        c.call === 'door' && c.args.op === 'client_create'
          ? doorReply({ kind: 'client_saved', data: { client: clientRecord({ id: c.args.args.id!, full_name: 'Vanna Kim', phones: ['012 999 888'] }), possible_duplicates: [] } })
          : undefined,
    );
    renderForm({ ...filled, client: null });
    await fireEvent.click(await screen.findByRole('button', { name: 'New client' }));
    await fireEvent.input(el('booking-new-name'), { target: { value: 'Vanna Kim' } });
    await fireEvent.input(el('booking-new-phone'), { target: { value: '012 999 888' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Add the client' }));
    await waitFor(() => expect(screen.getByTestId('booking-client').textContent).toContain('Vanna Kim'));
    const [made] = doorRequests(calls, 'client_create');
    expect(made.args.id).toMatch(ULID);
    expect(made.args.fields).toMatchObject({ full_name: 'Vanna Kim', phones: ['012 999 888'], source: 'walk_in' });
  });

  it('repeats weekly on chosen days for a number of visits', async () => {
    const calls = desk(() => []);
    const { onbooked } = renderForm();
    await fireEvent.click(el('booking-repeat'));
    await fireEvent.input(el('booking-every'), { target: { value: '2' } });
    await fireEvent.click(el('booking-weekday-Thu'));
    await fireEvent.click(el('booking-weekday-Tue'));
    await fireEvent.input(el('booking-count'), { target: { value: '6' } });
    await submit();
    await waitFor(() => expect(onbooked).toHaveBeenCalledTimes(1));
    expect(doorRequests(calls, 'appointment_book')[0].args.recurrence).toEqual({ every: 2, unit: 'week', weekdays: ['Tue', 'Thu'], until: null, count: 6 });
  });

  it('fills in the next free slot for the service and provider', async () => {
    const calls = desk(
      () => [],
      booked,
      (c) =>
        c.call === 'door' && c.args.op === 'appointment_next_free'
          ? doorReply({ kind: 'free_slot', data: { provider_id: MONY, provider_name: 'Mony Keo', start: '2031-03-05T14:05:00', starts_at: '2031-03-05T07:05:00Z', ends_at: '2031-03-05T07:50:00Z' } })
          : undefined,
    );
    renderForm();
    await fireEvent.click(screen.getByRole('button', { name: 'Next free slot' }));
    await waitFor(() => expect(el('booking-time').dataset.value).toBe('14:05'));
    expect(el('booking-date').dataset.value).toBe('2031-03-05');
    expect(el('booking-date').value).toBe('03/05/2031');
    expect(doorRequests(calls, 'appointment_next_free')[0].args).toEqual({ service_id: SERVICE, provider_id: MONY, after: '2031-03-04T10:15:00' });
    expect(screen.getByTestId('booking-notice').textContent).toContain('Mony Keo');
  });

  it('from a chat: sends the confirmation there after booking', async () => {
    const calls = desk(
      () => [],
      booked,
      (c) => (c.call === 'door' && c.args.op === 'chat_reply' ? doorReply({ kind: 'chat_message', data: null as never }) : undefined),
    );
    const { onbooked } = renderForm({ ...filled, conversation_id: '01HCONV0000000000000000001' });
    await waitFor(() => expect((el<HTMLSelectElement>('booking-service')).selectedOptions[0]?.textContent).toBe('Check-up'));
    expect(screen.getByLabelText<HTMLInputElement>('Send the confirmation in the chat').checked).toBe(true);
    await submit();
    await waitFor(() => expect(onbooked).toHaveBeenCalledTimes(1));
    expect(onbooked.mock.calls[0][1]).toBe('sent');
    const [book] = doorRequests(calls, 'appointment_book');
    expect(book.args.conversation_id).toBe('01HCONV0000000000000000001');
    const [reply] = doorRequests(calls, 'chat_reply');
    expect(reply.args.conversation_id).toBe('01HCONV0000000000000000001');
    expect(reply.args.id).toMatch(ULID);
    expect(reply.args.text.replace(/\s/g, ' ')).toBe('Your appointment is booked: Check-up with Mony Keo on Tuesday, March 4, 2031 at 10:15 AM.');
  });
  it('from a chat with no client: a client added on the spot is linked to the conversation', async () => {
    app.status = readyStatus({ ...me, permissions: [...me.permissions, 'client_create'] } as typeof me);
    const CONV = '01HCONV0000000000000000001';
    const calls = desk(
      () => [],
      booked,
      (c) => {
        if (c.call !== 'door') return undefined;
        if (c.args.op === 'client_create') {
          const id = c.args.args.id!;
          return doorReply({ kind: 'client_saved', data: { client: clientRecord({ id, full_name: 'Chea Vanna' }), possible_duplicates: [] } as never });
        }
        if (c.args.op === 'conversation_link_client') return doorReply({ kind: 'conversation', data: null as never });
        return undefined;
      },
    );
    renderForm({ ...filled, client: undefined, conversation_id: CONV });
    await fireEvent.click(await screen.findByRole('button', { name: 'New client' }));
    await fireEvent.input(el('booking-new-name'), { target: { value: 'Chea Vanna' } });
    await fireEvent.input(el('booking-new-phone'), { target: { value: '012 345 678' } });
    await fireEvent.click(el('booking-new-save'));
    await waitFor(() => expect(doorRequests(calls, 'conversation_link_client').length).toBe(1));
    const [created] = doorRequests(calls, 'client_create');
    const [link] = doorRequests(calls, 'conversation_link_client');
    expect(link.args).toEqual({ id: CONV, client_id: created.args.id });
    expect(created.args.fields.source).toBe('web_chat');
  });

  it('a client added on the spot outside a chat links nothing', async () => {
    app.status = readyStatus({ ...me, permissions: [...me.permissions, 'client_create'] } as typeof me);
    const calls = desk(() => [], booked, (c) =>
      c.call === 'door' && c.args.op === 'client_create'
        ? doorReply({ kind: 'client_saved', data: { client: clientRecord({ id: c.args.args.id!, full_name: 'Chea Vanna' }), possible_duplicates: [] } as never })
        : undefined,
    );
    renderForm({ ...filled, client: undefined });
    await fireEvent.click(await screen.findByRole('button', { name: 'New client' }));
    await fireEvent.input(el('booking-new-name'), { target: { value: 'Chea Vanna' } });
    await fireEvent.click(el('booking-new-save'));
    await waitFor(() => expect(doorRequests(calls, 'client_create').length).toBe(1));
    await new Promise((r) => setTimeout(r, 50));
    expect(doorRequests(calls, 'conversation_link_client')).toEqual([]);
  });
});
