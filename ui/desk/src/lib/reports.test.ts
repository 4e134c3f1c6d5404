import { afterEach, describe, expect, it } from 'vitest';
import { applyLocale } from './i18n.svelte';
import {
  bucketLabel,
  change,
  formatDuration,
  formatRate,
  heatLegend,
  heatLevel,
  presetOf,
  presetRange,
  weekdayNames,
} from './reports';
import { measuresRecord } from '../test-helpers';

afterEach(() => applyLocale('en'));

describe('figures', () => {
  it('read durations as the PDF does', () => {
    expect(formatDuration(null)).toBe('–');
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(245)).toBe('4 min 05 s');
    expect(formatDuration(3599)).toBe('59 min 59 s');
    expect(formatDuration(7380)).toBe('2 h 03 min');
  });

  it('read rates as percentages in the UI locale', () => {
    expect(formatRate(0.125)).toBe('12.5%');
    expect(formatRate(1)).toBe('100%');
    expect(formatRate(null)).toBe('–');
    applyLocale('ar');
    expect(formatRate(0.5)).toBe(new Intl.NumberFormat('ar', { style: 'percent' }).format(0.5));
  });

  it('say whether a change is for the better, by which way is better for the figure', () => {
    const now = measuresRecord({ first_response_median_s: 245, tasks_overdue: 1, chats_handled: 10, no_show_rate: 0.1 });
    const before = measuresRecord({ first_response_median_s: 185, tasks_overdue: 3, chats_handled: 10, no_show_rate: 0.125 });
    expect(change('first_response_median_s', now, before, 'less')).toEqual({ text: '+1 min 00 s', direction: 'up', verdict: 'worse' });
    expect(change('tasks_overdue', now, before, 'less')).toEqual({ text: '−2', direction: 'down', verdict: 'better' });
    expect(change('chats_handled', now, before, 'more')).toEqual({ text: 'No change', direction: 'same', verdict: 'same' });
    expect(change('no_show_rate', now, before, 'less')).toEqual({ text: '−2.5 pts', direction: 'down', verdict: 'better' });
    expect(change('wait_avg_s', now, before, 'less').direction).toBe('none');
  });
});

describe('periods', () => {
  const today = '2026-03-18'; // a Wednesday

  it('run up to today, or over whole weeks and months already past', () => {
    expect(presetRange('this_week', today)).toEqual({ from: '2026-03-16', to: '2026-03-18' });
    expect(presetRange('last_week', today)).toEqual({ from: '2026-03-09', to: '2026-03-15' });
    expect(presetRange('this_month', today)).toEqual({ from: '2026-03-01', to: '2026-03-18' });
    expect(presetRange('last_month', today)).toEqual({ from: '2026-02-01', to: '2026-02-28' });
    expect(presetRange('last_month', '2026-01-05')).toEqual({ from: '2025-12-01', to: '2025-12-31' });
    expect(presetRange('last_30_days', today)).toEqual({ from: '2026-02-17', to: '2026-03-18' });
    expect(presetRange('this_year', today)).toEqual({ from: '2026-01-01', to: '2026-03-18' });
    expect(presetRange('this_week', '2026-03-22')).toEqual({ from: '2026-03-16', to: '2026-03-22' }); // a Sunday
  });

  it('are recognised from their dates', () => {
    expect(presetOf('2026-02-01', '2026-02-28', today)).toBe('last_month');
    expect(presetOf('2026-02-02', '2026-02-28', today)).toBeNull();
  });

  it('name their buckets', () => {
    // Intl puts thin spaces around the dash of a range.
    const label = (...a: Parameters<typeof bucketLabel>) => bucketLabel(...a).replace(/\s/g, ' ');
    expect(label('day', '2026-03-03', '2026-03-03')).toBe('Tue, Mar 3');
    expect(label('week', '2026-03-02', '2026-03-08')).toBe('Mar 2 – 8');
    expect(label('month', '2026-02-01', '2026-02-28')).toBe('February 2026');
    expect(label('month', '2026-03-01', '2026-03-18')).toBe('Mar 1 – 18');
  });
});

describe('the heat map', () => {
  it('names the weekdays Monday first', () => {
    expect(weekdayNames('long')).toEqual(['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday']);
  });

  it('shades by share of the busiest hour, and its legend says which counts each shade has', () => {
    expect([0, 1, 2, 3, 5, 8].map((n) => heatLevel(n, 8))).toEqual([0, 1, 1, 2, 3, 4]);
    expect(heatLevel(3, 0)).toBe(0);
    expect(heatLegend(8)).toEqual([
      { level: 0, from: 0, to: 0 },
      { level: 1, from: 1, to: 2 },
      { level: 2, from: 3, to: 4 },
      { level: 3, from: 5, to: 6 },
      { level: 4, from: 7, to: 8 },
    ]);
    // With few chats some shades stand for no count at all: left out.
    expect(heatLegend(2).map((l) => l.level)).toEqual([0, 2, 4]);
    for (let n = 1; n <= 2; n++) expect(heatLegend(2).find((l) => n >= l.from && n <= l.to)!.level).toBe(heatLevel(n, 2));
  });
});
