// biome-ignore-all lint/style/noExcessiveLinesPerFile: one concern, the scanner (see below): its tables, scratch and cache are shared on the hottest path of a poll.
import { clip, clipShort, LONG_TEXT_BOUND } from './bounds.js';

/**
 * The failure-text scanner: reads an error or a fix once and says what it means once what differs
 * from file to file is set aside (the file's own name, numbers, ids, paths, URLs, other file names),
 * as a key two texts of one cause share, and where the parts that differ stand. Grouping by cause
 * (failure-groups.ts) is built on it.
 *
 * Pure and bounded: only the first LONG_TEXT_BOUND characters of a text are read, by a hand-written
 * scanner: no regular expression runs on the texts, so nothing can backtrack. Texts that repeat,
 * exactly or but for the file's name, are looked up rather than read again.
 *
 * Longer than the house's files, as one concern: the character classes, the scanner and the cache
 * share tables and scratch state that a split would have to pass around on the hottest path of a
 * poll (every failed file of every changed job).
 */

/** What replaces the parts that differ between the files of a group. */
export const VARYING = '…';

/** Characters (UTF-16 units) of an error or fix that decide its group. */
const TEXT_READ = LONG_TEXT_BOUND;
/** The file's own name and stem are recognised when at least this long ("a.pdf" would eat every "a"). */
const NAME_MIN = 3;
/** Occurrences of the file's name looked for per text: a text repeating it costs no more. */
const NAME_OCCURRENCES = 8;
/** A quoted name ('final report (v2).pdf') is looked for this far after its opening quote. */
const QUOTED_MAX = 200;

// ---------------------------------------------------------------------------------------------
// Characters
// ---------------------------------------------------------------------------------------------

/** Space and punctuation: separates words, and a run of it counts as one space. */
const SEP = 0;
/** Letters of scripts written with spaces (ASCII, Latin), `_` and combining marks: part of a token. */
const LETTER = 1;
/** ASCII digits: part of a token, and make it vary. */
const DIGIT = 2;
/** `-`, `.`, `~`: join a token's parts; at a token's ends they are punctuation. */
const JOIN = 3;
/** `/`, `\`: join a path's parts. */
const SLASH = 4;
/** Quotes that may open a quoted name; otherwise punctuation. */
const QUOTE = 5;
/** Any other character (CJK, Cyrillic, emoji…): a word of its own, kept as it is. */
const WIDE = 6;
/** Digits of other scripts (１２, ٣٤): a run of them varies. */
const OTHER_DIGIT = 7;

const ASCII_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || ch === '_') ASCII_CLASS[c] = LETTER;
  else if (c >= 0x30 && c <= 0x39) ASCII_CLASS[c] = DIGIT;
  else if (ch === '-' || ch === '.' || ch === '~') ASCII_CLASS[c] = JOIN;
  else if (ch === '/' || ch === '\\') ASCII_CLASS[c] = SLASH;
  else if (ch === "'" || ch === '"' || ch === '`') ASCII_CLASS[c] = QUOTE;
  else ASCII_CLASS[c] = SEP;
}

function classOf(c: number): number {
  if (c < 128) return ASCII_CLASS[c] as number;
  if (c >= 0xc0 && c <= 0x24f) return c === 0xd7 || c === 0xf7 ? SEP : LETTER;
  if (c >= 0x300 && c <= 0x36f) return LETTER;
  if (c === 0x2018 || c === 0x201c) return QUOTE;
  // Latin-1 punctuation and no-break space, general punctuation (incl. bidi controls), CJK and
  // full-width punctuation, the byte-order mark.
  if (
    c <= 0xbf ||
    (c >= 0x2000 && c <= 0x206f) ||
    (c >= 0x3000 && c <= 0x303f) ||
    (c >= 0xff01 && c <= 0xff0f) ||
    (c >= 0xff1a && c <= 0xff20) ||
    c === 0xfeff
  ) {
    return SEP;
  }
  if ((c >= 0xff10 && c <= 0xff19) || (c >= 0x660 && c <= 0x669) || (c >= 0x6f0 && c <= 0x6f9) || (c >= 0x966 && c <= 0x96f)) {
    return OTHER_DIGIT;
  }
  return WIDE;
}

/** Lower case for the scripts whose case is a single offset; the rest as they are. */
function lower(c: number): number {
  if (c < 128) return c >= 0x41 && c <= 0x5a ? c + 32 : c;
  if ((c >= 0xc0 && c <= 0xde && c !== 0xd7) || (c >= 0x391 && c <= 0x3a9) || (c >= 0x410 && c <= 0x42f)) return c + 32;
  if (c >= 0x400 && c <= 0x40f) return c + 80;
  return c;
}

/** Letters and digits that make a name found in a text part of a longer word (scripts without spaces do not). */
const isWordUnit = (c: number) => {
  const k = c < 128 ? (ASCII_CLASS[c] as number) : c >= 0xc0 && c <= 0x24f && c !== 0xd7 && c !== 0xf7 ? LETTER : SEP;
  return k === LETTER || k === DIGIT;
};

const SIZE_UNITS = new Set(['b', 'kb', 'mb', 'gb', 'tb', 'pb', 'kib', 'mib', 'gib', 'tib', 'byte', 'bytes']);

// ---------------------------------------------------------------------------------------------
// One text: its key (a hash of its constant words) and where its varying parts are
// ---------------------------------------------------------------------------------------------

/** Marks mixed into the key: a run of separators, a varying part. */
const MARK_SEP = 0x20;
const MARK_SLOT = 0x2026;

/**
 * Where the file's name (or stem) stands as a whole word in `text`, as written: sorted,
 * non-overlapping [start, end) pairs, flat.
 */
function nameRanges(text: string, end: number, name: string, stem: string, out: number[]): void {
  out.length = 0;
  if (name.length < NAME_MIN && stem.length < NAME_MIN) return;
  // Searched for in what is read only: a name absent from a 20-million-character text costs nothing.
  const head = end < text.length ? text.slice(0, end) : text;
  for (let which = 0; which < 2; which++) {
    const needle = which === 0 ? name : stem;
    if (needle.length < NAME_MIN) continue;
    let from = 0;
    for (let seen = 0; seen < NAME_OCCURRENCES; seen++) {
      const at = head.indexOf(needle, from);
      if (at < 0) break;
      const stop = at + needle.length;
      from = at + 1;
      if ((at > 0 && isWordUnit(text.charCodeAt(at - 1))) || (stop < text.length && isWordUnit(text.charCodeAt(stop)))) continue;
      let overlap = false;
      for (let i = 0; i < out.length; i += 2) if (at < (out[i + 1] as number) && (out[i] as number) < stop) overlap = true;
      if (overlap) continue;
      out.push(at, stop);
      from = stop;
    }
  }
  if (out.length > 2) {
    const pairs: [number, number][] = [];
    for (let i = 0; i < out.length; i += 2) pairs.push([out[i] as number, out[i + 1] as number]);
    pairs.sort((a, b) => a[0] - b[0]);
    out.length = 0;
    for (const [s, e] of pairs) out.push(s, e);
  }
}

/** Whether text[s, e) ends in a file extension of 2 to 8 characters, the first a letter: `.pdf`, `.gz`, `.docx` (not "e.g"). */
function endsWithExtension(text: string, s: number, e: number): boolean {
  for (let i = e - 1; i > s && i >= e - 9; i--) {
    const c = text.charCodeAt(i);
    if (c === 0x2e) {
      const x = text.charCodeAt(i + 1);
      return i < e - 2 && ((x >= 0x41 && x <= 0x5a) || (x >= 0x61 && x <= 0x7a));
    }
    if (c >= 128 || (ASCII_CLASS[c] !== LETTER && ASCII_CLASS[c] !== DIGIT)) return false;
  }
  return false;
}

/** The URL starting at `s` (a scheme, then `://`), up to white space or a bracket; without trailing punctuation. */
function urlEnd(text: string, s: number, end: number): number {
  let e = s;
  while (e < end) {
    const c = text.charCodeAt(e);
    if (c <= 0x20 || c === 0x22 || c === 0x27 || c === 0x60 || c === 0x3c || c === 0x3e || c === 0x28 || c === 0x29) break;
    if (c === 0x5b || c === 0x5d || c === 0x7b || c === 0x7d || (c >= 0x2000 && c <= 0x206f) || c === 0x3000) break;
    e++;
  }
  while (e > s) {
    const c = text.charCodeAt(e - 1);
    if (c === 0x2e || c === 0x2c || c === 0x3b || c === 0x3a || c === 0x21 || c === 0x3f) e--;
    else break;
  }
  return e;
}

/** Quotes that may open a quoted name, and the quote that closes it. */
const QUOTE_KINDS = [0x27, 0x22, 0x60, 0x2018, 0x201c];
const CLOSING_QUOTES = [0x27, 0x22, 0x60, 0x2019, 0x201d];
/**
 * Per kind of quote, during one scan: the next closing quote is at `quoteAt`; or, when that is -1,
 * there is none before `quoteUpTo`. So each character is looked at once per kind of quote, however
 * many quotes open.
 */
const quoteAt = new Int32Array(QUOTE_KINDS.length);
const quoteUpTo = new Int32Array(QUOTE_KINDS.length);

/** A text's key (two 32-bit lanes, 0 for no text) and its varying parts. */
export interface TextKey {
  h1: number;
  h2: number;
  /** The first MAX_SLOTS varying parts as written; NAME_SLOT and STEM_SLOT stand for the file's own name and stem. */
  slots: SlotValue[];
  /** More than MAX_SLOTS varying parts: they are not compared (all count as varying). */
  overflow: boolean;
}
export const NAME_SLOT = 0;
export const STEM_SLOT = 1;
export type SlotValue = string | typeof NAME_SLOT | typeof STEM_SLOT;

const NO_TEXT: TextKey = { h1: 0, h2: 0, slots: [], overflow: false };

/** Scratch of one scan, reused: where the name stands, and the varying parts found. */
const names: number[] = [];
const found: number[] = [];

/**
 * Reads `text` (its first TEXT_READ units) and returns its key; the varying parts are left in `slots`
 * as flat [start, end) pairs. `nameAt` lists where the file's own name stands (`nameRanges`).
 *
 * Linear: every character is looked at a bounded number of times (a token's once, and its last
 * `-`/`.`/`~` once more; a quoted name's inside once more; each stretch of text is searched for a
 * closing quote once per kind of quote). Hot: no closures, no allocation, the key's lanes in locals.
 * What it decides never depends on the characters of the file's name, only on where it stands: two
 * texts equal but for the name get the same key (the cache in `analyseText` relies on it).
 *
 * One loop on purpose (and longer than the house's functions): a token's characters are mixed into
 * the key as they are read and taken back if the token varies, which functions apart would have to
 * hand each other as state on every character.
 */
// biome-ignore lint/complexity/noExcessiveLinesPerFunction: one loop on purpose, as said above.
function scan(text: string, nameAt: readonly number[], slots: number[], out: string[] | null): TextKey {
  slots.length = 0;
  quoteAt.fill(-1);
  quoteUpTo.fill(0);
  const end = Math.min(text.length, TEXT_READ);
  let h1 = 0x811c9dc5;
  let h2 = 0x2545f491;
  /** A run of separators was seen since the last word (never mixed before the first: the key is trimmed). */
  let pending = false;
  let started = false;
  let name = 0;
  let lastSlotEnd = -2;
  let afterName = -1;
  let i = 0;
  while (i < end) {
    const nextName = name < nameAt.length ? (nameAt[name] as number) : end;
    let slotStart = -1;
    let slotEnd = -1;
    /** Where reading goes on after the varying part, and whether a separator comes first. */
    let next = -1;
    let sepAfter = false;
    if (i === nextName) {
      slotStart = i;
      slotEnd = nameAt[name + 1] as number;
      next = slotEnd;
      name += 2;
      afterName = slotEnd;
    } else {
      const c = text.charCodeAt(i);
      const k = c < 128 ? (ASCII_CLASS[c] as number) : classOf(c);
      if (k === SEP) {
        pending = true;
        i++;
        continue;
      }
      if (k === WIDE) {
        if (pending && started) {
          h1 = Math.imul(h1 ^ MARK_SEP, 0x01000193);
          h2 = Math.imul(h2 ^ MARK_SEP, 0x5bd1e995);
          h2 ^= h2 >>> 15;
          if (out !== null) out.push(' ');
        }
        pending = false;
        started = true;
        const u = lower(c);
        h1 = Math.imul(h1 ^ u, 0x01000193);
        h2 = Math.imul(h2 ^ u, 0x5bd1e995);
        h2 ^= h2 >>> 15;
        if (out !== null) out.push(String.fromCharCode(u));
        i++;
        continue;
      }
      if (k === OTHER_DIGIT) {
        let e = i + 1;
        while (e < nextName && classOf(text.charCodeAt(e)) === OTHER_DIGIT) e++;
        slotStart = i;
        slotEnd = e;
        next = e;
      } else if (k === QUOTE) {
        const close = i === afterName ? -1 : quotedNameEnd(text, i, end, nextName);
        if (close < 0) {
          pending = true;
          i++;
          continue;
        }
        slotStart = i + 1;
        slotEnd = close;
        next = close + 1;
        sepAfter = true;
      } else {
        // A token: letters, digits, `-` `.` `~`, slashes; the `-` `.` `~` at its ends are punctuation.
        // Its characters are mixed into the key as they are read; if it turns out to vary, the key
        // goes back to what it was before the token.
        const before1 = h1;
        const before2 = h2;
        const wasPending = pending;
        const wasStarted = started;
        let e = i;
        let s = -1;
        let last = -1;
        let digits = false;
        let slashes = 0;
        while (e < nextName) {
          const cc = text.charCodeAt(e);
          const kk = cc < 128 ? (ASCII_CLASS[cc] as number) : classOf(cc);
          if (kk === JOIN || (cc === 0x2c && last === e - 1 && digits && isDigitAt(text, e - 1) && isDigitAt(text, e + 1))) {
            // `-`, `.`, `~`, and the comma of "1,048,576".
            e++;
            continue;
          }
          if (kk !== LETTER && kk !== DIGIT && kk !== SLASH) break;
          if (s < 0) {
            s = e;
            if (s > i) pending = true;
            if (pending && started) {
              h1 = Math.imul(h1 ^ MARK_SEP, 0x01000193);
              h2 = Math.imul(h2 ^ MARK_SEP, 0x5bd1e995);
              h2 ^= h2 >>> 15;
            }
          } else {
            // `-`, `.`, `~` inside the token.
            for (let j = last + 1; j < e; j++) {
              const u = text.charCodeAt(j);
              h1 = Math.imul(h1 ^ u, 0x01000193);
              h2 = Math.imul(h2 ^ u, 0x5bd1e995);
              h2 ^= h2 >>> 15;
            }
          }
          const u = cc < 128 ? (cc >= 0x41 && cc <= 0x5a ? cc + 32 : cc) : lower(cc);
          h1 = Math.imul(h1 ^ u, 0x01000193);
          h2 = Math.imul(h2 ^ u, 0x5bd1e995);
          h2 ^= h2 >>> 15;
          last = e;
          if (kk === DIGIT) digits = true;
          else if (kk === SLASH) slashes++;
          e++;
        }
        if (s < 0) {
          // Only `-`, `.`, `~`: punctuation.
          pending = true;
          i = e;
          continue;
        }
        const te = last + 1;
        const first = text.charCodeAt(s);
        const colon = te === e && e < nextName && !digits && slashes === 0 && text.charCodeAt(te) === 0x3a;
        const after = colon ? text.charCodeAt(te + 1) : 0;
        if (colon && after === 0x2f && text.charCodeAt(te + 2) === 0x2f) {
          // scheme://…
          slotStart = s;
          slotEnd = urlEnd(text, s, Math.min(end, nextName));
          next = slotEnd;
        } else if (colon && te - s === 1 && (after === 0x5c || after === 0x2f)) {
          // A drive: C:\imports\x.pdf.
          let pe = te + 1;
          while (pe < end && pe < nextName && isTokenAt(text, pe)) pe++;
          while (pe > te + 1 && classOf(text.charCodeAt(pe - 1)) === JOIN) pe--;
          slotStart = s;
          slotEnd = pe;
          next = pe;
        } else if (digits || slashes >= 2 || ((first === 0x2f || first === 0x5c) && te - s > 1) || endsWithExtension(text, s, te)) {
          slotStart = s;
          slotEnd = te;
          next = e;
          sepAfter = te < e;
        } else if (s === lastSlotEnd + 1 && text.charCodeAt(lastSlotEnd) === 0x20 && isUnit(text, s, te)) {
          // "12 MB": the unit belongs to the number before it.
          h1 = before1;
          h2 = before2;
          slots[slots.length - 1] = te;
          lastSlotEnd = te;
          pending = te < e;
          i = e;
          continue;
        } else {
          if (out !== null) {
            if (pending && started) out.push(' ');
            out.push(text.slice(s, te).toLowerCase());
          }
          started = true;
          pending = te < e;
          i = e;
          continue;
        }
        h1 = before1;
        h2 = before2;
        pending = wasPending || s > i;
        started = wasStarted;
      }
    }
    // A varying part: one mark in the key.
    if (pending && started) {
      h1 = Math.imul(h1 ^ MARK_SEP, 0x01000193);
      h2 = Math.imul(h2 ^ MARK_SEP, 0x5bd1e995);
      h2 ^= h2 >>> 15;
      if (out !== null) out.push(' ');
    }
    h1 = Math.imul(h1 ^ MARK_SLOT, 0x01000193);
    h2 = Math.imul(h2 ^ MARK_SLOT, 0x5bd1e995);
    h2 ^= h2 >>> 15;
    if (out !== null) out.push(VARYING);
    started = true;
    pending = sepAfter;
    slots.push(slotStart, slotEnd);
    lastSlotEnd = slotEnd;
    i = next;
  }
  return { h1, h2, slots: [], overflow: false };
}

const isDigitAt = (text: string, i: number) => {
  const c = text.charCodeAt(i);
  return c >= 0x30 && c <= 0x39;
};

const isTokenAt = (text: string, i: number) => {
  const k = classOf(text.charCodeAt(i));
  return k === LETTER || k === DIGIT || k === JOIN || k === SLASH;
};

function isUnit(text: string, s: number, e: number): boolean {
  return e - s <= 5 && SIZE_UNITS.has(text.slice(s, e).toLowerCase());
}

/**
 * The closing quote of a quoted name opening at `i` ('final report (v2).pdf'): its position, or -1
 * when `i` does not open one (inside a word, as in "doesn't"; nothing closing within QUOTED_MAX or
 * before `limit`; a line break inside; not a file name).
 */
function quotedNameEnd(text: string, i: number, end: number, limit: number): number {
  if (i > 0 && isWordUnit(text.charCodeAt(i - 1))) return -1;
  const kind = QUOTE_KINDS.indexOf(text.charCodeAt(i));
  if (kind < 0) return -1;
  const closing = CLOSING_QUOTES[kind] as number;
  const start = i + 1;
  const window = Math.min(end, limit, start + QUOTED_MAX);
  let at = quoteAt[kind] as number;
  if (at < start) {
    // Look further, never at a character already looked at for this kind of quote.
    let j = at < 0 ? Math.max(start, quoteUpTo[kind] as number) : start;
    while (j < window && text.charCodeAt(j) !== closing) j++;
    if (j < window) {
      at = j;
      quoteAt[kind] = j;
    } else {
      at = -1;
      quoteAt[kind] = -1;
      quoteUpTo[kind] = Math.max(window, quoteUpTo[kind] as number);
    }
  }
  if (at < 0 || at >= window) return -1;
  if (at + 1 < end && isWordUnit(text.charCodeAt(at + 1))) return -1;
  for (let j = start; j < at; j++) if (text.charCodeAt(j) === 0x0a) return -1;
  return endsWithExtension(text, start, at) ? at : -1;
}

/** Name and stem of a file as they are searched for in its texts. */
export function needlesOf(fileName: string): { name: string; stem: string } {
  const name = clipShort(fileName).trim();
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 && name.length - dot <= 9 ? name.slice(0, dot) : '';
  return { name: name.length >= NAME_MIN ? name : '', stem: stem.length >= NAME_MIN ? stem : '' };
}

/** No text, or only white space in what is read (a text of a million spaces costs what a short one does). */
const isBlank = (text: string | null): text is null =>
  text == null || (text.length > TEXT_READ ? text.slice(0, TEXT_READ) : text).trim() === '';

/**
 * The canonical form of a text, as it decides groups: lower case, what varies between files as "…",
 * each run of spaces and punctuation as one space. For tests and for explaining a grouping.
 */
export function normaliseFailureText(text: string | null, fileName = ''): string {
  if (isBlank(text)) return '';
  const { name, stem } = needlesOf(fileName);
  const out: string[] = [];
  nameRanges(text, Math.min(text.length, TEXT_READ), name, stem, names);
  scan(text, names, found, out);
  return out.join('');
}

// ---------------------------------------------------------------------------------------------
// Texts, analysed once
// ---------------------------------------------------------------------------------------------

/** Texts analysed during one grouping; cleared when full, so memory stays bounded whatever the job. */
const CACHE_ENTRIES = 2_048;
/** Varying parts of a text compared between files; a text with more (a hostile one) has them all vary. */
const MAX_SLOTS = 24;

/** The texts of one grouping already analysed, and whether looking them up still pays. */
export interface TextCache {
  map: Map<string, TextKey>;
  lookups: number;
  hits: number;
}

/** After this many look-ups, a cache that hit less than one in eight times is given up for the grouping. */
const CACHE_TRIAL = 512;

/**
 * A text's key and varying parts. Failures of one cause often share their words exactly, or but for
 * the file's own name ("No text layer in scan-0042.pdf"): such a text is looked up (its name cut out)
 * rather than read again, which costs a hash of it instead of a scan.
 */
export function analyseText(text: string | null, name: string, stem: string, cache: TextCache): TextKey {
  if (isBlank(text)) return NO_TEXT;
  const end = Math.min(text.length, TEXT_READ);
  nameRanges(text, end, name, stem, names);
  const caching = cache.lookups < CACHE_TRIAL || cache.hits * 8 >= cache.lookups;
  if (!caching) return slotsOf(text, name, scan(text, names, found, null));
  let id = end === text.length ? text : text.slice(0, end);
  if (names.length > 0) {
    // The text without the name: the name's place keeps a mark (name or stem), nothing of its letters.
    const pieces: string[] = [];
    let at = 0;
    for (let k = 0; k < names.length; k += 2) {
      const s = names[k] as number;
      pieces.push(text.slice(at, s), text.slice(s, names[k + 1]) === name ? '\u0000' : '\u0001');
      at = names[k + 1] as number;
    }
    pieces.push(text.slice(at, end));
    id = pieces.join('');
  }
  cache.lookups++;
  const known = cache.map.get(id);
  if (known) {
    cache.hits++;
    return known;
  }
  const key = slotsOf(text, name, scan(text, names, found, null));
  if (cache.map.size >= CACHE_ENTRIES) cache.map.clear();
  cache.map.set(id, key);
  return key;
}

/** The varying parts `scan` left in `found`, as texts (the file's own name as NAME_SLOT or STEM_SLOT). */
function slotsOf(text: string, name: string, key: TextKey): TextKey {
  key.overflow = found.length > 2 * MAX_SLOTS;
  const count = Math.min(found.length, 2 * MAX_SLOTS);
  let n = 0;
  for (let k = 0; k < count; k += 2) {
    const s = found[k] as number;
    const e = found[k + 1] as number;
    // A varying part that is the file's own name is kept as "the name", not as this file's name.
    while (n < names.length && (names[n + 1] as number) <= s) n += 2;
    const isName = n < names.length && names[n] === s && names[n + 1] === e;
    key.slots.push(isName ? (e - s === name.length && text.startsWith(name, s) ? NAME_SLOT : STEM_SLOT) : text.slice(s, e));
  }
  return key;
}

const SPACE_RUNS = /\s+/g;
const ELLIPSIS_RUNS = /…(?:\s*…)+/g;

/** The first file's text, with what varies in the group replaced by "…"; a group of one keeps its text. */
export function representative(text: string | null, count: number, name: string, stem: string, varies: boolean[] | null): string | null {
  if (isBlank(text)) return null;
  if (count === 1 || (varies !== null && !varies.includes(true) && text.length <= TEXT_READ)) return clip(text, TEXT_READ);
  nameRanges(text, Math.min(text.length, TEXT_READ), name, stem, names);
  scan(text, names, found, null);
  const out: string[] = [];
  let at = 0;
  for (let k = 0; k < found.length; k += 2) {
    const s = found[k] as number;
    const e = found[k + 1] as number;
    out.push(text.slice(at, s), varies === null || varies[k / 2] ? VARYING : text.slice(s, e));
    at = e;
  }
  out.push(text.slice(at, Math.min(text.length, TEXT_READ)));
  // Past what was read, the files were not compared.
  if (text.length > TEXT_READ) out.push(VARYING);
  // join() makes a new flat string: nothing returned keeps a huge input alive.
  return clip(out.join('').replace(SPACE_RUNS, ' ').replace(ELLIPSIS_RUNS, VARYING).trim(), TEXT_READ);
}
