// Opening hours arrive as UTC millisecond intervals computed by the desk in the clinic's time
// zone; the widget only compares and formats them.
export type Span = [number, number];

export function isOpen(openings: Span[], now: number): boolean {
  return openings.some(([a, b]) => a <= now && now < b);
}

export function nextOpening(openings: Span[], now: number): number | null {
  const next = openings.filter(([a]) => a > now).map(([a]) => a);
  return next.length ? Math.min(...next) : null;
}

export function formatOpening(at: number, lang: string, timeZone: string): string {
  return new Intl.DateTimeFormat(lang, { timeZone, weekday: 'long', hour: '2-digit', minute: '2-digit' }).format(at);
}
