import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { tick } from 'svelte';
import Desks from './Desks.svelte';
import Settings from './Settings.svelte';
import { app } from '../lib/app.svelte';
import { emitDeskEvent } from '../lib/bus';
import { i18n } from '../lib/i18n.svelte';
import type { Call } from '../bindings/Call';
import type { Device } from '../bindings/Device';
import type { LanInfo } from '../bindings/LanInfo';
import type { PairingOffer } from '../bindings/PairingOffer';
import { doorReply, doorRequests, fakeDesk, lanLink, readyStatus, session } from '../test-helpers';

// The QR code as the text it was made of, so that the test can read it back.
vi.mock('qrcode', () => ({
  default: { toString: vi.fn(async (text: string) => `<svg xmlns="http://www.w3.org/2000/svg"><desc>${text}</desc></svg>`) },
}));

const admin = {
  ...session,
  role: 'admin',
  permissions: [...session.permissions, 'clinic_configure', 'device_manage'],
} as typeof session;
const FP = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';

const running: LanInfo = { running: true, addresses: ['192.168.1.20:7745', '10.0.0.5:7745'], fingerprint: FP, error: null, link: null };

function device(over: Partial<Device> = {}): Device {
  return {
    id: '01HDEVICE00000000000000001',
    name: 'Front PC 2',
    paired_at: '2026-03-01T02:00:00Z',
    paired_by_name: 'Amara Admin',
    last_seen_at: '2026-03-02T02:00:00Z',
    last_seen_from: '192.168.1.31',
    revoked_at: null,
    revoked_by_name: null,
    ...over,
  };
}
const gone = device({
  id: '01HDEVICE00000000000000002',
  name: 'Old laptop',
  last_seen_at: null,
  last_seen_from: null,
  revoked_at: '2026-02-20T03:00:00Z',
  revoked_by_name: 'Amara Admin',
});

function offer(secondsLeft = 600): PairingOffer {
  return {
    code: { code: 'K7P-2QX-9MZ', expires_at: new Date(Date.now() + secondsLeft * 1000).toISOString(), fingerprint: FP },
    addresses: ['192.168.1.20:7745', '10.0.0.5:7745'],
    qr_text: `frontdesk-pair:v1?host=192.168.1.20:7745&fp=${FP}&code=K7P-2QX-9MZ`,
  };
}

/** The host desk: its LAN service, its devices (changeable), and pairing offers. */
function desk(opts: { info?: LanInfo; devices?: () => Device[]; offer?: () => PairingOffer } = {}): Call[] {
  let list: Device[] = opts.devices?.() ?? [device(), gone];
  return fakeDesk((c) => {
    if (c.call === 'lan_info') return { kind: 'lan_info', data: opts.info ?? running };
    if (c.call === 'pairing_offer') return { kind: 'pairing_offer', data: (opts.offer ?? offer)() };
    if (c.call !== 'door') throw new Error(`unexpected ${c.call}`);
    switch (c.args.op) {
      case 'device_list':
        if (opts.devices) list = opts.devices();
        return doorReply({ kind: 'devices', data: list });
      case 'device_revoke': {
        const id = c.args.args.id;
        list = list.map((d) => (d.id === id ? { ...d, revoked_at: '2026-03-02T05:00:00Z', revoked_by_name: 'Amara Admin' } : d));
        return doorReply({ kind: 'device', data: list.find((d) => d.id === id)! });
      }
      default:
        throw new Error(`unexpected ${c.args.op}`);
    }
  });
}

const plain = (s: string | null | undefined) => (s ?? '').replace(/[\u2068\u2069]/g, '').replace(/\s+/g, ' ').trim();
const row = (id: string) => document.querySelector(`[data-device-id="${id}"]`) as HTMLElement;

beforeEach(() => {
  app.status = readyStatus(admin);
  i18n.timeZone = 'Asia/Phnom_Penh';
});
afterEach(() => {
  app.status = null;
  i18n.timeZone = undefined;
  vi.useRealTimers();
});

describe('the Desks settings', () => {
  it('is part of the settings for those who manage devices only', async () => {
    fakeDesk((c) => {
      if (c.call === 'door' && c.args.op === 'clinic_get') {
        return doorReply({ kind: 'clinic', data: { id: 'x', name: 'Riverside Clinic', time_zone: 'Asia/Phnom_Penh', phone_region: 'KH', idle_timeout_minutes: 15, schema_version: 1 } });
      }
      if (c.call === 'lan_info') return { kind: 'lan_info', data: running };
      if (c.call === 'door' && c.args.op === 'device_list') return doorReply({ kind: 'devices', data: [] });
      throw new Error('unexpected');
    });
    const first = render(Settings);
    expect(await screen.findByRole('heading', { name: 'Desks' })).toBeTruthy();
    first.unmount();
    app.status = readyStatus({ ...admin, permissions: admin.permissions.filter((p) => p !== 'device_manage') });
    render(Settings);
    await screen.findByRole('heading', { name: 'Clinic settings' });
    expect(screen.queryByRole('heading', { name: 'Desks' })).toBeNull();
  });

  it('shows the LAN service: running, its addresses, and the certificate in groups of four', async () => {
    desk();
    render(Desks);
    const info = await screen.findByTestId('lan-info');
    expect(info.textContent).toContain('On: PCs on the local network can connect.');
    expect(info.textContent).toContain('192.168.1.20:7745');
    expect(info.textContent).toContain('10.0.0.5:7745');
    expect(screen.getByTestId('lan-fingerprint').textContent).toBe('0123 4567 89ab cdef');
  });

  it('says why the LAN service is not running', async () => {
    desk({ info: { running: false, addresses: [], fingerprint: null, error: 'lan.bind_failed', link: null } });
    render(Desks);
    expect((await screen.findByTestId('lan-state')).textContent?.trim()).toBe(
      'Not running: The LAN service could not start: its address is taken or not on this PC.',
    );
  });

  it('offers a code for a new desk, in groups, with its time left, its QR code and the addresses', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const calls = desk();
    render(Desks);
    await fireEvent.click(await screen.findByRole('button', { name: 'Add a desk' }));
    const code = await screen.findByTestId('pairing-code');
    expect([...code.querySelectorAll('.group')].map((g) => g.textContent)).toEqual(['K7P', '2QX', '9MZ']);
    expect(code.textContent?.replace(/\s/g, '')).toBe('K7P-2QX-9MZ');
    expect(code.getAttribute('aria-label')).toBe('Pairing code K7P-2QX-9MZ');
    expect(calls.filter((c) => c.call === 'pairing_offer')).toHaveLength(1);

    const left = screen.getByTestId('pairing-countdown');
    expect(left.getAttribute('role')).toBe('timer');
    expect(left.textContent).toBe('The code works for 10:00 more.');
    vi.advanceTimersByTime(1_000);
    await tick();
    expect(left.textContent).toBe('The code works for 9:59 more.');

    const qr = (await screen.findByAltText('QR code for connecting a new desk')) as HTMLImageElement;
    expect(qr.src.startsWith('data:image/svg+xml;base64,')).toBe(true);
    expect(atob(qr.src.split(',')[1])).toContain(offer().qr_text);
    expect([...screen.getByTestId('pairing-addresses').querySelectorAll('li')].map((li) => li.textContent)).toEqual([
      '192.168.1.20:7745',
      '10.0.0.5:7745',
    ]);

    await fireEvent.click(screen.getByRole('button', { name: 'Done' }));
    expect(screen.queryByTestId('pairing-offer')).toBeNull();
  });

  it('says when the code has run out', async () => {
    desk({ offer: () => offer(-5) });
    render(Desks);
    await fireEvent.click(await screen.findByRole('button', { name: 'Add a desk' }));
    expect((await screen.findByTestId('pairing-expired')).textContent).toBe('This code has expired. Make a new one.');
    expect(screen.queryByTestId('pairing-countdown')).toBeNull();
  });

  it('lists the paired desks: who paired them and when, when and where last seen, and their state', async () => {
    desk();
    render(Desks);
    await vi.waitFor(() => expect(row(device().id)).not.toBeNull());
    const cells = [...row(device().id).querySelectorAll('th, td')].map((c) => plain(c.textContent));
    expect(cells[0]).toBe('Front PC 2');
    expect(cells[1]).toMatch(/^Mar 1, 2026, 9:00:00\sAM by Amara Admin$/);
    expect(cells[2]).toMatch(/^Mar 2, 2026, 9:00:00\sAM from 192\.168\.1\.31$/);
    expect(cells[3]).toBe('Paired');
    expect(within(row(device().id)).getByRole('button', { name: 'Remove Front PC 2' })).toBeTruthy();

    const old = [...row(gone.id).querySelectorAll('th, td')].map((c) => plain(c.textContent));
    expect(old[2]).toBe('Not yet');
    expect(old[3]).toMatch(/^Removed Feb 20, 2026, 10:00:00\sAM by Amara Admin$/);
    expect(within(row(gone.id)).queryByRole('button')).toBeNull();
  });

  it('removes a desk only after asking, then shows the list again', async () => {
    const calls = desk();
    render(Desks);
    await vi.waitFor(() => expect(row(device().id)).not.toBeNull());
    await fireEvent.click(within(row(device().id)).getByRole('button', { name: 'Remove Front PC 2' }));
    const ask = screen.getByTestId('revoke-confirm');
    expect(plain(ask.textContent)).toContain('Remove Front PC 2 from the clinic?');
    await vi.waitFor(() => expect(document.activeElement?.id).toBe('desk-revoke-keep'));
    await fireEvent.click(within(ask).getByRole('button', { name: 'Keep it' }));
    expect(screen.queryByTestId('revoke-confirm')).toBeNull();
    expect(doorRequests(calls, 'device_revoke')).toEqual([]);

    await fireEvent.click(within(row(device().id)).getByRole('button', { name: 'Remove Front PC 2' }));
    await fireEvent.click(within(screen.getByTestId('revoke-confirm')).getByRole('button', { name: 'Remove' }));
    await vi.waitFor(() => expect(doorRequests(calls, 'device_revoke')).toEqual([{ op: 'device_revoke', args: { id: device().id } }]));
    await vi.waitFor(() => expect(plain(row(device().id).querySelector('[data-testid="device-state"]')!.textContent)).toMatch(/^Removed .* by Amara Admin$/));
    expect(doorRequests(calls, 'device_list')).toHaveLength(2);
    expect(plain(screen.getByTestId('desks-notice').textContent)).toBe('Front PC 2 was removed from the clinic.');
  });

  it('follows device events live, and puts the code away once a new desk used it', async () => {
    let list = [device()];
    const calls = desk({ devices: () => list });
    render(Desks);
    await vi.waitFor(() => expect(row(device().id)).not.toBeNull());
    await fireEvent.click(screen.getByRole('button', { name: 'Add a desk' }));
    await screen.findByTestId('pairing-offer');

    list = [device(), device({ id: '01HDEVICE00000000000000003', name: 'Consult room', last_seen_at: null, last_seen_from: null })];
    emitDeskEvent({ kind: 'device_changed', id: '01HDEVICE00000000000000003', revoked: false });
    await vi.waitFor(() => expect(row('01HDEVICE00000000000000003')).not.toBeNull());
    expect(screen.queryByTestId('pairing-offer')).toBeNull();
    expect(plain(screen.getByTestId('desks-notice').textContent)).toBe('Consult room is connected and can be used now.');

    list = [{ ...device(), revoked_at: '2026-03-02T06:00:00Z', revoked_by_name: 'Mony Keo' }, list[1]];
    emitDeskEvent({ kind: 'device_changed', id: device().id, revoked: true });
    await vi.waitFor(() => expect(plain(row(device().id).querySelector('[data-testid="device-state"]')!.textContent)).toMatch(/by Mony Keo$/));
    expect(doorRequests(calls, 'device_list')).toHaveLength(3);
  });

  it('on a connected desk, names the host it is paired with and the link, and offers no way to forget it here', async () => {
    desk({ info: { running: false, addresses: ['192.168.1.20:7745'], fingerprint: FP, error: null, link: lanLink({ phase: 'connected' }) } });
    render(Desks);
    const link = await screen.findByTestId('lan-link');
    expect(plain(link.textContent)).toContain('This desk is connected to Riverside Clinic at 192.168.1.20:7745.');
    expect(plain(link.textContent)).toContain('Link: connected');
    expect(screen.queryByTestId('lan-info')).toBeNull();
    expect(screen.queryByRole('button', { name: /Forget/ })).toBeNull();
  });
});
