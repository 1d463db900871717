/**
 * Size bounds for text that comes from SeekrFlow. What the bot stores (outbox items, watches) and
 * renders is cut to these first, so that a 20-million-character name costs what a normal one does.
 * They sit above what any surface shows (a renderer cuts further, to its own caps), so cutting here
 * never changes what a reader sees.
 */

/** Names, ids, statuses, types, steps, timestamps: shown on one line, at most a few hundred characters. */
export const SHORT_TEXT_BOUND = 600;
/** Error messages, suggested fixes, timeline and status messages. */
export const LONG_TEXT_BOUND = 1_000;

const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;

/**
 * At most `max` UTF-16 units of `s`, never ending in half a surrogate pair. O(max) for any length.
 * What is cut is a copy: a plain slice would keep the whole original alive (V8's sliced strings point
 * into their parent), and a 600-character name would then pin a 20-million-character answer.
 */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  const end = isHighSurrogate(s.charCodeAt(max - 1)) ? max - 1 : max;
  return structuredClone(s.slice(0, end));
}

export const clipShort = (s: string): string => clip(s, SHORT_TEXT_BOUND);
export const clipLong = (s: string): string => clip(s, LONG_TEXT_BOUND);
export const clipNullable = (s: string | null | undefined, max: number): string | null => (s == null ? null : clip(s, max));
