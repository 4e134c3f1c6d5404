// The desk's status as the UI knows it, and what every screen does when the desk says the
// session is locked or gone.
import { call, DeskError } from './rpc';
import type { DeskStatus } from '../bindings/DeskStatus';
import { i18n } from './i18n.svelte';

class AppState {
  status = $state<DeskStatus | null>(null);
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
      if ('clinic' in r.data) i18n.timeZone = r.data.clinic.time_zone;
    }
  } catch (e) {
    app.fatal = e instanceof Error ? e.message : String(e);
  }
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
