// The UI's only way to the desk: one Tauri command, `rpc`, taking a generated `Call`.
//
// On a desk connected to a host over the LAN, a door request can fail only because the host is
// out of reach (or because the host restarted and forgot the session). Nothing typed may be
// lost to that: such a request is held, not refused, and the very same call is sent again
// when the host is back (door requests carry ids made here, so a repeat is harmless). A
// change whose session the host forgot waits for the same person to log in again; it is
// never sent as someone else.
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import { pending, type HeldRequest } from './pending.svelte';
import type { Call } from '../bindings/Call';
import type { Reply } from '../bindings/Reply';
import type { Request } from '../bindings/Request';
import type { Response } from '../bindings/Response';
import type { ErrorBody } from '../bindings/ErrorBody';
import type { ErrorCode } from '../bindings/ErrorCode';
import type { DeskStatus } from '../bindings/DeskStatus';
import type { LanLink } from '../bindings/LanLink';

export { pending };

/** A refused or failed call, carrying the desk's error body. */
export class DeskError extends Error {
  readonly code: ErrorCode;
  constructor(readonly body: ErrorBody) {
    super(body.message);
    this.code = body.code as ErrorCode;
  }
  get field(): string | null {
    return this.body.field;
  }
}

function isErrorBody(e: unknown): e is ErrorBody {
  return typeof e === 'object' && e !== null && 'code' in e && 'message' in e;
}

function deskError(code: ErrorCode, message: string): DeskError {
  return new DeskError({ code, message, field: null, retry_after_secs: null });
}

export async function call(c: Call): Promise<Reply> {
  try {
    return await invoke<Reply>('rpc', { call: c });
  } catch (e) {
    if (isErrorBody(e)) throw new DeskError(e);
    throw deskError('desk.busy', String(e));
  }
}

type Kind = Response['kind'];
type DataOf<K extends Kind> = Extract<Response, { kind: K }> extends { data: infer D } ? D : null;

function unwrap<K extends Kind>(reply: Reply, expect: K): DataOf<K> {
  if (reply.kind !== 'door' || reply.data.kind !== expect) throw deskError('store.error', `unexpected reply ${reply.kind}`);
  return ('data' in reply.data ? reply.data.data : null) as DataOf<K>;
}

/**
 * Sends a request through the one door and unwraps the expected response kind. While the host
 * desk is out of reach the promise stays pending (see `pending`) instead of failing.
 */
export function door<K extends Kind>(req: Request, expect: K): Promise<DataOf<K>> {
  const box: Box = {};
  box.reply = deliver({ call: 'door', args: req }, box);
  return box.reply.then((r) => unwrap(r, expect));
}

// ---- Held requests ----

/** The request never reached the host, or its answer never came back. */
const UNDELIVERED = new Set<string>(['lan.unreachable', 'lan.timeout']);
/** The host no longer knows the session the request was made in. */
const FORGOTTEN = new Set<string>(['auth.session_expired', 'desk.not_logged_in']);
/** Requests that only read: a screen asks again, so they are not kept for a later session. */
// (`_export`: the audit log as CSV and a client's export read only, though both are audited;
// `_audience` and `_overview`: the newsletter's confirmed addresses, the privacy overview.)
const READ = /_(get|list|search|history|conversations|verify|calendar|check|next_free|appointments|no_shows|matches|audience|overview|export)$|^report_make$/;

type Box = { reply?: Promise<Reply> };
interface Sleeper {
  held: HeldRequest;
  wake: () => void;
  fail: (e: DeskError) => void;
}

const sleepers = new Set<Sleeper>();
const boxes = new Map<number, Box>();
let known: DeskStatus | null = null;
let linkListener: Promise<UnlistenFn | null> | null = null;
/** Requests between a failure and their sleep: the listener must not be dropped under them. */
let settling = 0;
let nextKey = 1;

function staffOf(s: DeskStatus | null): string | null {
  return s && (s.stage === 'ready' || s.stage === 'locked') ? s.session.staff_id : null;
}

async function deliver(c: Extract<Call, { call: 'door' }>, box: Box): Promise<Reply> {
  const staffId = staffOf(known);
  const change = !READ.test(c.args.op);
  let key = 0; // set once held
  try {
    for (;;) {
      try {
        return await call(c);
      } catch (e) {
        if (!(e instanceof DeskError)) throw e;
        let until: HeldRequest['until'];
        if (UNDELIVERED.has(e.code)) until = 'link';
        // Sent again after the host came back, and the host had forgotten the session.
        else if (key && change && staffId !== null && FORGOTTEN.has(e.code)) until = 'staff';
        else throw e;
        settling++;
        try {
          await listenForLink();
        } finally {
          settling--;
        }
        key ||= nextKey++;
        const held: HeldRequest = { key, request: c.args, change, until, staffId };
        publish(held);
        boxes.set(key, box);
        await sleep(held);
      }
    }
  } finally {
    if (key) unpublish(key);
  }
}

function publish(h: HeldRequest): void {
  const others = pending.held.filter((x) => x.key !== h.key);
  pending.held = [...others, h];
}

function unpublish(key: number): void {
  boxes.delete(key);
  pending.held = pending.held.filter((x) => x.key !== key);
}

function sleep(held: HeldRequest): Promise<void> {
  return new Promise<void>((wake, fail) => {
    sleepers.add({ held, wake, fail });
  });
}

/** Sends again the held requests `which` picks (they run in the order they were made). */
function wake(which: (h: HeldRequest) => boolean): void {
  for (const s of [...sleepers].sort((a, b) => a.held.key - b.held.key)) {
    if (!which(s.held)) continue;
    sleepers.delete(s);
    s.wake();
  }
  stopListening();
}

function failHeld(which: (h: HeldRequest) => boolean, e: () => DeskError): void {
  for (const s of [...sleepers]) {
    if (!which(s.held)) continue;
    sleepers.delete(s);
    s.fail(e());
  }
  stopListening();
}

function listenForLink(): Promise<UnlistenFn | null> {
  linkListener ??= listen<LanLink | null>('frontdesk://link', (ev) => {
    if (ev.payload?.phase === 'connected') wake((h) => h.until === 'link');
  }).catch(() => null); // no event channel: the status refreshes still wake them
  return linkListener;
}

function stopListening(): void {
  if (sleepers.size || settling || !linkListener) return;
  const l = linkListener;
  linkListener = null;
  void l.then(async (unlisten) => unlisten?.()).catch(() => {});
}

/**
 * The desk's status, as the UI learned it (app.svelte.ts reports every one): who is logged in,
 * and whether the host is reachable again, which sends the held requests that may go now.
 */
export function statusChanged(s: DeskStatus | null): void {
  known = s;
  if (!s) return;
  if (s.stage === 'setup') {
    // No longer paired with a host: nothing held can be delivered any more.
    failHeld(() => true, () => deskError('lan.not_paired', 'this desk is not paired with a host'));
    return;
  }
  const linkUp = !s.lan || s.lan.phase === 'connected';
  if (!linkUp) return;
  const forgotten = () => deskError('auth.session_expired', 'the session ended');
  if (s.stage === 'login') {
    // Nobody is logged in: reads made in the last session are of no use to anyone now.
    failHeld((h) => !h.change && h.staffId !== null, forgotten);
  } else if (s.stage === 'ready') {
    const me = s.session.staff_id;
    failHeld((h) => !h.change && h.staffId !== null && h.staffId !== me, forgotten);
    wake((h) => h.staffId === null || h.staffId === me);
  }
}

/** Whether a request that `match` picks is held, waiting for the host (reactive). */
export function isHeld(match: (r: Request) => boolean): boolean {
  return pending.held.some((h) => match(h.request));
}

/**
 * The answer to a held request that `match` picks, for a screen opened again while it waits
 * (it then shows the wait instead of offering to send it a second time); null when none is.
 */
export function heldReply<K extends Kind>(match: (r: Request) => boolean, expect: K): Promise<DataOf<K>> | null {
  const h = pending.held.find((x) => match(x.request));
  const reply = h && boxes.get(h.key)?.reply;
  return reply ? reply.then((r) => unwrap(r, expect)) : null;
}

/** Forgets every held request without answering it (between tests). */
export function forgetHeld(): void {
  sleepers.clear();
  settling = 0;
  boxes.clear();
  pending.held = [];
  stopListening();
  linkListener = null;
}
