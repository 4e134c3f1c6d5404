// The shared vectors (crates/frontdesk-proto/vectors/e2e.json) prove the widget and the desk
// agree on every byte: the same keys give the same conversation key, sealing with the same
// nonce gives the same envelope, and each side opens the other's messages.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { b64u, unb64u } from './codec';
import { conversationKey, newKeyPair, open, openFile, publicRaw, seal, sealFile } from './crypto';

const vectors = JSON.parse(
  readFileSync(new URL('../../../crates/frontdesk-proto/vectors/e2e.json', import.meta.url), 'utf8'),
);
const ECDH = { name: 'ECDH', namedCurve: 'P-256' } as const;
const importPrivate = (jwk: JsonWebKey) => crypto.subtle.importKey('jwk', jwk, ECDH, false, ['deriveBits']);
const hexOf = (b: ArrayBuffer) => Buffer.from(b).toString('hex');
const fromHex = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));

describe('the shared end-to-end vectors', () => {
  for (const c of vectors.cases) {
    it(c.name, async () => {
      const visitor = await importPrivate(c.visitor_private_jwk);
      const desk = await importPrivate(c.desk_private_jwk);
      const vk = await conversationKey(visitor, c.desk_public, c.conversation, true);
      const dk = await conversationKey(desk, c.visitor_public, c.conversation, true);
      expect(hexOf(await crypto.subtle.exportKey('raw', vk))).toBe(c.conversation_key_hex);
      expect(hexOf(await crypto.subtle.exportKey('raw', dk))).toBe(c.conversation_key_hex);
      for (const m of c.messages) {
        expect(await seal(vk, c.conversation, m.id, m.from, m.plaintext, fromHex(m.nonce_hex))).toBe(m.envelope);
        expect(await open(dk, c.conversation, m.id, m.from, m.envelope)).toBe(m.plaintext);
        const other = m.from === 'desk' ? 'visitor' : 'desk';
        await expect(open(dk, c.conversation, m.id, other, m.envelope)).rejects.toThrow();
        await expect(open(dk, c.conversation, '01JD00000000000000000000ZZ', m.from, m.envelope)).rejects.toThrow();
        const raw = unb64u(m.envelope);
        raw[raw.length - 1] ^= 1;
        await expect(open(dk, c.conversation, m.id, m.from, b64u(raw))).rejects.toThrow();
      }
      for (const f of c.files) {
        const plain = fromHex(f.plaintext_hex);
        const sealed = await sealFile(vk, c.conversation, f.id, f.from, plain, fromHex(f.nonce_hex));
        expect(Buffer.from(sealed).toString('hex')).toBe(f.sealed_hex);
        const want = fromHex(f.sealed_hex);
        expect(Buffer.from(await openFile(dk, c.conversation, f.id, f.from, want)).toString('hex')).toBe(f.plaintext_hex);
        const other = f.from === 'desk' ? 'visitor' : 'desk';
        await expect(openFile(dk, c.conversation, f.id, other, want)).rejects.toThrow();
        await expect(openFile(dk, c.conversation, '01JD00000000000000000000ZZ', f.from, want)).rejects.toThrow();
        await expect(openFile(dk, '01JD0000000000000000000099', f.id, f.from, want)).rejects.toThrow();
        // A file is not a message envelope, even under the same id.
        await expect(open(dk, c.conversation, f.id, f.from, b64u(want))).rejects.toThrow();
        const tampered = want.slice();
        tampered[20] ^= 1;
        await expect(openFile(dk, c.conversation, f.id, f.from, tampered)).rejects.toThrow();
        await expect(openFile(dk, c.conversation, f.id, f.from, want.slice(0, 27))).rejects.toThrow();
      }
    });
  }
});

describe('a fresh key pair', () => {
  it('keeps its private key unreadable and round-trips with fresh nonces', async () => {
    const pair = await newKeyPair();
    await expect(crypto.subtle.exportKey('jwk', pair.privateKey)).rejects.toThrow();
    const desk = await newKeyPair();
    const k = await conversationKey(pair.privateKey, await publicRaw(desk), 'C1');
    const a = await seal(k, 'C1', 'M1', 'visitor', 'hello');
    const b = await seal(k, 'C1', 'M1', 'visitor', 'hello');
    expect(a).not.toBe(b);
    const dk = await conversationKey(desk.privateKey, await publicRaw(pair), 'C1');
    expect(await open(dk, 'C1', 'M1', 'visitor', a)).toBe('hello');
  });
});
