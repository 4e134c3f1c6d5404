import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import Waitlist from './Waitlist.svelte';
import { app } from '../../lib/app.svelte';
import type { BookingPrefill } from '../../lib/appointments';
import type { WaitlistEntry } from '../../bindings/WaitlistEntry';
import { clientRecord, doorReply, doorRequests, fakeDesk, readyStatus, serviceRecord, session, staffRecord } from '../../test-helpers';

const me = { ...session, permissions: [...session.permissions, 'appointment_read', 'appointment_book'] } as typeof session;
const entry: WaitlistEntry = {
  id: '01HWAIT0000000000000000001',
  client_id: '01HCLIENT00000000000000007',
  client_name: 'Vanna Kim',
  service_id: '01HSERVICE0000000000000001',
  service_name: 'Check-up',
  provider_id: '01HSTAFF000000000000000002',
  provider_name: 'Mony Keo',
  weekdays: ['Mon', 'Wed'],
  from_time: '08:00:00',
  to_time: '12:00:00',
  note: 'Mornings only',
  status: 'waiting',
  created_at: '2026-03-01T02:00:00Z',
};

function desk() {
  let list: WaitlistEntry[] = [entry];
  return fakeDesk((c) => {
    if (c.call !== 'door') throw new Error(`unexpected ${c.call}`);
    switch (c.args.op) {
      case 'waitlist_list':
        return doorReply({ kind: 'waitlist', data: list });
      case 'service_list':
        return doorReply({ kind: 'services', data: [serviceRecord()] });
      case 'staff_list':
        return doorReply({ kind: 'staff_list', data: [staffRecord()] });
      case 'client_search':
        return doorReply({ kind: 'client_page', data: { items: [{ id: clientRecord().id, full_name: 'Sophea Chan', phone: null, email: null }], next_cursor: null } });
      case 'waitlist_add': {
        const made = { ...entry, id: '01HWAIT0000000000000000002', client_id: c.args.args.client_id, client_name: 'Sophea Chan' };
        list = [...list, made];
        return doorReply({ kind: 'waitlist_entry', data: made });
      }
      case 'waitlist_remove':
        list = list.filter((w) => w.id !== (c.args as { args: { id: string } }).args.id);
        return doorReply({ kind: 'waitlist_entry', data: { ...entry, status: 'removed' } });
      default:
        throw new Error(`unexpected ${c.args.op}`);
    }
  });
}

beforeEach(() => {
  app.status = readyStatus(me);
});
afterEach(() => {
  app.status = null;
});

describe('the waiting list', () => {
  it('lists who waits for what and when, and books one of them', async () => {
    desk();
    const onbook = vi.fn<(p: BookingPrefill) => void>();
    render(Waitlist, { onbook });
    const row = await vi.waitFor(() => {
      const r = document.querySelector('[data-waitlist="01HWAIT0000000000000000001"]');
      expect(r).not.toBeNull();
      return r as HTMLElement;
    });
    expect(row.textContent!.replace(/\s+/g, ' ')).toContain('Monday, Wednesday');
    expect(row.textContent).toContain('Mornings only');
    await fireEvent.click(screen.getByRole('button', { name: 'Book' }));
    expect(onbook).toHaveBeenCalledWith({ client: { id: entry.client_id, name: 'Vanna Kim' }, service_id: entry.service_id, provider_id: entry.provider_id });
  });

  it('adds a client with their days and hours, and removes one', async () => {
    const calls = desk();
    render(Waitlist, { onbook: () => {} });
    await fireEvent.click(await screen.findByRole('button', { name: 'Add to the waiting list' }));
    await fireEvent.input(document.getElementById('waitlist-client-search')!, { target: { value: 'Soph' } });
    await fireEvent.click(await screen.findByRole('button', { name: /Sophea Chan/ }));
    const service = document.getElementById('waitlist-service') as HTMLSelectElement;
    await waitFor(() => expect(service.options).toHaveLength(2));
    await fireEvent.change(service, { target: { value: serviceRecord().id } });
    await fireEvent.click(document.getElementById('waitlist-day-Fri')!);
    await fireEvent.input(document.getElementById('waitlist-from')!, { target: { value: '14:00' } });
    await fireEvent.input(document.getElementById('waitlist-note')!, { target: { value: 'After school' } });
    await fireEvent.click(document.getElementById('waitlist-save')!);
    await waitFor(() => expect(doorRequests(calls, 'waitlist_add')).toHaveLength(1));
    expect(doorRequests(calls, 'waitlist_add')[0].args).toEqual({
      client_id: clientRecord().id,
      service_id: serviceRecord().id,
      provider_id: null,
      weekdays: ['Fri'],
      from_time: '14:00:00',
      to_time: null,
      note: 'After school',
    });
    await waitFor(() => expect(document.querySelectorAll('[data-waitlist]')).toHaveLength(2));
    await fireEvent.click(document.querySelector('[data-waitlist-remove="01HWAIT0000000000000000001"]')!);
    await waitFor(() => expect(doorRequests(calls, 'waitlist_remove')).toEqual([{ op: 'waitlist_remove', args: { id: '01HWAIT0000000000000000001' } }]));
    await waitFor(() => expect(document.querySelectorAll('[data-waitlist]')).toHaveLength(1));
  });
});
