import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import ConsentsPanel from './ConsentsPanel.svelte';
import { app } from '../../lib/app.svelte';
import { i18n } from '../../lib/i18n.svelte';
import type { Consent } from '../../bindings/Consent';
import { clinic, consentRecord, deskError, doorReply, doorRequests, fakeDesk, readyStatus, session } from '../../test-helpers';

const CLIENT = '01HCLIENT00000000000000001';

/** A desk that keeps this client's decisions, newest first, as the door does. */
function desk(start: Consent[], confirm: (code: string) => Consent[] | 'bad' = () => 'bad') {
  let consents = [...start];
  const calls = fakeDesk((c) => {
    if (c.call !== 'door') throw new Error(`unexpected ${c.call}`);
    switch (c.args.op) {
      case 'consent_list':
        return doorReply({ kind: 'consents', data: consents });
      case 'consent_set': {
        const a = c.args.args;
        consents = [
          consentRecord({
            purpose: a.purpose,
            given: a.given,
            method: a.method,
            recorded_by: session.staff_id,
            recorded_by_name: 'Dara Sok',
            at: '2026-03-02T04:00:00Z',
            policy_version: '3',
            text_shown: a.text_shown ?? 'The standard wording.',
            awaiting_confirmation: a.given && a.purpose === 'marketing',
          }),
          ...consents,
        ];
        return doorReply({ kind: 'consents', data: consents });
      }
      case 'consent_confirm': {
        const r = confirm(c.args.args.code);
        if (r === 'bad') throw deskError('consent.bad_code', { field: 'code' });
        consents = r;
        return doorReply({ kind: 'consents', data: consents });
      }
      default:
        throw new Error(`unexpected ${c.args.op}`);
    }
  });
  return calls;
}

const outdatedSms = consentRecord({
  purpose: 'reminder_sms',
  given: true,
  policy_version: '2',
  policy_outdated: true,
  text_shown: 'The clinic may send me appointment reminders by SMS.',
});
const awaitingNewsletter = consentRecord({
  purpose: 'marketing',
  given: true,
  method: 'phone',
  policy_version: '3',
  awaiting_confirmation: true,
});

beforeEach(() => {
  app.status = readyStatus();
  i18n.timeZone = clinic.time_zone;
});
afterEach(() => {
  app.status = null;
  i18n.timeZone = undefined;
});

describe('the consents panel', () => {
  it('shows each purpose’s decision in force with its policy version, the text shown, and what is outdated or waiting', async () => {
    desk([awaitingNewsletter, outdatedSms, consentRecord({ purpose: 'reminder_sms', given: false, at: '2025-01-01T00:00:00Z' })]);
    render(ConsentsPanel, { clientId: CLIENT });
    await waitFor(() => expect(screen.getByTestId('consent-status-reminder_sms').textContent).toContain('Yes · Mony Keo'));
    // The latest decision only: the older "no" is not what is in force.
    expect(screen.getByTestId('consent-policy-reminder_sms').textContent).toBe('Policy 2');
    expect(screen.getByTestId('consent-outdated-reminder_sms').textContent).toBe('Policy changed since');
    expect(screen.getByTestId('consent-text-reminder_sms').textContent).toBe('The clinic may send me appointment reminders by SMS.');
    expect(screen.queryByTestId('consent-awaiting-reminder_sms')).toBeNull();

    expect(screen.getByTestId('consent-awaiting-marketing').textContent).toBe('Waiting for the client to confirm their email');
    expect(screen.queryByTestId('consent-outdated-marketing')).toBeNull();
    expect(screen.getByTestId('consent-status-care').textContent).toBe('Not recorded');
    // A yes under an older policy may be recorded again; a waiting newsletter takes its code.
    expect(screen.getByRole('button', { name: 'Record that the client agreed again to SMS reminders under the current policy' })).toBeTruthy();
    expect(screen.getByLabelText('Newsletter confirmation code')).toBeTruthy();
  });

  it('withdraws in one click, with how the client said so', async () => {
    const calls = desk([outdatedSms]);
    render(ConsentsPanel, { clientId: CLIENT });
    const withdraw = await screen.findByRole('button', { name: 'Withdraw consent for SMS reminders' });
    await fireEvent.change(document.getElementById('consent-method')!, { target: { value: 'phone' } });
    await fireEvent.click(withdraw);
    await waitFor(() => expect(doorRequests(calls, 'consent_set')).toHaveLength(1));
    expect(doorRequests(calls, 'consent_set')[0].args).toEqual({ client_id: CLIENT, purpose: 'reminder_sms', given: false, method: 'phone', text_shown: null });
    await waitFor(() => expect(screen.getByTestId('consent-status-reminder_sms').textContent).toContain('No · Dara Sok'));
    expect(screen.queryByTestId('consent-outdated-reminder_sms')).toBeNull();
    expect(screen.getByRole('button', { name: 'Record consent for SMS reminders' })).toBeTruthy();
  });

  it('gives the newsletter, says a confirmation was mailed, and confirms it with the code', async () => {
    const calls = desk([], (code) => {
      if (code !== 'K7QP-22MX') return 'bad';
      return [{ ...awaitingNewsletter, awaiting_confirmation: false, confirmed_at: '2026-03-02T05:00:00Z' }];
    });
    render(ConsentsPanel, { clientId: CLIENT });
    await fireEvent.click(await screen.findByRole('button', { name: 'Record consent for Newsletter' }));
    expect((await screen.findByTestId('consent-notice')).textContent).toContain('confirmation code was emailed');
    expect(screen.getByTestId('consent-awaiting-marketing')).toBeTruthy();

    // No code, no request; a wrong code is said beside the field.
    await fireEvent.click(screen.getByRole('button', { name: 'Confirm' }));
    expect(screen.getByText('Type the code from the email.')).toBeTruthy();
    expect(doorRequests(calls, 'consent_confirm')).toHaveLength(0);
    await fireEvent.input(screen.getByLabelText('Newsletter confirmation code'), { target: { value: 'WRONG' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Confirm' }));
    expect(await screen.findByText('No newsletter subscription waits for this code. Check it and try again.')).toBeTruthy();

    await fireEvent.input(screen.getByLabelText('Newsletter confirmation code'), { target: { value: ' K7QP-22MX ' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Confirm' }));
    await waitFor(() => expect(screen.getByTestId('consent-notice').textContent).toBe('Newsletter subscription confirmed.'));
    expect(doorRequests(calls, 'consent_confirm').at(-1)!.args).toEqual({ code: 'K7QP-22MX' });
    expect(screen.queryByTestId('consent-awaiting-marketing')).toBeNull();
    expect(screen.queryByLabelText('Newsletter confirmation code')).toBeNull();
  });

  it('only shows the decisions to someone who may not change them', async () => {
    app.status = readyStatus({ ...session, permissions: ['client_search', 'client_read'] });
    desk([outdatedSms]);
    render(ConsentsPanel, { clientId: CLIENT });
    await waitFor(() => expect(screen.getByTestId('consent-status-reminder_sms').textContent).toContain('Yes'));
    expect(screen.queryByRole('button')).toBeNull();
    expect(document.getElementById('consent-method')).toBeNull();
  });
});
