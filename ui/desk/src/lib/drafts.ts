// Unsaved input, kept in memory per staff member, so that it survives the screen lock and a
// colleague switching in, and comes back when its author does. Never written to disk: the
// web view's storage is not encrypted.
const drafts = new Map<string, unknown>();

const key = (staffId: string, what: string) => `${staffId}\u0000${what}`;

export function keepDraft<T>(staffId: string, what: string, value: T): void {
  drafts.set(key(staffId, what), structuredClone(value));
}

export function takeDraft<T>(staffId: string, what: string): T | undefined {
  const v = drafts.get(key(staffId, what));
  return v === undefined ? undefined : (structuredClone(v) as T);
}

export function dropDraft(staffId: string, what: string): void {
  drafts.delete(key(staffId, what));
}
