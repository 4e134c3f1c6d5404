import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import ClientCard from './ClientCard.svelte';
import { app } from '../lib/app.svelte';
import { i18n } from '../lib/i18n.svelte';
import { nav } from '../lib/nav.svelte';
import type { Call } from '../bindings/Call';
import type { Consent } from '../bindings/Consent';
import type { Reply } from '../bindings/Reply';
import { appointmentRecord, clientRecord, clinic, doorReply, doorRequests, fakeDesk, readyStatus, session } from '../test-helpers';

const me = { ...session, permissions: [...session.permissions, 'appointment_read', 'appointment_book'] } as typeof session;
const client = clientRecord();

function desk(more: (c: Call) => Reply | undefined = () => undefined): Call[] {
  let consents: Consent[] = [
    { purpose: 'reminder_email', given: false, method: 'phone', recorded_by: '01HSTAFF000000000000000002', recorded_by_name: 'Mony Keo', at: '2026-02-01T03:00:00Z' },
  ];
  return fakeDesk((c) => {
    if (c.call !== 'door') throw new Error(`unexpected ${c.call}`);
    const r = more(c);
    if (r) return r;
    switch (c.args.op) {
      case 'client_get':
        return doorReply({ kind: 'client', data: client });
      case 'client_history':
        return doorReply({ kind: 'client_history', data: [] });
      case 'staff_list':
        return doorReply({ kind: 'staff_list', data: [] });
      case 'consent_list':
        return doorReply({ kind: 'consents', data: consents });
      case 'consent_set': {
        const a = c.args.args;
        consents = [{ purpose: a.purpose, given: a.given, method: a.method, recorded_by: session.staff_id, recorded_by_name: 'Dara Sok', at: '2026-03-02T04:00:00Z' }, ...consents];
        return doorReply({ kind: 'consents', data: consents });
      }
      case 'client_appointments':
        return doorReply({
          kind: 'appointments',
          data: [
            appointmentRecord({ id: '01HAPPT0000000000000000002', start: '2020-05-01T09:00', service_name: 'Old check-up', status: 'done' }),
            appointmentRecord({ id: '01HAPPT0000000000000000003', start: '2040-06-02T09:00', service_name: 'Later visit' }),
            appointmentRecord({ id: '01HAPPT0000000000000000004', start: '2040-01-02T09:00', service_name: 'Sooner visit', status: 'confirmed' }),
          ],
        });
      default:
        throw new Error(`unexpected ${c.args.op}`);
    }
  });
}

beforeEach(() => {
  app.status = readyStatus(me);
  i18n.timeZone = clinic.time_zone;
  nav.pending = {};
  nav.view = 'clients';
});
afterEach(() => {
  app.status = null;
  i18n.timeZone = undefined;
});

describe('the client card', () => {
  it('records a reminder consent with how the client said so, and shows the latest decision', async () => {
    const calls = desk();
    render(ClientCard, { id: client.id, onedit: () => {}, onopen: () => {} });
    await waitFor(() => expect(screen.getByTestId('consent-status-reminder_email').textContent).toContain('No · Mony Keo'));
    expect(screen.getByTestId('consent-status-reminder_email').textContent).toContain('(By phone)');
    expect(screen.getByTestId('consent-status-reminder_sms').textContent).toBe('Not recorded');
    const sms = screen.getByLabelText<HTMLInputElement>('SMS reminders');
    expect(sms.checked).toBe(false);
    await fireEvent.change(document.getElementById('consent-method')!, { target: { value: 'written' } });
    await fireEvent.click(sms);
    await waitFor(() => expect(doorRequests(calls, 'consent_set')).toHaveLength(1));
    expect(doorRequests(calls, 'consent_set')[0].args).toEqual({ client_id: client.id, purpose: 'reminder_sms', given: true, method: 'written' });
    await waitFor(() => expect(screen.getByTestId('consent-status-reminder_sms').textContent).toContain('Yes · Dara Sok'));
    expect(screen.getByTestId('consent-status-reminder_sms').textContent).toContain('(In writing)');
    expect(sms.checked).toBe(true);
    // Care and the newsletter are shown, not changed here.
    expect(screen.queryByLabelText('Newsletter')).toBeNull();
  });

  it('lists the coming visits first, soonest first, then the past ones, and books for the client', async () => {
    desk();
    render(ClientCard, { id: client.id, onedit: () => {}, onopen: () => {} });
    const upcoming = await screen.findByTestId('card-appointments-upcoming');
    expect([...upcoming.querySelectorAll('li')].map((li) => li.getAttribute('data-card-appointment'))).toEqual(['01HAPPT0000000000000000004', '01HAPPT0000000000000000003']);
    expect(upcoming.textContent).toContain('Confirmed');
    const pastList = screen.getByTestId('card-appointments-past');
    expect(pastList.textContent).toContain('Old check-up');
    expect(pastList.textContent).toContain('Done');
    await fireEvent.click(screen.getByRole('button', { name: 'Book an appointment' }));
    expect(nav.view).toBe('calendar');
    expect(nav.pending.book).toEqual({ client: { id: client.id, name: 'Sophea Chan' } });
  });

  it('opens a listed visit in the calendar, on its date', async () => {
    desk();
    render(ClientCard, { id: client.id, onedit: () => {}, onopen: () => {} });
    const row = await vi.waitFor(() => {
      const li = document.querySelector('[data-card-appointment="01HAPPT0000000000000000003"] button');
      expect(li).not.toBeNull();
      return li!;
    });
    await fireEvent.click(row);
    expect(nav.view).toBe('calendar');
    expect(nav.pending.appointment).toEqual({ id: '01HAPPT0000000000000000003', date: '2040-06-02' });
  });
});
