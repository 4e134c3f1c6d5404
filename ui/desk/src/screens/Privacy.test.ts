import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import Privacy from './Privacy.svelte';
import { app } from '../lib/app.svelte';
import { i18n } from '../lib/i18n.svelte';
import { nav } from '../lib/nav.svelte';
import { resetOverdue } from '../lib/overdue.svelte';
import type { Call } from '../bindings/Call';
import type { Incident } from '../bindings/Incident';
import type { PolicyVersion } from '../bindings/PolicyVersion';
import type { PrivacySettings } from '../bindings/PrivacySettings';
import type { Reply } from '../bindings/Reply';
import {
  clinic,
  deskError,
  doorReply,
  doorRequests,
  fakeDesk,
  privacyOverviewRecord,
  privacyRequestRecord,
  readyStatus,
  session,
  staffRecord,
} from '../test-helpers';

// A moment field is a date and a time side by side: the label names the date, the time follows it.
const timeBeside = (label: string) => document.getElementById(`${screen.getByLabelText(label).id}-time`) as HTMLInputElement;
async function moment(label: string, date: string, time: string) {
  await fireEvent.input(screen.getByLabelText(label), { target: { value: date } });
  await fireEvent.input(timeBeside(label), { target: { value: time } });
}

vi.mock('../lib/sound', () => ({ taskTone: vi.fn(), chime: vi.fn() }));

const admin = {
  ...session,
  role: 'admin',
  permissions: [...session.permissions, 'staff_read', 'staff_manage', 'privacy_manage', 'audit_read', 'client_erase'],
} as typeof session;

const MONY = '01HSTAFF000000000000000002';
const settings: PrivacySettings = {
  chat_days: 365,
  ip_days: 30,
  inactive_client_years: 10,
  audit_years: 6,
  medical_record_years: 10,
  break_glass_minutes: 60,
  last_retention_at: '2026-03-01T20:00:00.000000Z',
};
const policy = (version: string, language: string, at: string): PolicyVersion => ({
  version,
  language,
  text: `Policy ${version} in ${language}`,
  effective_at: at,
  created_by_name: 'Dara Sok',
  created_at: at,
});

function incident(over: Partial<Incident> = {}): Incident {
  return {
    id: '01HINC00000000000000000001',
    title: 'Laptop left on the bus',
    description: '',
    found_at: '2026-03-01T02:00:00.000000Z',
    window_from: '2026-02-28T17:00:00.000000Z',
    window_to: '2026-03-01T02:00:00.000000Z',
    suspect_staff_id: MONY,
    affected: [
      { client_id: '01HCLIENT00000000000000001', accesses: 4 },
      { client_id: '01HCLIENT00000000000000002', accesses: 1 },
    ],
    notify_by: '2026-03-04T02:00:00.000000Z',
    authority_notified_at: null,
    notification_late: true,
    closed: false,
    created_at: '2026-03-01T02:00:00.000000Z',
    version: 1,
    ...over,
  };
}

function desk(more: (c: Call) => Reply | undefined = () => undefined) {
  return fakeDesk((c) => {
    const r = more(c);
    if (r) return r;
    if (c.call !== 'door') throw new Error(`unexpected ${c.call}`);
    switch (c.args.op) {
      case 'privacy_overview':
        return doorReply({
          kind: 'privacy_overview',
          data: privacyOverviewRecord({
            overdue_requests: 2,
            open_requests: 5,
            open_incidents: 1,
            late_incident_notices: 1,
            last_retention_at: settings.last_retention_at,
            break_glass: { sealed: true, open_until: null, last_opened_at: '2026-02-01T01:00:00.000000Z' },
          }),
        });
      case 'retention_run':
        return doorReply({
          kind: 'retention',
          data: { at: '2026-03-02T03:00:00.000000Z', transcripts: 3, messages: 41, ip_addresses: 7, clients_erased: 1, clients_restricted: 2, audit_records: 0, sent_messages: 5 },
        });
      case 'break_glass_seal':
        return doorReply({ kind: 'break_glass_sealed', data: { staff_id: '01HSTAFF0000000000000000EM', login: 'emergency', password: 'ABCD-EFGH-JKLM-NPQR-STUV-WXYZ', minutes: 60 } });
      case 'privacy_request_list':
        return doorReply({
          kind: 'privacy_requests',
          data: [privacyRequestRecord({ id: '01HPREQ0000000000000000009', overdue: true, due_on: '2026-02-10', received_on: '2026-01-10' }), privacyRequestRecord()],
        });
      case 'privacy_request_save':
        return doorReply({ kind: 'privacy_request', data: privacyRequestRecord({ ...c.args.args, id: '01HPREQ0000000000000000010', client_id: null }) });
      case 'incident_list':
        return doorReply({ kind: 'incidents', data: [incident()] });
      case 'incident_save':
        return doorReply({ kind: 'incident', data: incident({ id: '01HINC00000000000000000002', title: c.args.args.title, notification_late: false, affected: [] }) });
      case 'staff_list':
        return doorReply({ kind: 'staff_list', data: [staffRecord({ id: MONY, display_name: 'Mony Keo' })] });
      case 'privacy_settings_get':
        return doorReply({ kind: 'privacy_settings', data: settings });
      case 'privacy_settings_update':
        return doorReply({ kind: 'privacy_settings', data: { ...settings, ...c.args.args } });
      case 'policy_list':
        return doorReply({ kind: 'policies', data: [policy('2', 'ar', '2026-02-01T00:00:00Z'), policy('2', 'en', '2026-02-01T00:00:00Z'), policy('1', 'en', '2025-01-01T00:00:00Z')] });
      case 'policy_publish':
        return doorReply({ kind: 'policies', data: [policy(c.args.args.version, 'en', '2026-03-02T00:00:00Z')] });
      case 'erasure_list':
        return doorReply({
          kind: 'tombstones',
          data: [
            { client_id: '01HCLIENT00000000000000003', kind: 'restricted', at: '2026-03-01T01:00:00Z', actor: 'system', actor_name: null, request_id: null },
            { client_id: '01HCLIENT00000000000000004', kind: 'erased', at: '2026-02-20T01:00:00Z', actor: MONY, actor_name: 'Mony Keo', request_id: '01HPREQ0000000000000000001' },
          ],
        });
      case 'newsletter_audience':
        return doorReply({ kind: 'newsletter_audience', data: [{ client_id: '01HCLIENT00000000000000001', email: 'sophea@example.com' }] });
      default:
        throw new Error(`unexpected ${c.args.op}`);
    }
  });
}

const tab = (name: RegExp | string) => fireEvent.click(screen.getByRole('tab', { name }));

beforeEach(() => {
  app.status = readyStatus(admin);
  i18n.timeZone = clinic.time_zone;
  nav.pending = {};
  nav.view = 'privacy';
  resetOverdue();
});
afterEach(() => {
  app.status = null;
  i18n.timeZone = undefined;
});

describe('the privacy screen', () => {
  it('shows what is late, runs retention with its counts, and seals an emergency password shown once', async () => {
    const calls = desk();
    render(Privacy);
    await waitFor(() => expect(screen.getByTestId('kpi-overdue').textContent).toContain('2'));
    expect(screen.getByTestId('kpi-overdue').classList.contains('alarm')).toBe(true);
    expect(screen.getByTestId('kpi-late-notices').classList.contains('alarm')).toBe(true);
    expect(screen.getByTestId('kpi-open').textContent).toContain('5');
    expect(screen.getByTestId('break-glass-state').textContent).toContain('sealed and unused');
    // The overdue count is on the Requests tab too.
    expect(screen.getByRole('tab', { name: /Requests/ }).textContent).toContain('2 overdue');

    await fireEvent.click(screen.getByRole('button', { name: 'Run retention now' }));
    const result = await screen.findByTestId('retention-result');
    expect(result.querySelector('[data-figure="transcripts"]')!.textContent).toBe('3 chat transcripts erased');
    expect(result.querySelector('[data-figure="clients_restricted"]')!.textContent).toBe('2 inactive clients restricted');

    await fireEvent.click(screen.getByRole('button', { name: 'Seal a new emergency password' }));
    expect(screen.getByText(/the old envelope stops working/)).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Make the password' }));
    expect((await screen.findByTestId('break-glass-password')).textContent).toBe('ABCD-EFGH-JKLM-NPQR-STUV-WXYZ');
    expect(screen.getByTestId('break-glass-login').textContent).toBe('emergency');
    expect(screen.getByTestId('break-glass-sealed').textContent).toContain('60 minutes');
    await fireEvent.click(screen.getByRole('button', { name: 'I have printed it' }));
    expect(screen.queryByTestId('break-glass-password')).toBeNull();
    expect(doorRequests(calls, 'break_glass_seal')).toHaveLength(1);
    // Every change asks for the overview again.
    expect(doorRequests(calls, 'privacy_overview').length).toBeGreaterThanOrEqual(3);
  });

  it('lists requests overdue first and records a new one', async () => {
    const calls = desk();
    render(Privacy);
    await tab(/Requests/);
    await waitFor(() => expect(document.querySelectorAll('[data-testid="requests-table"] tbody tr')).toHaveLength(2));
    expect(document.querySelector('tr[data-request="01HPREQ0000000000000000009"]')!.classList.contains('overdue')).toBe(true);
    expect(screen.getByTestId('requests-overdue').textContent).toBe('One request is overdue.');

    await fireEvent.click(screen.getByRole('button', { name: 'New request' }));
    const form = screen.getByTestId('request-form');
    await fireEvent.click(within(form).getByRole('button', { name: 'Save' }));
    expect(within(form).getByText('This is required.')).toBeTruthy();
    expect(doorRequests(calls, 'privacy_request_save')).toHaveLength(0);

    await fireEvent.change(screen.getByLabelText('Request'), { target: { value: 'erase' } });
    await fireEvent.input(screen.getByLabelText('Who asked'), { target: { value: ' Sophea Chan ' } });
    await fireEvent.input(screen.getByLabelText('Received on'), { target: { value: '2026-03-01' } });
    await fireEvent.input(screen.getByLabelText('Extended to'), { target: { value: '2026-05-01' } });
    await fireEvent.click(within(form).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(doorRequests(calls, 'privacy_request_save')).toHaveLength(1));
    expect(doorRequests(calls, 'privacy_request_save')[0].args).toEqual({
      id: null,
      expected_version: null,
      client_id: null,
      kind: 'erase',
      requester: 'Sophea Chan',
      received_on: '2026-03-01',
      extended_to: '2026-05-01',
      status: 'open',
      note: '',
    });
  });

  it('edits a request with its version, and shows a refused extension beside its field', async () => {
    const calls = desk((c) => {
      if (c.call === 'door' && c.args.op === 'privacy_request_save') throw deskError('privacy.bad_extension', { field: 'extended_to' });
      return undefined;
    });
    render(Privacy);
    await tab(/Requests/);
    const row = await vi.waitFor(() => {
      const el = document.querySelector('tr[data-request="01HPREQ0000000000000000001"] button');
      expect(el).not.toBeNull();
      return el!;
    });
    await fireEvent.click(row);
    await fireEvent.input(screen.getByLabelText('Extended to'), { target: { value: '2026-09-01' } });
    await fireEvent.click(within(screen.getByTestId('request-form')).getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('An extension must move the due day later, by two months at most.')).toBeTruthy();
    expect(doorRequests(calls, 'privacy_request_save')[0].args).toMatchObject({ id: '01HPREQ0000000000000000001', expected_version: 1 });
  });

  it('shows an incident’s late notice and affected clients, and sends times on the clinic clock in UTC', async () => {
    const calls = desk();
    render(Privacy);
    await tab('Incidents');
    const row = await vi.waitFor(() => {
      const el = document.querySelector<HTMLTableRowElement>('tr[data-incident="01HINC00000000000000000001"]');
      expect(el).not.toBeNull();
      return el!;
    });
    expect(row.classList.contains('overdue')).toBe(true);
    expect(within(row).getByTestId('incident-late').textContent).toBe('Late');
    await fireEvent.click(within(row).getByRole('button'));
    expect(screen.getByTestId('incident-notify-by').textContent).toContain('Late: the authority should have been told by');
    expect(screen.getByTestId('incident-affected').textContent).toContain('2 clients affected');
    expect(screen.getByTestId('incident-affected').textContent).toContain('By Mony Keo.');
    // The stored UTC times are shown on the clinic's clock (UTC+7).
    expect(screen.getByLabelText<HTMLInputElement>('Found at').value).toBe('03/01/2026');
    expect(timeBeside('Found at').value).toBe('9:00 AM');

    await fireEvent.click(screen.getByRole('button', { name: 'New incident' }));
    await fireEvent.input(screen.getByLabelText('What happened'), { target: { value: 'Wrong email recipient' } });
    await moment('Found at', '03/02/2026', '9:30 AM');
    await moment('From', '03/02/2026', '08:00');
    await moment('To', '3/2/2026', '7:00 am');
    await fireEvent.click(within(screen.getByTestId('incident-form')).getByRole('button', { name: 'Save' }));
    expect(screen.getByText('The window ends before it starts.')).toBeTruthy();
    expect(doorRequests(calls, 'incident_save')).toHaveLength(0);

    await moment('To', '03/02/2026', '09:00');
    await fireEvent.change(screen.getByLabelText('Suspected account'), { target: { value: MONY } });
    await fireEvent.click(within(screen.getByTestId('incident-form')).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(doorRequests(calls, 'incident_save')).toHaveLength(1));
    expect(doorRequests(calls, 'incident_save')[0].args).toEqual({
      id: null,
      expected_version: null,
      title: 'Wrong email recipient',
      description: '',
      found_at: '2026-03-02T02:30:00.000000Z',
      window_from: '2026-03-02T01:00:00.000000Z',
      window_to: '2026-03-02T02:00:00.000000Z',
      suspect_staff_id: MONY,
      authority_notified_at: null,
      closed: false,
    });
  });

  it('keeps the retention periods within their limits, field by field', async () => {
    const calls = desk((c) => {
      if (c.call === 'door' && c.args.op === 'privacy_settings_update' && c.args.args.chat_days === 36500) {
        throw deskError('validation.out_of_range', { field: 'chat_days' });
      }
      return undefined;
    });
    render(Privacy);
    await tab('Retention and policy');
    const audit = await screen.findByLabelText<HTMLInputElement>('Audit log (years)');
    await waitFor(() => expect(audit.value).toBe('6'));
    await fireEvent.input(audit, { target: { value: '5' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(document.querySelector('[data-field-error="retention-audit-years"]')!.textContent).toBe('Between 6 and 100.');
    expect(doorRequests(calls, 'privacy_settings_update')).toHaveLength(0);

    // The door's own refusal lands beside its field too.
    await fireEvent.input(audit, { target: { value: '8' } });
    await fireEvent.input(screen.getByLabelText('Chat transcripts (days)'), { target: { value: '36500' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(document.querySelector('[data-field-error="retention-chat-days"]')).not.toBeNull());
    expect(document.querySelector('[data-field-error="retention-audit-years"]')).toBeNull();

    await fireEvent.input(screen.getByLabelText('Chat transcripts (days)'), { target: { value: '400' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(doorRequests(calls, 'privacy_settings_update')).toHaveLength(2));
    expect(doorRequests(calls, 'privacy_settings_update')[1].args).toEqual({
      chat_days: 400,
      ip_days: 30,
      inactive_client_years: 10,
      audit_years: 8,
      medical_record_years: 10,
      break_glass_minutes: 60,
    });
    expect(await screen.findByText('The retention periods were saved.')).toBeTruthy();
  });

  it('lists the policy versions and publishes a new one in each language', async () => {
    const calls = desk((c) => {
      if (c.call === 'door' && c.args.op === 'policy_publish' && c.args.args.version === '2') throw deskError('privacy.policy_exists', { field: 'version' });
      return undefined;
    });
    render(Privacy);
    await tab('Retention and policy');
    await waitFor(() => expect(document.querySelectorAll('[data-testid="policy-list"] > li')).toHaveLength(2));
    expect(document.querySelector('[data-policy="2"]')!.textContent).toContain('In force');
    expect(document.querySelector('[data-policy="1"]')!.textContent).not.toContain('In force');

    await fireEvent.click(screen.getByRole('button', { name: 'Publish a new version' }));
    // It starts from the version in force, in its languages.
    expect(screen.getByLabelText<HTMLTextAreaElement>('Text', { selector: '#policy-text-0' }).value).toBe('Policy 2 in ar');
    await fireEvent.input(screen.getByLabelText('Version'), { target: { value: '2' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Publish' }));
    expect(await screen.findByText(/This version number is taken/)).toBeTruthy();
    await fireEvent.input(screen.getByLabelText('Version'), { target: { value: '3' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Publish' }));
    await waitFor(() => expect(doorRequests(calls, 'policy_publish')).toHaveLength(2));
    expect(doorRequests(calls, 'policy_publish')[1].args).toEqual({
      version: '3',
      texts: [
        { language: 'ar', text: 'Policy 2 in ar' },
        { language: 'en', text: 'Policy 2 in en' },
      ],
    });
    expect(await screen.findByText('Version 3 is published and in force.')).toBeTruthy();
  });

  it('lists the erasure records and the newsletter audience', async () => {
    desk();
    render(Privacy);
    await tab('Erasure records');
    await waitFor(() => expect(document.querySelectorAll('[data-testid="erasures-table"] tbody tr')).toHaveLength(2));
    const rows = [...document.querySelectorAll('[data-testid="erasures-table"] tbody tr')];
    expect(rows[0].textContent).toContain('Restricted');
    expect(rows[0].textContent).toContain('Retention job');
    expect(rows[1].textContent).toContain('Erased');
    expect(rows[1].textContent).toContain('Mony Keo');
    expect(rows[1].textContent).toContain('01HPREQ0000000000000000001');

    await tab('Newsletter audience');
    expect((await screen.findByTestId('newsletter-count')).textContent).toBe('One confirmed address.');
    expect(screen.getByTestId('newsletter-list').textContent).toContain('sophea@example.com');
  });
});
