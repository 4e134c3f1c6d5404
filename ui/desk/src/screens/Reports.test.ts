import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import Reports from './Reports.svelte';
import App from '../App.svelte';
import { app } from '../lib/app.svelte';
import { i18n } from '../lib/i18n.svelte';
import { nav } from '../lib/nav.svelte';
import { notices, resetNotices } from '../lib/notices.svelte';
import type { Call } from '../bindings/Call';
import type { Reply } from '../bindings/Reply';
import type { Report } from '../bindings/Report';
import type { ReportFilter } from '../bindings/ReportFilter';
import {
  clinic,
  deskError,
  doorReply,
  doorRequests,
  fakeDesk,
  measuresRecord,
  readyStatus,
  reportRecord,
  serviceRecord,
  session,
  staffRecord,
} from '../test-helpers';

vi.mock('../lib/sound', () => ({ taskTone: vi.fn(), chime: vi.fn() }));

const manager = {
  ...session,
  staff_id: '01HSTAFF000000000000000002',
  login: 'mony',
  display_name: 'Mony Keo',
  role: 'manager',
  permissions: [...session.permissions, 'staff_read', 'appointment_read', 'report_read'],
} as typeof session;

const DARA = '01HSTAFF000000000000000001';
const LAYLA = '01HSTAFF000000000000000003';
const SOK = '01HSTAFF000000000000000004';
const staffList = [
  staffRecord({ id: DARA, login: 'dara', display_name: 'Dara Sok', role: 'receptionist' }),
  staffRecord({ id: LAYLA, login: 'layla', display_name: 'ليلى حداد', role: 'receptionist' }),
  staffRecord({ id: SOK, login: 'sok', display_name: 'Sok <b>Bold</b>', role: 'clinician' }),
];

/** This month on the clinic's clock, by week, for everyone: what the screen asks for first. */
const MARCH: ReportFilter = { from: '2026-03-01', to: '2026-03-18', bucket: 'week', staff_ids: [], team: null, service_id: null };

function march(over: Partial<Report> = {}): Report {
  return reportRecord({
    filter: MARCH,
    totals: measuresRecord({
      chats_handled: 12,
      first_response_median_s: 245,
      first_response_p90_s: 7380,
      chats_unanswered_eod: 1,
      tasks_done: 7,
      tasks_overdue: 4,
      appts_completed: 35,
      appts_no_show: 5,
      no_show_rate: 0.125,
      wait_avg_s: null,
    }),
    previous: measuresRecord({
      chats_handled: 9,
      first_response_median_s: 300,
      first_response_p90_s: 7380,
      chats_unanswered_eod: 3,
      tasks_done: 7,
      tasks_overdue: 2,
      appts_completed: 30,
      no_show_rate: 0.1,
      wait_avg_s: 600,
    }),
    staff: [
      { id: LAYLA, name: 'ليلى حداد', team: 'receptionist', measures: measuresRecord({ chats_assigned: 6, chats_handled: 5, first_response_median_s: 45 }), chat_share: 0.6, even_share: 0.5 },
      { id: SOK, name: 'Sok <b>Bold</b>', team: 'clinician', measures: measuresRecord({ chats_assigned: 4, appts_completed: 35, no_show_rate: 0.125 }), chat_share: 0.4, even_share: 0.5 },
    ],
    teams: [
      { team: 'receptionist', staff: 2, measures: measuresRecord({ chats_handled: 5 }) },
      { team: 'clinician', staff: 1, measures: measuresRecord({ appts_completed: 35 }) },
    ],
    buckets: [
      { from: '2026-03-01', to: '2026-03-01', measures: measuresRecord({ chats_handled: 1 }) },
      { from: '2026-03-02', to: '2026-03-08', measures: measuresRecord({ chats_handled: 5, first_response_median_s: 125 }) },
      { from: '2026-03-09', to: '2026-03-15', measures: measuresRecord({ chats_handled: 6, appts_completed: 20, appts_no_show: 2, appts_cancelled_client: 1, appts_late_cancel: 1 }) },
      { from: '2026-03-16', to: '2026-03-18', measures: measuresRecord({}) },
    ],
    ...over,
  });
}

type Answer = (f: ReportFilter, n: number) => Report | Promise<Report>;

/** A desk that makes reports with `answer` (the n-th request, from 1), and saves files with `save`. */
function desk(answer: Answer = () => march(), save: (c: Extract<Call, { call: 'export_report' }>) => Reply | Promise<Reply> = () => ({ kind: 'saved', data: { path: '/home/mony/Downloads/frontdesk-report-2026-03-01-to-2026-03-18.csv', bytes: 2048 } })): Call[] {
  let n = 0;
  return fakeDesk(async (c) => {
    if (c.call === 'status') return { kind: 'status', data: readyStatus(manager) };
    if (c.call === 'shown' || c.call === 'keep_alive') return { kind: 'done' };
    if (c.call === 'export_report') return save(c);
    if (c.call !== 'door') throw new Error(`unexpected ${c.call}`);
    switch (c.args.op) {
      case 'report_make':
        return doorReply({ kind: 'report', data: await answer(c.args.args.filter, ++n) });
      case 'staff_list':
        return doorReply({ kind: 'staff_list', data: staffList });
      case 'service_list':
        return doorReply({ kind: 'services', data: [serviceRecord()] });
      case 'prefs_get':
        return doorReply({ kind: 'prefs', data: { mute_popups: false, mute_sounds: false, ui_language: null } });
      default:
        throw new Error(`unexpected ${c.args.op}`);
    }
  });
}

/** A promise with its resolve, for answers that come when the test says. */
function later<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const kpi = (name: string) => screen.getByTestId(`kpi-${name}`);
const kpiValue = (name: string) => within(kpi(name)).getByTestId('kpi-value').textContent;
const container = () => screen.getByTestId('report');
const filters = (calls: Call[]) => doorRequests(calls, 'report_make').map((r) => r.args.filter);
const loaded = () => vi.waitFor(() => expect(container().getAttribute('aria-busy')).toBe('false'));

async function setDate(id: 'report-from' | 'report-to', value: string) {
  const input = screen.getByTestId(id) as HTMLInputElement;
  await fireEvent.input(input, { target: { value } });
  await fireEvent.change(input);
}

beforeEach(() => {
  // Only the clock's date is fixed (Wednesday 18 March 2026, 10:00 in Phnom Penh); timers run.
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-03-18T03:00:00Z'));
  // jsdom has no canvas: the charts are not drawn, their tables are there all the same.
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(null);
  app.status = readyStatus(manager);
  i18n.timeZone = clinic.time_zone;
  i18n.locale = 'en';
  nav.view = 'clients';
  nav.pending = {};
  resetNotices();
});
afterEach(() => {
  app.status = null;
  i18n.timeZone = undefined;
  i18n.locale = 'en';
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('the reports menu entry', () => {
  // The desk says who is logged in.
  beforeEach(() => {
    app.status = null;
  });

  it('is there for a manager, and opens the reports', async () => {
    const calls = desk();
    render(App);
    const button = await screen.findByRole('button', { name: 'Reports' });
    expect(button.id).toBe('nav-reports');
    await fireEvent.click(button);
    expect(nav.view).toBe('reports');
    await vi.waitFor(() => expect(doorRequests(calls, 'report_make')).toHaveLength(1));
    expect(await screen.findByTestId('report-staff-table')).toBeTruthy();
  });

  it('is not there for a receptionist', async () => {
    fakeDesk((c) => {
      if (c.call === 'status') return { kind: 'status', data: readyStatus(session) };
      if (c.call === 'door' && c.args.op === 'prefs_get') return doorReply({ kind: 'prefs', data: { mute_popups: false, mute_sounds: false, ui_language: null } });
      return { kind: 'done' };
    });
    render(App);
    await vi.waitFor(() => expect(screen.getByTestId('who').textContent).toContain('Receptionist'));
    expect(screen.getByRole('button', { name: 'Clients' })).toBeTruthy();
    expect(document.getElementById('nav-reports')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Reports' })).toBeNull();
    // Asked for all the same (an old link), the screen is not drawn for them.
    nav.view = 'reports';
    await vi.waitFor(() => expect(document.querySelector('[data-screen="reports"]')).toBeNull());
  });
});

describe('the reports screen', () => {
  it('asks for this month by week on opening, and shows the key figures against the period before', async () => {
    const calls = desk();
    render(Reports);
    expect(container().getAttribute('aria-busy')).toBe('true');
    await loaded();
    const [req] = doorRequests(calls, 'report_make');
    expect(req.args).toEqual({ filter: MARCH, output: 'screen' });
    expect((screen.getByTestId('report-from') as HTMLInputElement).dataset.value).toBe('2026-03-01');
    expect((screen.getByTestId('report-to') as HTMLInputElement).dataset.value).toBe('2026-03-18');
    expect((screen.getByTestId('report-to') as HTMLInputElement).value).toBe('03/18/2026');
    expect((screen.getByTestId('report-bucket') as HTMLSelectElement).value).toBe('week');
    expect((screen.getByTestId('report-preset') as HTMLSelectElement).value).toBe('this_month');

    // A shorter first response is better.
    expect(kpiValue('first_response_median_s')).toBe('4 min 05 s');
    const median = within(kpi('first_response_median_s'));
    expect(median.getByTestId('kpi-previous').textContent).toBe('Before: 5 min 00 s');
    expect(median.getByTestId('kpi-delta').textContent).toBe('−55 s');
    expect(median.getByTestId('kpi-change').dataset.verdict).toBe('better');
    expect(median.getByTestId('kpi-change').textContent).toContain('better');
    expect(kpiValue('first_response_p90_s')).toBe('2 h 03 min');
    expect(within(kpi('first_response_p90_s')).getByTestId('kpi-change').textContent!.trim()).toBe('No change');
    // More chats handled is better; more overdue tasks are worse.
    expect(kpiValue('chats_handled')).toBe('12');
    expect(within(kpi('chats_handled')).getByTestId('kpi-delta').textContent).toBe('+3');
    expect(within(kpi('chats_handled')).getByTestId('kpi-change').dataset.verdict).toBe('better');
    expect(within(kpi('chats_handled')).getByTestId('kpi-change').dataset.direction).toBe('up');
    expect(within(kpi('tasks_overdue')).getByTestId('kpi-delta').textContent).toBe('+2');
    expect(within(kpi('tasks_overdue')).getByTestId('kpi-change').dataset.verdict).toBe('worse');
    expect(within(kpi('chats_unanswered_eod')).getByTestId('kpi-change').dataset.verdict).toBe('better');
    // Rates as percentages, compared in points.
    expect(kpiValue('no_show_rate')).toBe('12.5%');
    expect(within(kpi('no_show_rate')).getByTestId('kpi-delta').textContent).toBe('+2.5 pts');
    expect(within(kpi('no_show_rate')).getByTestId('kpi-change').dataset.verdict).toBe('worse');
    // Nothing measured now: a dash, and nothing to compare.
    expect(kpiValue('wait_avg_s')).toBe('–');
    expect(within(kpi('wait_avg_s')).getByTestId('kpi-previous').textContent).toBe('Before: 10 min 00 s');
    expect(within(kpi('wait_avg_s')).getByTestId('kpi-change').dataset.direction).toBe('none');
    expect(kpiValue('appts_completed')).toBe('35');
    expect(kpiValue('tasks_done')).toBe('7');
    expect(screen.getAllByTestId(/^kpi-[a-z_0-9]+$/).filter((e) => e.tagName === 'LI')).toHaveLength(9);
  });

  it('asks again with the new period, team and people, once the filters are still', async () => {
    const calls = desk();
    render(Reports);
    await loaded();
    await vi.waitFor(() => expect(document.querySelector(`[data-staff-pick="${LAYLA}"]`)).not.toBeNull());

    await fireEvent.change(screen.getByTestId('report-preset'), { target: { value: 'last_month' } });
    await fireEvent.change(screen.getByTestId('report-team'), { target: { value: 'receptionist' } });
    // The list offers the team's people only.
    expect(document.querySelector(`[data-staff-pick="${SOK}"]`)).toBeNull();
    await fireEvent.click(document.querySelector(`[data-staff-pick="${LAYLA}"]`)!);
    expect(container().getAttribute('aria-busy')).toBe('true');
    await vi.waitFor(() => expect(filters(calls)).toHaveLength(2));
    // Three changes in a moment: one request.
    expect(filters(calls)[1]).toEqual({ from: '2026-02-01', to: '2026-02-28', bucket: 'week', staff_ids: [LAYLA], team: 'receptionist', service_id: null });
    await loaded();

    await fireEvent.change(screen.getByTestId('report-bucket'), { target: { value: 'day' } });
    await fireEvent.change(screen.getByTestId('report-service'), { target: { value: '01HSERVICE0000000000000001' } });
    await setDate('report-from', '2026-02-10');
    expect((screen.getByTestId('report-preset') as HTMLSelectElement).value).toBe('custom');
    await vi.waitFor(() => expect(filters(calls)).toHaveLength(3));
    expect(filters(calls)[2]).toEqual({ from: '2026-02-10', to: '2026-02-28', bucket: 'day', staff_ids: [LAYLA], team: 'receptionist', service_id: '01HSERVICE0000000000000001' });
    await loaded();
    await new Promise((r) => setTimeout(r, 400));
    expect(filters(calls)).toHaveLength(3);
  });

  it('keeps the newest answer when an older one arrives late', async () => {
    const slow = later<Report>();
    const calls = desk((f, n) => {
      if (n === 2) return slow.promise; // clinicians: answered last
      if (n === 3) return march({ filter: f, totals: measuresRecord({ chats_handled: 33 }) });
      return march();
    });
    render(Reports);
    await loaded();
    expect(kpiValue('chats_handled')).toBe('12');

    await fireEvent.change(screen.getByTestId('report-team'), { target: { value: 'clinician' } });
    await vi.waitFor(() => expect(filters(calls)).toHaveLength(2));
    await fireEvent.change(screen.getByTestId('report-team'), { target: { value: 'receptionist' } });
    await vi.waitFor(() => expect(filters(calls)).toHaveLength(3));
    expect(filters(calls).map((f) => f.team)).toEqual([null, 'clinician', 'receptionist']);
    await vi.waitFor(() => expect(kpiValue('chats_handled')).toBe('33'));
    expect(container().getAttribute('aria-busy')).toBe('false');

    slow.resolve(march({ filter: { ...MARCH, team: 'clinician' }, totals: measuresRecord({ chats_handled: 99 }) }));
    await slow.promise;
    await new Promise((r) => setTimeout(r, 50));
    expect(kpiValue('chats_handled')).toBe('33');
    expect(container().getAttribute('aria-busy')).toBe('false');
  });

  it('shows a refused period beside the filters and keeps the last report', async () => {
    const calls = desk((f) => {
      if (f.to < f.from) throw deskError('report.period_order', { field: 'to' });
      return march();
    });
    render(Reports);
    await loaded();
    await setDate('report-to', '2026-02-20');
    await vi.waitFor(() => expect(filters(calls)).toHaveLength(2));
    const banner = await within(screen.getByTestId('report-filters')).findByTestId('error-banner');
    expect(banner.textContent).toBe('The period ends before it starts: choose a “To” date on or after the “From” date.');
    expect(banner.getAttribute('role')).toBe('alert');
    expect(screen.getByTestId('report-to').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByTestId('report-to').getAttribute('aria-describedby')).toBe(banner.id);
    // The last report stays up.
    expect(kpiValue('first_response_median_s')).toBe('4 min 05 s');
    expect(container().getAttribute('aria-busy')).toBe('false');

    // Put right, the error goes.
    await setDate('report-to', '2026-03-18');
    await vi.waitFor(() => expect(filters(calls)).toHaveLength(3));
    await vi.waitFor(() => expect(screen.queryByTestId('error-banner')).toBeNull());
    expect(screen.getByTestId('report-to').getAttribute('aria-invalid')).toBe('false');
  });

  it('shows staff names as text, in their own direction, grouped under chats, tasks and appointments', async () => {
    desk();
    render(Reports);
    await loaded();
    const table = screen.getByTestId('report-staff-table');
    const rows = table.querySelectorAll('tbody tr[data-staff-id]');
    expect([...rows].map((r) => r.getAttribute('data-staff-id'))).toEqual([LAYLA, SOK]);
    const arabic = table.querySelector(`tr[data-staff-id="${LAYLA}"] th`)!;
    expect(arabic.textContent).toBe('ليلى حداد');
    expect(arabic.getAttribute('dir')).toBe('auto');
    const sok = table.querySelector(`tr[data-staff-id="${SOK}"] th`)!;
    expect(sok.textContent).toBe('Sok <b>Bold</b>');
    expect(sok.getAttribute('dir')).toBe('auto');
    expect(table.querySelector('b')).toBeNull();
    expect(table.querySelector(`tr[data-staff-id="${SOK}"] td`)!.textContent).toBe('Clinicians');
    expect(table.querySelector(`tr[data-staff-id="${LAYLA}"] td[data-col="first_response_median_s"]`)!.textContent).toBe('45 s');
    expect(table.querySelector(`tr[data-staff-id="${SOK}"] td[data-col="no_show_rate"]`)!.textContent).toBe('12.5%');
    expect(table.querySelector(`tr[data-staff-id="${SOK}"] td[data-col="task_done_median_s"]`)!.textContent).toBe('–');
    const groups = [...table.querySelectorAll('thead th[scope="colgroup"]')].map((h) => [h.textContent, h.getAttribute('colspan')]);
    expect(groups).toEqual([
      ['Chats', '8'],
      ['Tasks', '4'],
      ['Appointments', '9'],
    ]);
    // Teams and buckets, each in its own table.
    const teams = screen.getByTestId('report-team-table');
    expect([...teams.querySelectorAll('tbody th')].map((c) => c.textContent)).toEqual(['Front desk', 'Clinicians']);
    const buckets = screen.getByTestId('report-bucket-table');
    expect(buckets.querySelectorAll('tbody tr')).toHaveLength(4);
    expect(buckets.querySelector('tr[data-from="2026-03-02"] td[data-col="first_response_median_s"]')!.textContent).toBe('2 min 05 s');
    // The share chart's figures, readable as a table, names in their own direction too.
    const share = screen.getByTestId('chart-chart-share-table');
    const shareRows = [...share.querySelectorAll('tbody tr')].map((r) => [...r.children].map((c) => c.textContent));
    expect(shareRows).toEqual([
      ['ليلى حداد', '60%', '50%'],
      ['Sok <b>Bold</b>', '40%', '50%'],
    ]);
    expect(share.querySelector('tbody th')!.getAttribute('dir')).toBe('auto');
    const visits = screen.getByTestId('chart-chart-visits-table');
    expect([...visits.querySelectorAll('tbody tr')[2].children].map((c) => c.textContent)).toEqual([expect.any(String), '20', '2', '2']);
  });

  it('shows the chats of each hour of the week in its cell, Monday first', async () => {
    const heatmap = Array.from({ length: 7 }, () => Array<number>(24).fill(0));
    heatmap[0][9] = 5; // Monday 09:00
    heatmap[2][14] = 1; // Wednesday 14:00
    heatmap[6][23] = 2; // Sunday 23:00
    desk(() => march({ heatmap }));
    render(Reports);
    await loaded();
    const map = screen.getByTestId('report-heatmap');
    const cell = (d: number, h: number) => map.querySelector(`[data-day="${d}"][data-hour="${h}"]`)!;
    expect(map.querySelectorAll('td[data-day]')).toHaveLength(7 * 24);
    expect(cell(0, 9).textContent).toBe('5');
    expect(cell(2, 14).textContent).toBe('1');
    expect(cell(6, 23).textContent).toBe('2');
    expect(cell(0, 10).textContent).toBe('0');
    expect(cell(6, 9).textContent).toBe('0');
    expect(cell(0, 9).getAttribute('title')).toBe('Monday, 09:00–10:00: 5 chats');
    expect(cell(2, 14).getAttribute('title')).toBe('Wednesday, 14:00–15:00: 1 chat');
    expect(cell(6, 23).getAttribute('title')).toBe('Sunday, 23:00–00:00: 2 chats');
    // The busiest hour is the darkest.
    expect(cell(0, 9).classList.contains('heat-4')).toBe(true);
    expect(cell(6, 23).classList.contains('heat-2')).toBe(true);
    expect(cell(2, 14).classList.contains('heat-1')).toBe(true);
    expect(cell(0, 10).classList.contains('heat-0')).toBe(true);
    expect([...map.querySelectorAll('tbody th abbr')].map((a) => a.getAttribute('title'))).toEqual(['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday']);
    expect(screen.getByTestId('heatmap-legend').textContent).toContain('5');
  });

  it('saves the report as CSV with the filter shown, says where, and is busy meanwhile', async () => {
    const saving = later<Reply>();
    const calls = desk(undefined, () => saving.promise);
    render(Reports);
    await loaded();
    const csv = screen.getByTestId('export-csv') as HTMLButtonElement;
    await fireEvent.click(csv);
    const [sent] = calls.filter((c) => c.call === 'export_report');
    expect(sent).toEqual({ call: 'export_report', args: { filter: MARCH, file: 'csv', language: 'en' } });
    expect(csv.getAttribute('aria-busy')).toBe('true');
    expect(csv.disabled).toBe(true);
    expect((screen.getByTestId('export-pdf-a4') as HTMLButtonElement).disabled).toBe(true);

    saving.resolve({ kind: 'saved', data: { path: '/home/mony/Downloads/frontdesk-report-2026-03-01-to-2026-03-18.csv', bytes: 2048 } });
    const saved = await screen.findByTestId('export-saved');
    expect(saved.textContent).toBe('/home/mony/Downloads/frontdesk-report-2026-03-01-to-2026-03-18.csv');
    expect(screen.getByTestId('export-saved-notice').textContent).toContain('Saved to');
    expect(csv.getAttribute('aria-busy')).toBe('false');
    expect(csv.disabled).toBe(false);
    // And as a toast, for wherever the person is.
    expect(notices.toasts.map((t) => [t.kind, t.path])).toEqual([['saved', '/home/mony/Downloads/frontdesk-report-2026-03-01-to-2026-03-18.csv']]);
  });

  it('says why a PDF could not be made', async () => {
    const calls = desk(undefined, () => {
      throw deskError('pdf.render');
    });
    render(Reports);
    await loaded();
    await fireEvent.change(screen.getByTestId('report-bucket'), { target: { value: 'month' } });
    await fireEvent.click(screen.getByTestId('export-pdf-letter'));
    expect(await screen.findByTestId('export-error')).toHaveProperty('textContent', 'The PDF could not be made. Save the CSV file instead, or try again.');
    expect(calls.filter((c) => c.call === 'export_report')).toEqual([{ call: 'export_report', args: { filter: { ...MARCH, bucket: 'month' }, file: 'pdf_letter', language: 'en' } }]);
    expect(screen.queryByTestId('export-saved')).toBeNull();
  });

  it('asks for the PDF in the language the screen is in at the moment of saving', async () => {
    const calls = desk();
    render(Reports);
    await loaded();
    // Changed after the screen opened: the file follows the language now shown.
    const pdf = screen.getByTestId('export-pdf-a4') as HTMLButtonElement;
    for (const locale of ['km', 'ar'] as const) {
      i18n.locale = locale;
      await fireEvent.click(pdf);
      await vi.waitFor(() => expect(pdf.disabled).toBe(false));
    }
    expect(calls.filter((c) => c.call === 'export_report').map((c) => (c as Extract<Call, { call: 'export_report' }>).args.language)).toEqual(['km', 'ar']);
  });
});
