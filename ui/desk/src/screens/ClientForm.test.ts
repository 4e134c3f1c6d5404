import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { emit } from '@tauri-apps/api/event';
import ClientForm from './ClientForm.svelte';
import { app } from '../lib/app.svelte';
import { dropDraft, takeDraft } from '../lib/drafts';
import type { Call } from '../bindings/Call';
import type { Reply } from '../bindings/Reply';
import type { ClientSaved } from '../bindings/ClientSaved';
import type { Staff } from '../bindings/Staff';
import { clientRecord, deskError, doorReply, doorRequests, fakeDesk, lanLink, readyStatus, session, staffRecord } from '../test-helpers';

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

const manager: Staff = staffRecord();

/**
 * A desk that answers the form's own background requests (staff list, duplicate checks)
 * and hands client_create / client_update to `save`.
 */
function desk(save: (c: Call) => Reply | Promise<Reply> = () => {
  throw new Error('no save expected');
}): Call[] {
  return fakeDesk((c) => {
    if (c.call !== 'door') throw new Error(`unexpected ${c.call}`);
    switch (c.args.op) {
      case 'staff_list':
        return doorReply({ kind: 'staff_list', data: [manager] });
      case 'client_search':
        return doorReply({ kind: 'client_page', data: { items: [], next_cursor: null } });
      default:
        return save(c);
    }
  });
}

function savedReply(c: Call): Reply {
  if (c.call !== 'door' || c.args.op !== 'client_create') throw new Error('expected client_create');
  const { id, fields } = c.args.args;
  return doorReply({ kind: 'client_saved', data: { client: clientRecord({ ...fields, id: id! }), possible_duplicates: [] } });
}

const input = (id: string) => document.getElementById(id) as HTMLInputElement;
const type = (id: string, value: string) => fireEvent.input(input(id), { target: { value } });
const save = () => fireEvent.click(screen.getByRole('button', { name: 'Save' }));

function renderForm(props: Partial<{ client: ReturnType<typeof clientRecord> | null }> = {}) {
  const onsaved = vi.fn<(s: ClientSaved) => void>();
  const oncancel = vi.fn<() => void>();
  render(ClientForm, { client: props.client ?? null, onsaved, oncancel });
  return { onsaved, oncancel };
}

beforeEach(() => {
  app.status = readyStatus();
  dropDraft(session.staff_id, 'client:new');
});
afterEach(() => {
  app.status = null;
});

describe('ClientForm', () => {
  it('asks for the full name before sending anything', async () => {
    const calls = desk();
    const { onsaved } = renderForm();
    await vi.waitFor(() => expect(doorRequests(calls, 'staff_list')).toHaveLength(1));
    await type('client-full_name', '   ');
    await save();
    const err = document.querySelector('[data-field-error="client-full_name"]');
    expect(err?.textContent).toBe('This is required.');
    expect(input('client-full_name').closest('.field')?.classList.contains('invalid')).toBe(true);
    expect(document.activeElement).toBe(input('client-full_name'));
    expect(doorRequests(calls, 'client_create')).toEqual([]);
    expect(onsaved).not.toHaveBeenCalled();
  });

  it('offers the active staff as responsible person', async () => {
    const calls = desk();
    renderForm();
    expect(await screen.findByRole('option', { name: 'Mony Keo' })).toBeTruthy();
    expect(doorRequests(calls, 'staff_list')).toEqual([{ op: 'staff_list', args: { include_inactive: false } }]);
  });

  it('shows a server field error beside that field, not as a banner', async () => {
    const calls = desk(() => {
      throw deskError('validation.email', { field: 'email' });
    });
    const { onsaved } = renderForm();
    await type('client-full_name', 'Sophea Chan');
    await type('client-email', 'sophea@');
    await save();
    const err = await vi.waitFor(() => {
      const el = document.querySelector('[data-field-error="client-email"]');
      expect(el).not.toBeNull();
      return el!;
    });
    expect(err.textContent).toBe('This is not a valid email address.');
    expect(document.activeElement).toBe(input('client-email'));
    expect(screen.queryByTestId('error-banner')).toBeNull();
    expect(document.querySelector('[data-field-error="client-full_name"]')).toBeNull();
    expect(doorRequests(calls, 'client_create')).toHaveLength(1);
    expect(onsaved).not.toHaveBeenCalled();
  });

  it('shows a phone error under the phone numbers', async () => {
    desk(() => {
      throw deskError('validation.phone', { field: 'phones' });
    });
    renderForm();
    await type('client-full_name', 'Sophea Chan');
    await type('client-phone-0', '12');
    await save();
    await vi.waitFor(() => expect(document.querySelector('[data-field-error="client-phones"]')).not.toBeNull());
    expect(document.activeElement).toBe(input('client-phone-0'));
  });

  it('creates the client with a ULID and the typed fields, then reports it saved', async () => {
    const calls = desk(savedReply);
    const { onsaved } = renderForm();
    await type('client-full_name', 'Sophea Chan');
    await type('client-phone-0', '012 345 678');
    await type('client-email', '  sophea@example.com  ');
    await save();
    await vi.waitFor(() => expect(onsaved).toHaveBeenCalledTimes(1));

    const [create] = doorRequests(calls, 'client_create');
    expect(create.args.id).toMatch(ULID);
    expect(create.args.fields).toEqual({
      full_name: 'Sophea Chan',
      phones: ['012 345 678'],
      email: 'sophea@example.com',
      address: null,
      date_of_birth: null,
      preferred_language: null,
      notes: '',
      account_manager_id: null,
      source: 'walk_in',
    });
    const saved = onsaved.mock.calls[0][0];
    expect(saved.client.id).toBe(create.args.id);
    expect(saved.client.full_name).toBe('Sophea Chan');
    // Saved: the draft is gone.
    expect(takeDraft(session.staff_id, 'client:new')).toBeUndefined();
  });

  it('retries a failed save with the same id, so the client cannot be added twice', async () => {
    let attempt = 0;
    const calls = desk((c) => {
      attempt++;
      if (attempt === 1) throw deskError('store.busy');
      return savedReply(c);
    });
    const { onsaved } = renderForm();
    await type('client-full_name', 'Sophea Chan');
    await save();
    const banner = await screen.findByTestId('error-banner');
    expect(banner.textContent).toBe('The database is busy. Try again in a moment.');
    expect(onsaved).not.toHaveBeenCalled();
    // What was typed is still there, and still kept as a draft.
    expect(input('client-full_name').value).toBe('Sophea Chan');
    expect(takeDraft<{ full_name: string }>(session.staff_id, 'client:new')?.full_name).toBe('Sophea Chan');

    await save();
    await vi.waitFor(() => expect(onsaved).toHaveBeenCalledTimes(1));
    const creates = doorRequests(calls, 'client_create');
    expect(creates).toHaveLength(2);
    expect(creates[0].args.id).toMatch(ULID);
    expect(creates[1].args.id).toBe(creates[0].args.id);
    expect(screen.queryByTestId('error-banner')).toBeNull();
  });

  it('gives a new form a new id', async () => {
    const first = desk(savedReply);
    const a = renderForm();
    await type('client-full_name', 'First');
    await save();
    await vi.waitFor(() => expect(a.onsaved).toHaveBeenCalled());
    const idA = doorRequests(first, 'client_create')[0].args.id;
    cleanup();

    const second = desk(savedReply);
    const b = renderForm();
    await type('client-full_name', 'Second');
    await save();
    await vi.waitFor(() => expect(b.onsaved).toHaveBeenCalled());
    expect(doorRequests(second, 'client_create')[0].args.id).not.toBe(idA);
  });

  it('sends an update with the expected version when editing', async () => {
    const existing = clientRecord({ version: 4, email: 'old@example.com' });
    const calls = desk(() => doorReply({ kind: 'client_saved', data: { client: existing, possible_duplicates: [] } }));
    const { onsaved } = renderForm({ client: existing });
    expect(input('client-full_name').value).toBe('Sophea Chan');
    await type('client-email', 'new@example.com');
    await save();
    await vi.waitFor(() => expect(onsaved).toHaveBeenCalledTimes(1));
    const [update] = doorRequests(calls, 'client_update');
    expect(update.args.id).toBe(existing.id);
    expect(update.args.expected_version).toBe(4);
    expect(update.args.fields.email).toBe('new@example.com');
    expect(doorRequests(calls, 'client_create')).toEqual([]);
  });

  it('warns about a client with the same phone number while typing', async () => {
    const other = { id: '01HCLIENT00000000000000009', full_name: 'Sophea C.', phone: '+855 12 345 678', email: null };
    const calls = fakeDesk((c) => {
      if (c.call === 'door' && c.args.op === 'client_search')
        return doorReply({ kind: 'client_page', data: { items: [other], next_cursor: null } });
      if (c.call === 'door' && c.args.op === 'staff_list') return doorReply({ kind: 'staff_list', data: [] });
      throw new Error('unexpected call');
    });
    renderForm();
    await type('client-phone-0', '012 345 678');
    const warning = await screen.findByTestId('duplicate-precheck');
    expect(warning.textContent).toContain('A client with this phone number or email already exists');
    expect(warning.textContent).toContain('Sophea C.');
    expect(doorRequests(calls, 'client_search').map((r) => r.args.query)).toContain('012 345 678');
  });

  it('keeps unsaved input for its author only', async () => {
    desk();
    renderForm();
    await type('client-full_name', 'Half typed');
    await type('client-notes', 'call back on Monday');
    // The screen goes away (a lock, a colleague switching in) and comes back.
    cleanup();

    renderForm();
    expect(screen.getByTestId('draft-restored')).toBeTruthy();
    expect(input('client-full_name').value).toBe('Half typed');
    expect((document.getElementById('client-notes') as HTMLTextAreaElement).value).toBe('call back on Monday');
    cleanup();

    // A colleague opening a new client form does not get it.
    app.status = readyStatus({ ...session, staff_id: '01HSTAFF000000000000000003', login: 'vanna' });
    renderForm();
    expect(screen.queryByTestId('draft-restored')).toBeNull();
    expect(input('client-full_name').value).toBe('');
  });

  it('cancels an untouched form at once', async () => {
    desk();
    const { oncancel } = renderForm();
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByTestId('discard-confirm')).toBeNull();
    expect(oncancel).toHaveBeenCalledTimes(1);
    expect(takeDraft(session.staff_id, 'client:new')).toBeUndefined();
  });

  it('asks before throwing away typed input, and keeps it when told to', async () => {
    desk();
    const { oncancel } = renderForm();
    await type('client-full_name', 'Never mind');
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.getByTestId('discard-confirm')).toBeTruthy();
    expect(oncancel).not.toHaveBeenCalled();
    await vi.waitFor(() => expect(document.activeElement?.id).toBe('client-keep-editing'));
    await fireEvent.click(screen.getByRole('button', { name: 'Keep editing' }));
    expect(screen.queryByTestId('discard-confirm')).toBeNull();
    expect(input('client-full_name').value).toBe('Never mind');
    expect(takeDraft<{ full_name: string }>(session.staff_id, 'client:new')?.full_name).toBe('Never mind');
    expect(oncancel).not.toHaveBeenCalled();
  });

  it('discarding after the question drops the draft and closes', async () => {
    desk();
    const { oncancel } = renderForm();
    await type('client-full_name', 'Never mind');
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Discard' }));
    expect(oncancel).toHaveBeenCalledTimes(1);
    expect(takeDraft(session.staff_id, 'client:new')).toBeUndefined();
  });
  it('after a conflict, loads their version and keeps only the fields this person changed', async () => {
    const opened = clientRecord({ full_name: 'Sok Dara', notes: 'old note', email: 'a@example.com', version: 4 });
    const theirs = clientRecord({ full_name: 'Sok Dara', notes: 'old note', email: 'new@example.com', version: 5 });
    let updates = 0;
    const calls = fakeDesk((c) => {
      if (c.call !== 'door') throw new Error(`unexpected ${c.call}`);
      switch (c.args.op) {
        case 'staff_list':
          return doorReply({ kind: 'staff_list', data: [] });
        case 'client_search':
          return doorReply({ kind: 'client_page', data: { items: [], next_cursor: null } });
        case 'client_get':
          return doorReply({ kind: 'client', data: theirs });
        case 'client_update':
          if (updates++ === 0) throw deskError('record.conflict');
          return doorReply({ kind: 'client_saved', data: { client: { ...theirs, version: 6 }, possible_duplicates: [] } });
        default:
          throw new Error(`unexpected ${c.args.op}`);
      }
    });
    const { onsaved } = renderForm({ client: opened });
    await type('client-notes', 'my new note');
    await save();
    await screen.findByText(/Someone else changed this/);
    expect(onsaved).not.toHaveBeenCalled();
    await fireEvent.click(screen.getByRole('button', { name: /Load their version/ }));
    await vi.waitFor(() => expect(input('client-email').value).toBe('new@example.com'));
    expect((document.getElementById('client-notes') as HTMLTextAreaElement).value).toBe('my new note');
    await save();
    await vi.waitFor(() => expect(onsaved).toHaveBeenCalled());
    const sent = doorRequests(calls, 'client_update');
    expect(sent.map((r) => r.args.expected_version)).toEqual([4, 5]);
    expect(sent[1].args.fields).toMatchObject({ email: 'new@example.com', notes: 'my new note' });
  });

  it('waits for the host desk with the form as typed, and saves it once the host is back', async () => {
    let reachable = false;
    app.status = readyStatus(session, lanLink({ phase: 'unreachable' }));
    const calls = fakeDesk(
      (c) => {
        if (c.call !== 'door') throw new Error(`unexpected ${c.call}`);
        if (c.args.op === 'staff_list') return doorReply({ kind: 'staff_list', data: [manager] });
        if (c.args.op === 'client_search') return doorReply({ kind: 'client_page', data: { items: [], next_cursor: null } });
        if (!reachable) throw deskError('lan.timeout');
        return savedReply(c);
      },
      { events: true },
    );
    const { onsaved, oncancel } = renderForm();
    await type('client-full_name', 'Sophea Chan');
    await save();
    await vi.waitFor(() => expect(screen.getByTestId('save-waiting').textContent).toBe('Waiting for the host…'));
    expect(screen.queryByTestId('error-banner')).toBeNull();
    expect(input('client-full_name').value).toBe('Sophea Chan');
    // What is sent is what is shown: the form cannot change meanwhile, nor be saved twice.
    expect(input('client-full_name').closest('fieldset')!.disabled).toBe(true);
    expect((screen.getByRole('button', { name: 'Save' }) as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(oncancel).not.toHaveBeenCalled();
    expect(takeDraft<{ full_name: string }>(session.staff_id, 'client:new')?.full_name).toBe('Sophea Chan');
    expect(onsaved).not.toHaveBeenCalled();

    reachable = true;
    await emit('frontdesk://link', lanLink());
    await vi.waitFor(() => expect(onsaved).toHaveBeenCalledTimes(1));
    const creates = doorRequests(calls, 'client_create');
    expect(creates).toHaveLength(2);
    expect(creates[1]).toEqual(creates[0]);
    expect(onsaved.mock.calls[0][0].client.id).toBe(creates[0].args.id);
    expect(takeDraft(session.staff_id, 'client:new')).toBeUndefined();
  });

  it('shows an error about a field the form does not have as a banner', async () => {
    desk(() => {
      throw deskError('validation.id', { field: 'id' });
    });
    renderForm();
    await type('client-full_name', 'Sok Dara');
    await save();
    expect(await screen.findByTestId('error-banner')).toHaveProperty('textContent', 'This id is not valid.');
  });
});
