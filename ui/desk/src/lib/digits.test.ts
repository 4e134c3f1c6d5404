import { describe, expect, it } from 'vitest';
import { formatForInput, parseNumber, toLatinDigits } from './digits';

describe('toLatinDigits', () => {
  it('reads Khmer, Arabic-Indic and Persian digits as Latin ones', () => {
    expect(toLatinDigits('០១២៣៤៥៦៧៨៩')).toBe('0123456789');
    expect(toLatinDigits('٠١٢٣٤٥٦٧٨٩')).toBe('0123456789');
    expect(toLatinDigits('۰۱۲۳۴۵۶۷۸۹')).toBe('0123456789');
    expect(toLatinDigits('0123456789')).toBe('0123456789');
  });

  it('turns the Arabic decimal separator into a point and drops grouping', () => {
    expect(toLatinDigits('١٢٫٥')).toBe('12.5');
    expect(toLatinDigits('١٬٢٣٤')).toBe('1234');
    expect(toLatinDigits('1 234\u00A0567\u2009890\u202F1')).toBe('12345678901');
  });

  it('leaves everything else alone', () => {
    expect(toLatinDigits('abc-,')).toBe('abc-,');
  });
});

describe('parseNumber', () => {
  it('gives the same number for digits in every script', () => {
    for (const s of ['٣٠', '៣០', '۳۰', '30']) expect(parseNumber(s)).toBe(30);
    for (const locale of ['en', 'km', 'vi', 'ar']) expect(parseNumber('៣០', locale)).toBe(30);
  });

  it('takes scripts mixed in one number, and spaces around it', () => {
    expect(parseNumber('1٢៣')).toBe(123);
    expect(parseNumber('  42 ')).toBe(42);
    expect(parseNumber('1 000')).toBe(1000);
  });

  it('reads decimals with a point or the Arabic separator', () => {
    expect(parseNumber('2.5')).toBe(2.5);
    expect(parseNumber('٢٫٥')).toBe(2.5);
    expect(parseNumber('២.៥')).toBe(2.5);
    expect(parseNumber('.5')).toBe(0.5);
    expect(parseNumber('3.')).toBe(3);
  });

  it('reads a decimal comma only where the locale writes one', () => {
    expect(parseNumber('2,5', 'vi')).toBe(2.5);
    expect(parseNumber('2,5', 'en')).toBeNull();
    // Thousands written with the locale's grouping are refused, not read as a small number.
    expect(parseNumber('1,000', 'en')).toBeNull();
    expect(parseNumber('1.000', 'vi')).toBeNull();
  });

  it('takes a leading minus, including the ones Intl writes', () => {
    expect(parseNumber('-7')).toBe(-7);
    expect(parseNumber('-٧')).toBe(-7);
    expect(parseNumber('\u200E-7.5')).toBe(-7.5);
    expect(parseNumber('\u061C-٧٫٥')).toBe(-7.5);
    expect(parseNumber('\u22127')).toBe(-7);
    expect(parseNumber('-0')).toBe(0);
    expect(Object.is(parseNumber('-0'), -0)).toBe(false);
  });

  it('gives null for nothing or for what is not a number', () => {
    for (const s of ['', '   ', '-', '.', 'abc', '12abc', '1.2.3', '--1', '1-', '+-1', '1e3', 'Infinity', 'NaN', '0x10'])
      expect(parseNumber(s), s).toBeNull();
  });
});

describe('formatForInput', () => {
  const intl = (n: number, locale: string) =>
    new Intl.NumberFormat(locale, { useGrouping: false, maximumFractionDigits: 20 }).format(n).replace(/[\u200E\u200F\u061C]/g, '');

  it('writes the digits Intl gives each locale, never grouped', () => {
    expect(formatForInput(12345, 'en')).toBe('12345');
    expect(formatForInput(2.5, 'vi')).toBe('2,5');
    for (const locale of ['en', 'km', 'vi', 'ar']) expect(formatForInput(12345.25, locale)).toBe(intl(12345.25, locale));
  });

  it('writes Arabic-Indic digits where CLDR gives them to Arabic', () => {
    // CLDR 42 moved plain `ar` to Latin digits; Egypt and Saudi Arabia, among others, kept Arabic-Indic.
    expect(formatForInput(30, 'ar-EG')).toBe('٣٠');
    expect(formatForInput(12.5, 'ar-SA')).toBe('١٢٫٥');
    expect(formatForInput(30, 'ar-u-nu-arab')).toBe('٣٠');
    expect(formatForInput(30, 'km-u-nu-khmr')).toBe('៣០');
  });

  it('leaves out the directional marks Intl puts before a minus', () => {
    expect(formatForInput(-7, 'ar-EG')).toBe('-٧');
    expect(formatForInput(-7, 'ar')).toBe(intl(-7, 'ar'));
    expect(formatForInput(-7, 'ar')).not.toMatch(/[\u200E\u200F\u061C]/);
  });

  it('reads back as the same number in each locale', () => {
    for (const locale of ['en', 'km', 'vi', 'ar', 'ar-EG', 'km-u-nu-khmr']) {
      for (const n of [0, 7, 30, 1440, 65535, 2.5, -12.25]) expect(parseNumber(formatForInput(n, locale), locale), `${n} in ${locale}`).toBe(n);
    }
  });
});
