// The desk's sounds, made by WebAudio (no sound file): the chime for a new visitor message,
// and a rising two-note tone for a task given to the person at this desk.
let ctx: AudioContext | null = null;

function tone(notes: [frequency: number, start: number, length: number][]): void {
  try {
    ctx ??= new AudioContext();
    for (const [frequency, start, length] of notes) {
      const o = ctx.createOscillator();
      const g = ctx.createGain();
      o.frequency.value = frequency;
      g.gain.value = 0.1;
      o.connect(g).connect(ctx.destination);
      o.start(ctx.currentTime + start);
      o.stop(ctx.currentTime + start + length);
    }
  } catch {
    /* no audio device: what is on screen still says it */
  }
}

export function chime(): void {
  tone([[660, 0, 0.2]]);
}

/** A task for me: distinct from the chime, so the two can be told apart by ear. */
export function taskTone(): void {
  tone([
    [523, 0, 0.15],
    [784, 0.17, 0.22],
  ]);
}
