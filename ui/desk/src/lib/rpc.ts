// The UI's only way to the desk: one Tauri command, `rpc`, taking a generated `Call`.
import { invoke } from '@tauri-apps/api/core';
import type { Call } from '../bindings/Call';
import type { Reply } from '../bindings/Reply';
import type { Request } from '../bindings/Request';
import type { Response } from '../bindings/Response';
import type { ErrorBody } from '../bindings/ErrorBody';
import type { ErrorCode } from '../bindings/ErrorCode';

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

export async function call(c: Call): Promise<Reply> {
  try {
    return await invoke<Reply>('rpc', { call: c });
  } catch (e) {
    if (isErrorBody(e)) throw new DeskError(e);
    throw new DeskError({
      code: 'desk.busy',
      message: String(e),
      field: null,
      retry_after_secs: null,
    });
  }
}

type Kind = Response['kind'];
type DataOf<K extends Kind> = Extract<Response, { kind: K }> extends { data: infer D } ? D : null;

/** Sends a request through the one door and unwraps the expected response kind. */
export async function door<K extends Kind>(req: Request, expect: K): Promise<DataOf<K>> {
  const reply = await call({ call: 'door', args: req });
  if (reply.kind !== 'door' || reply.data.kind !== expect) {
    throw new DeskError({
      code: 'store.error',
      message: `unexpected reply ${reply.kind}`,
      field: null,
      retry_after_secs: null,
    });
  }
  return ('data' in reply.data ? reply.data.data : null) as DataOf<K>;
}
