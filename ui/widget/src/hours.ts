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

// The days of the week, Sunday first, for a language a browser may have no date data for:
// Chrome ships none for Khmer, and would write "Friday 09:00 AM" in a Khmer sentence. As CLDR
// writes them beside a time.
const WEEKDAYS: Record<string, string[]> = {
  km: ['អាទិត្យ', 'ច័ន្ទ', 'អង្គារ', 'ពុធ', 'ព្រហស្បតិ៍', 'សុក្រ', 'សៅរ៍'],
};

export function formatOpening(at: number, lang: string, timeZone: string): string {
  const days = WEEKDAYS[lang.split('-')[0]];
  if (days && !Intl.DateTimeFormat.supportedLocalesOf(lang).length) {
    const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(
      new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short' }).format(at),
    );
    return `${days[day]} ${new Intl.DateTimeFormat('en-US', { timeZone, hour: '2-digit', minute: '2-digit' }).format(at)}`;
  }
  return new Intl.DateTimeFormat(lang, { timeZone, weekday: 'long', hour: '2-digit', minute: '2-digit' }).format(at);
}
