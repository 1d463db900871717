import { describe, expect, it } from 'vitest';
import { codePointLength, escapeAndTruncate, oneLine, truncate } from './escape.js';

/** Escaping alone: a bound no test string reaches. */
const escapeMrkdwn = (s: string) => escapeAndTruncate(s, 1_000_000);

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** An `&` that does not start one of the three entities: a cut-off escape. */
const BROKEN_ENTITY = /&(?!amp;|lt;|gt;)/;

describe('escapeMrkdwn', () => {
  it.each([
    ['<!channel>', '&lt;!channel&gt;'],
    ['<!here> <!everyone>', '&lt;!here&gt; &lt;!everyone&gt;'],
    ['<@U123>', '&lt;@U123&gt;'],
    ['<https://x|y>', '&lt;https://x|y&gt;'],
    ['<!date^1^{time}|x>', '&lt;!date^1^{time}|x&gt;'],
    ['a & b', 'a &amp; b'],
    // Already-escaped text is text too: its & is escaped again, so Slack shows "&amp;" literally.
    ['&amp;', '&amp;amp;'],
    ['&lt;', '&amp;lt;'],
  ])('%j → %j', (raw, escaped) => {
    expect(escapeMrkdwn(raw)).toBe(escaped);
  });

  it('touches nothing but &, < and >', () => {
    const other = '*bold* _it_ ~strike~ `code` ```block``` "q" \'s\' | ^ @channel #general :x: 😀 é';
    expect(escapeMrkdwn(other)).toBe(other);
  });
});

describe('truncate', () => {
  it('leaves text that fits alone', () => {
    expect(truncate('abcdef', 6)).toBe('abcdef');
    expect(truncate('😀😀😀', 3)).toBe('😀😀😀');
  });

  it('cuts by code points and ends with …', () => {
    expect(truncate('abcdefgh', 4)).toBe('abc…');
    expect(truncate('😀😀😀😀', 3)).toBe('😀😀…');
    expect(codePointLength(truncate('😀'.repeat(100), 10))).toBe(10);
  });

  it('never separates a combining mark from its letter', () => {
    // e + U+0301 is one visible letter: cutting after the e would drop its accent.
    expect(truncate('abe\u0301cd', 4)).toBe('ab…');
    expect(truncate('abe\u0301cd', 5)).toBe('abe\u0301…');
  });

  it('never splits a skin-toned or ZWJ emoji', () => {
    expect(truncate('👍🏽👍🏽👍🏽', 4)).toBe('👍🏽…');
    expect(truncate('ab👨‍👩‍👧cd', 5)).toBe('ab…');
    expect(truncate('👨‍👩‍👧👨‍👩‍👧', 3)).toBe('…');
  });

  it('never leaves a lone surrogate and never exceeds the limit, whatever the cut', () => {
    const s = 'a😀b👍🏽c\u0301d👨‍👩‍👧e🇫🇷f'.repeat(3);
    for (let max = 1; max <= codePointLength(s) + 1; max++) {
      const t = truncate(s, max);
      expect(codePointLength(t)).toBeLessThanOrEqual(max);
      expect(t).not.toMatch(LONE_SURROGATE);
    }
  });

  it('trims the space before the ellipsis', () => {
    expect(truncate('abc   defgh', 6)).toBe('abc…');
  });
});

describe('escapeAndTruncate', () => {
  it('never cuts an escape sequence', () => {
    const raw = 'x & y < z > w &amp; <!channel> & & <<>>';
    for (let max = 1; max <= 80; max++) {
      const t = escapeAndTruncate(raw, max);
      expect(codePointLength(t)).toBeLessThanOrEqual(max);
      expect(t).not.toMatch(BROKEN_ENTITY);
      expect(t).not.toMatch(/[<>]/);
    }
  });

  it('backs up to before the entity it would have cut', () => {
    // "a&amp;b" cut to 3 would give "a&…"; the whole entity goes instead.
    expect(escapeAndTruncate('a&b', 3)).toBe('a…');
    expect(escapeAndTruncate('a&b', 6)).toBe('a…');
    expect(escapeAndTruncate('a&bc', 7)).toBe('a&amp;…');
  });

  it('handles 5,000-character input like short input', () => {
    const raw = '<&>😀e\u0301'.repeat(1000);
    const t = escapeAndTruncate(raw, 200);
    expect(codePointLength(t)).toBeLessThanOrEqual(200);
    expect(t.endsWith('…')).toBe(true);
    expect(t).not.toMatch(BROKEN_ENTITY);
    expect(t).not.toMatch(LONE_SURROGATE);
  });

  it('reads only the head of a huge string, and still says that more followed', () => {
    // Flat, as JSON.parse makes it: slicing a concatenation would cost its flattening first.
    const huge = JSON.parse(JSON.stringify(`${'\n'.repeat(10_000_000)}tail`)) as string;
    const started = performance.now();
    const t = escapeAndTruncate(huge, 100, { oneLine: true });
    expect(performance.now() - started).toBeLessThan(20);
    expect(t).toBe('…');
    expect(escapeAndTruncate(`ab${'\n'.repeat(500)}cd`, 100, { oneLine: true })).toBe('ab…');
    expect(escapeAndTruncate(`${'a'.repeat(263)}😀b`, 100)).toBe(`${'a'.repeat(99)}…`);
    // Cut inside a pair or a cluster at the head's edge: neither half is shown.
    for (const tail of ['😀', 'e\u0301', '👍🏽']) {
      const t2 = escapeAndTruncate(`${'\n'.repeat(262)}${tail}${'x'.repeat(10)}`, 100, { oneLine: true });
      expect(t2).not.toMatch(LONE_SURROGATE);
      expect(t2).toBe('…');
    }
  });

  it('makes API text one line, always: each run of line breaks of any kind is one space', () => {
    expect(escapeAndTruncate('a\nb\r\nc', 20, { oneLine: true })).toBe('a b c');
    expect(escapeAndTruncate('a\nb\r\nc', 20)).toBe('a b c');
    expect(escapeAndTruncate('error\n*Fix:* rm -rf /', 40)).toBe('error *Fix:* rm -rf /');
    expect(oneLine('x\n\n\ny')).toBe('x y');
    expect(oneLine('1\u000b2\u000c3\r4\u00855\u20286\u20297')).toBe('1 2 3 4 5 6 7');
  });

  it('removes bidirectional controls, so that text cannot reorder itself or what is around it', () => {
    const controls = '\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c';
    expect(escapeAndTruncate(`invoice\u202efdp.exe${controls}`, 60)).toBe('invoicefdp.exe');
    expect(oneLine(`a${controls}\n${controls}b`)).toBe('a b');
    // Right-to-left letters themselves stay: only the invisible controls go.
    expect(oneLine('שלום world')).toBe('שלום world');
  });
});
