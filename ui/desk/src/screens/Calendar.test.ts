import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import Calendar from './Calendar.svelte';
import { app } from '../lib/app.svelte';
import { i18n } from '../lib/i18n.svelte';
import { nav } from '../lib/nav.svelte';
import { emitDeskEvent } from '../lib/bus';
import type { Appointment } from '../bindings/Appointment';
import type { Call } from '../bindings/Call';
import type { Calendar as Cal } from '../bindings/Calendar';
import type { Reply } from '../bindings/Reply';
import {
  appointmentRecord,
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

const me = { ...session, permissions: [...session.permissions, 'appointment_read', 'appointment_book'] } as typeof session;
const MONY = '01HSTAFF000000000000000002';
const SOK = '01HSTAFF000000000000000003';
const mony = staffRecord();
const sok = staffRecord({ id: SOK, login: 'sok', display_name: 'Sok Dara', role: 'clinician' });

/** A day in the clinic: Mony works 09:00–17:00, Sok 08:00–12:00; what `appts` gives is booked. */
function day(from: string, appts: (d: string) => Appointment[]): Cal {
  return {
    from,
    days: 1,
    providers: [
      { id: MONY, name: 'Mony Keo' },
      { id: SOK, name: 'Sok Dara' },
    ],
    appointments: appts(from),
    hours: [
      { provider_id: MONY, date: from, from: '09:00', to: '17:00' },
      { provider_id: SOK, date: from, from: '08:00', to: '12:00' },
    ],
    closed: [],
  };
}

const visit = (d: string, over: Parameters<typeof appointmentRecord>[0] = {}) => appointmentRecord({ start: `${d}T10:00`, minutes: 30, ...over });

function desk(appts: (d: string) => Appointment[], more: (c: Call) => Reply | undefined = () => undefined): Call[] {
  return fakeDesk((c) => {
    if (c.call !== 'door') throw new Error(`unexpected ${c.call}`);
    const r = more(c);
    if (r) return r;
    switch (c.args.op) {
      case 'appointment_calendar':
        return doorReply({ kind: 'calendar', data: day(c.args.args.from, appts) });
      case 'appointment_no_shows':
        return doorReply({ kind: 'appointments', data: [] });
      case 'service_list':
        return doorReply({ kind: 'services', data: [serviceRecord({ provider_ids: [MONY, SOK] })] });
      case 'staff_list':
        return doorReply({ kind: 'staff_list', data: [mony, sok] });
      case 'room_list':
        return doorReply({ kind: 'rooms', data: [] });
      case 'appointment_check':
        return doorReply({ kind: 'conflicts', data: [] });
      case 'appointment_move': {
        const m = c.args.args;
        const a = appts(m.start.slice(0, 10)).find((x) => x.id === m.id)!;
        return doorReply({ kind: 'appointment_saved', data: { appointments: [{ ...a, start_local: m.start.slice(0, 16), version: a.version + 1 }], overridden: [], offers: [] } });
      }
      default:
        throw new Error(`unexpected ${c.args.op}`);
    }
  });
}

const block = (id = '01HAPPT0000000000000000001') =>
  vi.waitFor(() => {
    const el = document.querySelector<HTMLElement>(`.appointment[data-id="${id}"]`);
    expect(el).not.toBeNull();
    return el!;
  });
// The day the date field holds (its text is the locale's form of it).
const shownDate = () => (document.getElementById('calendar-date') as HTMLInputElement).dataset.value ?? '';

beforeEach(() => {
  app.status = readyStatus(me);
  i18n.timeZone = clinic.time_zone;
  nav.pending = {};
});
afterEach(() => {
  app.status = null;
  i18n.timeZone = undefined;
  document.documentElement.dir = 'ltr';
  vi.restoreAllMocks();
});

describe('the calendar, day view', () => {
  it('draws a column per provider, working time shaded, and each visit at its rows', async () => {
    const calls = desk((d) => [
      visit(d, { id: '01HAPPT0000000000000000001', client_name: 'Sophea Chan', service_name: 'Check-up' }),
      visit(d, { id: '01HAPPT0000000000000000002', start: `${d}T09:00`, minutes: 45, provider_id: SOK, provider_name: 'Sok Dara', client_name: 'Dara Pich', status: 'arrived' }),
      visit(d, { id: '01HAPPT0000000000000000003', start: `${d}T11:00`, client_name: 'Gone Away', status: 'cancelled_client' }),
    ]);
    render(Calendar);
    const first = await block();
    const [req] = doorRequests(calls, 'appointment_calendar');
    expect(req.args).toEqual({ from: shownDate(), days: 1, provider_ids: [], include_cancelled: false });

    expect([...document.querySelectorAll('[data-testid="column-head"]')].map((h) => h.textContent!.trim())).toEqual(['Mony Keo', 'Sok Dara']);
    // From the earliest working hour (08:00) to the latest (17:00), in 15-minute rows.
    const monySlots = document.querySelectorAll(`.column[data-provider="${MONY}"] .slot`);
    expect(monySlots).toHaveLength(36);
    expect(monySlots[0].getAttribute('data-time')).toBe('08:00');
    expect(monySlots[35].getAttribute('data-time')).toBe('16:45');
    // Mony starts at nine; Sok works from eight.
    expect(document.querySelector(`.slot[data-provider="${MONY}"][data-time="08:45"]`)!.classList.contains('working')).toBe(false);
    expect(document.querySelector(`.slot[data-provider="${MONY}"][data-time="09:00"]`)!.classList.contains('working')).toBe(true);
    expect(document.querySelector(`.slot[data-provider="${SOK}"][data-time="08:00"]`)!.classList.contains('working')).toBe(true);
    expect(document.querySelector(`.slot[data-provider="${SOK}"][data-time="12:00"]`)!.classList.contains('working')).toBe(false);

    // 10:00–10:30 in Mony's column: 120 minutes below the top, 30 long.
    expect(first.closest('.column')!.getAttribute('data-provider')).toBe(MONY);
    expect(first.style.getPropertyValue('--top')).toBe('120');
    expect(first.style.getPropertyValue('--len')).toBe('30');
    expect(first.style.getPropertyValue('--colour')).toBe('#2f7ed8');
    expect(first.getAttribute('role')).toBe('button');
    expect(first.getAttribute('tabindex')).toBe('0');
    expect(first.getAttribute('aria-label')!.replace(/\s/g, ' ')).toBe('10:00 AM–10:30 AM, Sophea Chan, Check-up, Booked');
    const second = await block('01HAPPT0000000000000000002');
    expect(second.closest('.column')!.getAttribute('data-provider')).toBe(SOK);
    expect(second.style.getPropertyValue('--top')).toBe('60');
    expect(second.style.getPropertyValue('--len')).toBe('45');
    expect(second.textContent).toContain('Arrived');
    // A cancelled visit holds no time: not drawn.
    expect(document.querySelector('.appointment[data-id="01HAPPT0000000000000000003"]')).toBeNull();
    expect(screen.queryByText('Gone Away')).toBeNull();
  });

  it('goes a day on and back, and to today', async () => {
    i18n.region = 'VN';
    const calls = desk(() => []);
    render(Calendar);
    await waitFor(() => expect(doorRequests(calls, 'appointment_calendar')).toHaveLength(1));
    const today = shownDate();
    await fireEvent.click(document.getElementById('calendar-next')!);
    await waitFor(() => expect(doorRequests(calls, 'appointment_calendar')).toHaveLength(2));
    expect(doorRequests(calls, 'appointment_calendar')[1].args.from > today).toBe(true);
    await fireEvent.click(document.getElementById('calendar-today')!);
    await waitFor(() => expect(shownDate()).toBe(today));
    await fireEvent.click(document.getElementById('calendar-view-week')!);
    await waitFor(() => expect(doorRequests(calls, 'appointment_calendar').at(-1)!.args.days).toBe(7));
    // The week starts where the clinic's weeks start: on a Monday in Vietnam, on a Sunday in Cambodia.
    expect(new Date(`${doorRequests(calls, 'appointment_calendar').at(-1)!.args.from}T00:00:00Z`).getUTCDay()).toBe(1);
    i18n.region = 'KH';
    await waitFor(() => expect(new Date(`${doorRequests(calls, 'appointment_calendar').at(-1)!.args.from}T00:00:00Z`).getUTCDay()).toBe(0));
    i18n.region = undefined;
  });

  it('opens the booking form for a click on free time, with that provider and time', async () => {
    desk(() => []);
    render(Calendar);
    const slot = await vi.waitFor(() => {
      const s = document.querySelector<HTMLElement>(`.slot[data-provider="${SOK}"][data-time="11:15"]`);
      expect(s).not.toBeNull();
      return s!;
    });
    await fireEvent.click(slot);
    const provider = document.getElementById('booking-provider') as HTMLSelectElement;
    await waitFor(() => expect(provider.value).toBe(SOK));
    expect((document.getElementById('booking-time') as HTMLInputElement).dataset.value).toBe('11:15');
    expect((document.getElementById('booking-date') as HTMLInputElement).dataset.value).toBe(shownDate());
  });

  it('books the focused free time with Enter', async () => {
    desk(() => []);
    render(Calendar);
    const slot = await vi.waitFor(() => {
      const s = document.querySelector<HTMLElement>(`.slot[data-provider="${MONY}"][data-time="08:00"]`);
      expect(s).not.toBeNull();
      return s!;
    });
    // One tab stop for the free time; the arrows go from slot to slot.
    expect(slot.tabIndex).toBe(0);
    slot.focus();
    await fireEvent.keyDown(slot, { key: 'ArrowDown' });
    await fireEvent.keyDown(document.activeElement!, { key: 'ArrowRight' });
    await waitFor(() => expect(document.activeElement?.getAttribute('data-time')).toBe('08:15'));
    expect(document.activeElement?.getAttribute('data-provider')).toBe(SOK);
    // A button: Enter clicks it.
    await fireEvent.click(document.activeElement!);
    await waitFor(() => expect((document.getElementById('booking-provider') as HTMLSelectElement).value).toBe(SOK));
    expect((document.getElementById('booking-time') as HTMLInputElement).dataset.value).toBe('08:15');
  });

  it('opens a block\'s detail on a click and on Enter', async () => {
    desk(
      (d) => [visit(d)],
      (c) => (c.call === 'door' && c.args.op === 'appointment_get' ? doorReply({ kind: 'appointment', data: visit('2026-03-03') }) : undefined),
    );
    render(Calendar);
    await fireEvent.keyDown(await block(), { key: 'Enter' });
    expect(await screen.findByRole('button', { name: 'Close' })).toBeTruthy();
    expect(document.querySelector('[data-screen="appointment-detail"]')).not.toBeNull();
  });
});

describe('moving a visit', () => {
  it('moves a focused block 15 minutes later with ArrowDown, and keeps the focus on it', async () => {
    const calls = desk((d) => [visit(d)]);
    render(Calendar);
    const el = await block();
    el.focus();
    await fireEvent.keyDown(el, { key: 'ArrowDown' });
    await waitFor(() => expect(doorRequests(calls, 'appointment_move')).toHaveLength(1));
    expect(doorRequests(calls, 'appointment_move')[0].args).toEqual({
      id: '01HAPPT0000000000000000001',
      expected_version: 3,
      start: `${shownDate()}T10:15:00`,
      duration_minutes: null,
      end: null,
      provider_id: null,
      room_id: null,
      scope: 'this',
      override_reason: null,
      allow_past: false,
    });
    await waitFor(() => expect(document.activeElement?.getAttribute('data-id')).toBe('01HAPPT0000000000000000001'));
  });

  it('lengthens with Shift+ArrowDown and goes to the next provider with the arrow towards the end side', async () => {
    const calls = desk((d) => [visit(d)]);
    render(Calendar);
    await fireEvent.keyDown(await block(), { key: 'ArrowDown', shiftKey: true });
    await waitFor(() => expect(doorRequests(calls, 'appointment_move')).toHaveLength(1));
    expect(doorRequests(calls, 'appointment_move')[0].args).toMatchObject({ start: `${shownDate()}T10:00:00`, duration_minutes: 45, provider_id: null });
    await waitFor(() => expect(document.querySelector('[data-testid="move-dialog"]')).toBeNull());
    // In Arabic the next column is on the left.
    document.documentElement.dir = 'rtl';
    await fireEvent.keyDown(await block(), { key: 'ArrowRight' });
    await fireEvent.keyDown(await block(), { key: 'ArrowLeft' });
    await waitFor(() => expect(doorRequests(calls, 'appointment_move')).toHaveLength(2));
    expect(doorRequests(calls, 'appointment_move')[1].args).toMatchObject({ provider_id: SOK, start: `${shownDate()}T10:00:00` });
  });

  it('moves a dragged block to the snapped time, and to the column it is dropped in', async () => {
    let at = '10:00';
    const calls = desk((d) => [visit(d, { start: `${d}T${at}` })]);
    render(Calendar);
    const el = await block();
    // The layout: 08:00–17:00 is 540 px high (a pixel a minute); columns 200 px wide.
    const cols = [...document.querySelectorAll<HTMLElement>('.time-grid .column')];
    cols.forEach((c, i) =>
      vi.spyOn(c, 'getBoundingClientRect').mockReturnValue({ x: 100 + i * 200, y: 40, left: 100 + i * 200, right: 300 + i * 200, top: 40, bottom: 580, width: 200, height: 540, toJSON: () => ({}) } as DOMRect),
    );
    await fireEvent.pointerDown(el, { clientX: 150, clientY: 170, button: 0, pointerId: 1 });
    await fireEvent.pointerMove(window, { clientX: 152, clientY: 190, pointerId: 1 });
    await fireEvent.pointerMove(window, { clientX: 150, clientY: 217, pointerId: 1 });
    // While dragged, the block shows where it would go: 10:47 snaps to 10:45.
    expect(el.style.getPropertyValue('--top')).toBe('165');
    await fireEvent.pointerUp(window, { clientX: 150, clientY: 217, pointerId: 1 });
    await waitFor(() => expect(doorRequests(calls, 'appointment_move')).toHaveLength(1));
    expect(doorRequests(calls, 'appointment_move')[0].args).toMatchObject({ start: `${shownDate()}T10:45:00`, provider_id: null, duration_minutes: null });
    at = '10:45';
    await waitFor(() => expect(document.querySelector('[data-testid="move-dialog"]')).toBeNull());

    // Into Sok's column, 22 minutes earlier: 10:23 → 10:25 with Sok.
    const again = await block();
    await waitFor(() => expect(again.style.getPropertyValue('--top')).toBe('165'));
    await fireEvent.pointerDown(again, { clientX: 150, clientY: 170, button: 0, pointerId: 2 });
    await fireEvent.pointerMove(window, { clientX: 380, clientY: 148, pointerId: 2 });
    await fireEvent.pointerUp(window, { clientX: 380, clientY: 148, pointerId: 2 });
    await waitFor(() => expect(doorRequests(calls, 'appointment_move')).toHaveLength(2));
    expect(doorRequests(calls, 'appointment_move')[1].args).toMatchObject({ start: `${shownDate()}T10:25:00`, provider_id: SOK });
  });

  it('scrolls the grid while a block is held near its edge, and the block follows the content', async () => {
    const calls = desk((d) => [visit(d, { start: `${d}T10:00` })]);
    render(Calendar);
    const el = await block();
    // A pixel a minute from 08:00 at y = 40, as above; the scrolled area shows y = 40 to 280.
    for (const c of document.querySelectorAll<HTMLElement>('.time-grid .column'))
      vi.spyOn(c, 'getBoundingClientRect').mockReturnValue({ x: 100, y: 40, left: 100, right: 300, top: 40, bottom: 580, width: 200, height: 540, toJSON: () => ({}) } as DOMRect);
    const area = document.querySelector<HTMLElement>('.calendar-body')!;
    area.style.overflowY = 'auto';
    vi.spyOn(area, 'getBoundingClientRect').mockReturnValue({ x: 100, y: 40, left: 100, right: 1300, top: 40, bottom: 280, width: 1200, height: 240, toJSON: () => ({}) } as DOMRect);

    await fireEvent.pointerDown(el, { clientX: 150, clientY: 170, button: 0 });
    await fireEvent.pointerMove(window, { clientX: 150, clientY: 275 });
    await waitFor(() => expect(area.scrollTop).toBeGreaterThan(30));
    // Out of the edge: the scrolling stops where it is.
    await fireEvent.pointerMove(window, { clientX: 150, clientY: 200 });
    const scrolled = area.scrollTop;
    await new Promise((r) => setTimeout(r, 100));
    expect(area.scrollTop).toBe(scrolled);
    await fireEvent.pointerUp(window, { clientX: 150, clientY: 200 });
    // 30 px of pointer plus what scrolled by, snapped to 5 minutes, after 10:00.
    const m = 600 + Math.round((30 + scrolled) / 5) * 5;
    const hhmm = `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
    await waitFor(() => expect(doorRequests(calls, 'appointment_move')).toHaveLength(1));
    expect(doorRequests(calls, 'appointment_move')[0].args).toMatchObject({ start: `${shownDate()}T${hhmm}:00` });
  });

  it('changes the length when the bottom edge is dragged', async () => {
    const calls = desk((d) => [visit(d)]);
    render(Calendar);
    const el = await block();
    for (const c of document.querySelectorAll<HTMLElement>('.time-grid .column'))
      vi.spyOn(c, 'getBoundingClientRect').mockReturnValue({ x: 0, y: 0, left: 0, right: 200, top: 0, bottom: 540, width: 200, height: 540, toJSON: () => ({}) } as DOMRect);
    await fireEvent.pointerDown(el.querySelector('.resize')!, { clientX: 50, clientY: 150, button: 0 });
    await fireEvent.pointerMove(window, { clientX: 50, clientY: 181 });
    await fireEvent.pointerUp(window, { clientX: 50, clientY: 181 });
    await waitFor(() => expect(doorRequests(calls, 'appointment_move')).toHaveLength(1));
    expect(doorRequests(calls, 'appointment_move')[0].args).toMatchObject({ start: `${shownDate()}T10:00:00`, duration_minutes: 60 });
  });

  it('shows what a move clashes with, and moves anyway only with a reason', async () => {
    let refuse = true;
    const calls = desk(
      (d) => [visit(d)],
      (c) => {
        if (c.call !== 'door') return undefined;
        if (c.args.op === 'appointment_move' && refuse && !c.args.args.override_reason) throw deskError('appointment.conflict');
        if (c.args.op === 'appointment_check') {
          const d = c.args.args.start.slice(0, 10);
          return doorReply({
            kind: 'conflicts',
            data: [
              // The visit itself is no clash.
              { kind: 'provider', date: d, other_id: '01HAPPT0000000000000000001', other_start_local: `${d}T10:00`, other_end_local: `${d}T10:30` },
              { kind: 'provider', date: d, other_id: '01HAPPT0000000000000000009', other_start_local: `${d}T10:15`, other_end_local: `${d}T11:00` },
            ],
          });
        }
        return undefined;
      },
    );
    render(Calendar);
    await fireEvent.keyDown(await block(), { key: 'ArrowDown' });
    const warnings = await screen.findByTestId('conflicts');
    expect(warnings.querySelectorAll('li')).toHaveLength(1);
    expect(warnings.textContent).toContain('The provider has another appointment');
    expect(warnings.textContent!.replace(/\s/g, ' ')).toContain('10:15 AM–11:00 AM');
    // The check was of the same visit at the new time.
    expect(doorRequests(calls, 'appointment_check')[0].args).toMatchObject({ client_id: '01HCLIENT00000000000000001', start: `${shownDate()}T10:15:00`, duration_minutes: 30 });
    // Meanwhile the block shows at the new time.
    expect((await block()).style.getPropertyValue('--top')).toBe('135');
    await fireEvent.click(document.getElementById('move-anyway')!);
    expect(document.querySelector('[data-field-error="move-reason"]')!.textContent).toBe('Give a reason to go ahead despite the warnings.');
    expect(doorRequests(calls, 'appointment_move')).toHaveLength(1);
    await fireEvent.input(document.getElementById('move-reason')!, { target: { value: 'Doctor agreed' } });
    await fireEvent.click(document.getElementById('move-anyway')!);
    await waitFor(() => expect(doorRequests(calls, 'appointment_move')).toHaveLength(2));
    expect(doorRequests(calls, 'appointment_move')[1].args).toMatchObject({ start: `${shownDate()}T10:15:00`, override_reason: 'Doctor agreed' });
  });

  it('puts the block back when a clashing move is called off', async () => {
    const calls = desk(
      (d) => [visit(d)],
      (c) => {
        if (c.call === 'door' && c.args.op === 'appointment_move') throw deskError('appointment.conflict');
        return undefined;
      },
    );
    render(Calendar);
    const el = await block();
    await fireEvent.keyDown(el, { key: 'ArrowUp' });
    await screen.findByRole('button', { name: 'Put it back' });
    expect((await block()).style.getPropertyValue('--top')).toBe('105');
    await fireEvent.click(screen.getByRole('button', { name: 'Put it back' }));
    await waitFor(() => expect(document.querySelector('[data-testid="move-dialog"]')).toBeNull());
    expect((await block()).style.getPropertyValue('--top')).toBe('120');
    expect(doorRequests(calls, 'appointment_move')).toHaveLength(1);
  });

  it('asks which visits of a series to move before moving any', async () => {
    const calls = desk((d) => [visit(d, { series_id: '01HSERIES00000000000000001', occurrence: 2 })]);
    render(Calendar);
    await fireEvent.keyDown(await block(), { key: 'ArrowDown' });
    expect((await screen.findByTestId('scope-choice')).textContent).toContain('This visit is part of a series. Move which visits?');
    expect(screen.getByRole('button', { name: 'This one' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'This and following' })).toBeTruthy();
    expect(doorRequests(calls, 'appointment_move')).toEqual([]);
    await fireEvent.click(screen.getByRole('button', { name: 'All' }));
    await waitFor(() => expect(doorRequests(calls, 'appointment_move')).toHaveLength(1));
    expect(doorRequests(calls, 'appointment_move')[0].args).toMatchObject({ scope: 'all', start: `${shownDate()}T10:15:00` });
  });
});

describe('live refresh', () => {
  it('redraws on another desk\'s change, once for a burst, keeping the focus', async () => {
    let label = 'Sophea Chan';
    const calls = desk((d) => [visit(d, { client_name: label })]);
    render(Calendar);
    const el = await block();
    el.focus();
    await waitFor(() => expect(doorRequests(calls, 'appointment_calendar')).toHaveLength(1));
    label = 'Sophea Chan-Lim';
    emitDeskEvent({ kind: 'appointment_changed', id: '01HAPPT0000000000000000001' });
    emitDeskEvent({ kind: 'schedule_changed' });
    emitDeskEvent({ kind: 'appointment_changed', id: '01HAPPT0000000000000000007' });
    await waitFor(() => expect(el.textContent).toContain('Sophea Chan-Lim'));
    expect(doorRequests(calls, 'appointment_calendar')).toHaveLength(2);
    expect(document.activeElement).toBe(el);
  });
});

describe('no-shows and the next free slot', () => {
  it('counts the proposed no-shows and confirms one', async () => {
    const late = appointmentRecord({ start: '2026-03-02T09:00', client_name: 'Late Larry' });
    let proposed = [late];
    const calls = desk(
      () => [],
      (c) => {
        if (c.call !== 'door') return undefined;
        if (c.args.op === 'appointment_no_shows') return doorReply({ kind: 'appointments', data: proposed });
        if (c.args.op === 'appointment_set_status') {
          proposed = [];
          return doorReply({ kind: 'appointment_saved', data: { appointments: [{ ...late, status: 'no_show' }], overridden: [], offers: [] } });
        }
        return undefined;
      },
    );
    render(Calendar);
    expect((await screen.findByTestId('no-show-count')).textContent).toBe('1');
    await fireEvent.click(document.getElementById('calendar-no-shows')!);
    await fireEvent.click(await screen.findByRole('button', { name: 'Confirm no-show' }));
    await waitFor(() => expect(doorRequests(calls, 'appointment_set_status')).toHaveLength(1));
    expect(doorRequests(calls, 'appointment_set_status')[0].args).toEqual({ id: late.id, expected_version: 3, status: 'no_show', scope: 'this', note: null });
    await waitFor(() => expect(screen.queryByTestId('no-show-count')).toBeNull());
  });

  it('jumps to the next free slot and opens the form there', async () => {
    const calls = desk(
      () => [],
      (c) =>
        c.call === 'door' && c.args.op === 'appointment_next_free'
          ? doorReply({ kind: 'free_slot', data: { provider_id: SOK, provider_name: 'Sok Dara', start: '2031-05-06T09:30:00', starts_at: '2031-05-06T02:30:00Z', ends_at: '2031-05-06T03:00:00Z' } })
          : undefined,
    );
    render(Calendar);
    await fireEvent.click(document.getElementById('calendar-next-free')!);
    const service = await screen.findByLabelText('Service');
    await waitFor(() => expect(service.querySelectorAll('option')).toHaveLength(2));
    await fireEvent.change(service, { target: { value: '01HSERVICE0000000000000001' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Find' }));
    await waitFor(() => expect(shownDate()).toBe('2031-05-06'));
    expect(doorRequests(calls, 'appointment_next_free')[0].args).toMatchObject({ service_id: '01HSERVICE0000000000000001', provider_id: null });
    await waitFor(() => expect((document.getElementById('booking-provider') as HTMLSelectElement).value).toBe(SOK));
    expect((document.getElementById('booking-time') as HTMLInputElement).dataset.value).toBe('09:30');
    expect((document.getElementById('booking-service') as HTMLSelectElement).value).toBe('01HSERVICE0000000000000001');
  });
});
