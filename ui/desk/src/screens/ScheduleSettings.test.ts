import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import Settings from './Settings.svelte';
import ServiceSettings from './ServiceSettings.svelte';
import ScheduleExceptions from './ScheduleExceptions.svelte';
import { app } from '../lib/app.svelte';
import { i18n } from '../lib/i18n.svelte';
import type { Call } from '../bindings/Call';
import type { Reply } from '../bindings/Reply';
import { clinic, doorReply, doorRequests, fakeDesk, readyStatus, serviceRecord, session, staffRecord } from '../test-helpers';

const manager = { ...session, role: 'manager', permissions: [...session.permissions, 'schedule_configure', 'appointment_read'] } as typeof session;
const mony = staffRecord();

function desk(more: (c: Call) => Reply | undefined = () => undefined): Call[] {
  return fakeDesk((c) => {
    if (c.call !== 'door') throw new Error(`unexpected ${c.call}`);
    const r = more(c);
    if (r) return r;
    switch (c.args.op) {
      case 'service_list':
        return doorReply({ kind: 'services', data: [serviceRecord({ price_minor: 250000 })] });
      case 'staff_list':
        return doorReply({ kind: 'staff_list', data: [mony] });
      case 'room_list':
        return doorReply({ kind: 'rooms', data: [] });
      case 'schedule_exception_list':
        return doorReply({ kind: 'schedule_exceptions', data: [] });
      case 'reminder_settings_get':
        return doorReply({
          kind: 'reminder_settings',
          data: { enabled: false, hours_before: 24, sms: true, email: false, smtp: null, smtp_password_set: false, late_cancel_hours: 24, no_show_after_minutes: 15, templates: [] },
        });
      case 'service_save':
        return doorReply({ kind: 'service', data: serviceRecord({ ...c.args.args.fields, id: c.args.args.id ?? '01HSERVICE0000000000000009' }) });
      case 'schedule_exception_add':
        return doorReply({ kind: 'schedule_exception', data: { id: '01HEXC00000000000000000001', ...c.args.args } });
      default:
        throw new Error(`unexpected ${c.args.op}`);
    }
  });
}

beforeEach(() => {
  app.status = readyStatus(manager);
  i18n.timeZone = clinic.time_zone;
});
afterEach(() => {
  app.status = null;
  i18n.timeZone = undefined;
});

describe('appointment settings', () => {
  it('a manager sees the services, rooms, closed days and reminders, not the clinic form', async () => {
    const calls = desk();
    render(Settings);
    expect(await screen.findByRole('heading', { name: 'Services' })).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'Rooms' })).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'Closed days, leave and extra hours' })).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'Appointment reminders' })).toBeTruthy();
    expect(document.getElementById('settings-name')).toBeNull();
    expect(doorRequests(calls, 'clinic_get')).toEqual([]);
  });

  it('saves a service with its length, break, price in minor units, colour and providers', async () => {
    const calls = desk();
    render(ServiceSettings);
    const row = await waitFor(() => {
      const r = document.querySelector('[data-service="01HSERVICE0000000000000001"]');
      expect(r).not.toBeNull();
      return r as HTMLElement;
    });
    expect(row.textContent).toContain('250,000');
    expect(row.textContent).toContain('Mony Keo');
    await fireEvent.click(screen.getByRole('button', { name: 'Add a service' }));
    await fireEvent.input(document.getElementById('service-name')!, { target: { value: 'Whitening' } });
    await fireEvent.input(document.getElementById('service-duration')!, { target: { value: '60' } });
    await fireEvent.input(document.getElementById('service-buffer')!, { target: { value: '10' } });
    await fireEvent.input(document.getElementById('service-price')!, { target: { value: '4000' } });
    await fireEvent.input(document.getElementById('service-colour')!, { target: { value: '#aa3355' } });
    await fireEvent.click(document.querySelector(`[data-provider="${mony.id}"]`)!);
    await fireEvent.click(document.getElementById('service-save')!);
    await waitFor(() => expect(doorRequests(calls, 'service_save')).toHaveLength(1));
    expect(doorRequests(calls, 'service_save')[0].args).toEqual({
      id: null,
      expected_version: null,
      fields: { name: 'Whitening', duration_minutes: 60, buffer_minutes: 10, price_minor: 4000, colour: '#aa3355', provider_ids: [mony.id], active: true },
    });
  });

  it('adds one person\'s leave for part of a day', async () => {
    const calls = desk();
    render(ScheduleExceptions);
    await fireEvent.click(await screen.findByRole('button', { name: 'Add' }));
    await fireEvent.click(document.getElementById('exception-who-person')!);
    const who = document.getElementById('exception-staff') as HTMLSelectElement;
    await waitFor(() => expect(who.options).toHaveLength(2));
    await fireEvent.change(who, { target: { value: mony.id } });
    await fireEvent.input(document.getElementById('exception-date')!, { target: { value: '2031-04-14' } });
    await fireEvent.click(document.getElementById('exception-whole-day')!);
    await fireEvent.input(document.getElementById('exception-from')!, { target: { value: '13:00' } });
    await fireEvent.input(document.getElementById('exception-to')!, { target: { value: '17:00' } });
    await fireEvent.input(document.getElementById('exception-note')!, { target: { value: 'Dentist' } });
    await fireEvent.click(document.getElementById('exception-save')!);
    await waitFor(() => expect(doorRequests(calls, 'schedule_exception_add')).toHaveLength(1));
    expect(doorRequests(calls, 'schedule_exception_add')[0].args).toEqual({ staff_id: mony.id, date: '2031-04-14', kind: 'off', start: '13:00:00', end: '17:00:00', note: 'Dentist' });
  });
});
