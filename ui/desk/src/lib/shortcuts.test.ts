import { describe, expect, it } from 'vitest';
import { dispatchShortcut, onShortcut, shortcutFor, type ShortcutId } from './shortcuts';

const key = (code: string, mods: { ctrl?: boolean; meta?: boolean; alt?: boolean } = {}, keyText = '') =>
  new KeyboardEvent('keydown', { code, key: keyText, ctrlKey: !!mods.ctrl, metaKey: !!mods.meta, altKey: !!mods.alt });

describe('shortcutFor', () => {
  it('matches by physical key code, whatever letter the layout types', () => {
    // On an Arabic layout the KeyF position types "ب".
    expect(shortcutFor(key('KeyF', { ctrl: true }, 'ب'))).toBe('search');
    expect(shortcutFor(key('KeyN', { ctrl: true }, 'ى'))).toBe('new_client');
  });

  it('does not match on the letter when the physical key differs', () => {
    // A layout where "f" sits on another key: the code decides, not the key.
    expect(shortcutFor(key('KeyU', { ctrl: true }, 'f'))).toBeNull();
  });

  it('accepts Cmd as Ctrl', () => {
    expect(shortcutFor(key('KeyS', { meta: true }))).toBe('save');
  });

  it('needs Ctrl for the letter shortcuts', () => {
    expect(shortcutFor(key('KeyF'))).toBeNull();
  });

  it('never matches with Alt held', () => {
    expect(shortcutFor(key('KeyF', { ctrl: true, alt: true }))).toBeNull();
    expect(shortcutFor(key('F1', { alt: true }))).toBeNull();
  });

  it('gives help for F1 and cancel for Escape, without Ctrl', () => {
    expect(shortcutFor(key('F1'))).toBe('help');
    expect(shortcutFor(key('Escape'))).toBe('cancel');
    expect(shortcutFor(key('F1', { ctrl: true }))).toBeNull();
  });
});

describe('onShortcut / dispatchShortcut', () => {
  it('gives the shortcut to the newest handler that takes it', () => {
    const seen: string[] = [];
    const offOld = onShortcut((id) => {
      seen.push(`old:${id}`);
      return true;
    });
    const offNew = onShortcut((id) => {
      seen.push(`new:${id}`);
      return id === 'save';
    });
    try {
      expect(dispatchShortcut('save')).toBe(true);
      expect(seen).toEqual(['new:save']);
      seen.length = 0;
      // The newest declines, so the older one gets it.
      expect(dispatchShortcut('search')).toBe(true);
      expect(seen).toEqual(['new:search', 'old:search']);
    } finally {
      offNew();
      offOld();
    }
  });

  it('treats a handler returning nothing as declining', () => {
    const off = onShortcut(() => undefined);
    try {
      expect(dispatchShortcut('edit')).toBe(false);
    } finally {
      off();
    }
  });

  it('stops calling a handler once unsubscribed', () => {
    const got: ShortcutId[] = [];
    const off = onShortcut((id) => {
      got.push(id);
      return true;
    });
    expect(dispatchShortcut('lock')).toBe(true);
    off();
    expect(dispatchShortcut('lock')).toBe(false);
    expect(got).toEqual(['lock']);
  });

  it('unsubscribing one handler leaves the others in place', () => {
    const got: string[] = [];
    const offA = onShortcut(() => {
      got.push('a');
      return true;
    });
    const offB = onShortcut(() => {
      got.push('b');
      return true;
    });
    offB();
    offB(); // twice is harmless
    expect(dispatchShortcut('save')).toBe(true);
    expect(got).toEqual(['a']);
    offA();
  });
});
