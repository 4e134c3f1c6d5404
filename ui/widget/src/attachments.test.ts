// @vitest-environment jsdom
import { beforeAll, describe, expect, it } from 'vitest';
import { fileNode, load, opened } from './attachments';
import type { FileRef } from './files';

const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
const PDF = new TextEncoder().encode('%PDF-1.4\n');
const HTML = new TextEncoder().encode('<html><script>alert(1)</script>');
const t = (k: string) => `[${k}]`;
const ref = (name: string, mime = 'image/png'): FileRef => ({ id: '01JD0000000000000000000000', name, mime, size: 12 });
const blobs: Blob[] = [];

beforeAll(() => {
  // jsdom has no Blob URLs; this one records what it was given.
  URL.createObjectURL = (b: Blob) => `blob:test/${blobs.push(b) - 1}`;
});

describe('a file in the thread', () => {
  it('is a Blob URL of the type its bytes are, whatever the sender claimed', () => {
    const o = opened(PNG)!;
    expect(o.mime).toBe('image/png');
    expect(blobs[Number(o.url.split('/')[1])].type).toBe('image/png');
    expect(opened(PDF)!.mime).toBe('application/pdf');
    expect(opened(HTML)).toBeNull();
    expect(opened(new Uint8Array())).toBeNull();
  });
  it('shows a picture inline, named only in text', () => {
    const el = fileNode(ref('<b>x</b>.png'), opened(PNG), t) as HTMLImageElement;
    expect(el.tagName).toBe('IMG');
    expect(el.dataset.part).toBe('file');
    expect(el.dataset.fileId).toBe('01JD0000000000000000000000');
    expect(el.getAttribute('src')).toMatch(/^blob:/);
    expect(el.alt).toBe('<b>x</b>.png');
  });
  it('offers a PDF as a download named after it, saved as .pdf, never an image', () => {
    const el = fileNode(ref('price list <img src=x>', 'image/png'), opened(PDF), t) as HTMLAnchorElement;
    expect(el.tagName).toBe('A');
    expect(el.textContent).toBe('price list <img src=x>');
    expect(el.querySelector('img')).toBeNull();
    expect(el.getAttribute('download')).toBe('price list <img src=x>.pdf');
    expect(el.getAttribute('href')).toMatch(/^blob:/);
    expect(el.getAttribute('target')).toBeNull();
    expect((fileNode(ref('Prices.PDF'), opened(PDF), t) as HTMLAnchorElement).getAttribute('download')).toBe('Prices.PDF');
  });
  it('says a file could not be opened, with nothing of it', () => {
    const el = fileNode(ref('x.png'), null, t);
    expect(el.textContent).toBe('[fileBad]');
    expect(el.querySelector('img,a')).toBeNull();
    expect(el.hasAttribute('data-bad')).toBe(true);
    expect(fileNode(ref('x.png'), undefined, t).textContent).toBe('x.png');
  });
  it('loads, opens and checks; a failure anywhere is "could not be opened"', async () => {
    const ok = async () => PNG;
    expect((await load(ok, async (s) => s))?.mime).toBe('image/png');
    expect(await load(async () => { throw new Error('404'); }, async (s) => s)).toBeNull();
    expect(await load(ok, async () => { throw new Error('bad tag'); })).toBeNull();
    expect(await load(ok, async () => HTML)).toBeNull();
  });
});
