import { parseTimestamp } from '../../domain/timestamps.js';
import { escapeAndTruncate } from './escape.js';

/**
 * How times and numbers read in a message: Slack date tokens (each reader's own time zone), counts,
 * sizes, percentages and durations.
 */

const pad = (n: number) => String(n).padStart(2, '0');

/** `2026-07-28 14:00 UTC`: what readers see where Slack cannot render a date token. */
function utcFallback(date: Date): string {
  return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())} UTC`;
}

/** A Slack date token: each reader sees the time in their own time zone. */
export function dateToken(date: Date): string {
  const ms = date.getTime();
  // Slack's tokens take a non-negative Unix time; other years are shown as plain UTC.
  if (!Number.isFinite(ms)) return 'unknown time';
  const year = date.getUTCFullYear();
  if (ms < 0 || year > 9999) return utcFallback(date);
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time}|${utcFallback(date)}>`;
}

/** An API timestamp as a date token, or its escaped raw text when it cannot be parsed. */
export function formatTimestamp(raw: string | null | undefined, maxRaw = 40): string {
  if (raw == null || raw.trim() === '') return '—';
  const date = parseTimestamp(raw);
  return date ? dateToken(date) : escapeAndTruncate(raw, maxRaw, { oneLine: true });
}

// ---------------------------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------------------------

const integers = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 12345 → "12,345". */
export function formatCount(n: number): string {
  return integers.format(n);
}

const BYTE_UNITS = ['KB', 'MB', 'GB', 'TB', 'PB'] as const;

/** Human sizes in SI units (1 KB = 1,000 bytes, as the labels say): "15.1 MB". */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return 'unknown size';
  if (bytes < 1000) return `${Math.round(bytes)} B`;
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 999.95 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${BYTE_UNITS[unit]}`;
}

/**
 * A fraction in [0, 1] as a whole percentage. The product is rounded to 6 decimals first so that
 * 0.425 and 42.5/100 give the same 43% whatever floating point does with them. A job that is not
 * finished never shows 100%.
 */
export function percent(fraction: number): number {
  if (!Number.isFinite(fraction) || fraction <= 0) return 0;
  if (fraction >= 1) return 100;
  const p = Math.round(Number((fraction * 100).toFixed(6)));
  return Math.min(99, p);
}

/** `▓▓▓▓░░░░░░ 43%`: cells are filled only when reached, so the bar never looks ahead of the number. */
export function progressBar(fraction: number, cells = 10): string {
  const p = percent(fraction);
  const filled = Math.min(cells, Math.floor((p * cells) / 100));
  return `${'▓'.repeat(filled)}${'░'.repeat(cells - filled)} ${p}%`;
}

/** 53 → "53 min", 125 → "2 h 5 min", 3000 → "2 d 2 h". Null for nonsense. */
export function formatMinutes(minutes: number): string | null {
  if (!Number.isFinite(minutes) || minutes < 0) return null;
  if (minutes < 1) return 'under a minute';
  const m = Math.round(minutes);
  if (m < 60) return `${m} min`;
  if (m < 24 * 60) return m % 60 === 0 ? `${m / 60} h` : `${Math.floor(m / 60)} h ${m % 60} min`;
  const days = Math.floor(m / (24 * 60));
  const hours = Math.floor((m % (24 * 60)) / 60);
  return hours === 0 ? `${formatCount(days)} d` : `${formatCount(days)} d ${hours} h`;
}

/** "1 file" / "3 files". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}
