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
