// What the task screens say about a task: its name, the "why" line, its log, and the due time
// as the clinic's clock reads it.
import { t, type MessageKey } from './i18n.svelte';
import type { Task } from '../bindings/Task';
import type { TaskHistoryEntry } from '../bindings/TaskHistoryEntry';
import type { Reason } from '../bindings/Reason';
import type { TaskKind } from '../bindings/TaskKind';
import type { TaskStatus } from '../bindings/TaskStatus';
import type { Priority } from '../bindings/Priority';

export const KINDS: TaskKind[] = ['chat', 'call_back', 'custom'];
export const PRIORITIES: Priority[] = ['low', 'normal', 'high', 'urgent'];
export const REASONS: Reason[] = [
  'continuity',
  'account_manager',
  'least_loaded',
  'most_experienced',
  'tiered',
  'round_robin',
  'queued',
  'manual',
  'escalated',
  'sla',
];

export const kindLabel = (k: TaskKind) => t(`task.kind.${k}` as MessageKey);
export const statusLabel = (s: TaskStatus) => t(`task.status.${s}` as MessageKey);
export const priorityLabel = (p: Priority) => t(`task.priority.${p}` as MessageKey);

export function isClosed(task: Pick<Task, 'status'>): boolean {
  return task.status === 'done' || task.status === 'cancelled';
}

/** A chat task is named after who is writing; the others by their title. */
export function taskName(task: Pick<Task, 'kind' | 'title' | 'client_name' | 'visitor_name'>): string {
  if (task.kind === 'chat') return task.client_name ?? task.visitor_name ?? t('chats.anonymous');
  return task.title;
}

/** The assignee, or the queue. */
export function assigneeText(task: Pick<Task, 'assignee_name' | 'assignee_id'>): string {
  return task.assignee_id ? (task.assignee_name ?? '—') : t('task.in_queue');
}

/** One sentence naming the rule that gave the task its assignee. */
export function whyLine(task: Pick<Task, 'reason' | 'assignee_id' | 'assignee_name' | 'history'>): string {
  const name = task.assignee_name ?? '—';
  if (!task.assignee_id && task.reason !== 'queued') return t('why.queued');
  if (task.reason === 'manual') {
    // Who gave it, when the log says so.
    const by = [...task.history].reverse().find((h) => (h.action === 'assigned' || h.action === 'reassigned' || h.action === 'created') && h.actor_name);
    if (by?.actor_name) return t('why.manual_by', { name: by.actor_name });
  }
  return t(`why.${task.reason}` as MessageKey, { name });
}

/** The rule behind one hand-over in the log, as a sentence. */
export function reasonText(h: TaskHistoryEntry): string | null {
  if (!h.reason) return null;
  if (h.reason === 'manual') return h.actor_name ? t('why.manual_by', { name: h.actor_name }) : t('why.manual');
  return t(`why.${h.reason}` as MessageKey, { name: h.to_name ?? '—' });
}

/** The log's hand-overs: what the conversation header lists. */
export const HANDOVER_ACTIONS = ['assigned', 'reassigned', 'escalated', 'queued'];

export function historyAction(h: TaskHistoryEntry): string {
  switch (h.action) {
    case 'created':
      return t('history.created');
    case 'assigned':
      return t('history.assigned');
    case 'queued':
      return t('history.queued');
    case 'reassigned':
      return t('history.reassigned');
    case 'escalated':
      return t('history.escalated');
    case 'edited':
      return t('history.edited');
    case 'status':
      return t('history.status', { status: h.status ? statusLabel(h.status) : '—' });
    default:
      return h.action;
  }
}

/** Who acted: a colleague, or routing on its own. */
export function historyActor(h: TaskHistoryEntry): string {
  return h.actor_id ? (h.actor_name ?? '—') : t('history.routing');
}

// ---- Times: a datetime-local field holds the clinic's wall clock; the desk stores UTC. ----

type Parts = { y: number; mo: number; d: number; h: number; mi: number; s: number };

function wallParts(utcMs: number, zone: string): Parts {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(utcMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return { y: get('year'), mo: get('month'), d: get('day'), h: get('hour') % 24, mi: get('minute'), s: get('second') };
}

/** How far `zone`'s clock is ahead of UTC at the instant `utcMs`. */
function offsetAt(utcMs: number, zone: string): number {
  const p = wallParts(utcMs, zone);
  return Date.UTC(p.y, p.mo - 1, p.d, p.h, p.mi, p.s) - Math.floor(utcMs / 1000) * 1000;
}

/**
 * "2026-03-02T14:30" on the clinic's clock → RFC 3339 in UTC ("2026-03-02T07:30:00.000Z" in
 * Phnom Penh). Null for an empty or malformed value.
 */
export function localToUtc(local: string, zone: string | undefined): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(local.trim());
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map((x) => Number(x ?? 0));
  if (!zone) return new Date(y, mo - 1, d, h, mi, s).toISOString();
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  let utc = wall - offsetAt(wall, zone);
  // Near a clock change the offset at the result may differ from the first guess.
  const again = wall - offsetAt(utc, zone);
  if (again !== utc) utc = again;
  return new Date(utc).toISOString();
}

/** An RFC 3339 instant → the clinic's wall clock, as a datetime-local field wants it. */
export function utcToLocal(iso: string | null, zone: string | undefined): string {
  if (!iso) return '';
  const ms = new Date(iso).getTime();
  if (Number.isNaN(ms)) return '';
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  let p: Parts;
  if (zone) p = wallParts(ms, zone);
  else {
    const d = new Date(ms);
    p = { y: d.getFullYear(), mo: d.getMonth() + 1, d: d.getDate(), h: d.getHours(), mi: d.getMinutes(), s: 0 };
  }
  return `${pad(p.y, 4)}-${pad(p.mo)}-${pad(p.d)}T${pad(p.h)}:${pad(p.mi)}`;
}

// ---- Ids ----

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * The ids the desk gives the tasks of one request: the first one made here, then the ULIDs
 * that follow it (NewTask's rule), so the UI knows them before the reply.
 */
export function followingIds(first: string, n: number): string[] {
  let v = 0n;
  for (const c of first.toUpperCase()) v = v * 32n + BigInt(CROCKFORD.indexOf(c));
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    let x = (v + BigInt(i)) & ((1n << 128n) - 1n);
    let s = '';
    for (let k = 0; k < 26; k++) {
      s = CROCKFORD[Number(x % 32n)] + s;
      x /= 32n;
    }
    out.push(s);
  }
  return out;
}
