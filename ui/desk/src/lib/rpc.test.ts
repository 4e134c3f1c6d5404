import { afterEach, describe, expect, it, vi } from 'vitest';
import { emit } from '@tauri-apps/api/event';
import { call, DeskError, door, pending } from './rpc';
import { app } from './app.svelte';
import type { Request } from '../bindings/Request';
import type { ErrorCode } from '../bindings/ErrorCode';
import { deskError, doorReply, doorRequests, fakeDesk, lanLink, loginStatus, readyStatus, remoteStatus, session } from '../test-helpers';

const colleague = { ...session, staff_id: '01HSTAFF000000000000000003', login: 'vanna', display_name: 'Vanna Lim' };
const down = lanLink({ phase: 'unreachable', last_error: 'lan.unreachable' });
const up = lanLink();

const reply: Request = {
  op: 'chat_reply',
  args: { conversation_id: '01HCONV0000000000000000001', id: '01HREPLY000000000000000001', text: 'See you Friday', quote_id: null },
};
const message = {
  id: '01HREPLY000000000000000001',
  conversation_id: '01HCONV0000000000000000001',
  side: 'desk' as const,
  staff_id: session.staff_id,
  sender: 'Dara Sok',
  text: 'See you Friday',
  quote: null,
  unreadable: false,
  at: '2026-03-02T02:01:00Z',
  delivered_at: null,
  deleted_at: null,
  auto: null,
  faq_id: null,
  score: null,
  corrected_by: null,
  handoff: false,
  files: [],
};

/** A host that fails the way `answer` says (an error code) or answers. */
function host(answer: () => ErrorCode | 'ok') {
  return fakeDesk(
    (c) => {
      if (c.call !== 'door') throw new Error(`unexpected ${c.call}`);
      const a = answer();
      if (a !== 'ok') throw deskError(a);
      if (c.args.op === 'conversation_list') return doorReply({ kind: 'conversations', data: [] });
      return doorReply({ kind: 'chat_message', data: message });
    },
    { events: true },
  );
}

/** Lets every pending promise and event run. */
const settle = () => new Promise((r) => setTimeout(r, 20));

afterEach(() => {
  app.status = null;
});

describe('a door request while the host desk is out of reach', () => {
  it('is held, not refused, and the very same call is sent again when the link is back', async () => {
    let answer: ErrorCode | 'ok' = 'lan.unreachable';
    const calls = host(() => answer);
    app.status = readyStatus(session, down);
    const done = vi.fn();
    const refused = vi.fn();
    const sent = door(reply, 'chat_message').then(done, refused);

    await vi.waitFor(() => expect(pending.count).toBe(1));
    expect(pending.changes).toBe(1);
    expect(pending.held[0].request).toEqual(reply);
    await settle();
    expect(refused).not.toHaveBeenCalled();
    expect(done).not.toHaveBeenCalled();

    // The link changing without coming back sends nothing.
    await emit('frontdesk://link', down);
    await settle();
    expect(doorRequests(calls, 'chat_reply')).toHaveLength(1);

    answer = 'ok';
    await emit('frontdesk://link', up);
    await sent;
    expect(done).toHaveBeenCalledWith(message);
    expect(refused).not.toHaveBeenCalled();
    const tries = calls.filter((c) => c.call === 'door');
    expect(tries).toHaveLength(2);
    expect(tries[1]).toEqual(tries[0]);
    expect(tries[0]).toEqual({ call: 'door', args: reply });
    expect(pending.count).toBe(0);
  });

  it('holds a call that timed out too, and sends it when a status shows the host reachable', async () => {
    let answer: ErrorCode | 'ok' = 'lan.timeout';
    const calls = host(() => answer);
    app.status = readyStatus(session, down);
    const sent = door(reply, 'chat_message');
    await vi.waitFor(() => expect(pending.count).toBe(1));

    // Still unreachable, as far as the status says: nothing is sent.
    app.status = readyStatus(session, down);
    await settle();
    expect(doorRequests(calls, 'chat_reply')).toHaveLength(1);

    answer = 'ok';
    app.status = readyStatus(session, up);
    await expect(sent).resolves.toEqual(message);
    expect(doorRequests(calls, 'chat_reply')).toEqual([reply, reply]);
  });

  it('counts reads as held but not as changes waiting to be sent', async () => {
    let answer: ErrorCode | 'ok' = 'lan.unreachable';
    host(() => answer);
    app.status = readyStatus(session, down);
    const list = door({ op: 'conversation_list', args: { unanswered_only: false, limit: 200 } }, 'conversations');
    await vi.waitFor(() => expect(pending.count).toBe(1));
    expect(pending.changes).toBe(0);
    answer = 'ok';
    await emit('frontdesk://link', up);
    await expect(list).resolves.toEqual([]);
  });

  it('refuses other errors at once, and never holds a call that is not a door request', async () => {
    fakeDesk((c) => {
      if (c.call === 'door') throw deskError('validation.too_long', { field: 'text' });
      throw deskError('lan.unreachable');
    });
    app.status = readyStatus(session, down);
    await expect(door(reply, 'chat_message')).rejects.toMatchObject({ code: 'validation.too_long' });
    await expect(call({ call: 'login', args: { login: 'dara', password: 'x', totp_code: null } })).rejects.toBeInstanceOf(DeskError);
    await expect(call({ call: 'pair', args: { text: 'ABC-DEF-GHJ', address: null, name: null } })).rejects.toMatchObject({
      code: 'lan.unreachable',
    });
    expect(pending.count).toBe(0);
  });
});

describe('a held change when the host forgot the session', () => {
  it('waits for the same person to log in again, and is not sent as anyone else', async () => {
    let answer: ErrorCode | 'ok' = 'lan.unreachable';
    const calls = host(() => answer);
    app.status = readyStatus(session, down);
    const done = vi.fn();
    const refused = vi.fn();
    void door(reply, 'chat_message').then(done, refused);
    await vi.waitFor(() => expect(pending.count).toBe(1));

    // The host restarted: the link is back, but the session is gone.
    answer = 'auth.session_expired';
    await emit('frontdesk://link', up);
    await vi.waitFor(() => expect(pending.held[0]?.until).toBe('staff'));
    expect(doorRequests(calls, 'chat_reply')).toHaveLength(2);
    expect(refused).not.toHaveBeenCalled();

    answer = 'ok';
    // Another link event, the login screen, and a colleague logging in send nothing.
    await emit('frontdesk://link', up);
    app.status = loginStatus(up);
    app.status = readyStatus(colleague, up);
    await settle();
    expect(doorRequests(calls, 'chat_reply')).toHaveLength(2);
    expect(pending.changes).toBe(1);
    expect(done).not.toHaveBeenCalled();

    // The author is back: it goes, unchanged.
    app.status = readyStatus(session, up);
    await vi.waitFor(() => expect(done).toHaveBeenCalledWith(message));
    expect(doorRequests(calls, 'chat_reply')).toEqual([reply, reply, reply]);
    expect(refused).not.toHaveBeenCalled();
    expect(pending.count).toBe(0);
  });

  it('lets a read go (the screen asks again) instead of keeping it for a later session', async () => {
    let answer: ErrorCode | 'ok' = 'lan.unreachable';
    host(() => answer);
    app.status = readyStatus(session, down);
    const list = door({ op: 'conversation_list', args: { unanswered_only: false, limit: 200 } }, 'conversations');
    await vi.waitFor(() => expect(pending.count).toBe(1));
    answer = 'desk.not_logged_in';
    await emit('frontdesk://link', up);
    await expect(list).rejects.toMatchObject({ code: 'desk.not_logged_in' });
    expect(pending.count).toBe(0);
  });

  it('gives up on what is held once this PC is no longer paired', async () => {
    host(() => 'lan.unreachable');
    app.status = readyStatus(session, down);
    const sent = door(reply, 'chat_message');
    await vi.waitFor(() => expect(pending.count).toBe(1));
    app.status = remoteStatus(lanLink({ phase: 'refused', last_error: 'device.revoked' }));
    await settle();
    expect(pending.count).toBe(1);
    app.status = { workstation: 'front-pc-2', idle_lock_seconds: 600, lan: null, stage: 'setup' };
    await expect(sent).rejects.toMatchObject({ code: 'lan.not_paired' });
    expect(pending.count).toBe(0);
  });
});

describe('which requests only read', () => {
  it('counts the privacy lists, the overview and the exports as reads, and erasing or opening a record as changes', async () => {
    host(() => 'lan.unreachable');
    app.status = readyStatus(session, down);
    void door({ op: 'privacy_overview' }, 'privacy_overview').catch(() => {});
    void door({ op: 'newsletter_audience' }, 'newsletter_audience').catch(() => {});
    void door({ op: 'audit_export', args: { filter: { staff_id: null, target_id: null, action: null, from: null, to: null } } }, 'csv').catch(() => {});
    void door({ op: 'privacy_request_list' }, 'privacy_requests').catch(() => {});
    await vi.waitFor(() => expect(pending.count).toBe(4));
    expect(pending.changes).toBe(0);
    void door({ op: 'client_erase', args: { id: '01HCLIENT00000000000000001', totp: '123456', request_id: null } }, 'erasure').catch(() => {});
    void door({ op: 'restricted_open', args: { id: '01HCLIENT00000000000000001', reason: 'Allergies' } }, 'client').catch(() => {});
    await vi.waitFor(() => expect(pending.count).toBe(6));
    expect(pending.changes).toBe(2);
  });
});
