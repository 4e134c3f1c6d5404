// Shared fakes for the component tests: a desk behind mockIPC that records every call, and
// small fixtures shaped like what the desk sends.
import { mockIPC } from '@tauri-apps/api/mocks';
import type { Call } from './bindings/Call';
import type { Reply } from './bindings/Reply';
import type { Request } from './bindings/Request';
import type { Response } from './bindings/Response';
import type { ErrorBody } from './bindings/ErrorBody';
import type { ErrorCode } from './bindings/ErrorCode';
import type { ClinicInfo } from './bindings/ClinicInfo';
import type { SessionView } from './bindings/SessionView';
import type { DeskStatus } from './bindings/DeskStatus';
import type { LanLink } from './bindings/LanLink';
import type { Client } from './bindings/Client';
import type { Task } from './bindings/Task';
import type { Staff } from './bindings/Staff';
import type { Appointment } from './bindings/Appointment';
import type { Service } from './bindings/Service';
import type { Measures } from './bindings/Measures';
import type { Report } from './bindings/Report';
import type { ReportFilter } from './bindings/ReportFilter';
import type { Consent } from './bindings/Consent';
import type { PrivacyRequest } from './bindings/PrivacyRequest';
import type { PrivacyOverview } from './bindings/PrivacyOverview';

/**
 * Replaces the desk: every `rpc` call is recorded (as a copy) and answered by `answer`.
 * To refuse a call, throw an ErrorBody from `answer` (see `deskError`).
 */
export function fakeDesk(answer: (c: Call) => Reply | Promise<Reply>, opts: { events?: boolean } = {}): Call[] {
  const calls: Call[] = [];
  mockIPC(
    (cmd, payload) => {
      if (cmd !== 'rpc') throw new Error(`unexpected command ${cmd}`);
      const c = (payload as { call: Call }).call;
      calls.push(structuredClone(c));
      return answer(c);
    },
    // With events: `emit` from @tauri-apps/api/event reaches the app's `listen`ers.
    { shouldMockEvents: !!opts.events },
  );
  return calls;
}

export function deskError(
  code: ErrorCode,
  more: { field?: string | null; retry_after_secs?: number | null; message?: string } = {},
): ErrorBody {
  return {
    code,
    message: more.message ?? `(server text for ${code})`,
    field: more.field ?? null,
    retry_after_secs: more.retry_after_secs ?? null,
  };
}

export function doorReply(data: Response): Reply {
  return { kind: 'door', data };
}

/** The door requests among `calls` with the given op, in order. */
export function doorRequests<O extends Request['op']>(calls: Call[], op: O): Extract<Request, { op: O }>[] {
  const out: Extract<Request, { op: O }>[] = [];
  for (const c of calls) if (c.call === 'door' && c.args.op === op) out.push(c.args as Extract<Request, { op: O }>);
  return out;
}

export const clinic: ClinicInfo = {
  id: '01HZZZZZZZZZZZZZZZZZZZZZZZ',
  name: 'Riverside Clinic',
  time_zone: 'Asia/Phnom_Penh',
  phone_region: 'KH',
  idle_timeout_minutes: 15,
  schema_version: 1,
};

export const session: SessionView = {
  staff_id: '01HSTAFF000000000000000001',
  login: 'dara',
  display_name: 'Dara Sok',
  role: 'receptionist',
  permissions: ['client_search', 'client_read', 'client_create', 'client_update', 'own_account'],
};

export function readyStatus(s: SessionView = session, lan: LanLink | null = null): DeskStatus {
  return { workstation: 'desk-1', idle_lock_seconds: 300, lan, stage: 'ready', clinic, session: s };
}

/** A connected desk's link to its host. */
export function lanLink(over: Partial<LanLink> = {}): LanLink {
  return {
    phase: 'connected',
    address: '192.168.1.20:7745',
    clinic: clinic.name,
    device_name: 'Front PC 2',
    last_error: null,
    ...over,
  };
}

/** A connected desk that has not reached its host (or was removed by it). */
export function remoteStatus(link: LanLink = lanLink({ phase: 'connecting' })): DeskStatus {
  return { workstation: 'front-pc-2', idle_lock_seconds: 600, lan: link, stage: 'remote', link };
}

export function loginStatus(lan: LanLink | null = null): DeskStatus {
  return { workstation: 'desk-1', idle_lock_seconds: 300, lan, stage: 'login', clinic };
}

export function clientRecord(over: Partial<Client> = {}): Client {
  return {
    id: '01HCLIENT00000000000000001',
    created_at: '2024-05-01T09:00:00Z',
    created_by: session.staff_id,
    updated_at: '2024-05-01T09:00:00Z',
    updated_by: session.staff_id,
    version: 1,
    restricted_at: null,
    erased_at: null,
    full_name: 'Sophea Chan',
    phones: ['+855 12 345 678'],
    email: null,
    address: null,
    date_of_birth: null,
    preferred_language: null,
    notes: '',
    account_manager_id: null,
    source: 'walk_in',
    ...over,
  };
}

export function staffRecord(over: Partial<Staff> = {}): Staff {
  return {
    id: '01HSTAFF000000000000000002',
    login: 'mony',
    active: true,
    totp_enrolled: false,
    created_at: '2024-01-01T00:00:00Z',
    updated_at: '2024-01-01T00:00:00Z',
    version: 1,
    display_name: 'Mony Keo',
    role: 'manager',
    email: null,
    phone: null,
    experience: 3,
    support_tier: 1,
    chat_capacity: 2,
    working_hours: [],
    avatar: null,
    ...over,
  };
}

export function taskRecord(over: Partial<Task> = {}): Task {
  return {
    id: '01HTASK0000000000000000001',
    kind: 'call_back',
    title: 'Call back about the X-ray',
    note: '',
    client_id: null,
    client_name: null,
    conversation_id: null,
    visitor_name: null,
    assignee_id: session.staff_id,
    assignee_name: session.display_name,
    reason: 'manual',
    min_tier: 1,
    priority: 'normal',
    status: 'open',
    due_at: null,
    overdue: false,
    created_by: '01HSTAFF000000000000000002',
    created_by_name: 'Mony Keo',
    created_at: '2026-03-02T01:00:00Z',
    assigned_at: '2026-03-02T01:00:00Z',
    answered_at: null,
    closed_at: null,
    closed_by: null,
    closed_by_name: null,
    updated_at: '2026-03-02T01:00:00Z',
    version: 1,
    history: [],
    ...over,
  };
}

/** The UTC instant of a wall-clock time in the test clinic (Phnom Penh, UTC+7 all year). */
export function clinicUtc(local: string): string {
  return new Date(`${local.slice(0, 16)}:00+07:00`).toISOString().replace('.000Z', 'Z');
}

export function serviceRecord(over: Partial<Service> = {}): Service {
  return {
    id: '01HSERVICE0000000000000001',
    version: 1,
    name: 'Check-up',
    duration_minutes: 30,
    buffer_minutes: 0,
    price_minor: 2500,
    colour: '#2f7ed8',
    provider_ids: ['01HSTAFF000000000000000002'],
    active: true,
    ...over,
  };
}

/** An appointment at `start` ("2026-03-03T10:00") lasting `minutes`. */
export function appointmentRecord(over: Partial<Appointment> & { start?: string; minutes?: number } = {}): Appointment {
  const { start = '2026-03-03T10:00', minutes = 30, ...rest } = over;
  const startsAt = clinicUtc(start);
  const endsMs = Date.parse(startsAt) + minutes * 60_000;
  const endLocal = new Date(endsMs + 7 * 3_600_000).toISOString().slice(0, 16);
  return {
    id: '01HAPPT0000000000000000001',
    client_id: '01HCLIENT00000000000000001',
    client_name: 'Sophea Chan',
    service_id: '01HSERVICE0000000000000001',
    service_name: 'Check-up',
    colour: '#2f7ed8',
    provider_id: '01HSTAFF000000000000000002',
    provider_name: 'Mony Keo',
    room_id: null,
    room_name: null,
    starts_at: startsAt,
    ends_at: new Date(endsMs).toISOString().replace('.000Z', 'Z'),
    start_local: start,
    end_local: endLocal,
    status: 'booked',
    note: '',
    series_id: null,
    occurrence: null,
    detached: false,
    arrived_at: null,
    seated_at: null,
    done_at: null,
    cancelled_at: null,
    wait_minutes: null,
    conversation_id: null,
    reminder_at: null,
    reminder_outcome: null,
    created_at: '2026-03-01T02:00:00Z',
    version: 3,
    history: [],
    ...rest,
  };
}

/** One set of report figures: nothing happened, unless `over` says otherwise. */
export function measuresRecord(over: Partial<Measures> = {}): Measures {
  return {
    chats_assigned: 0,
    chats_handled: 0,
    replies: 0,
    first_response_median_s: null,
    first_response_p90_s: null,
    chats_escalated: 0,
    chats_reassigned: 0,
    chats_unanswered_eod: 0,
    tasks_assigned: 0,
    tasks_done: 0,
    tasks_overdue: 0,
    task_done_median_s: null,
    appts_booked: 0,
    appts_completed: 0,
    appts_cancelled_client: 0,
    appts_cancelled_clinic: 0,
    appts_late_cancel: 0,
    appts_no_show: 0,
    no_show_rate: null,
    wait_avg_s: null,
    visit_avg_s: null,
    ...over,
  };
}

/** A report for `filter` (by default March 2026 up to the 18th, by week), with no work in it. */
export function reportRecord(over: Partial<Report> = {}): Report {
  const filter: ReportFilter = over.filter ?? { from: '2026-03-01', to: '2026-03-18', bucket: 'week', staff_ids: [], team: null, service_id: null };
  return {
    clinic_name: clinic.name,
    logo: null,
    time_zone: clinic.time_zone,
    made_at: '2026-03-18T03:00:00Z',
    made_by: 'Mony Keo',
    filter,
    service_name: null,
    previous_from: '2026-02-11',
    previous_to: '2026-02-28',
    totals: measuresRecord(),
    previous: measuresRecord(),
    staff: [],
    teams: [],
    buckets: [],
    heatmap: Array.from({ length: 7 }, () => Array<number>(24).fill(0)),
    ...over,
  };
}

/** One consent decision: a yes in person under the policy in force, unless `over` says otherwise. */
export function consentRecord(over: Partial<Consent> = {}): Consent {
  return {
    purpose: 'reminder_sms',
    given: true,
    method: 'in_person',
    recorded_by: '01HSTAFF000000000000000002',
    recorded_by_name: 'Mony Keo',
    at: '2026-02-01T03:00:00Z',
    policy_version: '1',
    text_shown: null,
    policy_outdated: false,
    awaiting_confirmation: false,
    confirmed_at: null,
    ...over,
  };
}

/** An open access request that came in on 2 March 2026 (due 2 April). */
export function privacyRequestRecord(over: Partial<PrivacyRequest> = {}): PrivacyRequest {
  return {
    id: '01HPREQ0000000000000000001',
    client_id: null,
    client_name: null,
    kind: 'access',
    requester: 'Sophea Chan <sophea@example.com>',
    received_on: '2026-03-02',
    due_on: '2026-04-02',
    extended_to: null,
    status: 'open',
    note: '',
    closed_at: null,
    overdue: false,
    created_at: '2026-03-02T03:00:00Z',
    version: 1,
    ...over,
  };
}

/** Nothing late, nothing open, no emergency password sealed. */
export function privacyOverviewRecord(over: Partial<PrivacyOverview> = {}): PrivacyOverview {
  return {
    overdue_requests: 0,
    open_requests: 0,
    open_incidents: 0,
    late_incident_notices: 0,
    last_retention_at: null,
    break_glass: { sealed: false, open_until: null, last_opened_at: null },
    ...over,
  };
}
