/**
 * mrkdwn building blocks: escaping, length-safe truncation, date tokens and small formatters.
 * Everything here is pure and cheap; lengths are Unicode code points, as Slack counts them.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/**
 * Makes text inert in mrkdwn: `<!channel>`, `<@U123>` and `<https://x|label>` stop being markup.
 * Only `&`, `<` and `>` are control characters; Slack shows `&amp;` etc. as the plain character.
 */
export function escapeMrkdwn(s: string): string {
  return s.replace(/[&<>]/g, (c) => ESCAPES[c] ?? c);
}

const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff;

/** Length in code points (a lone surrogate counts as one, as `for…of` does). */
export function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 0; i + 1 < s.length; i++) {
    if (isHighSurrogate(s.charCodeAt(i)) && isLowSurrogate(s.charCodeAt(i + 1))) {
      n--;
      i++;
    }
  }
  return n;
}

/** The UTF-16 offset where code point number `k` starts (or the string's length). */
function offsetOfCodePoint(s: string, k: number): number {
  let i = 0;
  for (let n = 0; n < k && i < s.length; n++) {
    i += isHighSurrogate(s.charCodeAt(i)) && i + 1 < s.length && isLowSurrogate(s.charCodeAt(i + 1)) ? 2 : 1;
  }
  return i;
}

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });
/** How far around a cut to look for grapheme boundaries; longer clusters are cut by code point. */
const GRAPHEME_WINDOW = 32;

/**
 * The last grapheme boundary at or before `cut`, so that truncation never separates an accent from
 * its letter or splits an emoji ZWJ sequence. Only a window around the cut is segmented: this stays
 * O(1) for 5,000-character strings. A boundary at the window's own start is not trusted (the window
 * may start inside a cluster); without another one, the code-point cut stands.
 */
function graphemeCut(s: string, cut: number): number {
  let start = Math.max(0, cut - GRAPHEME_WINDOW);
  if (start > 0 && isLowSurrogate(s.charCodeAt(start))) start--;
  const window = s.slice(start, Math.min(s.length, cut + GRAPHEME_WINDOW));
  let best = -1;
  for (const { index } of graphemes.segment(window)) {
    if (start + index > cut) break;
    best = index;
  }
  return best > 0 || (best === 0 && start === 0) ? start + best : cut;
}

const ELLIPSIS = '…';

/**
 * Cuts `s` to at most `max` code points, ending with `…` when something was cut. Never splits a
 * surrogate pair or a grapheme cluster (emoji, combining marks), and, when `escaped`, never an
 * `&amp;`/`&lt;`/`&gt;` entity (an escaped string's only `&`s start entities).
 */
export function truncate(s: string, max: number, escaped = false): string {
  if (s.length <= max) return s;
  if (max < 1) return '';
  if (codePointLength(s) <= max) return s;
  // A first cluster longer than the room (a family emoji in 3 code points) leaves just the `…`.
  let cut = graphemeCut(s, offsetOfCodePoint(s, max - 1));
  if (escaped) {
    const amp = s.lastIndexOf('&', cut - 1);
    if (amp >= 0 && amp >= cut - 4 && s.indexOf(';', amp) >= cut) cut = amp;
  }
  return `${s.slice(0, cut).trimEnd()}${ELLIPSIS}`;
}

/**
 * Turns line breaks into spaces for one-line places such as names. (A plain character class: a
 * pattern with `\s*` around it would backtrack quadratically on long runs of spaces.)
 */
export function oneLine(s: string): string {
  return s.replace(/[\r\n\u2028\u2029]+/g, ' ');
}

/**
 * API text → mrkdwn of at most `max` code points: escaped, then truncated without breaking an
 * entity. A long input is cut first so that 5,000-character strings cost no more than short ones:
 * escaping only grows text, so its first 2·max+64 UTF-16 units (≥ max+32 code points) decide the
 * result.
 */
export function escapeAndTruncate(raw: string, max: number, options: { oneLine?: boolean } = {}): string {
  const text = options.oneLine ? oneLine(raw) : raw;
  const head = text.length > 2 * max + 64 ? text.slice(0, 2 * max + 64) : text;
  return truncate(escapeMrkdwn(head), max, true);
}

// ---------------------------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------------------------

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Parses the API's timestamps: `Z` or `±HH:MM`, with or without (micro)seconds. No zone means UTC,
 * which is what SeekrFlow uses. Returns null for anything else, including impossible dates.
 */
export function parseTimestamp(s: string): Date | null {
  const ms = timestampMillis(s);
  return ms === null ? null : new Date(ms);
}

/** `parseTimestamp` as epoch milliseconds, without allocating a Date (the timeline reads hundreds). */
export function timestampMillis(s: string): number | null {
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

const pad = (n: number) => String(n).padStart(2, '0');

/** `2026-07-28 14:00 UTC`: what readers see where Slack cannot render a date token. */
export function utcFallback(date: Date): string {
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
