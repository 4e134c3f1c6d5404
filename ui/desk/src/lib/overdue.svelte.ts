// What needs an admin's eye on the privacy side, for the top bar: overdue data-subject
// requests and late 72-hour incident notices (the Privacy button's number and the banner at
// log-in). Asked of the door at log-in, after every change made on the Privacy screen, and now
// and then while someone with the permission is logged in (a request turns overdue at midnight).
import { door } from './rpc';
import { can } from './app.svelte';
import type { PrivacyOverview } from '../bindings/PrivacyOverview';

class Overdue {
  overview = $state<PrivacyOverview | null>(null);
  /** The log-in banner was closed: it stays closed until the next log-in. */
  dismissed = $state(false);
}

export const overdue = new Overdue();

/** How many things are late: overdue requests and late incident notices. */
export function lateCount(o: PrivacyOverview | null): number {
  return o ? o.overdue_requests + o.late_incident_notices : 0;
}

let running: Promise<void> | null = null;
let again = false;

async function ask(): Promise<void> {
  if (!can('privacy_manage')) {
    overdue.overview = null;
    return;
  }
  overdue.overview = await door({ op: 'privacy_overview' }, 'privacy_overview');
}

/** Asks again (one request at a time; calls made meanwhile cost one more, not one each). */
export function refreshOverdue(): Promise<void> {
  if (running) {
    again = true;
    return running;
  }
  running = (async () => {
    try {
      do {
        again = false;
        await ask().catch(() => {
          /* the numbers stay as they were; the Privacy screen shows the error */
        });
      } while (again);
    } finally {
      running = null;
    }
  })();
  return running;
}

/** Someone else logged in, or nobody: nothing of the last person's is kept. */
export function resetOverdue(): void {
  overdue.overview = null;
  overdue.dismissed = false;
}
