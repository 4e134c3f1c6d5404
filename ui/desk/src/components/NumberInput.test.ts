import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render } from '@testing-library/svelte';
import { tick } from 'svelte';
import NumberInput from './NumberInput.svelte';
import { applyLocale } from '../lib/i18n.svelte';
import { formatForInput } from '../lib/digits';

const RealNumberFormat = Intl.NumberFormat;

afterEach(() => {
  Intl.NumberFormat = RealNumberFormat;
  applyLocale('en');
});

/** A field bound to a value, as `bind:value` in a screen binds it: every write is recorded. */
function bound(initial: number | null, more: Record<string, unknown> = {}) {
  let value: number | string | null = initial;
  const writes: (number | string | null)[] = [];
  render(NumberInput, {
    props: {
      id: 'n',
      ...more,
      get value() {
        return value;
      },
      set value(v) {
        value = v ?? null;
        writes.push(value);
      },
    },
  });
  return { input: document.getElementById('n') as HTMLInputElement, value: () => value, writes };
}

const field = () => document.getElementById('n') as HTMLInputElement;

describe('NumberInput', () => {
  it('is a text field that keeps its id and shows the value', () => {
    const { input } = bound(30, { min: 1, max: 720 });
    expect(input.type).toBe('text');
    expect(input.getAttribute('inputmode')).toBe('numeric');
    expect(input.value).toBe('30');
    expect(input.getAttribute('aria-invalid')).toBeNull();
  });

  it('reads Khmer, Arabic-Indic and Persian digits into the bound number', async () => {
    const { input, value } = bound(null);
    await fireEvent.focus(input);
    await fireEvent.input(input, { target: { value: '៣០' } });
    expect(value()).toBe(30);
    // What the user typed stays as they typed it while they are in the field...
    expect(input.value).toBe('៣០');
    await fireEvent.input(input, { target: { value: '٤٥' } });
    expect(value()).toBe(45);
    await fireEvent.input(input, { target: { value: '۱۲' } });
    expect(value()).toBe(12);
    // ...and is written in the locale's digits when they leave it.
    await fireEvent.blur(input);
    expect(input.value).toBe('12');
    expect(value()).toBe(12);
  });

  it('takes Latin digits typed after clearing, as WebDriver does', async () => {
    const { input, writes } = bound(15);
    await fireEvent.focus(input);
    for (const typed of ['', '3', '30']) await fireEvent.input(input, { target: { value: typed } });
    expect(writes).toEqual([null, 3, 30]);
    expect(input.value).toBe('30');
  });

  it('marks a value out of range, or not a number, as invalid', async () => {
    const { input, value } = bound(30, { min: 1, max: 720 });
    await fireEvent.input(input, { target: { value: '٧٢١' } });
    expect(value()).toBe(721);
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(input.validity.valid).toBe(false);
    expect(input.validationMessage).toBe('Between 1 and 720.');

    await fireEvent.input(input, { target: { value: '0' } });
    expect(input.getAttribute('aria-invalid')).toBe('true');

    await fireEvent.input(input, { target: { value: '12abc' } });
    expect(value()).toBeNull();
    expect(input.getAttribute('aria-invalid')).toBe('true');
    await fireEvent.blur(input);
    expect(input.value).toBe('12abc'); // left for the user to correct, not wiped

    // A number field's default step of 1 allows whole numbers only.
    await fireEvent.input(input, { target: { value: '2.5' } });
    expect(input.getAttribute('aria-invalid')).toBe('true');

    await fireEvent.input(input, { target: { value: '720' } });
    expect(input.getAttribute('aria-invalid')).toBeNull();
    expect(input.validity.valid).toBe(true);

    // Empty is not this field's to refuse: the form says whether it is required.
    await fireEvent.input(input, { target: { value: '' } });
    expect(value()).toBeNull();
    expect(input.validity.valid).toBe(true);
  });

  it('says what a field with only a floor expects', async () => {
    const { input } = bound(null, { min: '0' });
    await fireEvent.input(input, { target: { value: '-1' } });
    expect(input.validationMessage).toBe('Enter a whole number, 0 or more.');
  });

  it('takes fractions with step="any"', async () => {
    const { input, value } = bound(null, { step: 'any' });
    expect(input.getAttribute('inputmode')).toBe('decimal');
    await fireEvent.input(input, { target: { value: '٢٫٥' } });
    expect(value()).toBe(2.5);
    expect(input.getAttribute('aria-invalid')).toBeNull();
  });

  it("keeps the call site's own aria-invalid", () => {
    const { input } = bound(30, { 'aria-invalid': 'true' });
    expect(input.getAttribute('aria-invalid')).toBe('true');
  });

  it('passes disabled and oninput through', async () => {
    const oninput = vi.fn();
    const { input } = bound(30, { disabled: true, oninput });
    expect(input.disabled).toBe(true);
    await fireEvent.input(input, { target: { value: '31' } });
    expect(oninput).toHaveBeenCalledTimes(1);
  });

  it('steps with the arrow keys within its range, as a number field does', async () => {
    const oninput = vi.fn();
    const { input, value } = bound(30, { min: 1, max: 40, step: 5, oninput });
    await fireEvent.keyDown(input, { key: 'ArrowUp' });
    expect(value()).toBe(35);
    await fireEvent.keyDown(input, { key: 'ArrowUp' });
    await fireEvent.keyDown(input, { key: 'ArrowUp' });
    expect(value()).toBe(40);
    expect(input.value).toBe('40');
    await fireEvent.keyDown(input, { key: 'ArrowDown' });
    expect(value()).toBe(35);
    expect(oninput).toHaveBeenCalledTimes(4);
  });

  it("shows the value in Arabic in the digits Intl gives Arabic, and reads Latin ones", async () => {
    applyLocale('ar');
    const { input, value } = bound(30);
    expect(input.value).toBe(formatForInput(30, 'ar'));
    expect(input.dir).toBe('ltr');
    await fireEvent.input(input, { target: { value: '45' } });
    expect(value()).toBe(45);
  });

  it('uses Arabic-Indic digits in Arabic where CLDR gives them', async () => {
    // CLDR 42 moved plain `ar` to Latin digits (Node here, current WebKit); an engine with an
    // older CLDR, or an app locale such as ar-EG, still writes Arabic-Indic ones.
    Intl.NumberFormat = class extends RealNumberFormat {
      constructor(locales?: string | string[], options?: Intl.NumberFormatOptions) {
        super(locales === 'ar' ? 'ar-u-nu-arab' : locales, options);
      }
    } as typeof Intl.NumberFormat;
    applyLocale('ar');
    const { input, value } = bound(30);
    expect(input.value).toBe('٣٠');
    await fireEvent.focus(input);
    await fireEvent.input(input, { target: { value: '45' } });
    expect(value()).toBe(45);
    expect(input.value).toBe('45');
    await fireEvent.blur(input);
    expect(input.value).toBe('٤٥');
  });

  it('shows a value changed from outside', async () => {
    const { rerender } = render(NumberInput, { props: { id: 'n', value: 30 as number | null } });
    expect(field().value).toBe('30');
    rerender({ value: 45 });
    expect(field().value).toBe('45');
    rerender({ value: null });
    expect(field().value).toBe('');
    // Even while the user is in the field: the form, not the user, changed it.
    await fireEvent.focus(field());
    await fireEvent.input(field(), { target: { value: '4' } });
    rerender({ value: 60 });
    expect(field().value).toBe('60');
  });

  it('rewrites its digits when the locale changes, but not under the user typing', async () => {
    render(NumberInput, { props: { id: 'n', value: 2.5, step: 'any' } });
    applyLocale('vi');
    await tick();
    expect(field().value).toBe('2,5');

    await fireEvent.focus(field());
    await fireEvent.input(field(), { target: { value: '3,5' } });
    applyLocale('km');
    await tick();
    expect(field().value).toBe('3,5');
    await fireEvent.blur(field());
    expect(field().value).toBe(formatForInput(3.5, 'km'));
  });
});
