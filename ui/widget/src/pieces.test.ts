import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { ulid } from './codec';
import { isOpen, nextOpening, formatOpening } from './hours';
import { intlLocale, localDigits, pickLang, translator } from './i18n';
import { Thread, utf8Length } from './messages';
import { solve } from './pow';

describe('proof-of-work', () => {
  it('finds the number the challenge hides and builds the ALTCHA payload', async () => {
    const salt = 'abc123?expires=99999999999&';
    const challenge = createHash('sha256').update(salt + 737).digest('hex');
    const payload = JSON.parse(atob(await solve({ algorithm: 'SHA-256', challenge, salt, signature: 'sig', maxnumber: 1000 })));
    expect(payload).toEqual({ algorithm: 'SHA-256', challenge, number: 737, salt, signature: 'sig' });
  });
  it('gives up past maxnumber', async () => {
    const challenge = createHash('sha256').update('s' + 50).digest('hex');
    await expect(solve({ algorithm: 'SHA-256', challenge, salt: 's', signature: '', maxnumber: 10 })).rejects.toThrow();
  });
});

describe('opening hours', () => {
  const spans: [number, number][] = [
    [1000, 2000],
    [5000, 6000],
  ];
  it('knows open from closed and finds the next opening', () => {
    expect(isOpen(spans, 1500)).toBe(true);
    expect(isOpen(spans, 2000)).toBe(false);
    expect(nextOpening(spans, 2500)).toBe(5000);
    expect(nextOpening(spans, 7000)).toBeNull();
  });
  it("formats in the clinic's time zone, not the browser's", () => {
    const at = Date.UTC(2026, 10, 23, 2, 0); // Monday 09:00 in Phnom Penh
    expect(formatOpening(at, 'en', 'Asia/Phnom_Penh')).toMatch(/Monday.*09:00/);
    expect(formatOpening(at, 'en', 'UTC')).toMatch(/Monday.*02:00/);
  });
  it('writes the day in Khmer where the browser has no Khmer dates, as a browser with them would', () => {
    const week = [0, 1, 2, 3, 4, 5, 6].map((d) => Date.UTC(2026, 10, 23 + d, 2, 30));
    const full = week.map((at) => formatOpening(at, 'km', 'Asia/Phnom_Penh'));
    const spy = vi.spyOn(Intl.DateTimeFormat, 'supportedLocalesOf').mockReturnValue([]);
    try {
      const own = week.map((at) => formatOpening(at, 'km', 'Asia/Phnom_Penh'));
      expect(own[0]).toBe('ច័ន្ទ 09:30 AM');
      expect(own.map((s) => s.normalize())).toEqual(full.map((s) => s.replace(/\u202f/g, ' ').normalize()));
    } finally {
      spy.mockRestore();
    }
  });
});

describe('languages', () => {
  it('falls back from region to language to English', () => {
    expect(pickLang('ar-JO')).toBe('ar');
    expect(pickLang('km')).toBe('km');
    expect(pickLang('fr-FR')).toBe('en');
    expect(pickLang(undefined)).toBe('en');
  });
  it('fills placeholders and every language has every key', () => {
    expect(translator('en')('answerFrom', { time: 'Mon 09:00' })).toBe("We'll answer from Mon 09:00");
    expect(translator('en')('fileTooLarge', { mb: 10 })).toBe('This file is too large; the limit is 10 MB.');
    for (const lang of ['ar', 'km', 'vi']) expect(translator(lang)('fileTooLarge', { mb: 10 })).toContain('10');
    const keys = ['open', 'deleted', 'storageText', 'relay.rate_limited', 'tooLong', 'attach', 'fileTooLarge', 'fileType', 'fileEmpty', 'fileRate', 'fileBad'];
    for (const lang of ['ar', 'km', 'vi']) {
      for (const k of keys) expect(translator(lang)(k)).not.toBe(translator('en')(k));
    }
  });
});

describe('the thread', () => {
  it('shows each id once, in relay order, pending ones last', () => {
    const th = new Thread();
    th.upsert({ id: 'b', from: 'visitor', text: 'pending', pending: true });
    expect(th.upsert({ id: 'a', from: 'desk', text: 'hi', seq: 3, at: 1 })).toBe(true);
    expect(th.upsert({ id: 'a', from: 'desk', text: 'hi', seq: 3, at: 1 })).toBe(false);
    expect(th.list.map((m) => m.id)).toEqual(['a', 'b']);
    th.acked('b', 2, 5);
    expect(th.list.map((m) => m.id)).toEqual(['b', 'a']);
    th.deleted('a', 4, 6);
    expect(th.get('a')).toMatchObject({ deleted: true, text: '' });
    th.deleted('z', 9, 9);
    expect(th.get('z')).toMatchObject({ deleted: true, from: 'desk' });
  });
  it('counts bytes as UTF-8 and makes sortable ULIDs', () => {
    expect(utf8Length('abc')).toBe(3);
    expect(utf8Length('ស')).toBe(3);
    const a = ulid(1000);
    const b = ulid(2000);
    expect(a).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(a < b).toBe(true);
  });
});

describe('digits', () => {
  it("writes numbers in the page's place: Arabic-Indic in Jordan, Latin for plain Arabic, Khmer and Vietnamese", () => {
    expect(intlLocale('ar-JO', 'ar')).toBe('ar-JO');
    expect(intlLocale('fr-FR', 'en')).toBe('en');
    expect(intlLocale('AR-jo', 'ar')).toBe('ar-JO');
    expect(translator('ar', 'ar-JO')('tooLong', { n: 5012, max: 4096 })).toBe('هذه الرسالة طويلة جدًا (٥٬٠١٢ من ٤٬٠٩٦ بايت).');
    expect(translator('ar', 'ar')('tooLong', { n: 12, max: 40 })).toContain('(12 من 40');
    expect(translator('vi', 'vi-VN')('tooLong', { n: 5012, max: 4096 })).toContain('5.012 trên 4.096');
    expect(localDigits('2', 'ar-JO')).toBe('٢');
    expect(localDigits('v2', 'km')).toBe('v2');
  });
  it('keeps the Khmer weekday for a page tagged km-KH', () => {
    const at = Date.UTC(2026, 10, 23, 2, 30);
    const spy = vi.spyOn(Intl.DateTimeFormat, 'supportedLocalesOf').mockReturnValue([]);
    try {
      expect(formatOpening(at, 'km-KH', 'Asia/Phnom_Penh')).toBe('ច័ន្ទ 09:30 AM');
    } finally {
      spy.mockRestore();
    }
  });
});
