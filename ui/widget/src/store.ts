// What the widget keeps in the visitor's browser: the key pair (IndexedDB, the private key not
// extractable) and the chat's id, secret, and unsent frames (localStorage). Nothing else: a
// file's bytes are never stored, only the names of files already at the relay.
import type { FileRef } from './files';

export interface Saved {
  conversation: string;
  secret: string;
  started: boolean;
  /** Frames sent but not acknowledged, resent with the same ids after a reconnect. */
  pending: { id: string; frame: Record<string, unknown>; text: string; files?: FileRef[] }[];
}

const DB = 'frontdesk-widget';

function db(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const r = indexedDB.open(DB, 1);
    r.onupgradeneeded = () => r.result.createObjectStore('keys');
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

function tx<T>(mode: IDBTransactionMode, f: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return db().then(
    (d) =>
      new Promise((resolve, reject) => {
        const r = f(d.transaction('keys', mode).objectStore('keys'));
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      }),
  );
}

export const loadKeys = (site: string) => tx<CryptoKeyPair | undefined>('readonly', (s) => s.get(site));
export const saveKeys = (site: string, pair: CryptoKeyPair) => tx('readwrite', (s) => s.put(pair, site));

const slot = (site: string) => `frontdesk-widget:${site}`;

export function load(site: string): Saved | null {
  try {
    return JSON.parse(localStorage.getItem(slot(site)) || 'null');
  } catch {
    return null;
  }
}

export function save(site: string, s: Saved): void {
  localStorage.setItem(slot(site), JSON.stringify(s));
}

export async function forget(site: string): Promise<void> {
  localStorage.removeItem(slot(site));
  await tx('readwrite', (s) => s.delete(site));
}
