// ALTCHA proof-of-work: find n with SHA-256(salt + n) = challenge; the relay checks it with
// altcha-lib-rs and accepts each solution once.
import { hex, utf8 } from './codec';

export interface Challenge {
  algorithm: string;
  challenge: string;
  salt: string;
  signature: string;
  maxnumber: number;
}

export async function solve(c: Challenge): Promise<string> {
  for (let n = 0; n <= c.maxnumber; n++) {
    if (hex(await crypto.subtle.digest('SHA-256', utf8.encode(c.salt + n))) === c.challenge) {
      const { algorithm, challenge, salt, signature } = c;
      return btoa(JSON.stringify({ algorithm, challenge, number: n, salt, signature }));
    }
  }
  throw new Error('unsolvable challenge');
}
