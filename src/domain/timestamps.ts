/**
 * SeekrFlow's timestamps as the API sends them: `Z` or `±HH:MM`, with or without (micro)seconds
 * (docs/seekrflow-api.md). Pure and allocation-light: a timeline holds hundreds of them.
 */

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Parses the API's timestamps: `Z` or `±HH:MM`, with or without (micro)seconds. No zone means UTC,
 * which is what SeekrFlow uses. Returns null for anything else, including impossible dates.
 */
export function parseTimestamp(s: string): Date | null {
  const ms = timestampMillis(s);
  return ms === null ? null : new Date(ms);
}

/** The longest timestamp read (`2026-07-28T14:00:00.123456789+00:00` is 35): longer text is not one, and is not scanned. */
const MAX_TIMESTAMP_LENGTH = 64;

/** `parseTimestamp` as epoch milliseconds, without allocating a Date (the timeline reads hundreds). */
export function timestampMillis(s: string): number | null {
  if (s.length > MAX_TIMESTAMP_LENGTH) return null;
  return canonicalUtcMillis(s) ?? generalMillis(s);
}

const digitAt = (s: string, i: number) => {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : Number.NaN;
};
const digits = (s: string, from: number, count: number) => {
  let n = 0;
  for (let i = from; i < from + count; i++) n = n * 10 + digitAt(s, i);
  return n;
};

/**
 * Fast path for what the API sends nearly always, `2026-07-28T14:00:00[.ffffff](Z|+00:00)`: no
 * regex and no intermediate strings. Anything else (or an impossible date) goes the general way.
 */
function canonicalUtcMillis(s: string): number | null {
  if (s.length < 20 || s[4] !== '-' || s[7] !== '-' || s[10] !== 'T' || s[13] !== ':' || s[16] !== ':') return null;
  let end = 19;
  let millis = 0;
  if (s[end] === '.') {
    let scale = 100;
    end++;
    while (end < s.length && digitAt(s, end) >= 0) {
      millis += digitAt(s, end) * scale;
      scale /= 10;
      end++;
    }
    millis = Math.floor(millis);
  }
  const zone = s.slice(end);
  if (zone !== 'Z' && zone !== '+00:00') return null;
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  const second = digits(s, 17, 2);
  if (!(month >= 1 && month <= 12 && day >= 1 && hour <= 23 && minute <= 59 && second <= 59)) return null;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  // Date.UTC rolls 2026-02-30 over into March: reject instead of showing a different day.
  return new Date(ms).getUTCDate() === day ? ms : null;
}

function generalMillis(s: string): number | null {
  const m = TIMESTAMP.exec(s.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, sec, frac, zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = sec === undefined ? 0 : Number(sec);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  const millis = frac === undefined ? 0 : Number(frac.slice(0, 3).padEnd(3, '0'));
  let ms = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  if (new Date(ms).getUTCDate() !== day) return null;
  if (zone && zone !== 'Z' && zone !== 'z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const hhmm = zone.slice(1).replace(':', '');
    ms -= sign * (Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(2) || '0')) * 60_000;
  }
  return Number.isFinite(ms) ? ms : null;
}
