// What the Reports screen shares: the periods it offers, the figures it shows and how each one
// reads (counts, durations like "4 min 05 s", rates as percentages), and whether a change from
// the previous period is for the better. Numbers go through Intl in the UI's locale.
//
// Dates are the clinic's calendar days ("2026-03-03"), as the report filter takes them.
import { i18n, t, type MessageKey } from './i18n.svelte';
import { addDays, mondayOf } from './appointments';
import type { Bucket } from '../bindings/Bucket';
import type { Measures } from '../bindings/Measures';
import type { Role } from '../bindings/Role';

export const PRESETS = ['this_week', 'last_week', 'this_month', 'last_month', 'last_30_days', 'this_year'] as const;
export type Preset = (typeof PRESETS)[number];

export const BUCKETS: Bucket[] = ['day', 'week', 'month'];

/** Teams are the staff roles, front desk first. */
export const TEAMS: Role[] = ['receptionist', 'clinician', 'manager', 'admin'];

export const teamLabel = (r: Role) => t(`report.team.${r}` as MessageKey);

/** The days a preset covers, up to today where the period is still running. */
export function presetRange(p: Preset, today: string): { from: string; to: string } {
  const monthStart = `${today.slice(0, 7)}-01`;
  switch (p) {
    case 'this_week':
      return { from: mondayOf(today), to: today };
    case 'last_week': {
      const from = addDays(mondayOf(today), -7);
      return { from, to: addDays(from, 6) };
    }
    case 'this_month':
      return { from: monthStart, to: today };
    case 'last_month': {
      const to = addDays(monthStart, -1);
      return { from: `${to.slice(0, 7)}-01`, to };
    }
    case 'last_30_days':
      return { from: addDays(today, -29), to: today };
    case 'this_year':
      return { from: `${today.slice(0, 4)}-01-01`, to: today };
  }
}

/** The preset that covers exactly these days, if any. */
export function presetOf(from: string, to: string, today: string): Preset | null {
  return PRESETS.find((p) => {
    const r = presetRange(p, today);
    return r.from === from && r.to === to;
  }) ?? null;
}

// ---- Numbers ----

const formats = new Map<string, Intl.NumberFormat>();
function nf(opts: Intl.NumberFormatOptions = {}): Intl.NumberFormat {
  const key = `${i18n.locale}\u0000${JSON.stringify(opts)}`;
  let f = formats.get(key);
  if (!f) {
    f = new Intl.NumberFormat(i18n.locale, opts);
    formats.set(key, f);
  }
  return f;
}

/** Shown where there was nothing to measure. */
export const NOTHING = '–';
const PLUS = '+';
const MINUS = '\u2212';

export const formatCount = (n: number) => nf().format(n);

/** "45 s", "4 min 05 s", "2 h 03 min" (as the PDF has them); "–" when nothing was measured. */
export function formatDuration(secs: number | null): string {
  if (secs === null) return NOTHING;
  const s = Math.max(0, Math.round(secs));
  const two = nf({ minimumIntegerDigits: 2 });
  if (s < 60) return t('report.dur_s', { s: nf().format(s) });
  if (s < 3600) return t('report.dur_min_s', { m: nf().format(Math.floor(s / 60)), s: two.format(s % 60) });
  return t('report.dur_h_min', { h: nf().format(Math.floor(s / 3600)), m: two.format(Math.floor((s % 3600) / 60)) });
}

/** A fraction (0 to 1) as a percentage with at most one decimal: "12.5%". */
export function formatRate(r: number | null): string {
  return r === null ? NOTHING : nf({ style: 'percent', maximumFractionDigits: 1 }).format(r);
}

// ---- The figures ----

export type Kind = 'count' | 'duration' | 'rate';
export type MeasureKey = keyof Measures;

export function kindOf(key: MeasureKey): Kind {
  if (key === 'no_show_rate') return 'rate';
  return key.endsWith('_s') ? 'duration' : 'count';
}

export function formatMeasure(m: Measures, key: MeasureKey): string {
  const v = m[key];
  const kind = kindOf(key);
  if (kind === 'duration') return formatDuration(v);
  if (kind === 'rate') return formatRate(v);
  return formatCount(v ?? 0);
}

/** A figure's full name ("First response (median)"). */
export const measureLabel = (key: MeasureKey) => t(`report.m.${key}` as MessageKey);
/** Its short name under its group's heading in the tables ("Median" under "First response"). */
export const columnLabel = (key: MeasureKey) => t(`report.col.${key}` as MessageKey);

export type Group = 'chats' | 'tasks' | 'appts';

/** The tables' columns, grouped under Chats, Tasks and Appointments. */
export const COLUMNS: { group: Group; keys: MeasureKey[] }[] = [
  {
    group: 'chats',
    keys: [
      'chats_assigned',
      'chats_handled',
      'replies',
      'first_response_median_s',
      'first_response_p90_s',
      'chats_escalated',
      'chats_reassigned',
      'chats_unanswered_eod',
    ],
  },
  { group: 'tasks', keys: ['tasks_assigned', 'tasks_done', 'tasks_overdue', 'task_done_median_s'] },
  {
    group: 'appts',
    keys: [
      'appts_booked',
      'appts_completed',
      'appts_cancelled_client',
      'appts_cancelled_clinic',
      'appts_late_cancel',
      'appts_no_show',
      'no_show_rate',
      'wait_avg_s',
      'visit_avg_s',
    ],
  },
];

/** The KPI tiles, and which way is better for each. */
export const KPIS: { key: MeasureKey; better: 'more' | 'less' }[] = [
  { key: 'chats_handled', better: 'more' },
  { key: 'first_response_median_s', better: 'less' },
  { key: 'first_response_p90_s', better: 'less' },
  { key: 'chats_unanswered_eod', better: 'less' },
  { key: 'tasks_done', better: 'more' },
  { key: 'tasks_overdue', better: 'less' },
  { key: 'appts_completed', better: 'more' },
  { key: 'no_show_rate', better: 'less' },
  { key: 'wait_avg_s', better: 'less' },
];

export interface Change {
  /** "+12", "−1 min 05 s", "+2.5 pts"; empty when there is nothing to compare. */
  text: string;
  direction: 'up' | 'down' | 'same' | 'none';
  verdict: 'better' | 'worse' | 'same' | 'none';
}

/** The change from `before` to `now` of one figure, and whether it is for the better. */
export function change(key: MeasureKey, now: Measures, before: Measures, better: 'more' | 'less'): Change {
  const a = now[key];
  const b = before[key];
  if (a === null || b === null) return { text: '', direction: 'none', verdict: 'none' };
  const kind = kindOf(key);
  // Rates are compared in percentage points, to one decimal, as they are shown.
  const delta = kind === 'rate' ? Math.round((a - b) * 1000) / 10 : Math.round(a - b);
  if (delta === 0) return { text: t('report.no_change'), direction: 'same', verdict: 'same' };
  const size = Math.abs(delta);
  const amount =
    kind === 'duration'
      ? formatDuration(size)
      : kind === 'rate'
        ? t('report.points', { n: nf({ maximumFractionDigits: 1 }).format(size) })
        : formatCount(size);
  const up = delta > 0;
  return {
    text: `${up ? PLUS : MINUS}${amount}`,
    direction: up ? 'up' : 'down',
    verdict: up === (better === 'more') ? 'better' : 'worse',
  };
}

// ---- Periods and buckets ----

const dates = new Map<string, Intl.DateTimeFormat>();
function df(opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${i18n.locale}\u0000${JSON.stringify(opts)}`;
  let f = dates.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(i18n.locale, { ...opts, timeZone: 'UTC' });
    dates.set(key, f);
  }
  return f;
}

const utc = (ymd: string) => new Date(`${ymd}T00:00:00Z`);

/** "3 Mar 2026 – 31 Mar 2026" in the locale's own way. */
export function formatPeriod(from: string, to: string): string {
  const f = df({ day: 'numeric', month: 'short', year: 'numeric' });
  return from === to ? f.format(utc(from)) : f.formatRange(utc(from), utc(to));
}

/** A bucket's name on the charts and in the tables: "3 Mar", "3–9 Mar", "March 2026". */
export function bucketLabel(bucket: Bucket, from: string, to: string): string {
  if (bucket === 'day' || from === to) return df({ weekday: 'short', day: 'numeric', month: 'short' }).format(utc(from));
  if (bucket === 'month' && from.endsWith('-01') && addDays(to, 1).endsWith('-01') && from.slice(0, 7) === to.slice(0, 7)) {
    return df({ month: 'long', year: 'numeric' }).format(utc(from));
  }
  return df({ day: 'numeric', month: 'short' }).formatRange(utc(from), utc(to));
}

// ---- The heat map ----

/** Weekday names, Monday first. */
export function weekdayNames(style: 'long' | 'short'): string[] {
  // 2024-01-01 was a Monday.
  return Array.from({ length: 7 }, (_, i) => df({ weekday: style }).format(utc(addDays('2024-01-01', i))));
}

/** "09:00" in the locale's digits and clock. */
export function hourLabel(h: number): string {
  return df({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(Date.UTC(2024, 0, 1, h)));
}

/** "09": an hour alone, for the heat map's narrow columns. */
export function hourShort(h: number): string {
  return df({ hour: '2-digit', hourCycle: 'h23' }).format(new Date(Date.UTC(2024, 0, 1, h)));
}

export const HEAT_LEVELS = 4;

/** A cell's shade: 0 for none, then 1 to 4 by its share of the busiest hour. */
export function heatLevel(count: number, max: number): number {
  if (count <= 0 || max <= 0) return 0;
  return Math.min(HEAT_LEVELS, Math.ceil((count * HEAT_LEVELS) / max));
}

/** The counts each shade stands for, for the legend (shades that no count can have are left out). */
export function heatLegend(max: number): { level: number; from: number; to: number }[] {
  const out = [{ level: 0, from: 0, to: 0 }];
  for (let level = 1; level <= HEAT_LEVELS; level++) {
    const from = Math.floor(((level - 1) * max) / HEAT_LEVELS) + 1;
    const to = Math.floor((level * max) / HEAT_LEVELS);
    if (from <= to) out.push({ level, from, to });
  }
  return out;
}
