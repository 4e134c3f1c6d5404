import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { watchIdle } from './idle';

// A stand-in for window: an EventTarget that also counts its listeners.
class FakeTarget extends EventTarget {
  listeners = new Map<string, number>();
  override addEventListener(type: string, l: EventListenerOrEventListenerObject | null, o?: AddEventListenerOptions | boolean) {
    this.listeners.set(type, (this.listeners.get(type) ?? 0) + 1);
    super.addEventListener(type, l, o);
  }
  override removeEventListener(type: string, l: EventListenerOrEventListenerObject | null, o?: EventListenerOptions | boolean) {
    this.listeners.set(type, (this.listeners.get(type) ?? 0) - 1);
    super.removeEventListener(type, l, o);
  }
  poke(type = 'keydown') {
    this.dispatchEvent(new Event(type));
  }
}

describe('watchIdle', () => {
  let target: FakeTarget;
  beforeEach(() => {
    vi.useFakeTimers();
    target = new FakeTarget();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('calls onIdle after the given seconds without input, once', () => {
    const onIdle = vi.fn();
    const stop = watchIdle({ seconds: 10, onIdle, target });
    vi.advanceTimersByTime(9_999);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onIdle).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(60_000);
    expect(onIdle).toHaveBeenCalledTimes(1);
    stop();
  });

  it('postpones onIdle on every kind of input', () => {
    const onIdle = vi.fn();
    const stop = watchIdle({ seconds: 10, onIdle, target });
    for (const type of ['keydown', 'pointerdown', 'pointermove', 'wheel', 'touchstart']) {
      vi.advanceTimersByTime(8_000);
      target.poke(type);
    }
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(9_999);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onIdle).toHaveBeenCalledTimes(1);
    stop();
  });

  it('calls onActive at most once per pingEvery while there is input', () => {
    const onActive = vi.fn();
    const stop = watchIdle({ seconds: 600, onIdle: () => {}, onActive, pingEvery: 5_000, target });
    target.poke(); // right away: less than pingEvery since the watch began
    expect(onActive).not.toHaveBeenCalled();
    vi.advanceTimersByTime(5_000);
    target.poke();
    expect(onActive).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 4; i++) {
      vi.advanceTimersByTime(1_000);
      target.poke();
    }
    expect(onActive).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1_000); // 5 s since the last ping
    target.poke();
    expect(onActive).toHaveBeenCalledTimes(2);
    stop();
  });

  it('does not ping without input', () => {
    const onActive = vi.fn();
    const stop = watchIdle({ seconds: 600, onIdle: () => {}, onActive, pingEvery: 1_000, target });
    vi.advanceTimersByTime(30_000);
    expect(onActive).not.toHaveBeenCalled();
    stop();
  });

  it('stop removes every listener and cancels the pending onIdle', () => {
    const onIdle = vi.fn();
    const onActive = vi.fn();
    const stop = watchIdle({ seconds: 5, onIdle, onActive, pingEvery: 1, target });
    expect([...target.listeners.values()].every((n) => n === 1)).toBe(true);
    expect(target.listeners.size).toBe(5);
    stop();
    expect([...target.listeners.values()].every((n) => n === 0)).toBe(true);
    vi.advanceTimersByTime(10_000);
    target.poke();
    expect(onIdle).not.toHaveBeenCalled();
    expect(onActive).not.toHaveBeenCalled();
  });
});
