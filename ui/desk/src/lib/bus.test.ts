import { describe, expect, it } from 'vitest';
import { coalesced } from './bus';

describe('coalesced', () => {
  it('runs once more after a burst of calls, not once per call', async () => {
    let runs = 0;
    let release: () => void = () => {};
    const load = coalesced(async () => {
      runs += 1;
      if (runs === 1) await new Promise<void>((r) => (release = r));
    });
    const first = load();
    // Five events while the first request is out.
    for (let i = 0; i < 5; i++) void load();
    release();
    await first;
    expect(runs).toBe(2);
    // Quiet again: the next call runs at once, once.
    await load();
    expect(runs).toBe(3);
  });
});
