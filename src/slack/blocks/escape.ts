/**
 * Making API text safe and short for mrkdwn: escaping and length-safe truncation. Pure and cheap;
 * lengths are Unicode code points, as Slack counts them (docs/slack-platform.md).
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/**
 * Makes text inert in mrkdwn: `<!channel>`, `<@U123>` and `<https://x|label>` stop being markup.
 * Only `&`, `<` and `>` are control characters; Slack shows `&amp;` etc. as the plain character.
 */
function escapeMrkdwn(s: string): string {
  return s.replace(/[&<>]/g, (c) => ESCAPES[c] ?? c);
}

const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff;

/** Whether `s` has at most `max` code points; never counts past 2·max units (a code point is 1 or 2). */
const fits = (s: string, max: number) => s.length <= max || (s.length <= 2 * max && codePointLength(s) <= max);

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
 * Cuts `s` to at most `max` code points, ending with `…` when something was cut (or when `more`
 * says the text went on beyond `s`). Never splits a surrogate pair or a grapheme cluster (emoji,
 * combining marks), and, when `escaped`, never an `&amp;`/`&lt;`/`&gt;` entity (an escaped string's
 * only `&`s start entities). O(max) however long `s` is.
 */
export function truncate(s: string, max: number, escaped = false, more = false): string {
  if (!more && fits(s, max)) return s;
  if (max < 1) return '';
  const end = offsetOfCodePoint(s, max - 1);
  // A first cluster longer than the room (a family emoji in 3 code points) leaves just the `…`. At the
  // very end (only when `more`), the last cluster goes: the text it began may go on beyond `s`.
  let cut = graphemeCut(s, end);
  if (escaped) {
    const amp = s.lastIndexOf('&', cut - 1);
    if (amp >= 0 && amp >= cut - 4 && s.indexOf(';', amp) >= cut) cut = amp;
  }
  return `${s.slice(0, cut).trimEnd()}${ELLIPSIS}`;
}

/** Every kind of line break: LF, VT, FF, CR, NEL, and the Unicode line and paragraph separators. */
const LINE_BREAKS = /[\n\v\f\r\u0085\u2028\u2029]+/g;
/**
 * Bidirectional controls: embeddings and overrides (U+202A–U+202E), isolates (U+2066–U+2069) and the
 * marks U+200E, U+200F, U+061C. In API text they reorder what people read (`\u202E` shows
 * `fdp.exe` as `exe.pdf`), and can reach past the text into the bot's own words around it.
 */
const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * API text as one inert line: bidirectional controls are removed, and each run of line breaks
 * becomes one space, so that text from outside can neither reorder what is shown nor start a line
 * that looks like the bot's own (an error ending in `\n*Fix:* rm -rf`). Plain character classes: a
 * pattern with `\s*` around them would backtrack quadratically on long runs of spaces.
 */
export function oneLine(s: string): string {
  return s.replace(BIDI_CONTROLS, '').replace(LINE_BREAKS, ' ');
}

/**
 * API text → one line of mrkdwn of at most `max` code points: made one inert line (`oneLine`),
 * escaped, then truncated without breaking an entity. This is the one gate every SeekrFlow string
 * passes on its way into a message, so every surface (card, thread reply, modal, answers) gets the
 * same protection. Only the first 2·max+64 UTF-16 units (≥ max+32 code points) of the input are ever
 * read, so a 20-million-character string costs what a short one does. Escaping only grows text, so
 * they decide the result; only where line breaks collapse or controls go can the head come out
 * shorter than the room, and then the `…` still says that more followed.
 *
 * `oneLine` is how callers asked for one line before it became the rule; it changes nothing.
 */
export function escapeAndTruncate(raw: string, max: number, _options: { oneLine?: boolean } = {}): string {
  const headLength = 2 * max + 64;
  const cut = raw.length > headLength;
  const head = cut ? raw.slice(0, headLength) : raw;
  return truncate(escapeMrkdwn(oneLine(head)), max, true, cut);
}
