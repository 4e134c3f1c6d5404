import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import Setup from './Setup.svelte';
import { app } from '../lib/app.svelte';
import type { Call } from '../bindings/Call';
import type { Reply } from '../bindings/Reply';
import type { Found } from '../bindings/Found';
import { deskError, fakeDesk, lanLink, loginStatus } from '../test-helpers';

const QR = 'frontdesk-pair:v1?host=192.168.1.20:7745&fp=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef&code=ABC-DEF-GHJ';
const riverside: Found = { clinic: 'Riverside Clinic', address: '192.168.1.20:7745', fingerprint_prefix: '0123456789abcdef' };

function pairs(calls: Call[]) {
  return calls.flatMap((c) => (c.call === 'pair' ? [c.args] : []));
}

/** A PC with no clinic: discovery finds `found`; `pair` answers the pairing. */
function desk(found: Found[], pair: (c: Call) => Reply = () => ({ kind: 'status', data: loginStatus(lanLink()) })): Call[] {
  return fakeDesk((c) => {
    if (c.call === 'discover') return { kind: 'found', data: found };
    if (c.call === 'pair') return pair(c);
    throw new Error(`unexpected ${c.call}`);
  });
}

const field = (id: string) => document.getElementById(id) as HTMLInputElement;
const type = (id: string, value: string) => fireEvent.input(field(id), { target: { value } });
const errorOf = (id: string) => document.querySelector(`[data-field-error="${id}"]`)?.textContent ?? null;
const connect = () => fireEvent.click(screen.getByRole('button', { name: 'Connect' }));

async function chooseConnect() {
  await fireEvent.click(screen.getByLabelText(/Connect this PC to the clinic's host desk/));
  await screen.findByText('Host desks on this network');
}

beforeEach(() => {
  app.status = { workstation: 'front-pc-2', idle_lock_seconds: 600, lan: null, stage: 'setup' };
});
afterEach(() => {
  app.status = null;
});

describe('the first run', () => {
  it('asks first whether this PC holds a new clinic or connects to the host desk', async () => {
    const calls = desk([]);
    render(Setup);
    const choice = screen.getByTestId('setup-choice');
    const options = within(choice).getAllByRole('radio') as HTMLInputElement[];
    expect(options).toHaveLength(2);
    expect(screen.getByLabelText(/Set up a new clinic on this PC/)).toHaveProperty('checked', true);
    expect(field('setup-name')).not.toBeNull();
    expect(calls).toEqual([]);
    await chooseConnect();
    expect(field('setup-name')).toBeNull();
    expect(calls.map((c) => c.call)).toEqual(['discover']);
  });
});

describe('connecting this PC to the host desk', () => {
  it('lists the hosts found, fills the address from one, and pairs with the code and name typed', async () => {
    const calls = desk([riverside]);
    render(Setup);
    await chooseConnect();
    const host = await screen.findByRole('button', { name: /Riverside Clinic/ });
    expect(host.textContent).toContain('192.168.1.20:7745');
    expect(host.textContent).toContain('0123 4567 89ab cdef');
    await fireEvent.click(host);
    expect(field('connect-address').value).toBe('192.168.1.20:7745');
    await type('connect-code', 'abc-def-ghj');
    await type('connect-name', 'Front PC 2');
    await connect();
    await vi.waitFor(() => expect(app.status?.stage).toBe('login'));
    expect(pairs(calls)).toEqual([{ text: 'abc-def-ghj', address: '192.168.1.20:7745', name: 'Front PC 2' }]);
  });

  it('says the address can be typed when no host answers, and searches again on request', async () => {
    const calls = desk([]);
    render(Setup);
    await chooseConnect();
    const status = screen.getByTestId('connect-found-status');
    await vi.waitFor(() => expect(status.textContent).toContain('type the host\'s address below'));
    await fireEvent.click(screen.getByRole('button', { name: 'Search again' }));
    await vi.waitFor(() => expect(calls.filter((c) => c.call === 'discover')).toHaveLength(2));
  });

  it('takes the QR code text without an address, and leaves the name to the desk', async () => {
    const calls = desk([]);
    render(Setup);
    await chooseConnect();
    await type('connect-code', QR);
    expect(screen.getByText(/the QR code's text carries the address/)).toBeTruthy();
    await connect();
    await vi.waitFor(() => expect(pairs(calls)).toHaveLength(1));
    expect(pairs(calls)[0]).toEqual({ text: QR, address: null, name: null });
  });

  it('asks for the address of a typed code and for the code, beside each field, before sending', async () => {
    const calls = desk([]);
    render(Setup);
    await chooseConnect();
    await connect();
    expect(errorOf('connect-code')).toBe('This is required.');
    await type('connect-code', 'ABC-DEF-GHJ');
    await connect();
    expect(errorOf('connect-code')).toBeNull();
    expect(errorOf('connect-address')).toBe('This is required.');
    expect(document.activeElement).toBe(field('connect-address'));
    expect(pairs(calls)).toEqual([]);
  });

  it('shows a wrong or expired code beside the code, keeping what was typed', async () => {
    let refusal = deskError('pair.wrong_code');
    const calls = desk([], () => {
      throw refusal;
    });
    render(Setup);
    await chooseConnect();
    await type('connect-address', '192.168.1.20');
    await type('connect-code', 'ABC-DEF-GHX');
    await connect();
    await vi.waitFor(() => expect(errorOf('connect-code')).toBe('That pairing code is wrong. Check it on the host desk\'s screen.'));
    expect(errorOf('connect-address')).toBeNull();
    expect(field('connect-code').value).toBe('ABC-DEF-GHX');
    expect(field('connect-address').value).toBe('192.168.1.20');
    refusal = deskError('pair.code_expired');
    await connect();
    await vi.waitFor(() => expect(errorOf('connect-code')).toContain('has expired'));
    expect(pairs(calls)).toHaveLength(2);
    expect(app.status?.stage).toBe('setup');
  });

  it('shows an unreachable host and a missing address beside the address', async () => {
    let refusal = deskError('lan.unreachable');
    desk([], () => {
      throw refusal;
    });
    render(Setup);
    await chooseConnect();
    await type('connect-address', '192.168.1.99');
    await type('connect-code', 'ABC-DEF-GHJ');
    await connect();
    await vi.waitFor(() => expect(errorOf('connect-address')).toContain('The host desk cannot be reached'));
    expect(errorOf('connect-code')).toBeNull();
    refusal = deskError('validation.required', { field: 'address' });
    await connect();
    await vi.waitFor(() => expect(errorOf('connect-address')).toBe('This is required.'));
    expect(screen.queryByTestId('error-banner')).toBeNull();
  });

  it('warns plainly that someone may be intercepting when the certificate does not match', async () => {
    desk([], () => {
      throw deskError('lan.cert_mismatch');
    });
    render(Setup);
    await chooseConnect();
    await type('connect-code', QR);
    await connect();
    const warning = await screen.findByTestId('cert-mismatch');
    expect(warning.getAttribute('role')).toBe('alert');
    expect(warning.textContent).toContain('someone may be intercepting the connection');
    expect(field('connect-code').value).toBe(QR);
  });

  it('says how long to wait when the host limits the attempts', async () => {
    const calls = desk([], () => {
      throw deskError('lan.rate_limited', { retry_after_secs: 30 });
    });
    render(Setup);
    await chooseConnect();
    await type('connect-address', '192.168.1.20');
    await type('connect-code', 'ABC-DEF-GHJ');
    await connect();
    const wait = await screen.findByTestId('connect-wait');
    expect(wait.textContent).toBe('Too many attempts from this desk. Try again in 30 seconds.');
    expect(screen.getByRole('button', { name: 'Connect' })).toHaveProperty('disabled', true);
    expect(pairs(calls)).toHaveLength(1);
  });
});
