// In-app notices for the person at this desk: a toast and a sound when a task is given to
// them, a toast when a chat of theirs was passed on for want of an answer. The shell shows the
// OS popups; this never does. A burst (a reconnect, a queue served at once) becomes one toast.
// A file saved at this desk (a report) is said in a toast too, with where it went.
import { taskTone } from './sound';
import type { Event } from '../bindings/Event';
import type { Open } from '../bindings/Open';
import type { Prefs } from '../bindings/Prefs';
import type { TaskKind } from '../bindings/TaskKind';

/** How long a toast stays up without news. */
export const TOAST_MS = 8000;
/** At most one sound in this time, however many tasks arrive. */
const SOUND_GAP_MS = 3000;
/** How long a task this person handed themselves is not announced to them. */
const OWN_MS = 15_000;

export interface Toast {
  id: number;
  /** `assigned`: new work for me; `passed`: my chat went to a colleague; `saved`: a file I saved. */
  kind: 'assigned' | 'passed' | 'saved';
  /** How many events it stands for. */
  count: number;
  /** The task's kind, while it stands for one task. */
  taskKind: TaskKind | null;
  /** What a click opens; nothing for a saved file. */
  target: Open | null;
  /** Where the file went, for `saved`. */
  path?: string;
}

class Notices {
  toasts = $state<Toast[]>([]);
  prefs = $state<Prefs>({ mute_popups: false, mute_sounds: false, ui_language: null });
}

export const notices = new Notices();

let nextId = 1;
let lastSound = -Infinity;
const timers = new Map<number, ReturnType<typeof setTimeout>>();
const own = new Map<string, number>();

function arm(id: number): void {
  clearTimeout(timers.get(id));
  timers.set(
    id,
    setTimeout(() => dismiss(id), TOAST_MS),
  );
}

export function dismiss(id: number): void {
  clearTimeout(timers.get(id));
  timers.delete(id);
  notices.toasts = notices.toasts.filter((t) => t.id !== id);
}

export function clearToasts(): void {
  for (const t of timers.values()) clearTimeout(t);
  timers.clear();
  notices.toasts = [];
}

/**
 * Says that this person is about to give themselves these tasks (taking one from the queue,
 * a task written for themselves, answering a waiting chat): no need to announce them.
 */
export function expectOwn(...ids: string[]): void {
  const until = Date.now() + OWN_MS;
  for (const id of ids) own.set(id, until);
}

function isOwn(id: string | null): boolean {
  if (!id) return false;
  const until = own.get(id);
  if (until === undefined) return false;
  if (until < Date.now()) {
    own.delete(id);
    return false;
  }
  return true;
}

function add(kind: Toast['kind'], taskKind: TaskKind, target: Open): void {
  const same = notices.toasts.find((t) => t.kind === kind);
  if (same) {
    // Still on screen: it now counts one more, and opens the list instead of one task.
    const merged: Toast = { ...same, count: same.count + 1, taskKind: null, target: { open: 'tasks' } };
    notices.toasts = notices.toasts.map((t) => (t.id === same.id ? merged : t));
    arm(same.id);
    return;
  }
  const toast: Toast = { id: nextId++, kind, count: 1, taskKind, target };
  notices.toasts = [...notices.toasts, toast];
  arm(toast.id);
}

/** A file was saved at this desk, at `path`. */
export function savedFile(path: string): void {
  const toast: Toast = { id: nextId++, kind: 'saved', count: 1, taskKind: null, target: null, path };
  notices.toasts = [...notices.toasts, toast];
  arm(toast.id);
}

function sound(): void {
  if (notices.prefs.mute_sounds) return;
  const now = Date.now();
  if (now - lastSound < SOUND_GAP_MS) return;
  lastSound = now;
  taskTone();
}

/** A core event as the person `me` at this desk should hear of it. */
export function notice(ev: Event, me: string | null): void {
  if (ev.kind !== 'task_assigned' || !me) return;
  if (ev.assignee_id === me) {
    if (isOwn(ev.task_id) || isOwn(ev.conversation_id)) return;
    const target: Open = ev.conversation_id ? { open: 'conversation', id: ev.conversation_id } : { open: 'task', id: ev.task_id };
    add('assigned', ev.task_kind, target);
    sound();
  } else if (ev.from === me && ev.reason === 'sla') {
    add('passed', ev.task_kind, ev.conversation_id ? { open: 'conversation', id: ev.conversation_id } : { open: 'task', id: ev.task_id });
  }
}

/** For tests: forget the sound's last time and what was expected. */
export function resetNotices(): void {
  clearToasts();
  own.clear();
  lastSound = -Infinity;
  notices.prefs = { mute_popups: false, mute_sounds: false, ui_language: null };
}
