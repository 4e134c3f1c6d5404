import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import HelpOverlay from './HelpOverlay.svelte';
import { SHORTCUTS } from '../lib/shortcuts';
import { applyLocale } from '../lib/i18n.svelte';
import en from '../locales/en.json';
import ar from '../locales/ar.json';

afterEach(() => applyLocale('en'));

function rows(): [string, string][] {
  return [...document.querySelectorAll('dialog tbody tr')].map((tr) => [
    tr.querySelector('th kbd')?.textContent ?? '',
    tr.querySelector('td')?.textContent ?? '',
  ]);
}

describe('HelpOverlay', () => {
  it('lists every shortcut with its keys and what it does', () => {
    render(HelpOverlay, { onclose: () => {} });
    // jsdom cannot open a <dialog> as a modal, so it stays out of the accessibility tree.
    expect(screen.getByRole('heading', { name: 'Keyboard shortcuts', hidden: true })).toBeTruthy();
    expect(rows()).toEqual(SHORTCUTS.map((s) => [s.keys, en[s.label]]));
    expect(rows().map(([k]) => k)).toEqual(expect.arrayContaining(['Ctrl+F', 'Ctrl+S', 'F1', 'Esc']));
  });

  it('shows the descriptions in the chosen language, keys left to right', () => {
    applyLocale('ar');
    render(HelpOverlay, { onclose: () => {} });
    expect(rows()).toEqual(SHORTCUTS.map((s) => [s.keys, (ar as Record<string, string>)[s.label]]));
    for (const kbd of document.querySelectorAll('dialog kbd')) expect(kbd.getAttribute('dir')).toBe('ltr');
  });

  it('puts the focus on the close button, which closes it', async () => {
    const onclose = vi.fn();
    render(HelpOverlay, { onclose });
    const close = screen.getByRole('button', { name: 'Close', hidden: true });
    expect(document.activeElement).toBe(close);
    await fireEvent.click(close);
    expect(onclose).toHaveBeenCalledTimes(1);
  });

  it('opens itself as a modal dialog where the browser can', () => {
    const showModal = vi.fn(function (this: HTMLDialogElement) {
      this.setAttribute('open', '');
    });
    Object.defineProperty(HTMLDialogElement.prototype, 'showModal', { value: showModal, configurable: true });
    try {
      render(HelpOverlay, { onclose: () => {} });
      expect(showModal).toHaveBeenCalledTimes(1);
      expect(screen.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeTruthy();
    } finally {
      delete (HTMLDialogElement.prototype as { showModal?: unknown }).showModal;
    }
  });

  it('closes on Escape (the dialog cancel event)', async () => {
    const onclose = vi.fn();
    render(HelpOverlay, { onclose });
    await fireEvent(document.querySelector('dialog')!, new Event('cancel'));
    expect(onclose).toHaveBeenCalledTimes(1);
  });
});
