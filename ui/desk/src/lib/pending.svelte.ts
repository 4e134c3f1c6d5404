// Door requests a connected desk could not deliver yet (the host desk was out of reach, or
// forgot the session): rpc.ts holds them and sends them again; screens read this to say so.
import type { Request } from '../bindings/Request';

export interface HeldRequest {
  readonly key: number;
  readonly request: Request;
  /** A change (not a read): what the banner counts as waiting to be sent. */
  readonly change: boolean;
  /** `link`: until the host is reachable; `staff`: until the person who made it logs in again. */
  readonly until: 'link' | 'staff';
  /** Who was logged in when it was made. */
  readonly staffId: string | null;
}

class Pending {
  held = $state.raw<HeldRequest[]>([]);
  /** Every held request, reads included. */
  get count(): number {
    return this.held.length;
  }
  /** The held changes: what someone typed and is still to reach the host. */
  get changes(): number {
    return this.held.filter((h) => h.change).length;
  }
}

export const pending = new Pending();
