import { describe, expect, it } from 'vitest';
import {
  dateOrder,
  datePartAt,
  datePattern,
  formatDateForInput,
  formatTimeForInput,
  parseDateInput,
  parseTimeInput,
  runBounds,
  shiftDate,
  shiftTime,
  timePartAt,
  timePattern,
  twelveHour,
} from './dates';

const ok = (value: string) => ({ kind: 'ok', value });
const WORDS = { day: 'dd', month: 'mm', year: 'yyyy' };
const LOCALES = ['en', 'en-KH', 'km', 'km-KH', 'vi', 'vi-VN', 'ar', 'ar-JO', 'ar-EG', 'ar-SA'];

describe('formatDateForInput', () => {
  it("writes a day in each language's order, separator and the place's digits", () => {
    expect(formatDateForInput('2026-12-03', 'en')).toBe('12/03/2026');
    expect(formatDateForInput('2026-12-03', 'km')).toBe('03/12/2026');
    expect(formatDateForInput('2026-12-03', 'vi')).toBe('03/12/2026');
    // Day first in Arabic; Arabic-Indic digits where the place writes them (Jordan), and no
    // right-to-left marks left in the text to trip the caret.
    expect(formatDateForInput('2026-12-03', 'ar-JO')).toBe('٠٣/١٢/٢٠٢٦');
    expect(formatDateForInput('2026-12-03', 'ar')).toMatch(/^(03\/12\/2026|٠٣\/١٢\/٢٠٢٦)$/);
  });

  it('gives nothing for what is not a day', () => {
    for (const bad of ['', '2026-02-30', '2026-13-01', '26-12-03', 'today', '0999-01-01']) expect(formatDateForInput(bad, 'en')).toBe('');
  });

  it('keeps to the Gregorian calendar where the locale would not (ar-SA)', () => {
    expect(formatDateForInput('2026-12-03', 'ar-SA')).toBe('٠٣/١٢/٢٠٢٦');
  });
});

describe('dateOrder and datePattern', () => {
  it("follow the locale's field order", () => {
    expect(dateOrder('en')).toEqual(['month', 'day', 'year']);
    expect(dateOrder('vi')).toEqual(['day', 'month', 'year']);
    expect(dateOrder('ar-JO')).toEqual(['day', 'month', 'year']);
    expect(datePattern('en', WORDS)).toBe('mm/dd/yyyy');
    expect(datePattern('vi', WORDS)).toBe('dd/mm/yyyy');
    expect(datePattern('km', { day: 'ថ្ងៃ', month: 'ខែ', year: 'ឆ្នាំ' })).toBe('ថ្ងៃ/ខែ/ឆ្នាំ');
  });

  it('isolates the separators so Arabic words keep the left-to-right order', () => {
    expect(datePattern('ar', { day: 'يوم', month: 'شهر', year: 'سنة' }, true)).toBe('يوم\u200E/\u200Eشهر\u200E/\u200Eسنة');
  });
});

describe('parseDateInput', () => {
  it('reads back every day it writes, in every locale', () => {
    const days = ['2026-12-03', '2026-03-12', '2024-02-29', '1999-01-31', '2031-07-04', '1000-01-01', '9999-12-31'];
    for (const locale of LOCALES) for (const d of days) expect(parseDateInput(formatDateForInput(d, locale), locale), `${d} in ${locale}`).toEqual(ok(d));
  });

  it('gives the same day for digits in every script', () => {
    for (const s of ['03/12/2026', '٠٣/١٢/٢٠٢٦', '۰۳/۱۲/۲۰۲۶', '០៣/១២/២០២៦', '3/12/2026', '٣/١٢/٢٠٢٦'])
      for (const locale of ['vi', 'km', 'ar', 'ar-JO']) expect(parseDateInput(s, locale), `${s} in ${locale}`).toEqual(ok('2026-12-03'));
    expect(parseDateInput('១២/០៣/២០២៦', 'en')).toEqual(ok('2026-12-03'));
  });

  it('reads the fields in the locale order', () => {
    expect(parseDateInput('3/12/2026', 'en')).toEqual(ok('2026-03-12'));
    expect(parseDateInput('3/12/2026', 'vi')).toEqual(ok('2026-12-03'));
  });

  it('takes / . - and spaces between the fields, and eight digits in a row', () => {
    for (const s of ['03.12.2026', '3-12-2026', '3 12 2026', ' 03 / 12 / 2026 ', '03122026', '03\u200F/12\u200F/2026', '3\u060D12\u060D2026'])
      expect(parseDateInput(s, 'vi'), s).toEqual(ok('2026-12-03'));
    expect(parseDateInput('12032026', 'en')).toEqual(ok('2026-12-03'));
  });

  it('reads a year-first ISO day in any locale', () => {
    for (const locale of LOCALES) expect(parseDateInput('2026-12-03', locale)).toEqual(ok('2026-12-03'));
  });

  it('refuses days that do not exist and text that is no date', () => {
    for (const s of ['31/02/2026', '29/02/2025', '31/04/2026', '00/12/2026', '03/13/2026', '32/01/2026', '03/00/2026', '03/12/0999', '03/12/20261', 'abc', '03/12/2026x', '1/2/3/4', '/03/12/2026', '031220261'])
      expect(parseDateInput(s, 'vi'), s).toEqual({ kind: 'invalid' });
    expect(parseDateInput('29/02/2024', 'vi')).toEqual(ok('2024-02-29'));
    expect(parseDateInput('02/30/2026', 'en')).toEqual({ kind: 'invalid' });
  });

  it('waits while the date is being typed', () => {
    for (const s of ['0', '03', '03/', '03/1', '03/12', '03/12/', '03/12/2', '03/12/202', '0312', '031220', '2026', '2026-12'])
      expect(parseDateInput(s, 'vi'), s).toEqual({ kind: 'partial' });
    expect(parseDateInput('  ', 'vi')).toEqual({ kind: 'empty' });
  });
});

describe('shiftDate', () => {
  it('steps days across months and years', () => {
    expect(shiftDate('2026-12-31', 'day', 1)).toBe('2027-01-01');
    expect(shiftDate('2026-03-01', 'day', -1)).toBe('2026-02-28');
  });

  it('keeps a day within the shorter month', () => {
    expect(shiftDate('2026-01-31', 'month', 1)).toBe('2026-02-28');
    expect(shiftDate('2026-01-15', 'month', -1)).toBe('2025-12-15');
    expect(shiftDate('2024-02-29', 'year', 1)).toBe('2025-02-28');
  });
});

describe('datePartAt and runBounds', () => {
  it('name the field under the caret, in the locale order', () => {
    expect(datePartAt('03/12/2026', 0, 'vi')).toBe('day');
    expect(datePartAt('03/12/2026', 2, 'vi')).toBe('day');
    expect(datePartAt('03/12/2026', 3, 'vi')).toBe('month');
    expect(datePartAt('03/12/2026', 10, 'vi')).toBe('year');
    expect(datePartAt('12/03/2026', 1, 'en')).toBe('month');
    expect(datePartAt('٠٣/١٢/٢٠٢٦', 4, 'ar-JO')).toBe('month');
    expect(runBounds('٠٣/١٢/٢٠٢٦', 1)).toEqual([3, 5]);
  });
});

describe('formatTimeForInput', () => {
  it("writes a time on the locale's clock", () => {
    expect(formatTimeForInput('14:30', 'en')).toBe('2:30 PM');
    expect(formatTimeForInput('00:05', 'en')).toBe('12:05 AM');
    expect(formatTimeForInput('14:30', 'vi')).toBe('14:30');
    expect(formatTimeForInput('09:05', 'vi')).toBe('9:05');
    expect(formatTimeForInput('14:30', 'ar-JO')).toBe('٢:٣٠ م');
    expect(formatTimeForInput('25:00', 'en')).toBe('');
    expect(formatTimeForInput('', 'en')).toBe('');
  });

  it('knows which locales use a 12-hour clock', () => {
    expect(twelveHour('en')).toBe(true);
    expect(twelveHour('ar-JO')).toBe(true);
    expect(twelveHour('vi')).toBe(false);
    expect(timePattern('vi')).toBe('--:--');
    expect(timePattern('en')).toBe('--:-- AM/PM');
  });
});

describe('parseTimeInput', () => {
  it('reads back every time it writes, in every locale', () => {
    for (const locale of LOCALES)
      for (let h = 0; h < 24; h++)
        for (const m of ['00', '05', '59']) {
          const hhmm = `${String(h).padStart(2, '0')}:${m}`;
          expect(parseTimeInput(formatTimeForInput(hhmm, locale), locale), `${hhmm} in ${locale}`).toEqual(ok(hhmm));
        }
  });

  it('takes a 24-hour time in a 12-hour locale, and the day period in any case', () => {
    expect(parseTimeInput('14:30', 'en')).toEqual(ok('14:30'));
    for (const s of ['2:30 PM', '2:30pm', '2:30 p.m.', '02:30 P', '2.30 pm', '2 30 PM']) expect(parseTimeInput(s, 'en'), s).toEqual(ok('14:30'));
    expect(parseTimeInput('12:15 AM', 'en')).toEqual(ok('00:15'));
    expect(parseTimeInput('12:15 PM', 'en')).toEqual(ok('12:15'));
    expect(parseTimeInput('2 pm', 'en')).toEqual(ok('14:00'));
    expect(parseTimeInput('2:30 PM', 'vi')).toEqual(ok('14:30'));
  });

  it("reads the Arabic day period and every digit script", () => {
    expect(parseTimeInput('٢:٣٠ م', 'ar-JO')).toEqual(ok('14:30'));
    expect(parseTimeInput('٢:٣٠ ص', 'ar-JO')).toEqual(ok('02:30'));
    expect(parseTimeInput('١٤:٣٠', 'ar-JO')).toEqual(ok('14:30'));
    expect(parseTimeInput('۱۴:۳۰', 'vi')).toEqual(ok('14:30'));
    expect(parseTimeInput('១៤:៣០', 'km')).toEqual(ok('14:30'));
  });

  it('takes digits without a separator, and h', () => {
    expect(parseTimeInput('1430', 'vi')).toEqual(ok('14:30'));
    expect(parseTimeInput('930', 'vi')).toEqual(ok('09:30'));
    expect(parseTimeInput('14h30', 'vi')).toEqual(ok('14:30'));
  });

  it('refuses what is no time, and waits for one being typed', () => {
    for (const s of ['25:00', '24:00', '13:00 PM', '12:60', '14:7', 'xyz', '1:2:3', '14:30 xm', '12345']) expect(parseTimeInput(s, 'en'), s).toEqual({ kind: 'invalid' });
    for (const s of ['1', '14', '14:', '14:3', '2:3 pm']) expect(parseTimeInput(s, 'en'), s).toEqual({ kind: 'partial' });
    expect(parseTimeInput('', 'en')).toEqual({ kind: 'empty' });
  });
});

describe('shiftTime and timePartAt', () => {
  it('turns round the clock', () => {
    expect(shiftTime('23:55', 10)).toBe('00:05');
    expect(shiftTime('00:00', -5)).toBe('23:55');
    expect(shiftTime('10:00', 720)).toBe('22:00');
  });

  it('name the field under the caret', () => {
    expect(timePartAt('2:30 PM', 0)).toBe('hour');
    expect(timePartAt('2:30 PM', 1)).toBe('hour');
    expect(timePartAt('2:30 PM', 3)).toBe('minute');
    expect(timePartAt('2:30 PM', 7)).toBe('period');
  });
});
