import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import ClientCard from './ClientCard.svelte';
import { app } from '../lib/app.svelte';
import { i18n } from '../lib/i18n.svelte';
import { nav } from '../lib/nav.svelte';
import type { Call } from '../bindings/Call';
import type { Consent } from '../bindings/Consent';
import type { Reply } from '../bindings/Reply';
import type { Client } from '../bindings/Client';
import {
  appointmentRecord,
  clientRecord,
  clinic,
  consentRecord,
  deskError,
  doorReply,
  doorRequests,
  fakeDesk,
  readyStatus,
  session,
} from '../test-helpers';

const me = { ...session, permissions: [...session.permissions, 'appointment_read', 'appointment_book'] } as typeof session;
const client = clientRecord();

function desk(more: (c: Call) => Reply | undefined = () => undefined): Call[] {
  let consents: Consent[] = [
    consentRecord({ purpose: 'reminder_email', given: false, method: 'phone' }),
  ];
  return fakeDesk((c) => {
    const r = more(c);
    if (r) return r;
    if (c.call !== 'door') throw new Error(`unexpected ${c.call}`);
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
        consents = [
          consentRecord({ purpose: a.purpose, given: a.given, method: a.method, recorded_by: session.staff_id, recorded_by_name: 'Dara Sok', at: '2026-03-02T04:00:00Z' }),
          ...consents,
        ];
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
    // How the client told the clinic: in person, by phone or in writing (the chat records its own).
    const methods = [...document.querySelectorAll<HTMLOptionElement>('#consent-method option')].map((o) => o.value);
    expect(methods).toEqual(['in_person', 'phone', 'written']);
    await fireEvent.change(document.getElementById('consent-method')!, { target: { value: 'written' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Record consent for SMS reminders' }));
    await waitFor(() => expect(doorRequests(calls, 'consent_set')).toHaveLength(1));
    expect(doorRequests(calls, 'consent_set')[0].args).toEqual({ client_id: client.id, purpose: 'reminder_sms', given: true, method: 'written', text_shown: null });
    await waitFor(() => expect(screen.getByTestId('consent-status-reminder_sms').textContent).toContain('Yes · Dara Sok'));
    expect(screen.getByTestId('consent-status-reminder_sms').textContent).toContain('(In writing)');
    // One click away from withdrawing it again; every purpose is recorded here.
    expect(screen.getByRole('button', { name: 'Withdraw consent for SMS reminders' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Record consent for Newsletter' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Record consent for Care' })).toBeTruthy();
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

const admin = {
  ...session,
  role: 'admin',
  permissions: [...session.permissions, 'client_open_restricted', 'client_erase', 'client_export', 'privacy_manage', 'audit_read'],
} as typeof session;

/** A desk whose client is restricted until someone opens it with a reason. */
function restrictedDesk(open: Client) {
  let opened = false;
  return fakeDesk((c) => {
    if (c.call !== 'door') throw new Error(`unexpected ${c.call}`);
    switch (c.args.op) {
      case 'client_get':
        if (!opened) throw deskError('privacy.restricted');
        return doorReply({ kind: 'client', data: open });
      case 'restricted_open':
        opened = true;
        return doorReply({ kind: 'client', data: open });
      case 'client_history':
        return doorReply({ kind: 'client_history', data: [] });
      case 'staff_list':
        return doorReply({ kind: 'staff_list', data: [] });
      case 'consent_list':
        return doorReply({ kind: 'consents', data: [] });
      default:
        throw new Error(`unexpected ${c.args.op}`);
    }
  });
}

describe('a restricted record', () => {
  const restricted = clientRecord({ restricted_at: '2026-03-01T02:00:00Z' });

  it('says so, needs a reason before it opens, then shows the card', async () => {
    app.status = readyStatus(admin);
    const calls = restrictedDesk(restricted);
    render(ClientCard, { id: restricted.id, onedit: () => {}, onopen: () => {} });
    expect(await screen.findByRole('heading', { name: 'This record is restricted' })).toBeTruthy();
    expect(screen.queryByText('Sophea Chan')).toBeNull();

    // No reason, no request.
    await fireEvent.click(screen.getByRole('button', { name: 'Open the record' }));
    expect(screen.getByText('Give the reason you need to open this record.')).toBeTruthy();
    expect(doorRequests(calls, 'restricted_open')).toHaveLength(0);

    await fireEvent.input(screen.getByLabelText('Why do you need to open it?'), { target: { value: '  Ambulance asks for allergies  ' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Open the record' }));
    await waitFor(() => expect(doorRequests(calls, 'restricted_open')).toEqual([{ op: 'restricted_open', args: { id: restricted.id, reason: 'Ambulance asks for allergies' } }]));
    expect(await screen.findByRole('heading', { name: 'Sophea Chan' })).toBeTruthy();
    expect(screen.getByTestId('restricted-open-note').textContent).toContain('30 minutes');
    expect(doorRequests(calls, 'client_get')).toHaveLength(2);
    // An admin may lift the restriction from the card.
    expect(screen.getByRole('button', { name: 'Lift restriction' })).toBeTruthy();
  });

  it('offers nothing to open it to someone who may not', async () => {
    app.status = readyStatus(me);
    restrictedDesk(restricted);
    render(ClientCard, { id: restricted.id, onedit: () => {}, onopen: () => {} });
    expect(await screen.findByRole('heading', { name: 'This record is restricted' })).toBeTruthy();
    expect(screen.getByText('Only an admin can open it. Ask an admin if you need it.')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Open the record' })).toBeNull();
  });
});

describe('restricting a record', () => {
  it('restricts after a confirmation, shows what it is, and lifts it again', async () => {
    app.status = readyStatus(admin);
    let restrictedAt: string | null = null;
    const calls = fakeDesk((c) => {
      if (c.call !== 'door') throw new Error(`unexpected ${c.call}`);
      switch (c.args.op) {
        case 'client_get':
          if (restrictedAt) throw deskError('privacy.restricted');
          return doorReply({ kind: 'client', data: client });
        case 'client_restrict':
          restrictedAt = '2026-03-02T04:00:00Z';
          return doorReply({ kind: 'client', data: { ...client, restricted_at: restrictedAt } });
        case 'client_unrestrict':
          restrictedAt = null;
          return doorReply({ kind: 'client', data: client });
        case 'client_history':
          return doorReply({ kind: 'client_history', data: [] });
        case 'staff_list':
          return doorReply({ kind: 'staff_list', data: [] });
        case 'consent_list':
          return doorReply({ kind: 'consents', data: [] });
        default:
          throw new Error(`unexpected ${c.args.op}`);
      }
    });
    render(ClientCard, { id: client.id, onedit: () => {}, onopen: () => {} });
    await fireEvent.click(await screen.findByRole('button', { name: 'Restrict' }));
    expect(screen.getByText(/disappears from search, lists and reminders/)).toBeTruthy();
    expect(doorRequests(calls, 'client_restrict')).toHaveLength(0);
    await fireEvent.click(document.getElementById('restrict-confirm')!);
    expect(await screen.findByRole('heading', { name: 'This record is restricted' })).toBeTruthy();
    expect(doorRequests(calls, 'client_restrict')[0].args).toEqual({ id: client.id, request_id: null });

    await fireEvent.click(screen.getByRole('button', { name: 'Lift restriction' }));
    expect(await screen.findByRole('heading', { name: 'Sophea Chan' })).toBeTruthy();
    expect(doorRequests(calls, 'client_unrestrict')[0].args).toEqual({ id: client.id });
  });
});

describe('an erased client', () => {
  it('says "Erased client" and when, with nothing to edit', async () => {
    const erased = clientRecord({ full_name: '', phones: [], erased_at: '2026-03-05T03:00:00Z' });
    app.status = readyStatus(admin);
    const calls = fakeDesk((c) => {
      if (c.call === 'door' && c.args.op === 'client_get') return doorReply({ kind: 'client', data: erased });
      throw new Error(`unexpected ${c.call === 'door' ? c.args.op : c.call}`);
    });
    render(ClientCard, { id: erased.id, onedit: () => {}, onopen: () => {} });
    expect((await screen.findByTestId('erased-title')).textContent).toBe('Erased client');
    expect(screen.getByTestId('erased-note').textContent).toContain('Mar 5, 2026');
    expect(screen.queryByRole('button', { name: 'Edit' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Erase this client' })).toBeNull();
    expect(screen.queryByTestId('consents')).toBeNull();
    expect(calls).toHaveLength(1);
  });
});

describe('the privacy actions', () => {
  it('are there for an admin, and not for a receptionist', async () => {
    app.status = readyStatus(admin);
    desk();
    const { unmount } = render(ClientCard, { id: client.id, onedit: () => {}, onopen: () => {} });
    await screen.findByTestId('card-privacy');
    for (const name of ['Export this client', 'Restrict', 'Erase this client', 'Who accessed this record']) expect(screen.getByRole('button', { name })).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Who accessed this record' }));
    expect(nav.view).toBe('audit');
    expect(nav.pending.audit).toEqual({ target_id: client.id });
    unmount();

    app.status = readyStatus(me);
    desk();
    render(ClientCard, { id: client.id, onedit: () => {}, onopen: () => {} });
    await screen.findByRole('heading', { name: 'Sophea Chan' });
    expect(screen.queryByTestId('card-privacy')).toBeNull();
  });

  it('export asks for a fresh code, and shows the files and the one-time password once', async () => {
    app.status = readyStatus(admin);
    const calls = desk((c) => {
      const shell = c as unknown as { call: string };
      if (shell.call === 'export_client') {
        return { kind: 'client_exported', data: { paths: ['/home/dara/Downloads/sophea-chan.json', '/home/dara/Downloads/sophea-chan.csv'], password: 'K7QP-22MX-T9RB' } } as unknown as Reply;
      }
      return undefined;
    });
    render(ClientCard, { id: client.id, onedit: () => {}, onopen: () => {} });
    await fireEvent.click(await screen.findByRole('button', { name: 'Export this client' }));
    const go = screen.getByRole('button', { name: 'Export' }) as HTMLButtonElement;
    expect(go.disabled).toBe(true);
    await fireEvent.input(screen.getByLabelText('Code from your authenticator app'), { target: { value: '123 456' } });
    expect(go.disabled).toBe(false);
    await fireEvent.click(go);
    const pwd = await screen.findByTestId('export-password');
    expect(pwd.textContent).toBe('K7QP-22MX-T9RB');
    expect(screen.getByTestId('export-paths').textContent).toContain('/home/dara/Downloads/sophea-chan.csv');
    const sent = calls.filter((c) => (c as unknown as { call: string }).call === 'export_client');
    expect(sent).toEqual([{ call: 'export_client', args: { id: client.id, totp: '123456', encrypt: true } }]);
  });
});
