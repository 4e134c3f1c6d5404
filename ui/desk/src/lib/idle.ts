// Watches for a person at the desk. After `seconds` without input it calls `onIdle` (the
// screen locks); while there is input it calls `onActive` at most once per `pingEvery` ms so
// the session does not idle out while someone types a long note.
export interface IdleOptions {
  seconds: number;
  onIdle: () => void;
  onActive?: () => void;
  pingEvery?: number;
  target?: Pick<Window, 'addEventListener' | 'removeEventListener'>;
}

const EVENTS = ['keydown', 'pointerdown', 'pointermove', 'wheel', 'touchstart'] as const;

export function watchIdle(o: IdleOptions): () => void {
  const target = o.target ?? window;
  const pingEvery = o.pingEvery ?? 60_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastPing = Date.now();
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(o.onIdle, Math.max(1, o.seconds) * 1000);
  };
  const activity = () => {
    arm();
    const now = Date.now();
    if (o.onActive && now - lastPing >= pingEvery) {
      lastPing = now;
      o.onActive();
    }
  };
  for (const e of EVENTS) target.addEventListener(e, activity, { passive: true });
  arm();
  return () => {
    clearTimeout(timer);
    for (const e of EVENTS) target.removeEventListener(e, activity);
  };
}
