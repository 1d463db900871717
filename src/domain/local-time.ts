/**
 * Wall-clock times in a named time zone, with nothing but Intl: when a channel's digest is next due,
 * and whether its quiet hours hold now. A local time that a daylight-saving change skips is taken at
 * the same distance past the change (02:30 on a spring-forward night is 03:30); one it repeats is
 * taken the first time, so a digest is neither skipped nor doubled.
 */

/** Minutes since local midnight, from `HH:MM` (or `H:MM`); null for anything else. */
export function parseClock(text: string): number | null {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text);
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  return h < 24 && min < 60 ? h * 60 + min : null;
}

export const formatClock = (minutes: number): string =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** Bounded before Intl sees it: the longest IANA names are about 30 characters. */
const TZ_SHAPE = /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/;

/** The zone's canonical IANA name, or null when Intl does not know it. */
export function canonicalTimeZone(name: string): string | null {
  if (!TZ_SHAPE.test(name)) return null;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  minutes: number;
  /** 0 Sunday … 6 Saturday. */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f;
}

export function localParts(at: Date, tz: string): LocalParts {
  const parts: Record<string, string> = {};
  for (const p of formatter(tz).formatToParts(at)) parts[p.type] = p.value;
  const year = Number(parts.year);
  const month = Number(parts.month);
  const day = Number(parts.day);
  return {
    year,
    month,
    day,
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
    weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay(),
  };
}

/** `YYYY-MM-DD` of a local date. */
export const localDateKey = (p: Pick<LocalParts, 'year' | 'month' | 'day'>): string =>
  `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;

/** The zone's offset from UTC at `at`, in minutes (positive east of Greenwich). */
function offsetMinutes(at: Date, tz: string): number {
  const p = localParts(at, tz);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, 0, p.minutes);
  return Math.round((asUtc - Math.floor(at.getTime() / 60_000) * 60_000) / 60_000);
}

/**
 * The instant of a local wall time on a local date. Of the offsets in force around it, the earlier
 * one that reproduces the wall time wins (a repeated hour: its first pass); when none does (a skipped
 * hour), the wall time is read with the offset before the change, which lands past it.
 */
export function instantOf(date: Pick<LocalParts, 'year' | 'month' | 'day'>, minutes: number, tz: string): Date {
  const naive = Date.UTC(date.year, date.month - 1, date.day, 0, minutes);
  const offsets = [...new Set([offsetMinutes(new Date(naive - 86_400_000), tz), offsetMinutes(new Date(naive + 86_400_000), tz)])];
  const candidates = offsets.map((o) => new Date(naive - o * 60_000)).sort((a, b) => a.getTime() - b.getTime());
  for (const c of candidates) {
    const p = localParts(c, tz);
    if (p.day === date.day && p.minutes === minutes) return c;
  }
  // Skipped: the offset in force before the change (the larger UTC instant of the two readings).
  return candidates[candidates.length - 1] as Date;
}

export type DigestDays = 'daily' | 'weekdays';

export interface DailyTime {
  days: DigestDays;
  /** Minutes since local midnight. */
  minutes: number;
  tz: string;
}

/**
 * The first occurrence of the local time strictly after `after`, and its local date (what makes a
 * day's digest unique). Counting from `after` rather than from the last due time is what turns any
 * downtime into one catch-up, never one per missed day.
 */
export function nextOccurrence(after: Date, time: DailyTime): { at: Date; localDate: string } {
  const today = localParts(after, time.tz);
  for (let i = 0; i < 9; i++) {
    const d = new Date(Date.UTC(today.year, today.month - 1, today.day + i));
    const date = { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
    const weekday = d.getUTCDay();
    if (time.days === 'weekdays' && (weekday === 0 || weekday === 6)) continue;
    const at = instantOf(date, time.minutes, time.tz);
    if (at.getTime() > after.getTime()) return { at, localDate: localDateKey(date) };
  }
  throw new Error('no occurrence within nine days');
}

export interface QuietHours {
  /** Minutes since local midnight; `start` > `end` spans midnight. */
  start: number;
  end: number;
  tz: string;
}

/** Whether the quiet hours hold at `at`, and if so, when they end. */
export function quietUntil(at: Date, quiet: QuietHours): Date | null {
  if (quiet.start === quiet.end) return null;
  const p = localParts(at, quiet.tz);
  const inside =
    quiet.start < quiet.end ? p.minutes >= quiet.start && p.minutes < quiet.end : p.minutes >= quiet.start || p.minutes < quiet.end;
  if (!inside) return null;
  return nextOccurrence(at, { days: 'daily', minutes: quiet.end, tz: quiet.tz }).at;
}
