// End-to-end encryption exactly as docs/protocol.md says: P-256 ECDH, HKDF-SHA256 (salt
// "frontdesk-e2e-v1", info = conversation id) to an AES-256-GCM key, a fresh 12-byte nonce per
// message, and "conversation|id|from" as associated data. Files use the same key with
// "conversation|file id|from|file", so a file can never pass for a message or another file.
import { b64u, unb64u, utf8 } from './codec';

const subtle = globalThis.crypto.subtle;
const ECDH = { name: 'ECDH', namedCurve: 'P-256' } as const;
export type Side = 'visitor' | 'desk';

// The private key is not extractable: script on the page can use it but never read it.
export function newKeyPair(): Promise<CryptoKeyPair> {
  return subtle.generateKey(ECDH, false, ['deriveBits']) as Promise<CryptoKeyPair>;
}

export async function publicRaw(pair: CryptoKeyPair): Promise<string> {
  return b64u(new Uint8Array(await subtle.exportKey('raw', pair.publicKey)));
}

export async function conversationKey(
  own: CryptoKey,
  otherRaw: string,
  conversation: string,
  extractable = false,
): Promise<CryptoKey> {
  const other = await subtle.importKey('raw', unb64u(otherRaw), ECDH, false, []);
  const shared = await subtle.deriveBits({ name: 'ECDH', public: other }, own, 256);
  const ikm = await subtle.importKey('raw', shared, 'HKDF', false, ['deriveKey']);
  return subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: utf8.encode('frontdesk-e2e-v1'), info: utf8.encode(conversation) },
    ikm,
    { name: 'AES-GCM', length: 256 },
    extractable,
    ['encrypt', 'decrypt'],
  );
}

const aad = (conversation: string, id: string, from: Side) => utf8.encode(`${conversation}|${id}|${from}`);

export async function seal(
  key: CryptoKey,
  conversation: string,
  id: string,
  from: Side,
  plaintext: string,
  nonce: Uint8Array<ArrayBuffer> = crypto.getRandomValues(new Uint8Array(12)),
): Promise<string> {
  const ct = await subtle.encrypt(
    { name: 'AES-GCM', iv: nonce, additionalData: aad(conversation, id, from) },
    key,
    utf8.encode(plaintext),
  );
  const out = new Uint8Array(12 + ct.byteLength);
  out.set(nonce);
  out.set(new Uint8Array(ct), 12);
  return b64u(out);
}

// Throws when the key, the place or a byte is wrong.
export async function open(key: CryptoKey, conversation: string, id: string, from: Side, envelope: string): Promise<string> {
  const raw = unb64u(envelope);
  const pt = await subtle.decrypt(
    { name: 'AES-GCM', iv: raw.slice(0, 12), additionalData: aad(conversation, id, from) },
    key,
    raw.slice(12),
  );
  return new TextDecoder().decode(pt);
}

const fileAad = (conversation: string, fileId: string, from: Side) =>
  utf8.encode(`${conversation}|${fileId}|${from}|file`);

// A file as the relay stores it: raw bytes, nonce(12) ‖ ciphertext-with-tag, no base64 (files
// go over HTTP as they are). Upload it before sending the message that names it.
export async function sealFile(
  key: CryptoKey,
  conversation: string,
  fileId: string,
  from: Side,
  bytes: Uint8Array<ArrayBuffer>,
  nonce: Uint8Array<ArrayBuffer> = crypto.getRandomValues(new Uint8Array(12)),
): Promise<Uint8Array<ArrayBuffer>> {
  const ct = await subtle.encrypt(
    { name: 'AES-GCM', iv: nonce, additionalData: fileAad(conversation, fileId, from) },
    key,
    bytes,
  );
  const out = new Uint8Array(12 + ct.byteLength);
  out.set(nonce);
  out.set(new Uint8Array(ct), 12);
  return out;
}

// Throws when the key, the conversation, the file id, the side or a byte is wrong. The bytes
// are only what the sender sent: check what they are before showing them.
export async function openFile(
  key: CryptoKey,
  conversation: string,
  fileId: string,
  from: Side,
  sealed: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array<ArrayBuffer>> {
  if (sealed.length < 28) throw new Error('not a sealed file');
  const pt = await subtle.decrypt(
    { name: 'AES-GCM', iv: sealed.slice(0, 12), additionalData: fileAad(conversation, fileId, from) },
    key,
    sealed.slice(12),
  );
  return new Uint8Array(pt);
}
