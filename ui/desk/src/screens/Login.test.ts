import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import { tick } from 'svelte';
import Login from './Login.svelte';
import { app } from '../lib/app.svelte';
import type { Call } from '../bindings/Call';
import { clinic, deskError, fakeDesk, readyStatus, session } from '../test-helpers';

function logins(calls: Call[]) {
  return calls.flatMap((c) => (c.call === 'login' ? [c.args] : []));
}

async function logIn(login: string, password: string) {
  await fireEvent.input(screen.getByLabelText('Login name'), { target: { value: login } });
  await fireEvent.input(screen.getByLabelText('Password'), { target: { value: password } });
  await fireEvent.click(screen.getByRole('button', { name: 'Log in' }));
}

afterEach(() => {
  app.status = null;
  vi.useRealTimers();
});

describe('Login', () => {
  it('shows the clinic it logs into', () => {
    fakeDesk(() => ({ kind: 'done' }));
    render(Login, { clinic });
    expect(screen.getByText('Riverside Clinic')).toBeTruthy();
  });

  it('sends login, password and no code, then follows the new status', async () => {
    const calls = fakeDesk((c) => {
      if (c.call === 'login') return { kind: 'session', data: session };
      if (c.call === 'status') return { kind: 'status', data: readyStatus() };
      throw new Error(`unexpected ${c.call}`);
    });
    render(Login, { clinic });
    await logIn('dara', 'correct horse');
    await vi.waitFor(() => expect(app.status?.stage).toBe('ready'));
    expect(logins(calls)).toEqual([{ login: 'dara', password: 'correct horse', totp_code: null }]);
    expect(calls.map((c) => c.call)).toEqual(['login', 'status']);
    expect((screen.getByLabelText('Password') as HTMLInputElement).value).toBe('');
  });

  it('shows the localized banner for a wrong password and clears the password', async () => {
    const calls = fakeDesk(() => {
      throw deskError('auth.bad_credentials', { message: 'bad credentials (server wording)' });
    });
    render(Login, { clinic });
    await logIn('dara', 'wrong');
    const banner = await screen.findByTestId('error-banner');
    expect(banner.textContent).toBe('Wrong login name or password.');
    expect((screen.getByLabelText('Password') as HTMLInputElement).value).toBe('');
    expect((screen.getByLabelText('Login name') as HTMLInputElement).value).toBe('dara');
    expect(screen.queryByLabelText('One-time code')).toBeNull();
    expect(calls.map((c) => c.call)).toEqual(['login']); // no status refresh after a refusal
  });

  it('asks for the one-time code when the account needs one, and sends it on the next try', async () => {
    let attempt = 0;
    const calls = fakeDesk((c) => {
      if (c.call === 'login') {
        attempt++;
        if (attempt === 1) throw deskError('auth.totp_required');
        return { kind: 'session', data: session };
      }
      if (c.call === 'status') return { kind: 'status', data: readyStatus() };
      throw new Error(`unexpected ${c.call}`);
    });
    render(Login, { clinic });
    expect(screen.queryByLabelText('One-time code')).toBeNull();
    await logIn('dara', 'secret');
    const codeInput = await screen.findByLabelText('One-time code');
    expect(screen.getByTestId('error-banner').textContent).toBe('Enter the one-time code from your authenticator app.');
    // The password is kept for the second step.
    expect((screen.getByLabelText('Password') as HTMLInputElement).value).toBe('secret');

    await fireEvent.input(codeInput, { target: { value: '123456' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Log in' }));
    await vi.waitFor(() => expect(app.status?.stage).toBe('ready'));
    expect(logins(calls)).toEqual([
      { login: 'dara', password: 'secret', totp_code: null },
      { login: 'dara', password: 'secret', totp_code: '123456' },
    ]);
  });

  it('shows a live countdown when the account is locked out', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    fakeDesk(() => {
      throw deskError('auth.locked_out', { retry_after_secs: 30 });
    });
    render(Login, { clinic });
    await logIn('dara', 'wrong');
    const countdown = await screen.findByTestId('lockout');
    expect(countdown.textContent).toBe('Too many failed attempts. Try again in 30 seconds.');
    expect(screen.queryByTestId('error-banner')).toBeNull();

    vi.advanceTimersByTime(1_000);
    await tick();
    expect(countdown.textContent).toBe('Too many failed attempts. Try again in 29 seconds.');
    vi.advanceTimersByTime(28_000);
    await tick();
    expect(countdown.textContent).toBe('Too many failed attempts. Try again in 1 second.');
    vi.advanceTimersByTime(1_000);
    await tick();
    expect(screen.queryByTestId('lockout')).toBeNull();
  });

  it('clears the previous banner when trying again', async () => {
    let attempt = 0;
    fakeDesk(() => {
      attempt++;
      if (attempt === 1) throw deskError('auth.bad_credentials');
      throw deskError('auth.locked_out', { retry_after_secs: 5 });
    });
    render(Login, { clinic });
    await logIn('dara', 'wrong');
    await screen.findByTestId('error-banner');
    await logIn('dara', 'wrong again');
    await screen.findByTestId('lockout');
    expect(screen.queryByTestId('error-banner')).toBeNull();
  });
});
