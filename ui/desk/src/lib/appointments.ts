// What the appointment screens share: the status path (the core's state machine, so that only
// the steps it accepts are offered), wall-clock arithmetic on the clinic's local times, and how
// dates, times and warnings are said.
//
// Times here are the clinic's wall clock, never the PC's: "2026-03-03" for a date, "10:00" for
// a time, minutes since midnight for arithmetic. Requests take "2026-03-03T10:00:00".
import { i18n, intlLocale, t, type MessageKey } from './i18n.svelte';
import type { Appointment } from '../bindings/Appointment';
import type { AppointmentStatus } from '../bindings/AppointmentStatus';
import type { Conflict } from '../bindings/Conflict';
import type { Scope } from '../bindings/Scope';

export const STATUSES: AppointmentStatus[] = [
  'booked',
  'confirmed',
  'arrived',
  'in_room',
  'done',
  'cancelled_client',
  'cancelled_clinic',
  'late_cancel',
  'no_show',
];

export const SCOPES: Scope[] = ['this', 'this_and_following', 'all'];
export const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;
/** The calendar's snap when dragging, and its keyboard step. */
export const SNAP_MINUTES = 5;
export const KEY_STEP_MINUTES = 15;

const RANK: Partial<Record<AppointmentStatus, number>> = { booked: 0, confirmed: 1, arrived: 2, in_room: 3, done: 4 };

export type Step = 'forward' | 'backward' | 'refused';

/** The core's rule for going from one status to another (appointments.rs `step`). */
export function step(from: AppointmentStatus, to: AppointmentStatus): Step {
  if (from === to) return 'refused';
  const a = RANK[from];
  const b = RANK[to];
  if (a !== undefined && b !== undefined) {
    if (b === a + 1 || (from === 'booked' && to === 'arrived')) return 'forward';
    return b < a ? 'backward' : 'refused';
  }
  if (a !== undefined) return a <= 1 ? 'forward' : 'refused';
  if (b !== undefined) return b <= 2 ? 'backward' : 'refused';
  return 'backward';
}

/** The next steps a person may take on the usual path. */
export function nextSteps(s: AppointmentStatus): AppointmentStatus[] {
  return STATUSES.filter((to) => step(s, to) === 'forward');
}

/** The corrections (undoing a recorded step) a manager may make. */
export function corrections(s: AppointmentStatus): AppointmentStatus[] {
  return STATUSES.filter((to) => step(s, to) === 'backward');
}

/** Whether the appointment holds its time (cancelled and missed ones do not). */
export const holds = (s: AppointmentStatus) => RANK[s] !== undefined;
/** Only a visit that has not begun can be moved. */
export const movable = (s: AppointmentStatus) => s === 'booked' || s === 'confirmed';

export const statusLabel = (s: AppointmentStatus) => t(`appt.status.${s}` as MessageKey);
export const stepLabel = (s: AppointmentStatus) => t(`appt.step.${s}` as MessageKey);
export const scopeLabel = (s: Scope) => t(`appt.scope.${s}` as MessageKey);

// ---- Wall-clock arithmetic ----

const pad = (n: number) => String(n).padStart(2, '0');

/** "09:30" or "09:30:00" → 570. */
export function minutesOf(time: string): number {
  const m = /^(\d{1,2}):(\d{2})/.exec(time);
  return m ? Number(m[1]) * 60 + Number(m[2]) : 0;
}

/** 570 → "09:30" (1440 is "24:00"). */
export function hhmm(minutes: number): string {
  const m = Math.max(0, Math.round(minutes));
  return `${pad(Math.floor(m / 60))}:${pad(m % 60)}`;
}

/** "2026-03-03T10:00" → its date and time. */
export function splitLocal(local: string): { date: string; time: string } {
  return { date: local.slice(0, 10), time: local.slice(11, 16) };
}

/** A request's wall-clock time: "2026-03-03T10:00:00". */
export function naive(date: string, time: string): string {
  return `${date}T${time.slice(0, 5)}:00`;
}

/** A time of day as the core takes it: "09:00:00". */
export const timeArg = (time: string) => `${time.slice(0, 5)}:00`;

function ymdParts(ymd: string): [number, number, number] {
  const [y, m, d] = ymd.split('-').map(Number);
  return [y, m, d];
}

export function addDays(ymd: string, n: number): string {
  const [y, m, d] = ymdParts(ymd);
  const x = new Date(Date.UTC(y, m - 1, d + n));
  return `${x.getUTCFullYear()}-${pad(x.getUTCMonth() + 1)}-${pad(x.getUTCDate())}`;
}

/** 0 for Monday … 6 for Sunday. */
export function weekdayIndex(ymd: string): number {
  const [y, m, d] = ymdParts(ymd);
  return (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
}

export const weekdayOf = (ymd: string) => WEEKDAYS[weekdayIndex(ymd)];

export function mondayOf(ymd: string): string {
  return addDays(ymd, -weekdayIndex(ymd));
}

/** The first day of the week holding `ymd`, for a week starting on `firstDay` (1 Monday … 7 Sunday). */
export function weekStartOf(ymd: string, firstDay: number): string {
  return addDays(ymd, -((weekdayIndex(ymd) + 1 - firstDay + 7) % 7));
}

/** A local time moved by some minutes, across midnight if need be. */
export function shiftLocal(date: string, minutes: number): { date: string; time: string } {
  const days = Math.floor(minutes / 1440);
  return { date: addDays(date, days), time: hhmm(minutes - days * 1440) };
}

// The calendar formats hundreds of times per draw: one formatter per locale and options.
const formatters = new Map<string, Intl.DateTimeFormat>();
function dtf(locale: string, opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}\u0000${JSON.stringify(opts)}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, opts);
    formatters.set(key, f);
  }
  return f;
}

/** Today on the clinic's clock. */
export function todayInClinic(now: Date = new Date()): string {
  const parts = dtf('en-US', { timeZone: i18n.timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(now);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '01';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** The appointment's start and length in minutes, on its own date. */
export function startMinutes(a: Pick<Appointment, 'start_local'>): number {
  return minutesOf(splitLocal(a.start_local).time);
}

export function lengthMinutes(a: Pick<Appointment, 'starts_at' | 'ends_at' | 'start_local' | 'end_local'>): number {
  const utc = (Date.parse(a.ends_at) - Date.parse(a.starts_at)) / 60_000;
  if (Number.isFinite(utc) && utc > 0) return Math.round(utc);
  const s = splitLocal(a.start_local);
  const e = splitLocal(a.end_local);
  const days = (Date.parse(`${e.date}T00:00:00Z`) - Date.parse(`${s.date}T00:00:00Z`)) / 86_400_000;
  return days * 1440 + minutesOf(e.time) - minutesOf(s.time);
}

// ---- Saying it ----

/** "10:00" in the reader's format. */
export function formatTime(time: string): string {
  const m = minutesOf(time);
  return dtf(intlLocale(), { hour: 'numeric', minute: '2-digit', timeZone: 'UTC' }).format(
    new Date(Date.UTC(2000, 0, 1, Math.floor(m / 60), m % 60)),
  );
}

/** A date with its weekday: "Tuesday, March 3, 2026" ("short": "Tue, Mar 3"). */
export function formatDay(ymd: string, style: 'long' | 'short' = 'long'): string {
  const [y, m, d] = ymdParts(ymd);
  if (!y || !m || !d) return ymd;
  const opts: Intl.DateTimeFormatOptions =
    style === 'long'
      ? { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' }
      : { weekday: 'short', month: 'short', day: 'numeric', timeZone: 'UTC' };
  return dtf(intlLocale(), opts).format(new Date(Date.UTC(y, m - 1, d)));
}

/** "2026-03-03T10:00" → "Tue, Mar 3 10:00 AM". */
export function formatLocal(local: string): string {
  const { date, time } = splitLocal(local);
  return `${formatDay(date, 'short')} ${formatTime(time)}`;
}

/** "10:00–10:30" for one appointment (the end's date is its own when it differs). */
export function formatSpan(a: Pick<Appointment, 'start_local' | 'end_local'>): string {
  const s = splitLocal(a.start_local);
  const e = splitLocal(a.end_local);
  return `${formatTime(s.time)}–${e.date === s.date ? formatTime(e.time) : formatLocal(a.end_local)}`;
}

/** One warning as a sentence. */
export function conflictText(c: Conflict): string {
  const date = formatDay(c.date, 'short');
  const from = c.other_start_local ? formatTime(splitLocal(c.other_start_local).time) : '';
  const to = c.other_end_local ? formatTime(splitLocal(c.other_end_local).time) : '';
  return t(`conflict.${c.kind}` as MessageKey, { date, from, to });
}

/** What the booking form starts from when opened from elsewhere. */
export interface BookingPrefill {
  client?: { id: string; name: string } | null;
  service_id?: string | null;
  provider_id?: string | null;
  room_id?: string | null;
  /** "2026-03-03" */
  date?: string | null;
  /** "10:00" */
  time?: string | null;
  duration?: number | null;
  conversation_id?: string | null;
}

/** A change of time, length or provider that the calendar asks the core for. */
export interface Proposal {
  appointment: Appointment;
  date: string;
  /** Minutes since midnight on `date`. */
  start: number;
  duration: number;
  provider_id: string;
}

/** Side by side: which lane each overlapping appointment takes, and how many lanes there are. */
export function lanes<T extends { id: string; start: number; end: number }>(items: T[]): Map<string, { lane: number; lanes: number }> {
  const out = new Map<string, { lane: number; lanes: number }>();
  const sorted = [...items].sort((a, b) => a.start - b.start || b.end - a.end);
  let cluster: { id: string; lane: number }[] = [];
  let clusterEnd = -Infinity;
  let ends: number[] = [];
  const close = () => {
    const n = Math.max(1, ends.length);
    for (const c of cluster) out.set(c.id, { lane: c.lane, lanes: n });
    cluster = [];
    ends = [];
  };
  for (const it of sorted) {
    if (it.start >= clusterEnd) {
      close();
      clusterEnd = -Infinity;
    }
    let lane = ends.findIndex((e) => e <= it.start);
    if (lane < 0) {
      lane = ends.length;
      ends.push(it.end);
    } else ends[lane] = it.end;
    cluster.push({ id: it.id, lane });
    clusterEnd = Math.max(clusterEnd, it.end);
  }
  close();
  return out;
}

/** A colour the core gave (#rrggbb), or a neutral one. */
export function safeColour(c: string | null | undefined): string {
  return c && /^#[0-9a-fA-F]{6}$/.test(c) ? c : '#6b7785';
}
