import { describe, expect, it } from 'vitest';
import { canonicalTimeZone, nextOccurrence, parseClock, quietUntil } from './local-time.js';

const at = (iso: string) => new Date(iso);

describe('local time', () => {
  it('reads HH:MM and nothing else', () => {
    expect(parseClock('09:00')).toBe(540);
    expect(parseClock('9:05')).toBe(545);
    expect(parseClock('23:59')).toBe(1439);
    for (const bad of ['24:00', '12:60', '9', '09:0', 'nine', '09:00:00', ' 09:00']) expect(parseClock(bad), bad).toBeNull();
  });

  it('knows IANA zones through Intl, and refuses anything else', () => {
    expect(canonicalTimeZone('Europe/Berlin')).toBe('Europe/Berlin');
    expect(canonicalTimeZone('UTC')).toBe('UTC');
    for (const bad of ['Mars/Olympus', 'Europe/Berlin; DROP', '', 'x'.repeat(200)]) expect(canonicalTimeZone(bad), bad).toBeNull();
  });

  it('is due next at the local hour in its zone, today if still ahead, else tomorrow', () => {
    const time = { days: 'daily' as const, minutes: 540, tz: 'America/New_York' };
    // A minute before the hour in New York, in winter.
    expect(nextOccurrence(at('2026-01-15T13:59:00Z'), time)).toEqual({ at: at('2026-01-15T14:00:00Z'), localDate: '2026-01-15' });
    // Exactly at the hour: strictly after, so the next day.
    expect(nextOccurrence(at('2026-01-15T14:00:00Z'), time)).toEqual({ at: at('2026-01-16T14:00:00Z'), localDate: '2026-01-16' });
  });

  it('skips weekends for a weekdays digest', () => {
    const time = { days: 'weekdays' as const, minutes: 540, tz: 'Europe/Berlin' };
    // A Friday morning in Berlin, past the hour: the next is on Monday.
    expect(nextOccurrence(at('2026-01-16T09:00:00Z'), time).localDate).toBe('2026-01-19');
  });

  it('keeps the local hour across daylight saving, neither skipping nor doubling', () => {
    const nine = { days: 'daily' as const, minutes: 540, tz: 'America/New_York' };
    // New York springs forward that Sunday: its local hour is an hour earlier in UTC from then on.
    const sat = nextOccurrence(at('2026-03-07T12:00:00Z'), nine);
    expect(sat.at).toEqual(at('2026-03-07T14:00:00Z'));
    const sun = nextOccurrence(sat.at, nine);
    expect(sun).toEqual({ at: at('2026-03-08T13:00:00Z'), localDate: '2026-03-08' });
    // A time the change skips goes an hour later, once that day.
    const skipped = nextOccurrence(at('2026-03-08T05:00:00Z'), { ...nine, minutes: 150 });
    expect(skipped).toEqual({ at: at('2026-03-08T07:30:00Z'), localDate: '2026-03-08' });
    // A time the autumn change repeats goes the first time only.
    const repeated = { ...nine, minutes: 90 };
    const first = nextOccurrence(at('2026-11-01T04:00:00Z'), repeated);
    expect(first).toEqual({ at: at('2026-11-01T05:30:00Z'), localDate: '2026-11-01' });
    expect(nextOccurrence(first.at, repeated).localDate).toBe('2026-11-02');
    // Asked during the repeated hour's second pass: still not again that day.
    expect(nextOccurrence(at('2026-11-01T06:45:00Z'), repeated).localDate).toBe('2026-11-02');
  });

  it('says whether quiet hours hold, across midnight, and when they end', () => {
    const quiet = { start: 19 * 60, end: 8 * 60, tz: 'Europe/London' };
    expect(quietUntil(at('2026-01-15T18:59:00Z'), quiet)).toBeNull();
    expect(quietUntil(at('2026-01-15T19:00:00Z'), quiet)).toEqual(at('2026-01-16T08:00:00Z'));
    expect(quietUntil(at('2026-01-16T07:59:00Z'), quiet)).toEqual(at('2026-01-16T08:00:00Z'));
    expect(quietUntil(at('2026-01-16T08:00:00Z'), quiet)).toBeNull();
    // In summer London is UTC+1.
    expect(quietUntil(at('2026-07-15T18:30:00Z'), quiet)).toEqual(at('2026-07-16T07:00:00Z'));
  });
});
