// The conversation as the visitor sees it: ordered by the relay's seq, each id once.
import type { FileRef } from './files';

export interface Msg {
  id: string;
  from: 'visitor' | 'desk';
  text: string;
  seq?: number;
  at?: number;
  sender?: string | null;
  quote?: { id: string; text: string } | null;
  pending?: boolean;
  failed?: boolean;
  deleted?: boolean;
  unreadable?: boolean;
  /** A desk answer the desk wrote by itself: 'after_hours' or 'faq'. */
  auto?: string | null;
  /** The visitor asked for a person. */
  handoff?: boolean;
  /** Pictures and PDFs the message names (protocol `files`); left out when none. */
  files?: FileRef[];
}

export class Thread {
  list: Msg[] = [];

  get(id: string): Msg | undefined {
    return this.list.find((m) => m.id === id);
  }

  /** Adds or updates by id; returns whether the message is new. */
  upsert(m: Msg): boolean {
    const old = this.get(m.id);
    if (old) {
      Object.assign(old, { ...m, deleted: old.deleted || m.deleted });
      this.sort();
      return false;
    }
    this.list.push(m);
    this.sort();
    return true;
  }

  deleted(id: string, seq: number, at: number): void {
    const m = this.get(id);
    if (m) Object.assign(m, { deleted: true, text: '', quote: null, files: undefined });
    else this.upsert({ id, from: 'desk', text: '', seq, at, deleted: true });
  }

  /** An acknowledged message takes its place in the relay's order. */
  acked(id: string, seq: number, at: number): void {
    const m = this.get(id);
    if (m) Object.assign(m, { seq, at, pending: false, failed: false });
    this.sort();
  }

  private sort(): void {
    // Unacknowledged messages stay at the end in the order they were written.
    this.list.sort((a, b) => (a.seq ?? Infinity) - (b.seq ?? Infinity));
  }
}

export function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}
