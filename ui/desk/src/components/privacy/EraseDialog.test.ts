import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import EraseDialog from './EraseDialog.svelte';
import { app } from '../../lib/app.svelte';
import type { Call } from '../../bindings/Call';
import type { ErasureOutcome } from '../../bindings/ErasureOutcome';
import type { Reply } from '../../bindings/Reply';
import { clientRecord, deskError, doorReply, doorRequests, fakeDesk, privacyOverviewRecord, privacyRequestRecord, readyStatus, session } from '../../test-helpers';

const admin = {
  ...session,
  role: 'admin',
  permissions: [...session.permissions, 'client_erase', 'privacy_manage'],
} as typeof session;
const client = clientRecord({ full_name: 'Sophea Chan' });
const counts = { conversations: 2, messages: 14, tasks: 1, appointments: 0, consents: 3, outbox: 0 };

function desk(answer: (c: Call) => Reply | undefined = () => undefined) {
  return fakeDesk((c) => {
    const r = answer(c);
    if (r) return r;
    if (c.call !== 'door') throw new Error(`unexpected ${c.call}`);
    switch (c.args.op) {
      case 'privacy_request_list':
        return doorReply({ kind: 'privacy_requests', data: [] });
      case 'privacy_overview':
        return doorReply({ kind: 'privacy_overview', data: privacyOverviewRecord() });
      default:
        throw new Error(`unexpected ${c.args.op}`);
    }
  });
}

const erasure = (kind: ErasureOutcome['kind']): Reply => doorReply({ kind: 'erasure', data: { client_id: client.id, kind, counts } });

// jsdom cannot open a <dialog> as a modal: its content stays out of the accessibility tree.
const button = (name: string) => screen.getByRole<HTMLButtonElement>('button', { name, hidden: true });

beforeEach(() => {
  app.status = readyStatus(admin);
});
afterEach(() => {
  app.status = null;
});

describe('the erase dialog', () => {
  it('explains what erasure does before anything is done', () => {
    desk();
    render(EraseDialog, { client, onclose: () => {} });
    const text = screen.getByTestId('erase-dialog').textContent!;
    expect(text).toContain('removes the client');
    expect(text).toContain('reports');
    expect(text).toContain('relay to forget');
    expect(text).toContain('restricts the record instead');
  });

  it('cannot be sent without the client’s name typed out and a six-digit code', async () => {
    const calls = desk((c) => (c.call === 'door' && c.args.op === 'client_erase' ? erasure('erased') : undefined));
    render(EraseDialog, { client, onclose: () => {} });
    const erase = button('Erase');
    const typed = screen.getByLabelText('Type Sophea Chan to confirm');
    const code = screen.getByLabelText('Code from your authenticator app');
    expect(erase.disabled).toBe(true);

    await fireEvent.input(typed, { target: { value: 'Sophea' } });
    await fireEvent.input(code, { target: { value: '123456' } });
    expect(erase.disabled).toBe(true);
    // Submitting anyway (Enter in a field) says what is wrong and sends nothing.
    await fireEvent.submit(erase.form!);
    expect(screen.getByText('Type Sophea Chan exactly as shown.')).toBeTruthy();

    await fireEvent.input(typed, { target: { value: 'Sophea Chan' } });
    await fireEvent.input(code, { target: { value: '12345' } });
    expect(erase.disabled).toBe(true);
    await fireEvent.submit(erase.form!);
    expect(screen.getByText('Type the six digits from your authenticator app.')).toBeTruthy();
    expect(doorRequests(calls, 'client_erase')).toHaveLength(0);

    await fireEvent.input(code, { target: { value: '123 456' } });
    expect(erase.disabled).toBe(false);
    await fireEvent.click(erase);
    await waitFor(() => expect(doorRequests(calls, 'client_erase')).toHaveLength(1));
    expect(doorRequests(calls, 'client_erase')[0].args).toEqual({ id: client.id, totp: '123456', request_id: null });
    const outcome = await screen.findByTestId('erase-outcome');
    expect(outcome.getAttribute('data-kind')).toBe('erased');
    expect(screen.getByTestId('erase-dialog').textContent).toContain('14 messages');
  });

  it('asks for ERASE when the record has no name', async () => {
    desk();
    render(EraseDialog, { client: clientRecord({ full_name: '' }), onclose: () => {} });
    await fireEvent.input(screen.getByLabelText('Type ERASE to confirm'), { target: { value: 'ERASE' } });
    await fireEvent.input(screen.getByLabelText('Code from your authenticator app'), { target: { value: '654321' } });
    expect(button('Erase').disabled).toBe(false);
  });

  it('says when the record was restricted instead, and hands the outcome back on closing', async () => {
    const onclose = vi.fn();
    desk((c) => (c.call === 'door' && c.args.op === 'client_erase' ? erasure('restricted') : undefined));
    render(EraseDialog, { client, onclose });
    await fireEvent.input(screen.getByLabelText('Type Sophea Chan to confirm'), { target: { value: 'Sophea Chan' } });
    await fireEvent.input(screen.getByLabelText('Code from your authenticator app'), { target: { value: '123456' } });
    await fireEvent.click(button('Erase'));
    const outcome = await screen.findByTestId('erase-outcome');
    expect(outcome.getAttribute('data-kind')).toBe('restricted');
    expect(outcome.textContent).toContain('restricted instead of erased');
    expect(screen.getByRole('heading', { name: 'Restricted instead', hidden: true })).toBeTruthy();
    await fireEvent.click(button('Close'));
    expect(onclose).toHaveBeenCalledWith({ client_id: client.id, kind: 'restricted', counts });
  });

  it('says a wrong code beside the code, and empties it', async () => {
    desk((c) => {
      if (c.call === 'door' && c.args.op === 'client_erase') throw deskError('auth.bad_totp');
      return undefined;
    });
    render(EraseDialog, { client, onclose: () => {} });
    await fireEvent.input(screen.getByLabelText('Type Sophea Chan to confirm'), { target: { value: 'Sophea Chan' } });
    const code = screen.getByLabelText<HTMLInputElement>('Code from your authenticator app');
    await fireEvent.input(code, { target: { value: '123456' } });
    await fireEvent.click(button('Erase'));
    expect(await screen.findByText('That one-time code is wrong or was already used. Wait for the next one.')).toBeTruthy();
    expect(code.value).toBe('');
  });

  it('names the client’s open erasure request, chosen for them', async () => {
    const request = privacyRequestRecord({ id: '01HPREQ0000000000000000007', kind: 'erase', client_id: client.id, client_name: client.full_name });
    const calls = desk((c) => {
      if (c.call !== 'door') return undefined;
      if (c.args.op === 'privacy_request_list') return doorReply({ kind: 'privacy_requests', data: [request, privacyRequestRecord()] });
      if (c.args.op === 'client_erase') return erasure('erased');
      return undefined;
    });
    render(EraseDialog, { client, onclose: () => {} });
    await waitFor(() => expect(screen.getByLabelText<HTMLSelectElement>('For the request').value).toBe(request.id));
    expect(screen.getByLabelText<HTMLSelectElement>('For the request').options).toHaveLength(2);
    await fireEvent.input(screen.getByLabelText('Type Sophea Chan to confirm'), { target: { value: 'Sophea Chan' } });
    await fireEvent.input(screen.getByLabelText('Code from your authenticator app'), { target: { value: '123456' } });
    await fireEvent.click(button('Erase'));
    await waitFor(() => expect(doorRequests(calls, 'client_erase')[0]?.args.request_id).toBe(request.id));
  });
});
