import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import { emit } from '@tauri-apps/api/event';
import App from '../App.svelte';
import { app } from '../lib/app.svelte';
import { door, pending } from '../lib/rpc';
import { nav } from '../lib/nav.svelte';
import type { Call } from '../bindings/Call';
import type { DeskStatus } from '../bindings/DeskStatus';
import { clientRecord, clinic, deskError, doorReply, doorRequests, fakeDesk, lanLink, loginStatus, readyStatus, session } from '../test-helpers';

vi.mock('../lib/sound', () => ({ taskTone: vi.fn(), chime: vi.fn() }));

const down = lanLink({ phase: 'unreachable', last_error: 'lan.unreachable' });
const up = lanLink();
const TEXT = 'The host desk is not reachable. What you type is kept and sent when it is back.';

/** A connected desk: the status is `now()`; door changes fail while `reachable()` is false. */
function desk(now: () => DeskStatus, reachable: () => boolean = () => true): Call[] {
  return fakeDesk(
    (c) => {
      if (c.call === 'status') return { kind: 'status', data: now() };
      if (c.call === 'shown' || c.call === 'keep_alive') return { kind: 'done' };
      if (c.call !== 'door') throw new Error(`unexpected ${c.call}`);
      if (c.args.op === 'prefs_get') return doorReply({ kind: 'prefs', data: { mute_popups: false, mute_sounds: false, ui_language: null } });
      if (!reachable()) throw deskError('lan.unreachable');
      if (c.args.op === 'client_create') {
        return doorReply({ kind: 'client_saved', data: { client: clientRecord({ id: c.args.args.id! }), possible_duplicates: [] } });
      }
      throw new Error(`unexpected ${c.args.op}`);
    },
    { events: true },
  );
}

const banner = () => screen.getByTestId('link-banner');

beforeEach(() => {
  nav.view = 'clients';
});
afterEach(() => {
  app.status = null;
});

describe('the host-not-reachable banner', () => {
  it('shows while the link is down, counts what waits to be sent, and goes when the host is back', async () => {
    let status = readyStatus(session, down);
    let reachable = false;
    const calls = desk(() => status, () => reachable);
    render(App);
    await screen.findByTestId('shell');
    expect(banner().getAttribute('role')).toBe('status');
    expect(banner().getAttribute('aria-live')).toBe('polite');
    expect(banner().textContent).toContain(TEXT);
    expect(screen.queryByTestId('link-pending')).toBeNull();

    const saved = door({ op: 'client_create', args: { id: '01HCLIENT00000000000000042', fields: { full_name: 'Sok Dara', phones: [], email: null, address: null, date_of_birth: null, preferred_language: null, notes: '', account_manager_id: null, source: 'walk_in' } } }, 'client_saved');
    expect((await screen.findByTestId('link-pending')).textContent).toBe('1 change is waiting to be sent.');

    // The host is back: the status is asked again, the banner goes, and the change is sent.
    reachable = true;
    status = readyStatus(session, up);
    await emit('frontdesk://link', up);
    await vi.waitFor(() => expect(banner().textContent).not.toContain(TEXT));
    await expect(saved).resolves.toMatchObject({ client: { id: '01HCLIENT00000000000000042' } });
    expect(doorRequests(calls, 'client_create')).toHaveLength(2);
    expect(pending.count).toBe(0);
    expect(screen.queryByTestId('link-pending')).toBeNull();
  });

  it('comes up when the link drops while someone works', async () => {
    let status = readyStatus(session, up);
    desk(() => status);
    render(App);
    await screen.findByTestId('shell');
    expect(banner().dataset.down).toBe('false');
    expect(banner().textContent).not.toContain(TEXT);
    status = readyStatus(session, down);
    await emit('frontdesk://link', down);
    await vi.waitFor(() => expect(banner().textContent).toContain(TEXT));
  });

  it('shows on the login screen and over the lock screen too', async () => {
    let status: DeskStatus = loginStatus(down);
    desk(() => status);
    const { unmount } = render(App);
    await screen.findByRole('heading', { name: 'Log in' });
    expect(banner().textContent).toContain(TEXT);
    unmount();

    status = { workstation: 'desk-1', idle_lock_seconds: 300, lan: down, stage: 'locked', clinic, session };
    render(App);
    await vi.waitFor(() => expect(document.querySelector('[data-screen="locked"]')).not.toBeNull());
    expect(banner().textContent).toContain(TEXT);
    expect(banner().classList.contains('overlay')).toBe(true);
  });

  it('is not shown on a desk that holds the clinic itself', async () => {
    desk(() => readyStatus(session, null));
    render(App);
    await screen.findByTestId('shell');
    expect(screen.queryByTestId('link-banner')).toBeNull();
  });
});
