import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import RoutingSettings from './RoutingSettings.svelte';
import { app } from '../lib/app.svelte';
import { nav } from '../lib/nav.svelte';
import type { Call } from '../bindings/Call';
import type { Reply } from '../bindings/Reply';
import type { RoutingSettings as Routing } from '../bindings/RoutingSettings';
import { deskError, doorReply, doorRequests, fakeDesk, readyStatus, session, staffRecord } from '../test-helpers';

const admin = { ...session, role: 'admin', permissions: [...session.permissions, 'routing_configure', 'staff_manage'] } as typeof session;
const mony = staffRecord({
  chat_capacity: 4,
  support_tier: 2,
  experience: 5,
  working_hours: [
    { day: 'Mon', start: '09:00:00', end: '12:00:00' },
    { day: 'Mon', start: '13:00:00', end: '17:00:00' },
    { day: 'Sat', start: '09:00:00', end: '13:00:00' },
  ],
});

function desk(update: (c: Call) => Reply = (c) => doorReply({ kind: 'routing', data: (c as { args: { args: Routing } }).args.args })): Call[] {
  return fakeDesk((c) => {
    if (c.call !== 'door') throw new Error(`unexpected ${c.call}`);
    if (c.args.op === 'routing_get') return doorReply({ kind: 'routing', data: { strategy: 'least_loaded', sla_minutes: null } });
    if (c.args.op === 'staff_list') return doorReply({ kind: 'staff_list', data: [mony] });
    return update(c);
  });
}

beforeEach(() => {
  app.status = readyStatus(admin);
  nav.pending = {};
});
afterEach(() => {
  app.status = null;
});

describe('routing settings', () => {
  it('shows the strategy, the answer time off, and the people routing chooses from', async () => {
    desk();
    render(RoutingSettings);
    await vi.waitFor(() => expect((screen.getByLabelText(/Least busy/) as HTMLInputElement).checked).toBe(true));
    expect((document.getElementById('routing-sla-on') as HTMLInputElement).checked).toBe(false);
    expect((document.getElementById('routing-sla') as HTMLInputElement).disabled).toBe(true);
    const row = await vi.waitFor(() => {
      const r = document.querySelector('[data-routing-staff="mony"]');
      expect(r).not.toBeNull();
      return r as HTMLElement;
    });
    const cells = [...row.querySelectorAll('th, td')].map((c) => c.textContent!.trim());
    expect(cells.slice(0, 5)).toEqual(['Mony Keo', '4', '2', '5', 'Monday, Saturday']);
    await fireEvent.click(within(row).getByRole('button', { name: 'Edit Mony Keo' }));
    expect(nav.view).toBe('staff');
    expect(nav.pending.staff).toBe(mony.id);
  });

  it('saves the strategy and an answer time', async () => {
    const calls = desk();
    render(RoutingSettings);
    await vi.waitFor(() => expect((screen.getByRole('button', { name: 'Save' }) as HTMLButtonElement).disabled).toBe(false));
    await fireEvent.click(screen.getByLabelText(/Support lines/));
    await fireEvent.click(document.getElementById('routing-sla-on')!);
    await fireEvent.input(document.getElementById('routing-sla')!, { target: { value: '5' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await vi.waitFor(() => expect(doorRequests(calls, 'routing_update')).toHaveLength(1));
    expect(doorRequests(calls, 'routing_update')[0].args).toEqual({ strategy: 'tiered', sla_minutes: 5 });
    expect(await screen.findByText('Chat routing saved.')).toBeTruthy();
  });

  it('refuses an answer time out of range beside the field, and shows the desk\'s own the same way', async () => {
    const calls = desk(() => {
      throw deskError('validation.out_of_range', { field: 'sla_minutes' });
    });
    render(RoutingSettings);
    await vi.waitFor(() => expect((screen.getByRole('button', { name: 'Save' }) as HTMLButtonElement).disabled).toBe(false));
    await fireEvent.click(document.getElementById('routing-sla-on')!);
    await fireEvent.input(document.getElementById('routing-sla')!, { target: { value: '2000' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(document.querySelector('[data-field-error="routing-sla"]')!.textContent).toBe('Enter a whole number of minutes from 1 to 1440.');
    expect(doorRequests(calls, 'routing_update')).toEqual([]);
    await fireEvent.input(document.getElementById('routing-sla')!, { target: { value: '30' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await vi.waitFor(() => expect(document.querySelector('[data-field-error="routing-sla"]')!.textContent).toBe('This number is out of range.'));
    expect(screen.queryByTestId('error-banner')).toBeNull();
  });
});
