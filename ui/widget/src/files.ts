// Pictures and PDFs in the chat, judged by what they are, never by their name or the browser's
// MIME type: the first bytes say JPEG, PNG, WebP or PDF, or the file is refused. The same check
// runs before an upload and after a download (the other side's claim is only a claim).
export type Kind = 'image/jpeg' | 'image/png' | 'image/webp' | 'application/pdf';
export interface FileRef {
  id: string;
  name: string;
  mime: string;
  size: number;
}

/** What a config without `max_file` (a desk older than files) means: 10 MiB. */
export const DEFAULT_MAX_FILE = 10485760;
export const ACCEPT = 'image/jpeg,image/png,image/webp,application/pdf';

const starts = (b: Uint8Array, at: number, sig: number[]) => sig.every((x, i) => b[at + i] === x);
const ascii = (s: string) => Array.from(s, (c) => c.charCodeAt(0));
const PDF = ascii('%PDF-');

export function sniff(b: Uint8Array): Kind | null {
  if (starts(b, 0, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (starts(b, 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (b.length >= 12 && starts(b, 0, ascii('RIFF')) && starts(b, 8, ascii('WEBP'))) return 'image/webp';
  for (let i = 0; i + PDF.length <= Math.min(b.length, 1024); i++) if (starts(b, i, PDF)) return 'application/pdf';
  return null;
}

export type Refusal = 'fileEmpty' | 'fileTooLarge' | 'fileType';

/** The checks before anything leaves the browser. `max` is the config's `max_file`. */
export function checkFile(b: Uint8Array, max: number): { mime: Kind } | { error: Refusal } {
  if (!b.length) return { error: 'fileEmpty' };
  if (b.length > max) return { error: 'fileTooLarge' };
  const mime = sniff(b);
  return mime ? { mime } : { error: 'fileType' };
}

/** A limit in bytes as megabytes for a person (10485760 → 10, 5000000 → 4.8). */
export const megabytes = (n: number) => Math.round((n / 1048576) * 10) / 10;

/** The display name the protocol allows: no path, at most 200 characters. */
export function displayName(name: string): string {
  return Array.from(name.split(/[\\/]/).pop() || 'file').slice(0, 200).join('');
}

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** The `files` of a decrypted message, only the well-formed ones (an id is a path segment). */
export function fileRefs(x: unknown): FileRef[] {
  if (!Array.isArray(x)) return [];
  return x
    .filter((f) => f && typeof f.id === 'string' && ULID.test(f.id) && typeof f.name === 'string' && typeof f.mime === 'string' && typeof f.size === 'number')
    .map((f) => ({ id: f.id, name: displayName(f.name), mime: f.mime, size: f.size }));
}
