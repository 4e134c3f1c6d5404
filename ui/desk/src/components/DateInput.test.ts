import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render } from '@testing-library/svelte';
import { tick } from 'svelte';
import DateInput from './DateInput.svelte';
import TimeInput from './TimeInput.svelte';
import DateTimeInput from './DateTimeInput.svelte';
import { applyLocale, i18n } from '../lib/i18n.svelte';

afterEach(() => {
  applyLocale('en');
  i18n.region = undefined;
  vi.useRealTimers();
});

type Component = typeof DateInput | typeof TimeInput | typeof DateTimeInput;

/** A field bound to a value, as `bind:value` in a screen binds it: every write is recorded. */
function bound(component: Component, initial: string, more: Record<string, unknown> = {}) {
  let value = initial;
  const writes: string[] = [];
  render(component as typeof DateInput, {
    props: {
      id: 'd',
      ...more,
      get value() {
        return value;
      },
      set value(v) {
        value = v ?? '';
        writes.push(value);
      },
    },
  });
  return { input: field(), value: () => value, writes };
}

const field = (id = 'd') => document.getElementById(id) as HTMLInputElement;
const problem = () => document.querySelector('.input-problem')?.textContent ?? null;
const noMarks = (s: string | null) => s?.replace(/[\u200E\u200F]/g, '');

describe('DateInput', () => {
  it("shows the bound day in the language's order, and says the order in its hint", async () => {
    const { input } = bound(DateInput, '2026-12-03');
    expect(input.type).toBe('text');
    expect(input.value).toBe('12/03/2026');
    expect(noMarks(input.placeholder)).toBe('mm/dd/yyyy');
    expect(input.dataset.value).toBe('2026-12-03');

    applyLocale('vi');
    await tick();
    expect(input.value).toBe('03/12/2026');
    expect(noMarks(input.placeholder)).toBe('ngày/tháng/năm');

    applyLocale('km');
    await tick();
    expect(input.value).toBe('03/12/2026');
    expect(noMarks(input.placeholder)).toBe('ថ្ងៃ/ខែ/ឆ្នាំ');
  });

  it('in Arabic in Jordan, writes Arabic-Indic digits day first, left to right within the page', async () => {
    applyLocale('ar');
    i18n.region = 'JO';
    const { input } = bound(DateInput, '2026-12-03');
    await tick();
    expect(input.value).toBe('٠٣/١٢/٢٠٢٦');
    expect(input.dir).toBe('ltr');
    expect(document.documentElement.dir).toBe('rtl');
    expect(noMarks(input.placeholder)).toBe('يوم/شهر/سنة');
  });

  it('reads each digit script into the same ISO day, keeps the typing, and tidies it on leaving', async () => {
    applyLocale('vi');
    const { input, value, writes } = bound(DateInput, '');
    await fireEvent.focus(input);
    for (const typed of ['٣/١٢/٢٠٢٦', '۳/۱۲/۲۰۲۶', '៣/១២/២០២៦', '3.12.2026']) {
      await fireEvent.input(input, { target: { value: '' } });
      await fireEvent.input(input, { target: { value: typed } });
      expect(value(), typed).toBe('2026-12-03');
      expect(input.value).toBe(typed);
    }
    expect(writes.filter((w) => w)).toEqual(['2026-12-03', '2026-12-03', '2026-12-03', '2026-12-03']);
    await fireEvent.blur(input);
    expect(input.value).toBe('03/12/2026');
  });

  it('keeps the last good day while a date is half typed, and says so once the user leaves', async () => {
    const onchange = vi.fn();
    const { input, value } = bound(DateInput, '2026-03-12', { onchange });
    await fireEvent.focus(input);
    await fireEvent.input(input, { target: { value: '04/0' } });
    expect(value()).toBe('2026-03-12');
    expect(input.value).toBe('04/0');
    expect(problem()).toBeNull();
    expect(input.getAttribute('aria-invalid')).toBeNull();
    await fireEvent.blur(input);
    expect(input.value).toBe('04/0');
    expect(value()).toBe('2026-03-12');
    expect(noMarks(problem())).toBe('Enter the whole date, as \u2066mm/dd/yyyy\u2069.');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(input.getAttribute('aria-describedby')).toBe('d-problem');
    expect(onchange).not.toHaveBeenCalled();
  });

  it('refuses a day that does not exist at once, without changing the bound value', async () => {
    applyLocale('vi');
    const { input, value } = bound(DateInput, '2026-02-10');
    await fireEvent.focus(input);
    await fireEvent.input(input, { target: { value: '31/02/2026' } });
    expect(value()).toBe('2026-02-10');
    expect(noMarks(problem())).toBe('Đây không phải là ngày hợp lệ. Hãy viết theo dạng \u2066ngày/tháng/năm\u2069.');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(input.validity.valid).toBe(false);
    await fireEvent.input(input, { target: { value: '28/02/2026' } });
    expect(value()).toBe('2026-02-28');
    expect(problem()).toBeNull();
    expect(input.validity.valid).toBe(true);
  });

  it('holds its form while it reads as no date, and lets it go once it does', async () => {
    const submitted = vi.fn((e: Event) => e.preventDefault());
    const form = document.createElement('form');
    form.noValidate = true;
    form.addEventListener('submit', submitted);
    document.body.append(form);
    render(DateInput, { target: form, props: { id: 'd', value: '2026-03-12' } });
    await fireEvent.input(field(), { target: { value: '03/1' } });
    await fireEvent.submit(form);
    expect(submitted).not.toHaveBeenCalled();
    expect(problem()).not.toBeNull();
    await fireEvent.input(field(), { target: { value: '03/14/2026' } });
    await fireEvent.submit(form);
    expect(submitted).toHaveBeenCalledTimes(1);
    form.remove();
  });

  it('empties the bound value when the text is cleared, and tells onchange', async () => {
    const onchange = vi.fn();
    const { input, value } = bound(DateInput, '2026-03-12', { onchange });
    await fireEvent.input(input, { target: { value: '' } });
    expect(value()).toBe('');
    expect(onchange).toHaveBeenCalledWith('');
  });

  it('keeps to min and max, refusing a day outside them', async () => {
    const { input, value } = bound(DateInput, '2026-03-12', { min: '2026-03-01', max: '2026-03-18' });
    await fireEvent.input(input, { target: { value: '03/19/2026' } });
    expect(value()).toBe('2026-03-12');
    expect(problem()).toBe('Choose March 18, 2026 or earlier.');
    await fireEvent.input(input, { target: { value: '02/28/2026' } });
    expect(problem()).toBe('Choose March 1, 2026 or later.');
    expect(value()).toBe('2026-03-12');
  });

  it('steps the day with the arrow keys, or the month or year under the caret, within min and max', async () => {
    applyLocale('vi');
    const onchange = vi.fn();
    const { input, value } = bound(DateInput, '2026-01-31', { max: '2026-03-15', onchange });
    // All selected, as after Tab: the day.
    input.setSelectionRange(0, input.value.length);
    await fireEvent.keyDown(input, { key: 'ArrowUp' });
    expect(value()).toBe('2026-02-01');
    expect(input.value).toBe('01/02/2026');
    expect(onchange).toHaveBeenLastCalledWith('2026-02-01');
    // The caret in the month.
    input.setSelectionRange(4, 4);
    await fireEvent.keyDown(input, { key: 'ArrowUp' });
    expect(value()).toBe('2026-03-01');
    expect([input.selectionStart, input.selectionEnd]).toEqual([3, 5]);
    await fireEvent.keyDown(input, { key: 'ArrowUp' });
    expect(value()).toBe('2026-03-15');
    input.setSelectionRange(8, 8);
    await fireEvent.keyDown(input, { key: 'ArrowDown' });
    expect(value()).toBe('2025-03-15');
  });

  it('starts the arrows from today on the clinic clock in an empty field', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-18T20:00:00Z'));
    i18n.timeZone = 'Asia/Phnom_Penh';
    const { input, value } = bound(DateInput, '');
    await fireEvent.keyDown(input, { key: 'ArrowDown' });
    expect(value()).toBe('2026-03-19');
    i18n.timeZone = undefined;
  });

  it('shows a value changed from outside, and passes its attributes on', async () => {
    const { rerender } = render(DateInput, { props: { id: 'd', value: '2026-03-12', disabled: true, 'data-testid': 'x', 'aria-describedby': 'hint', required: true } });
    expect(field().disabled).toBe(true);
    expect(field().required).toBe(true);
    expect(field().dataset.testid).toBe('x');
    expect(field().getAttribute('aria-describedby')).toBe('hint');
    await rerender({ value: '2027-01-02' });
    expect(field().value).toBe('01/02/2027');
    await rerender({ value: '' });
    expect(field().value).toBe('');
  });

  it("keeps the call site's aria-invalid, false too", () => {
    render(DateInput, { props: { id: 'd', value: '2026-03-12', 'aria-invalid': false } });
    expect(field().getAttribute('aria-invalid')).toBe('false');
  });
});

describe('TimeInput', () => {
  it("shows the locale's clock: 12 hours in English and Arabic, 24 in Vietnamese", async () => {
    const { input } = bound(TimeInput, '14:30');
    expect(input.value).toBe('2:30 PM');
    expect(input.placeholder).toBe('--:-- AM/PM');
    applyLocale('vi');
    await tick();
    expect(input.value).toBe('14:30');
    applyLocale('ar');
    i18n.region = 'JO';
    await tick();
    expect(input.value).toBe('٢:٣٠ م');
  });

  it('reads a 24-hour time or the day period, in any digit script', async () => {
    const { input, value } = bound(TimeInput, '');
    await fireEvent.focus(input);
    await fireEvent.input(input, { target: { value: '14:30' } });
    expect(value()).toBe('14:30');
    await fireEvent.input(input, { target: { value: '9:05 pm' } });
    expect(value()).toBe('21:05');
    await fireEvent.input(input, { target: { value: '٠٨:١٥' } });
    expect(value()).toBe('08:15');
    await fireEvent.blur(input);
    expect(input.value).toBe('8:15 AM');
  });

  it('refuses an impossible time without changing the bound value', async () => {
    const { input, value } = bound(TimeInput, '09:00');
    await fireEvent.input(input, { target: { value: '25:00' } });
    expect(value()).toBe('09:00');
    expect(problem()).toBe('Enter a time like \u20682:30 PM\u2069.');
    expect(input.getAttribute('aria-invalid')).toBe('true');
  });

  it('steps the minutes by its step with the arrows, the hour under the caret, and wraps at midnight', async () => {
    applyLocale('vi');
    const { input, value } = bound(TimeInput, '23:52', { step: 300 });
    input.setSelectionRange(0, input.value.length);
    await fireEvent.keyDown(input, { key: 'ArrowUp' });
    expect(value()).toBe('23:55');
    await fireEvent.keyDown(input, { key: 'ArrowUp' });
    expect(value()).toBe('00:00');
    expect(input.value).toBe('0:00');
    input.setSelectionRange(0, 0);
    await fireEvent.keyDown(input, { key: 'ArrowDown' });
    expect(value()).toBe('23:00');
  });
});

describe('DateTimeInput', () => {
  it('shows a moment as a date and a time, and binds "YYYY-MM-DDTHH:MM" once both are there', async () => {
    const { value } = bound(DateTimeInput, '2026-03-01T09:00');
    expect(field().value).toBe('03/01/2026');
    expect(field('d-time').value).toBe('9:00 AM');
    expect(field('d-time').getAttribute('aria-label')).toBe('Time');
    await fireEvent.input(field(), { target: { value: '03/02/2026' } });
    expect(value()).toBe('2026-03-02T09:00');
    await fireEvent.input(field('d-time'), { target: { value: '14:30' } });
    expect(value()).toBe('2026-03-02T14:30');
  });

  it('binds nothing new for one half alone, says so on leaving, and holds its form', async () => {
    const submitted = vi.fn((e: Event) => e.preventDefault());
    const form = document.createElement('form');
    form.addEventListener('submit', submitted);
    document.body.append(form);
    let value = '';
    render(DateTimeInput, {
      target: form,
      props: {
        id: 'd',
        get value() {
          return value;
        },
        set value(v) {
          value = v ?? '';
        },
      },
    });
    await fireEvent.focusIn(field());
    await fireEvent.input(field(), { target: { value: '03/02/2026' } });
    expect(value).toBe('');
    await fireEvent.focusOut(field(), { relatedTarget: field('d-time') });
    expect(problem()).toBeNull();
    await fireEvent.focusOut(field('d-time'), { relatedTarget: null });
    expect(problem()).toBe('Enter both the date and the time.');
    await fireEvent.submit(form);
    expect(submitted).not.toHaveBeenCalled();
    await fireEvent.input(field('d-time'), { target: { value: '8:00 am' } });
    expect(value).toBe('2026-03-02T08:00');
    await fireEvent.submit(form);
    expect(submitted).toHaveBeenCalledTimes(1);
    // Both emptied: no moment.
    await fireEvent.input(field(), { target: { value: '' } });
    await fireEvent.input(field('d-time'), { target: { value: '' } });
    expect(value).toBe('');
    form.remove();
  });
});
