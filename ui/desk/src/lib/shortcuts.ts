// The keyboard shortcuts, in one table that both the key handler and the help overlay read.
// Keys are matched by physical position (KeyboardEvent.code), so they work the same with an
// Arabic, Khmer or Vietnamese keyboard layout.
import type { MessageKey } from './i18n.svelte';

export type ShortcutId =
  | 'search'
  | 'new_client'
  | 'save'
  | 'lock'
  | 'help'
  | 'cancel'
  | 'edit'
  | 'calendar_move'
  | 'calendar_resize'
  | 'calendar_column'
  | 'calendar_open';

export interface Shortcut {
  id: ShortcutId;
  code: string;
  ctrl: boolean;
  /** How the keys are written in the help overlay. */
  keys: string;
  label: MessageKey;
  /**
   * Keys that act only on the focused element that handles them (a calendar block): listed in
   * the help, never taken by the window's key handler, so arrows still work everywhere else.
   */
  local?: true;
}

export const SHORTCUTS: Shortcut[] = [
  { id: 'search', code: 'KeyF', ctrl: true, keys: 'Ctrl+F', label: 'shortcut.search' },
  { id: 'new_client', code: 'KeyN', ctrl: true, keys: 'Ctrl+N', label: 'shortcut.new_client' },
  { id: 'edit', code: 'KeyE', ctrl: true, keys: 'Ctrl+E', label: 'shortcut.edit' },
  { id: 'save', code: 'KeyS', ctrl: true, keys: 'Ctrl+S', label: 'shortcut.save' },
  { id: 'lock', code: 'KeyL', ctrl: true, keys: 'Ctrl+L', label: 'shortcut.lock' },
  { id: 'help', code: 'F1', ctrl: false, keys: 'F1', label: 'shortcut.help' },
  { id: 'cancel', code: 'Escape', ctrl: false, keys: 'Esc', label: 'shortcut.cancel' },
  { id: 'calendar_move', code: 'ArrowDown', ctrl: false, keys: '↑ ↓', label: 'shortcut.calendar_move', local: true },
  { id: 'calendar_resize', code: 'ArrowDown', ctrl: false, keys: 'Shift+↑ Shift+↓', label: 'shortcut.calendar_resize', local: true },
  { id: 'calendar_column', code: 'ArrowRight', ctrl: false, keys: '← →', label: 'shortcut.calendar_column', local: true },
  { id: 'calendar_open', code: 'Enter', ctrl: false, keys: 'Enter', label: 'shortcut.calendar_open', local: true },
];

export function shortcutFor(e: Pick<KeyboardEvent, 'code' | 'ctrlKey' | 'metaKey' | 'altKey'>): ShortcutId | null {
  const ctrl = e.ctrlKey || e.metaKey;
  if (e.altKey) return null;
  return SHORTCUTS.find((s) => !s.local && s.code === e.code && s.ctrl === ctrl)?.id ?? null;
}

type Handler = (id: ShortcutId) => boolean | void;
const handlers: Handler[] = [];

/** Screens register for shortcuts while mounted; the newest handler that returns true wins. */
export function onShortcut(h: Handler): () => void {
  handlers.push(h);
  return () => {
    const i = handlers.indexOf(h);
    if (i >= 0) handlers.splice(i, 1);
  };
}

export function dispatchShortcut(id: ShortcutId): boolean {
  for (let i = handlers.length - 1; i >= 0; i--) {
    if (handlers[i](id) === true) return true;
  }
  return false;
}

/** A form's keys: the save shortcut saves, the cancel one cancels. Returns the unregister. */
export function formShortcuts(save: () => void, cancel: () => void): () => void {
  return onShortcut((id) => {
    if (id === 'save') {
      save();
      return true;
    }
    if (id === 'cancel') {
      cancel();
      return true;
    }
    return false;
  });
}
