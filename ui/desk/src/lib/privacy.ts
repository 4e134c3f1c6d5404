// What the privacy screens share: the clinic's wall clock to UTC and back (incident windows,
// the audit viewer's days), the audit filter as the door takes it, the checks the erase and
// export dialogs make before asking the desk, and the two shell calls that save files on this
// PC (a client's export, the audit log as CSV).
import { call, DeskError } from './rpc';
import { i18n } from './i18n.svelte';
import { addDays } from './appointments';
import type { AuditFilter } from '../bindings/AuditFilter';
import type { Call } from '../bindings/Call';
import type { Client } from '../bindings/Client';
import type { Saved } from '../bindings/Saved';

// ---- Time ----

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

const zoneFormats = new Map<string, Intl.DateTimeFormat>();
function zoneFormat(tz: string): Intl.DateTimeFormat {
  let f = zoneFormats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    zoneFormats.set(tz, f);
  }
  return f;
}

/** The wall clock of `tz` (or this PC's) at a UTC instant, as UTC-based milliseconds. */
function wallMs(utcMs: number, tz: string | undefined): number {
  const whole = Math.floor(utcMs / 1000) * 1000;
  if (!tz) return whole - new Date(whole).getTimezoneOffset() * 60_000;
  const parts = zoneFormat(tz).formatToParts(new Date(whole));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour') % 24, get('minute'), get('second'));
}

/** A UTC stamp as the core writes them (microseconds, "Z"), so that text order is time order. */
export function utcStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/**
 * A wall-clock time on the clinic's clock ("2026-03-02T14:30", as a datetime-local input
 * gives it) as a UTC RFC 3339 stamp; null when it is not a date and time.
 */
export function localToUtc(local: string, tz: string | undefined = i18n.timeZone): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(local.trim());
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map((x) => Number(x ?? 0));
  const naive = Date.UTC(y, mo - 1, d, h, mi, s);
  if (Number.isNaN(naive)) return null;
  // The zone's offset at the guess, then again at the answer (it may differ across a change).
  let utc = naive - (wallMs(naive, tz) - naive);
  utc = naive - (wallMs(utc, tz) - utc);
  return utcStamp(utc);
}

/** A UTC stamp as the clinic's wall clock, for a datetime-local input ("" when unreadable). */
export function utcToLocal(iso: string | null | undefined, tz: string | undefined = i18n.timeZone): string {
  if (!iso) return '';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  const w = new Date(wallMs(ms, tz));
  return `${w.getUTCFullYear()}-${pad(w.getUTCMonth() + 1)}-${pad(w.getUTCDate())}T${pad(w.getUTCHours())}:${pad(w.getUTCMinutes())}`;
}

/** The first moment of a clinic day (YYYY-MM-DD), in UTC. */
export function dayStartUtc(ymd: string, tz: string | undefined = i18n.timeZone): string | null {
  return /^\d{4}-\d{2}-\d{2}$/.test(ymd) ? localToUtc(`${ymd}T00:00`, tz) : null;
}

// ---- The audit viewer ----

/** Audit records asked for at a time; a full page means there may be older ones. */
export const AUDIT_PAGE = 100;

/** The audit viewer's filter as typed. Days are the clinic's, both included. */
export interface AuditForm {
  staffId: string;
  targetId: string;
  action: string;
  from: string;
  to: string;
}

export const emptyAuditForm = (): AuditForm => ({ staffId: '', targetId: '', action: '', from: '', to: '' });

/** Which field of the form is wrong, if any: a day range that ends before it starts. */
export function auditFormProblem(f: AuditForm): 'to' | null {
  return f.from && f.to && f.to < f.from ? 'to' : null;
}

/**
 * The form as the door's AuditFilter: blanks left out, an action kept as typed (a prefix ends
 * in "."), the days as UTC stamps from the start of `from` up to the start of the day after
 * `to` (the door's `to` is exclusive).
 */
export function auditFilterOf(f: AuditForm, tz: string | undefined = i18n.timeZone): AuditFilter {
  const text = (s: string) => s.trim() || null;
  return {
    staff_id: f.staffId || null,
    target_id: text(f.targetId),
    action: text(f.action),
    from: f.from ? dayStartUtc(f.from, tz) : null,
    to: f.to ? dayStartUtc(addDays(f.to, 1), tz) : null,
  };
}

// ---- Fresh codes and confirmations ----

/** A one-time code from an authenticator app: six digits, spaces allowed while typing. */
export const totpDigits = (s: string) => s.replace(/\s+/g, '');
export const isTotp = (s: string) => /^\d{6}$/.test(totpDigits(s));

/** What must be typed to confirm erasing a client: their name, or ERASE when it is empty. */
export function eraseWord(c: Pick<Client, 'full_name'>): string {
  return c.full_name.trim() || 'ERASE';
}

export function eraseConfirmed(c: Pick<Client, 'full_name'>, typed: string): boolean {
  return typed.trim().normalize('NFC') === eraseWord(c).normalize('NFC');
}

// ---- Shell calls that save files on this PC ----
//
// The generated `Call` type does not have these two yet; they are written here, once, with
// the shapes the shell is to take and give. When the bindings have them, the casts go.

/** `export_client`: the door makes (and audits) the export, the shell saves it in Downloads. */
export interface ExportClientArgs {
  id: string;
  /** A fresh code from the person's authenticator app. */
  totp: string;
  /** Protect the files with a one-time password (shown once, given to the client apart). */
  encrypt: boolean;
}

export interface ClientExported {
  paths: string[];
  password: string | null;
}

type ShellCall = { call: 'export_client'; args: ExportClientArgs } | { call: 'export_audit'; args: { filter: AuditFilter } };
type ShellReply = { kind: string; data?: unknown } & Record<string, unknown>;

async function shell(c: ShellCall): Promise<ShellReply> {
  return (await call(c as unknown as Call)) as unknown as ShellReply;
}

function unexpected(kind: string): DeskError {
  return new DeskError({ code: 'store.error', message: `unexpected reply ${kind}`, field: null, retry_after_secs: null });
}

/** The reply's fields, whether the shell wraps them in `data` (as every other reply) or not. */
function body<T>(r: ShellReply): Partial<T> {
  return (r.data && typeof r.data === 'object' ? r.data : r) as Partial<T>;
}

/** Saves everything about one client as files on this PC. */
export async function exportClient(args: ExportClientArgs): Promise<ClientExported> {
  const r = await shell({ call: 'export_client', args: { ...args, totp: totpDigits(args.totp) } });
  if (r.kind !== 'client_exported') throw unexpected(r.kind);
  const b = body<ClientExported>(r);
  return { paths: Array.isArray(b.paths) ? b.paths : [], password: b.password ?? null };
}

/** Saves the filtered audit log as CSV on this PC. */
export async function exportAudit(filter: AuditFilter): Promise<Saved> {
  const r = await shell({ call: 'export_audit', args: { filter } });
  if (r.kind !== 'saved') throw unexpected(r.kind);
  const b = body<Saved>(r);
  return { path: String(b.path ?? ''), bytes: Number(b.bytes ?? 0) };
}
