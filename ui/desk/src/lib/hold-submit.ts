// The desk's forms are novalidate: each shows its own errors beside its fields, so the engine's
// constraint check never stops a submit. A date or time field whose text is not a date keeps its
// last good value bound (typing "31/02" must not clear or move a booking), so its form is held
// here instead: a request would otherwise carry a day the field no longer shows.
export function holdSubmitWhile(field: () => HTMLElement | undefined, held: () => boolean, onHeld: () => void): () => void {
  // On the document, capturing: heard before the form's own submit handler.
  const listener = (e: Event) => {
    const el = field();
    if (!el || !(e.target instanceof HTMLFormElement) || !e.target.contains(el) || !held()) return;
    e.preventDefault();
    e.stopImmediatePropagation();
    onHeld();
  };
  document.addEventListener('submit', listener, true);
  return () => document.removeEventListener('submit', listener, true);
}
