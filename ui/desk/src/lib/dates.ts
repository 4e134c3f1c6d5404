// Dates and times typed into the desk's fields. The engine's own date and time fields follow the
// PC's locale, not the desk user's language (a Khmer desk showed US month-first dates, an Arabic
// one flipped the parts), so the fields are text: shown in the order, separator and digits Intl
// gives the desk's locale, read back from any digit script and the separators people type.
// The values stay what the native fields gave: "YYYY-MM-DD" and "HH:MM".
import { BIDI_MARKS, latinDigits } from './digits';

export type DatePart = 'day' | 'month' | 'year';
export type Parsed = { kind: 'empty' } | { kind: 'partial' } | { kind: 'invalid' } | { kind: 'ok'; value: string };

// Intl separates with narrow and ordinary no-break spaces ("2:30 PM" since CLDR 42); a person
// types a space, and a field showing one of them would not match what is typed back.
const SPACES = /[\u00A0\u202F\u2007\u2009]/g;
const clean = (s: string) => s.replace(BIDI_MARKS, '').replace(SPACES, ' ');

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const HH_MM = /^(\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?$/;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** "YYYY-MM-DD" as its parts, or null when it is not a real day in years 1000–9999. */
export function splitIso(iso: string): { year: number; month: number; day: number } | null {
  const m = ISO_DATE.exec(iso);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return null;
  return { year, month, day };
}

const isoOf = (year: number, month: number, day: number) => `${pad(year, 4)}-${pad(month)}-${pad(day)}`;

type Shape = { order: DatePart[]; between: string[]; seps: Set<string>; fmt: Intl.DateTimeFormat };
const shapes = new Map<string, Shape>();

// The Gregorian calendar whatever the locale's default (ar-SA's is Islamic): the value is an ISO day.
function shape(locale: string): Shape {
  let s = shapes.get(locale);
  if (!s) {
    const fmt = new Intl.DateTimeFormat(locale, { year: 'numeric', month: '2-digit', day: '2-digit', timeZone: 'UTC', calendar: 'gregory' });
    const parts = fmt.formatToParts(Date.UTC(2026, 11, 31));
    const order: DatePart[] = [];
    const between: string[] = [];
    let gap = '';
    for (const p of parts) {
      if (p.type === 'literal') gap += clean(p.value);
      else if (p.type === 'day' || p.type === 'month' || p.type === 'year') {
        if (order.length) between.push(gap);
        order.push(p.type);
        gap = '';
      }
    }
    const ok = order.length === 3;
    s = {
      order: ok ? order : ['year', 'month', 'day'],
      between: ok ? between : ['-', '-'],
      seps: new Set(between.map((b) => b.trim()).filter(Boolean)),
      fmt,
    };
    shapes.set(locale, s);
  }
  return s;
}

/** The order the locale writes a date's fields in, e.g. ['day', 'month', 'year'] for vi. */
export const dateOrder = (locale: string): DatePart[] => shape(locale).order;

/** "YYYY-MM-DD" as the locale writes it in numbers ("03/12/2026" in vi, "٠٣/١٢/٢٠٢٦" in ar-JO); '' for anything else. */
export function formatDateForInput(iso: string, locale: string): string {
  const d = splitIso(iso);
  if (!d) return '';
  return clean(shape(locale).fmt.format(Date.UTC(d.year, d.month - 1, d.day)));
}

/**
 * The locale's pattern with `words` for its fields ("dd/mm/yyyy" in vi, "mm/dd/yyyy" in en-US).
 * `isolate` puts left-to-right marks around the separators, so that right-to-left words keep
 * the field's left-to-right order instead of running together into one reversed phrase.
 */
export function datePattern(locale: string, words: Record<DatePart, string>, isolate = false): string {
  const { order, between } = shape(locale);
  const sep = (i: number) => (isolate ? `\u200E${between[i]}\u200E` : between[i]);
  return order.map((p, i) => (i ? sep(i - 1) : '') + words[p]).join('');
}

const DATE_SEPARATORS = /^[\s/.\-\u2010-\u2015\u2212\u060D,]+$/;

/**
 * The day typed in `text`: fields in the locale's order, in any digit script, separated by any of
 * / . - or space (or the locale's own separator); "YYYY-MM-DD" is read too, as a four-digit first
 * field can only be a year. Eight digits in a row are the locale's order without separators.
 * `partial` while more is needed (a two-digit year, a missing field), `invalid` for what cannot
 * be a date (31/02/2026, a month 13, a letter).
 */
export function parseDateInput(text: string, locale: string): Parsed {
  const plain = latinDigits(clean(text)).trim();
  if (!plain) return { kind: 'empty' };
  const { seps } = shape(locale);
  const groups: string[] = [];
  for (const run of plain.match(/\d+|\D+/g) ?? []) {
    if (/^\d/.test(run)) groups.push(run);
    else if (!DATE_SEPARATORS.test(run) && !seps.has(run.trim())) return { kind: 'invalid' };
    else if (!groups.length) return { kind: 'invalid' };
  }
  let order = dateOrder(locale);
  if (groups.length === 1 && groups[0].length > 2) {
    // Digits without separators: the locale's order in fixed widths once all eight are there.
    if (groups[0].length > 8) return { kind: 'invalid' };
    if (groups[0].length < 8) return { kind: 'partial' };
    const all = groups[0];
    let at = 0;
    groups.splice(0, 1, ...order.map((p) => all.slice(at, (at += p === 'year' ? 4 : 2))));
  }
  if (groups.length > 3) return { kind: 'invalid' };
  if (groups[0].length > 2) order = ['year', 'month', 'day'];

  const got: Partial<Record<DatePart, string>> = {};
  groups.forEach((g, i) => (got[order[i]] = g));
  for (const [part, g] of Object.entries(got) as [DatePart, string][]) {
    const n = Number(g);
    if (part === 'year' ? g.length > 4 : g.length > 2) return { kind: 'invalid' };
    if (part === 'month' && (n > 12 || (g.length === 2 && n === 0))) return { kind: 'invalid' };
    if (part === 'day' && (n > 31 || (g.length === 2 && n === 0))) return { kind: 'invalid' };
  }
  if (groups.length < 3 || got.year!.length < 4) return { kind: 'partial' };
  const [year, month, day] = [Number(got.year), Number(got.month), Number(got.day)];
  if (year < 1000 || month < 1 || day < 1 || day > daysIn(year, month)) return { kind: 'invalid' };
  return { kind: 'ok', value: isoOf(year, month, day) };
}

/** `iso` moved by whole days, months (kept within the shorter month) or years. */
export function shiftDate(iso: string, part: DatePart, by: number): string {
  const d = splitIso(iso);
  if (!d) return iso;
  if (part === 'day') {
    const t = new Date(Date.UTC(d.year, d.month - 1, d.day + by));
    return isoOf(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
  }
  const months = d.year * 12 + (d.month - 1) + (part === 'month' ? by : 12 * by);
  const year = Math.floor(months / 12);
  const month = (months % 12) + 1;
  if (year < 1000 || year > 9999) return iso;
  return isoOf(year, month, Math.min(d.day, daysIn(year, month)));
}

/** The index of the run of digits the caret at `at` is in: at the end of a run it still belongs to it ("03|/12" is in the first). */
function runAt(plain: string, at: number): number {
  const before = plain.slice(0, at).match(/\d+/g)?.length ?? 0;
  return Math.max(0, /\d$/.test(plain.slice(0, at)) ? before - 1 : before);
}

/** Which of the date's fields the caret at `at` is in. */
export function datePartAt(text: string, at: number, locale: string): DatePart {
  const plain = latinDigits(text);
  const order = (plain.match(/\d+/)?.[0].length ?? 0) > 2 ? (['year', 'month', 'day'] as DatePart[]) : dateOrder(locale);
  return order[Math.min(runAt(plain, at), 2)];
}

/** Where the `index`th run of digits of `text` starts and ends, for putting the caret back in it. */
export function runBounds(text: string, index: number): [number, number] | null {
  const runs = [...latinDigits(text).matchAll(/\d+/g)];
  const r = runs[index];
  return r ? [r.index, r.index + r[0].length] : null;
}

// ---- Times ----

type TimeShape = { fmt: Intl.DateTimeFormat; twelve: boolean; am: string; pm: string };
const timeShapes = new Map<string, TimeShape>();

function timeShape(locale: string): TimeShape {
  let s = timeShapes.get(locale);
  if (!s) {
    const fmt = new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit', timeZone: 'UTC' });
    const period = (h: number) => clean(fmt.formatToParts(Date.UTC(2000, 0, 1, h)).find((p) => p.type === 'dayPeriod')?.value ?? '').trim();
    const cycle = fmt.resolvedOptions().hourCycle;
    s = { fmt, twelve: cycle === 'h12' || cycle === 'h11', am: period(9), pm: period(21) };
    timeShapes.set(locale, s);
  }
  return s;
}

/** Whether the locale writes a 12-hour clock with a day period ("2:30 PM"). */
export const twelveHour = (locale: string): boolean => timeShape(locale).twelve;

/** "HH:MM" as the locale writes it ("2:30 PM" in en, "14:30" in vi, "٢:٣٠ م" in ar-JO); '' for anything else. */
export function formatTimeForInput(hhmm: string, locale: string): string {
  const m = HH_MM.exec(hhmm);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) return '';
  return clean(timeShape(locale).fmt.format(Date.UTC(2000, 0, 1, Number(m[1]), Number(m[2]))));
}

/** The locale's shape of a time for a hint: "--:-- AM/PM" or "--:--". */
export function timePattern(locale: string): string {
  const { fmt, am, pm } = timeShape(locale);
  return fmt
    .formatToParts(Date.UTC(2000, 0, 1, 14, 30))
    .map((p) => (p.type === 'hour' || p.type === 'minute' ? '--' : p.type === 'dayPeriod' ? `${am}/${pm}` : clean(p.value)))
    .join('');
}

// Lower case, and without the dots of "a.m.", for comparing what is typed with a day period.
const periodKey = (s: string) => s.toLocaleLowerCase().replace(/[.\s]/g, '');

/**
 * The time typed in `text` as "HH:MM": "14:30", "2:30 PM", "2:30pm", "2:30 م", "1430", "2 pm", in
 * any digit script, with ':' '.' or 'h' between hours and minutes. Without a day period the hours
 * are read on a 24-hour clock, whatever the locale shows.
 */
export function parseTimeInput(text: string, locale: string): Parsed {
  let plain = latinDigits(clean(text)).trim();
  if (!plain) return { kind: 'empty' };
  const { am, pm } = timeShape(locale);
  // The locale's own words first, then the Latin ones any keyboard can type.
  const words: [string, 'am' | 'pm'][] = [
    [am, 'am'], [pm, 'pm'], ['am', 'am'], ['pm', 'pm'], ['a', 'am'], ['p', 'pm'],
  ];
  let period: 'am' | 'pm' | null = null;
  const letters = plain.match(/[^\d\s:.h]+[^\d]*$/u)?.[0];
  if (letters) {
    const key = periodKey(letters);
    const found = words.find(([w]) => w && periodKey(w) === key);
    if (!found) {
      // Part of the locale's word typed so far ("ព្រ" of "ព្រឹក") waits for the rest.
      return words.some(([w]) => w && periodKey(w).startsWith(key)) ? { kind: 'partial' } : { kind: 'invalid' };
    }
    period = found[1];
    plain = plain.slice(0, plain.length - letters.length).trim();
  }
  if (!plain || /[^\d\s:.h]/.test(plain)) return { kind: 'invalid' };
  let groups = plain.split(/[\s:.h]+/).filter(Boolean);
  if (groups.length === 1 && groups[0].length >= 3) {
    const g = groups[0];
    if (g.length > 4) return { kind: 'invalid' };
    groups = [g.slice(0, g.length - 2), g.slice(-2)];
  }
  if (groups.length > 2) return { kind: 'invalid' };
  const [h, m] = groups;
  if (h.length > 2 || (m && m.length > 2)) return { kind: 'invalid' };
  let hour = Number(h);
  if (period ? hour > 12 : hour > 23) return { kind: 'invalid' };
  if (m === undefined || m.length < 2) {
    // "2 pm" is a whole time; "14" or "14:3" is still being typed.
    if (!(period && m === undefined)) return m !== undefined && Number(m) > 5 ? { kind: 'invalid' } : { kind: 'partial' };
  }
  const minute = Number(m ?? 0);
  if (minute > 59) return { kind: 'invalid' };
  if (period) hour = (hour % 12) + (period === 'pm' ? 12 : 0);
  return { kind: 'ok', value: `${pad(hour)}:${pad(minute)}` };
}

/** "HH:MM" moved by minutes, round the clock as the native field turns. */
export function shiftTime(hhmm: string, minutes: number): string {
  const m = HH_MM.exec(hhmm);
  if (!m) return hhmm;
  const t = (((Number(m[1]) * 60 + Number(m[2]) + minutes) % 1440) + 1440) % 1440;
  return `${pad(Math.floor(t / 60))}:${pad(t % 60)}`;
}

/** Which of the time's fields the caret at `at` is in. */
export function timePartAt(text: string, at: number): 'hour' | 'minute' | 'period' {
  return (['hour', 'minute', 'period'] as const)[Math.min(runAt(latinDigits(text), at), 2)];
}

/**
 * `s` set apart inside a sentence, so that the sentence's direction does not reorder it: a date
 * pattern left to right (as the field shows it), a time by its own first strong letter.
 */
export const isolate = (s: string, dir: 'ltr' | 'auto') => (dir === 'ltr' ? `\u2066${s}\u2069` : `\u2068${s}\u2069`);
