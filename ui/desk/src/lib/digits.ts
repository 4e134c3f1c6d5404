// Numbers typed into the desk's fields: shown in the digits the locale writes, read back from
// whichever script the keyboard produced. A receptionist may switch between a Khmer, an Arabic
// and a Latin layout in one form, and "٣٠", "៣០", "۳۰" and "30" must all mean thirty.

/** The first code point of each run of ten digits that is read as 0–9. */
const DIGIT_ZEROS = [
  0x0660, // Arabic-Indic
  0x06f0, // Extended Arabic-Indic, as Persian and Urdu keyboards type them
  0x17e0, // Khmer
];

// Grouping a keyboard or a copy from a formatted number may leave in: the Arabic thousands
// separator and the spaces locales group with (NBSP for fr, narrow NBSP for many since CLDR 34).
const GROUPING = /[\u066C\s\u00A0\u2007\u2009\u202F]/g;

// Intl puts directional marks before a minus (LRM for ar, ALM for ar-EG) so the sign stays put
// in running RTL text; in a field of its own they are invisible characters the caret trips on.
export const BIDI_MARKS = /[\u200E\u200F\u061C]/g;

/** `s` with its Khmer and Arabic digits as Latin ones, everything else as it was. */
export function latinDigits(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    const zero = DIGIT_ZEROS.find((z) => cp >= z && cp <= z + 9);
    out += zero !== undefined ? String(cp - zero) : ch;
  }
  return out;
}

/** `s` with its Khmer and Arabic digits as Latin ones, the Arabic decimal separator as '.', and no grouping. */
export function toLatinDigits(s: string): string {
  return latinDigits(s).replace(/\u066B/g, '.').replace(GROUPING, '');
}

const separatorCache = new Map<string, { decimal: string; group: string }>();

function separators(locale: string): { decimal: string; group: string } {
  let seps = separatorCache.get(locale);
  if (!seps) {
    // The symbols follow the numbering system (km-u-nu-khmr writes "១២,៥"), so ask in its own.
    const parts = new Intl.NumberFormat(locale).formatToParts(12345.5);
    const symbol = (type: string) => toLatinDigits(parts.find((p) => p.type === type)?.value ?? '');
    seps = { decimal: symbol('decimal') || '.', group: symbol('group') };
    separatorCache.set(locale, seps);
  }
  return seps;
}

const PLAIN_NUMBER = /^-?(\d+\.?\d*|\.\d+)$/;

/**
 * The number typed in `s`, in any of the scripts above, or null when it is empty or not a number.
 * A ',' is a decimal separator only where `locale` writes one so (vi), and a '.' is one unless the
 * locale groups thousands with it: in English "1,000" is refused rather than read as 1, and in
 * Vietnamese "1.000" is refused rather than read as 1.
 */
export function parseNumber(s: string, locale = 'en'): number | null {
  let plain = toLatinDigits(s.replace(BIDI_MARKS, '')).replace(/\u2212/g, '-');
  const { decimal, group } = separators(locale);
  if (decimal === ',') plain = plain.replace(',', '.');
  else if (plain.includes(',')) return null;
  if (group === '.' && decimal !== '.' && s.includes('.')) return null;
  if (!PLAIN_NUMBER.test(plain)) return null;
  const n = Number(plain);
  if (!Number.isFinite(n)) return null;
  return n === 0 ? 0 : n; // no "-0" shown back to the user
}

/** `n` as a number field shows it: the locale's own digits and decimal separator, no grouping. */
export function formatForInput(n: number, locale: string): string {
  return new Intl.NumberFormat(locale, { useGrouping: false, maximumFractionDigits: 20 }).format(n).replace(BIDI_MARKS, '');
}
