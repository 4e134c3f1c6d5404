// Which screen is up, and what a screen was asked to open: by a click on a popup, a toast, or
// a link from another screen. A screen takes its request when it mounts or when one arrives.
import type { Open } from '../bindings/Open';
import type { TaskScope } from '../bindings/TaskScope';
import type { BookingPrefill } from './appointments';

export type View = 'clients' | 'calendar' | 'chats' | 'tasks' | 'reports' | 'privacy' | 'audit' | 'staff' | 'settings';

/** The Privacy screen's tabs. */
export type PrivacyTab = 'overview' | 'requests' | 'incidents' | 'retention' | 'erasures' | 'newsletter';

export interface Pending {
  client?: string;
  conversation?: string;
  task?: string;
  tab?: TaskScope;
  /** The new-task form, about this client. */
  newTask?: { client_id: string; client_name: string };
  staff?: string;
  /** The booking form, prefilled (the client card's "Book"). */
  book?: BookingPrefill;
  /** One appointment, on its date in the calendar. */
  appointment?: { id: string; date: string };
  /** The Privacy screen, on this tab. */
  privacyTab?: PrivacyTab;
  /** The audit log, narrowed to one record or one staff member. */
  audit?: { target_id?: string; staff_id?: string };
}

class NavState {
  view = $state<View>('clients');
  pending = $state<Pending>({});
}

export const nav = new NavState();

export function go(view: View, pending: Pending = {}): void {
  nav.pending = { ...pending };
  nav.view = view;
}

/** The request for `key`, once: the screen that takes it clears it. */
export function take<K extends keyof Pending>(key: K): Pending[K] | undefined {
  const v = nav.pending[key];
  if (v !== undefined) nav.pending = { ...nav.pending, [key]: undefined };
  return v;
}

/** What a clicked popup or toast asks for. */
export function openTarget(o: Open): void {
  if (o.open === 'task') go('tasks', { task: o.id });
  else if (o.open === 'conversation') go('chats', { conversation: o.id });
  else go('tasks', { tab: 'mine' });
}
