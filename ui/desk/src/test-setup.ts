// jsdom has no Tauri: tests replace the IPC with @tauri-apps/api/mocks per test.
import { afterEach } from 'vitest';
import { clearMocks } from '@tauri-apps/api/mocks';
import { cleanup } from '@testing-library/svelte';
import { forgetHeld } from './lib/rpc';

afterEach(() => {
  cleanup();
  forgetHeld();
  clearMocks();
});
