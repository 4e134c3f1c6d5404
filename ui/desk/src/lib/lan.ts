// Small helpers for the LAN desks screens: pairing text, fingerprints, and user values set
// inside a sentence.

/** The start of a pairing QR code's text (it carries the host's address and certificate). */
export const QR_PREFIX = 'frontdesk-pair:v1?';

/** Whether the typed or scanned text is a whole QR code text rather than a typed code. */
export function isQrText(text: string): boolean {
  return text.trim().startsWith(QR_PREFIX);
}

/** The start of a certificate fingerprint (hex), in groups of four, for comparing by eye. */
export function shortFingerprint(hex: string, digits = 16): string {
  const clean = hex.replace(/[^0-9a-f]/gi, '').toLowerCase();
  return (clean.slice(0, digits).match(/.{1,4}/g) ?? []).join(' ');
}

/**
 * A value from outside (a clinic's name, an address) inside a translated sentence, isolated so
 * that right-to-left and left-to-right text do not reorder each other.
 */
export function isolate(value: string): string {
  return `\u2068${value}\u2069`;
}
