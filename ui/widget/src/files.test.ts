import { describe, expect, it } from 'vitest';
import { load } from './attachments';
import { newKeyPair, openFile, publicRaw, conversationKey, sealFile } from './crypto';
import { checkFile, DEFAULT_MAX_FILE, displayName, fileRefs, megabytes, sniff } from './files';

const bytes = (...parts: (string | number[])[]) =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? Array.from(p, (c) => c.charCodeAt(0)) : p)));
const JPEG = bytes([0xff, 0xd8, 0xff, 0xe0, 0, 0x10], 'JFIF');
const PNG = bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], [0, 0, 0, 13], 'IHDR');
const WEBP = bytes('RIFF', [0x24, 0, 0, 0], 'WEBPVP8 ');
const PDF = bytes('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n');
const ULID = '01JD0000000000000000000000';

describe('what a file is, by its bytes', () => {
  it('knows JPEG, PNG, WebP and PDF', () => {
    expect(checkFile(JPEG, DEFAULT_MAX_FILE)).toEqual({ mime: 'image/jpeg' });
    expect(checkFile(PNG, DEFAULT_MAX_FILE)).toEqual({ mime: 'image/png' });
    expect(checkFile(WEBP, DEFAULT_MAX_FILE)).toEqual({ mime: 'image/webp' });
    expect(checkFile(PDF, DEFAULT_MAX_FILE)).toEqual({ mime: 'application/pdf' });
  });
  it('finds %PDF- within the first 1024 bytes, not after', () => {
    const at = (n: number) => bytes(Array(n).fill(0x20), '%PDF-1.4');
    expect(sniff(at(500))).toBe('application/pdf');
    expect(sniff(at(1019))).toBe('application/pdf');
    expect(sniff(at(1020))).toBeNull();
    expect(sniff(bytes('%PDF'))).toBeNull();
  });
  it('takes no notice of the name or the browser\'s type: a renamed page is refused, a renamed picture taken', async () => {
    const html = new File(['<html><script>alert(1)</script></html>'], 'photo.png', { type: 'image/png' });
    expect(checkFile(new Uint8Array(await html.arrayBuffer()), DEFAULT_MAX_FILE)).toEqual({ error: 'fileType' });
    const png = new File([PNG], 'report.pdf', { type: 'application/pdf' });
    expect(checkFile(new Uint8Array(await png.arrayBuffer()), DEFAULT_MAX_FILE)).toEqual({ mime: 'image/png' });
  });
  it('refuses SVG, HTML, GIF, an executable, a WAV (RIFF but not WebP) and truncated signatures', () => {
    for (const b of [
      bytes('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>'),
      bytes('<svg onload="alert(1)"/>'),
      bytes('<!DOCTYPE html><p>hi</p>'),
      bytes('GIF89a', [1, 0, 1, 0]),
      bytes('MZ', [0x90, 0, 3, 0, 0, 0, 4, 0]),
      bytes('\x7fELF', [2, 1, 1]),
      bytes('RIFF', [0x24, 0, 0, 0], 'WAVEfmt '),
      bytes('RIFF', [0, 0, 0, 0], 'WEB'),
      bytes([0xff, 0xd8]),
      bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a]),
      bytes(' ', [0xff, 0xd8, 0xff]),
    ]) {
      expect(checkFile(b, DEFAULT_MAX_FILE)).toEqual({ error: 'fileType' });
    }
  });
  it('refuses an empty file and one over the limit; the limit itself is fine', () => {
    expect(checkFile(new Uint8Array(), DEFAULT_MAX_FILE)).toEqual({ error: 'fileEmpty' });
    const big = new Uint8Array(DEFAULT_MAX_FILE + 1);
    big.set(PNG);
    expect(checkFile(big, DEFAULT_MAX_FILE)).toEqual({ error: 'fileTooLarge' });
    expect(checkFile(big.subarray(0, DEFAULT_MAX_FILE), DEFAULT_MAX_FILE)).toEqual({ mime: 'image/png' });
    expect(checkFile(PNG, PNG.length - 1)).toEqual({ error: 'fileTooLarge' });
  });
  it('says the limit in MB', () => {
    expect(megabytes(DEFAULT_MAX_FILE)).toBe(10);
    expect(megabytes(5000000)).toBe(4.8);
    expect(megabytes(25 * 1048576)).toBe(25);
  });
});

describe('file names and lists', () => {
  it('keeps a display name, never a path, at most 200 characters', () => {
    expect(displayName('C:\\Users\\sok\\x-ray.png')).toBe('x-ray.png');
    expect(displayName('../../etc/passwd')).toBe('passwd');
    expect(displayName('dir/')).toBe('file');
    expect(Array.from(displayName('ស'.repeat(300)))).toHaveLength(200);
  });
  it('takes only well-formed entries from a message: an id is a ULID', () => {
    expect(fileRefs(undefined)).toEqual([]);
    expect(fileRefs('x')).toEqual([]);
    expect(
      fileRefs([
        { id: ULID, name: 'a/b.pdf', mime: 'application/pdf', size: 3, extra: 1 },
        { id: '../../config', name: 'x', mime: 'image/png', size: 1 },
        { id: ULID.toLowerCase(), name: 'x', mime: 'image/png', size: 1 },
        { id: ULID, name: 5, mime: 'image/png', size: 1 },
        null,
      ]),
    ).toEqual([{ id: ULID, name: 'b.pdf', mime: 'application/pdf', size: 3 }]);
  });
});

describe('a sealed file, downloaded', () => {
  it('opens only for its own conversation, id and side, and only when it is what it says', async () => {
    const visitor = await newKeyPair();
    const desk = await newKeyPair();
    const conv = '01JD0000000000000000000001';
    const key = await conversationKey(visitor.privateKey, await publicRaw(desk), conv);
    const png = new Uint8Array(PNG);
    const sealed = await sealFile(key, conv, ULID, 'desk', png);
    expect(sealed.length).toBe(png.length + 28);
    const got = (from: 'visitor' | 'desk', id = ULID, bytes = sealed) => load(async () => bytes, (s) => openFile(key, conv, id, from, s));
    expect((await got('desk'))?.mime).toBe('image/png');
    expect(await got('visitor')).toBeNull();
    expect(await got('desk', '01JD0000000000000000000002')).toBeNull();
    const flipped = sealed.slice();
    flipped[20] ^= 1;
    expect(await got('desk', ULID, flipped)).toBeNull();
    const svg = await sealFile(key, conv, ULID, 'desk', new TextEncoder().encode('<svg onload="alert(1)"/>'));
    expect(await got('desk', ULID, svg)).toBeNull();
  });
});
