// The desk's status as the UI knows it, and what every screen does when the desk says the
// session is locked or gone.
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import { call, DeskError, statusChanged } from './rpc';
import type { DeskStatus } from '../bindings/DeskStatus';
import { i18n } from './i18n.svelte';

class AppState {
  #status = $state<DeskStatus | null>(null);
  get status(): DeskStatus | null {
    return this.#status;
  }
  /** Every new status also tells rpc.ts, which sends held requests once they may go. */
  set status(s: DeskStatus | null) {
    this.#status = s;
    statusChanged(s);
  }
  /** Set when the desk itself could not be reached at all. */
  fatal = $state<string | null>(null);
}

export const app = new AppState();

export async function refresh(): Promise<void> {
  try {
    const r = await call({ call: 'status' });
    if (r.kind === 'status') {
      app.status = r.data;
      app.fatal = null;
      if ('clinic' in r.data) {
        i18n.timeZone = r.data.clinic.time_zone;
        i18n.region = r.data.clinic.phone_region;
      }
    }
  } catch (e) {
    app.fatal = e instanceof Error ? e.message : String(e);
  }
}

/**
 * On a desk connected to a host: the link changed (reachable or not, removed from the clinic),
 * or the host forgot the session. The status says what to show now.
 */
export function followLink(): Promise<UnlistenFn> {
  return listen('frontdesk://link', () => void refresh());
}

const SESSION_CODES = new Set(['auth.session_locked', 'auth.session_expired', 'desk.not_logged_in', 'auth.inactive']);

/** True when the error was about the session; the screen then follows the desk's status. */
export function followSession(e: unknown): boolean {
  if (e instanceof DeskError && SESSION_CODES.has(e.code)) {
    void refresh();
    return true;
  }
  return false;
}

export function can(permission: string): boolean {
  const s = app.status;
  return !!s && (s.stage === 'ready' || s.stage === 'locked') && (s.session.permissions as string[]).includes(permission);
}

export function currentStaffId(): string | null {
  const s = app.status;
  return s && (s.stage === 'ready' || s.stage === 'locked') ? s.session.staff_id : null;
}
