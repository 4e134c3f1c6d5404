// A file in the thread: a picture inline, a PDF as a link that downloads it, or a line saying it
// could not be opened. Only bytes that are what they say at the start become a Blob URL, typed
// by those bytes; a name is only ever text (and a PDF is saved as .pdf, whatever its name).
import { h } from './dom';
import { FileRef, Kind, sniff } from './files';

/** A Blob URL of the checked type, or null: not decrypted, or not a picture or PDF. */
export type Opened = { mime: Kind; url: string } | null;

export function opened(bytes: Uint8Array<ArrayBuffer>): Opened {
  const mime = sniff(bytes);
  return mime ? { mime, url: URL.createObjectURL(new Blob([bytes], { type: mime })) } : null;
}

/** Fetches, decrypts and checks; any failure on the way is "could not be opened". */
export async function load(sealed: () => Promise<Uint8Array<ArrayBuffer>>, open: (s: Uint8Array<ArrayBuffer>) => Promise<Uint8Array<ArrayBuffer>>): Promise<Opened> {
  try {
    return opened(await open(await sealed()));
  } catch {
    return null;
  }
}

/** `o` undefined: still on its way. */
export function fileNode(f: FileRef, o: Opened | undefined, t: (k: string) => string): HTMLElement {
  const a = { 'data-part': 'file', 'data-file-id': f.id };
  if (o === undefined) return h('span', { ...a, 'data-loading': '' }, f.name);
  if (!o) return h('span', { ...a, 'data-bad': '' }, t('fileBad'));
  if (o.mime === 'application/pdf') {
    return h('a', { ...a, href: o.url, download: /\.pdf$/i.test(f.name) ? f.name : `${f.name}.pdf` }, f.name);
  }
  return h('img', { ...a, src: o.url, alt: f.name });
}
