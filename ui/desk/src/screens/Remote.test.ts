import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import { emit } from '@tauri-apps/api/event';
import App from '../App.svelte';
import { app } from '../lib/app.svelte';
import type { Call } from '../bindings/Call';
import type { DeskStatus } from '../bindings/DeskStatus';
import type { Reply } from '../bindings/Reply';
import { deskError, fakeDesk, lanLink, loginStatus, remoteStatus } from '../test-helpers';

vi.mock('../lib/sound', () => ({ taskTone: vi.fn(), chime: vi.fn() }));

const setup: DeskStatus = { workstation: 'front-pc-2', idle_lock_seconds: 600, lan: null, stage: 'setup' };

/** A connected desk whose status is whatever `now()` says; `other` answers the rest. */
function desk(now: () => DeskStatus, other: (c: Call) => Reply | undefined = () => undefined): Call[] {
  return fakeDesk(
    (c) => {
      const r = other(c);
      if (r) return r;
      if (c.call === 'status') return { kind: 'status', data: now() };
      if (c.call === 'shown') return { kind: 'done' };
      if (c.call === 'discover') return { kind: 'found', data: [] };
      throw new Error(`unexpected ${c.call}`);
    },
    { events: true },
  );
}

/** Text as read, without the invisible marks that keep names and addresses apart from the sentence. */
const plain = (s: string | null | undefined) => (s ?? '').replace(/[\u2068\u2069]/g, '');
const statusText = () => plain(screen.getByTestId('remote-status').textContent);

afterEach(() => {
  app.status = null;
});

describe('a desk paired with a host it has not reached', () => {
  it('says where it is connecting, and follows the link as it changes', async () => {
    let status = remoteStatus(lanLink({ phase: 'connecting' }));
    const calls = desk(() => status);
    render(App);
    await screen.findByTestId('remote-status');
    expect(statusText()).toBe('Connecting to Riverside Clinic at 192.168.1.20:7745…');

    status = remoteStatus(lanLink({ phase: 'unreachable', last_error: 'lan.unreachable' }));
    await emit('frontdesk://link', status.lan);
    await vi.waitFor(() => expect(statusText()).toBe('The host desk is not reachable. This desk keeps trying.'));
    expect(plain(screen.getByTestId('remote-last-error').textContent)).toBe(
      'Last attempt: The host desk cannot be reached. Check that it is on and on the same network.',
    );
    expect(document.querySelector('[data-screen="remote"]')?.getAttribute('data-phase')).toBe('unreachable');

    // Reached: the login screen, with no banner.
    status = loginStatus(lanLink());
    await emit('frontdesk://link', status.lan);
    await screen.findByRole('heading', { name: 'Log in' });
    expect(screen.queryByText(/host desk is not reachable/)).toBeNull();
    expect(calls.filter((c) => c.call === 'status').length).toBe(3);
  });

  it('warns plainly when the host answers with another certificate', async () => {
    desk(() => remoteStatus(lanLink({ phase: 'unreachable', last_error: 'lan.cert_mismatch' })));
    render(App);
    const warning = await screen.findByTestId('remote-last-error');
    expect(warning.getAttribute('role')).toBe('alert');
    expect(warning.textContent).toContain('someone may be intercepting the connection');
  });

  it('says an admin removed this desk, and pairs again by forgetting the host', async () => {
    const calls = desk(
      () => remoteStatus(lanLink({ phase: 'refused', last_error: 'device.revoked' })),
      (c) => (c.call === 'unpair' ? { kind: 'status', data: setup } : undefined),
    );
    render(App);
    await screen.findByTestId('remote-status');
    expect(statusText()).toBe('This desk was removed from the clinic by an admin. Pair it again.');
    expect(screen.queryByLabelText('Host desk address')).toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: 'Pair this desk again' }));
    await screen.findByTestId('setup-choice');
    expect(calls.filter((c) => c.call === 'unpair')).toHaveLength(1);
    expect(app.status?.stage).toBe('setup');
  });

  it('takes the host\'s new address', async () => {
    const moved = remoteStatus(lanLink({ phase: 'connecting', address: '192.168.1.30:7745' }));
    const calls = desk(
      () => remoteStatus(lanLink({ phase: 'unreachable', last_error: 'lan.unreachable' })),
      (c) => (c.call === 'change_host' ? { kind: 'status', data: moved } : undefined),
    );
    render(App);
    await screen.findByTestId('remote-status');
    await fireEvent.click(screen.getByRole('button', { name: 'Use this address' }));
    expect(document.querySelector('[data-field-error="remote-address"]')?.textContent).toBe('This is required.');
    expect(calls.filter((c) => c.call === 'change_host')).toEqual([]);
    await fireEvent.input(screen.getByLabelText('Host desk address'), { target: { value: ' 192.168.1.30 ' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Use this address' }));
    await vi.waitFor(() => expect(statusText()).toBe('Connecting to Riverside Clinic at 192.168.1.30:7745…'));
    expect(calls.flatMap((c) => (c.call === 'change_host' ? [c.args] : []))).toEqual([{ address: '192.168.1.30' }]);
  });

  it('shows a refused new address as the desk said it', async () => {
    desk(
      () => remoteStatus(lanLink({ phase: 'unreachable' })),
      (c) => {
        if (c.call === 'change_host') throw deskError('validation.required', { field: 'address' });
        return undefined;
      },
    );
    render(App);
    await fireEvent.input(await screen.findByLabelText('Host desk address'), { target: { value: 'x' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Use this address' }));
    await vi.waitFor(() => expect(document.querySelector('[data-field-error="remote-address"]')?.textContent).toBe('This is required.'));
  });

  it('forgets the host only after asking', async () => {
    const calls = desk(
      () => remoteStatus(lanLink({ phase: 'unreachable' })),
      (c) => (c.call === 'unpair' ? { kind: 'status', data: setup } : undefined),
    );
    render(App);
    await fireEvent.click(await screen.findByRole('button', { name: 'Forget this host' }));
    expect(screen.getByTestId('forget-confirm')).toBeTruthy();
    await vi.waitFor(() => expect(document.activeElement?.id).toBe('remote-keep'));
    await fireEvent.click(screen.getByRole('button', { name: 'Keep it' }));
    expect(screen.queryByTestId('forget-confirm')).toBeNull();
    expect(calls.filter((c) => c.call === 'unpair')).toEqual([]);
    await fireEvent.click(screen.getByRole('button', { name: 'Forget this host' }));
    await fireEvent.click(document.getElementById('remote-forget-yes')!);
    await screen.findByTestId('setup-choice');
    expect(calls.filter((c) => c.call === 'unpair')).toHaveLength(1);
  });
});
