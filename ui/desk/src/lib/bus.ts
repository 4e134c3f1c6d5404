// Core events from the desk (`frontdesk://event`), fanned out to the screens that care.
import type { Event } from '../bindings/Event';

type Listener = (e: Event) => void;
const listeners = new Set<Listener>();

export function onDeskEvent(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export function emitDeskEvent(e: Event): void {
  for (const l of listeners) l(e);
}

/**
 * A loader that runs one request at a time: calls made while one runs (a burst of events)
 * cost one more run after it, not one each.
 */
export function coalesced(run: () => Promise<void>): () => Promise<void> {
  let running = false;
  let again = false;
  return async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        await run();
      } while (again);
    } finally {
      running = false;
    }
  };
}
