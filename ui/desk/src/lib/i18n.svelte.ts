// The one i18n layer: every string the UI shows comes from a catalogue through `t`, as an ICU
// message (plurals and numbers formatted by the locale). Dates and numbers go through Intl.
import { IntlMessageFormat } from 'intl-messageformat';
import en from '../locales/en.json';
import ar from '../locales/ar.json';
import km from '../locales/km.json';
import vi from '../locales/vi.json';
import type { ErrorBody } from '../bindings/ErrorBody';
import type { ErrorCode } from '../bindings/ErrorCode';

export type MessageKey = keyof typeof en;
export type Locale = 'en' | 'km' | 'vi' | 'ar';

// Every error code the desk can send has an English message: this line stops the type check
// when a new code arrives without one.
const _everyErrorHasAMessage: Record<`error.${ErrorCode}`, string> = en;
void _everyErrorHasAMessage;

export const LOCALES: { code: Locale; name: string; dir: 'ltr' | 'rtl' }[] = [
  { code: 'en', name: 'English', dir: 'ltr' },
  { code: 'km', name: 'ខ្មែរ', dir: 'ltr' },
  { code: 'vi', name: 'Tiếng Việt', dir: 'ltr' },
  { code: 'ar', name: 'العربية', dir: 'rtl' },
];

export const isLocale = (code: string | null | undefined): code is Locale => LOCALES.some((l) => l.code === code);

// Partial: a key missing from one falls back to English (catalogues.test.ts keeps them whole).
export const catalogues: Record<Locale, Partial<Record<MessageKey, string>>> = { en, km, vi, ar };
const STORAGE_KEY = 'frontdesk.locale';

function initialLocale(): Locale {
  const saved = globalThis.localStorage?.getItem(STORAGE_KEY);
  if (saved && saved in catalogues) return saved as Locale;
  const nav = globalThis.navigator?.language?.slice(0, 2);
  return nav && nav in catalogues ? (nav as Locale) : 'en';
}

class I18nState {
  locale = $state<Locale>(initialLocale());
  /** The clinic's time zone: dates are shown as the clinic's clock reads them. */
  timeZone = $state<string | undefined>(undefined);
  /** The clinic's country ("KH"): with the language, it says which day a week starts on. */
  region = $state<string | undefined>(undefined);
}

export const i18n = new I18nState();

export function dirOf(locale: Locale): 'ltr' | 'rtl' {
  return LOCALES.find((l) => l.code === locale)?.dir ?? 'ltr';
}

export function applyLocale(locale: Locale): void {
  i18n.locale = locale;
  document.documentElement.lang = locale;
  document.documentElement.dir = dirOf(locale);
  globalThis.localStorage?.setItem(STORAGE_KEY, locale);
}

const compiled = new Map<string, IntlMessageFormat>();

/** The message `key` in the current locale (English when the locale lacks it). */
export function t(key: MessageKey, values?: Record<string, string | number>): string {
  const locale = i18n.locale;
  const own = catalogues[locale][key];
  const source: string | undefined = own ?? en[key];
  if (source === undefined) return key; // a field name the catalogue does not know yet
  const lang = own === undefined ? 'en' : locale;
  const id = `${lang}\u0000${key}`;
  let fmt = compiled.get(id);
  if (!fmt) {
    fmt = new IntlMessageFormat(source, lang);
    compiled.set(id, fmt);
  }
  return String(fmt.format(values));
}

/** A localized message for an error from the desk. */
export function errorText(body: Pick<ErrorBody, 'code' | 'retry_after_secs'>): string {
  const key = `error.${body.code}` as MessageKey;
  if (!(key in en)) return t('error.unknown', { code: body.code });
  return t(key, { seconds: body.retry_after_secs ?? 0 });
}

export function formatDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(intlLocale(), {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: i18n.timeZone,
  }).format(d);
}

/** A moment to the second, for chat messages: when exactly it was written. */
export function formatExact(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(intlLocale(), {
    dateStyle: 'medium',
    timeStyle: 'medium',
    timeZone: i18n.timeZone,
  }).format(d);
}

/** A calendar date (YYYY-MM-DD) with no time zone of its own. */
export function formatDate(ymd: string): string {
  const [y, m, d] = ymd.split('-').map(Number);
  if (!y || !m || !d) return ymd;
  return new Intl.DateTimeFormat(intlLocale(), { dateStyle: 'long', timeZone: 'UTC' }).format(
    new Date(Date.UTC(y, m - 1, d)),
  );
}

export function formatNumber(n: number): string {
  return new Intl.NumberFormat(intlLocale()).format(n);
}

// CLDR's first day of the week (1 Monday … 7 Sunday) for the first markets' countries, for a
// web view without Intl.Locale's week information. Elsewhere the week starts on Monday.
const FIRST_DAY: Record<string, number> = { KH: 7, US: 7, CA: 7, TH: 7, LA: 7, JO: 6, SA: 7, AE: 6, EG: 6, IQ: 6, KW: 6, QA: 6, BH: 6, OM: 6, VN: 1 };

/**
 * The language with the clinic's country ("ar-JO") for Intl, so that digits follow the place:
 * a clinic in Jordan reads Arabic-Indic digits, one in Cambodia what CLDR gives Khmer there.
 */
export function intlLocale(): string {
  if (!i18n.region) return i18n.locale;
  try {
    return Intl.getCanonicalLocales(`${i18n.locale}-${i18n.region}`)[0];
  } catch {
    return i18n.locale;
  }
}

type WeekInfo = { firstDay: number };
/** The day a week starts on where the clinic is: 1 for Monday … 7 for Sunday. */
export function firstDayOfWeek(locale: string = i18n.locale, region: string | undefined = i18n.region): number {
  try {
    const l = new Intl.Locale(region ? `${locale}-${region}` : locale) as Intl.Locale & { weekInfo?: WeekInfo; getWeekInfo?: () => WeekInfo };
    const info = l.getWeekInfo?.() ?? l.weekInfo;
    if (info && info.firstDay >= 1 && info.firstDay <= 7) return info.firstDay;
  } catch {
    // An unknown region: the table below, or Monday.
  }
  return FIRST_DAY[region ?? ''] ?? 1;
}
