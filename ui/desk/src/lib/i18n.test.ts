import { afterEach, describe, expect, it } from 'vitest';
import { IntlMessageFormat } from 'intl-messageformat';
import en from '../locales/en.json';
import ar from '../locales/ar.json';
import { applyLocale, catalogues, errorText, firstDayOfWeek, formatDate, formatNumber, i18n, t } from './i18n.svelte';
import { weekStartOf } from './appointments';

afterEach(() => {
  applyLocale('en');
});

describe('t', () => {
  it('formats plurals in English', () => {
    expect(t('error.auth.locked_out', { seconds: 1 })).toBe('Too many failed attempts. Try again in 1 second.');
    expect(t('error.auth.locked_out', { seconds: 30 })).toBe('Too many failed attempts. Try again in 30 seconds.');
  });

  it('uses the Arabic plural forms in Arabic', () => {
    applyLocale('ar');
    expect(t('error.auth.locked_out', { seconds: 1 })).toContain('ثانية واحدة');
    expect(t('error.auth.locked_out', { seconds: 2 })).toContain('ثانيتين');
  });

  it('follows a change of locale', () => {
    expect(t('common.close')).toBe('Close');
    applyLocale('ar');
    expect(t('common.close')).toBe(ar['common.close']);
  });

  it('falls back to English for a key a catalogue lacks', () => {
    // The catalogues are complete (catalogues.test.ts); a key lost from one is simulated.
    const key = 'common.close';
    const kept = catalogues.ar[key];
    delete catalogues.ar[key];
    try {
      applyLocale('ar');
      expect(t(key)).toBe(en[key]);
    } finally {
      catalogues.ar[key] = kept;
    }
  });
});

describe('errorText', () => {
  it('gives the localized message for a code, with retry_after_secs as seconds', () => {
    expect(errorText({ code: 'auth.bad_credentials', retry_after_secs: null })).toBe('Wrong login name or password.');
    expect(errorText({ code: 'auth.locked_out', retry_after_secs: 30 })).toBe(
      'Too many failed attempts. Try again in 30 seconds.',
    );
  });

  it('gives the unknown-error message, naming the code, for a code it does not know', () => {
    expect(errorText({ code: 'no.such_code', retry_after_secs: null })).toBe('Something went wrong (no.such_code).');
  });
});

describe('applyLocale', () => {
  it('sets the document language and direction', () => {
    applyLocale('ar');
    expect(i18n.locale).toBe('ar');
    expect(document.documentElement.getAttribute('dir')).toBe('rtl');
    expect(document.documentElement.getAttribute('lang')).toBe('ar');
    applyLocale('en');
    expect(document.documentElement.getAttribute('dir')).toBe('ltr');
    expect(document.documentElement.getAttribute('lang')).toBe('en');
  });

  it('remembers the choice', () => {
    applyLocale('ar');
    expect(localStorage.getItem('frontdesk.locale')).toBe('ar');
  });
});

// The names of the ICU arguments a message uses ({name}, {count, plural, ...}, <b>...</b> tags).
type Node = { type: number; value?: unknown; options?: Record<string, { value: Node[] }>; children?: Node[] };
const LITERAL = 0;
const POUND = 7;
const TAG = 8;
function argNames(message: string): Set<string> {
  const names = new Set<string>();
  const walk = (nodes: Node[]) => {
    for (const n of nodes) {
      if (n.type === LITERAL || n.type === POUND) continue;
      if (n.type === TAG) names.add(`<${String(n.value)}>`);
      else names.add(String(n.value));
      for (const o of Object.values(n.options ?? {})) walk(o.value);
      if (n.children) walk(n.children);
    }
  };
  walk(new IntlMessageFormat(message, 'en').getAst() as unknown as Node[]);
  return names;
}

describe('catalogues', () => {
  const enMessages: Record<string, string> = en;
  const arMessages: Record<string, string> = ar;

  it('every Arabic key exists in English', () => {
    const extra = Object.keys(arMessages).filter((k) => !(k in enMessages));
    expect(extra).toEqual([]);
  });

  it('every message parses', () => {
    const bad: string[] = [];
    for (const [lang, cat] of [['en', enMessages], ['ar', arMessages]] as const) {
      for (const [k, m] of Object.entries(cat)) {
        try {
          new IntlMessageFormat(m, lang);
        } catch {
          bad.push(`${lang}:${k}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('every argument an Arabic message uses is one the English message has', () => {
    const mismatched: string[] = [];
    for (const [k, m] of Object.entries(arMessages)) {
      const english = enMessages[k];
      if (english === undefined) continue;
      const known = argNames(english);
      for (const a of argNames(m)) if (!known.has(a)) mismatched.push(`${k}: {${a}}`);
    }
    expect(mismatched).toEqual([]);
  });

  it('the argument check would notice a renamed argument', () => {
    expect(argNames('Try again in {seconds, plural, one {# second} other {# seconds}}.')).toEqual(new Set(['seconds']));
    expect(argNames('{count, plural, other {{name} and #}}')).toEqual(new Set(['count', 'name']));
  });
});

describe('the first day of the week', () => {
  it("follows the clinic's country: Sunday in Cambodia, Monday in Vietnam, Saturday in Jordan", () => {
    expect(firstDayOfWeek('km', 'KH')).toBe(7);
    expect(firstDayOfWeek('en', 'KH')).toBe(7);
    expect(firstDayOfWeek('vi', 'VN')).toBe(1);
    expect(firstDayOfWeek('ar', 'JO')).toBe(6);
  });

  it('gives the same answer from its own table where the web view has no week information', () => {
    const original = Object.getOwnPropertyDescriptor(Intl.Locale.prototype, 'weekInfo');
    Object.defineProperty(Intl.Locale.prototype, 'weekInfo', { get: () => undefined, configurable: true });
    try {
      expect([firstDayOfWeek('km', 'KH'), firstDayOfWeek('vi', 'VN'), firstDayOfWeek('ar', 'JO'), firstDayOfWeek('en', 'FR')]).toEqual([7, 1, 6, 1]);
    } finally {
      if (original) Object.defineProperty(Intl.Locale.prototype, 'weekInfo', original);
    }
  });

  it('starts the week shown on that day', () => {
    // 2026-12-03 is a Thursday.
    expect(weekStartOf('2026-12-03', 1)).toBe('2026-11-30');
    expect(weekStartOf('2026-12-03', 7)).toBe('2026-11-29');
    expect(weekStartOf('2026-12-03', 6)).toBe('2026-11-28');
    expect(weekStartOf('2026-11-29', 7)).toBe('2026-11-29');
    expect(weekStartOf('2026-11-28', 1)).toBe('2026-11-23');
  });
});

describe('digits', () => {
  it("follow the clinic's country: Arabic-Indic in Jordan, Latin with no country", () => {
    applyLocale('ar');
    expect(formatNumber(30)).toBe('30');
    i18n.region = 'JO';
    try {
      expect(formatNumber(30)).toBe('٣٠');
      expect(formatDate('2026-12-03')).toContain('٢٠٢٦');
    } finally {
      i18n.region = undefined;
    }
  });
});
