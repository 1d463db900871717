import { describe, expect, it } from 'vitest';
import { progressFraction } from '../../domain/job-summary.js';
import {
  codePointLength,
  dateToken,
  escapeAndTruncate,
  escapeMrkdwn,
  formatBytes,
  formatMinutes,
  formatTimestamp,
  oneLine,
  parseTimestamp,
  percent,
  progressBar,
  truncate,
} from './mrkdwn.js';

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

  it('turns line breaks into spaces when asked', () => {
    expect(escapeAndTruncate('a\nb\r\nc', 20, { oneLine: true })).toBe('a b c');
    expect(oneLine('x\n\n\ny')).toBe('x y');
  });
});

describe('timestamps', () => {
  it.each([
    ['2026-07-28T14:00:00Z', Date.UTC(2026, 6, 28, 14)],
    ['2026-07-28T14:00:00+00:00', Date.UTC(2026, 6, 28, 14)],
    ['2026-07-28T14:02:11.482913Z', Date.UTC(2026, 6, 28, 14, 2, 11, 482)],
    ['2026-07-28T14:02:11.482913+00:00', Date.UTC(2026, 6, 28, 14, 2, 11, 482)],
    ['2026-07-28T14:02:11.5Z', Date.UTC(2026, 6, 28, 14, 2, 11, 500)],
    ['2026-07-28T16:00:00+02:00', Date.UTC(2026, 6, 28, 14)],
    ['2026-07-28T09:30:00-04:30', Date.UTC(2026, 6, 28, 14)],
    ['2026-07-28 14:00:00', Date.UTC(2026, 6, 28, 14)],
    ['2026-07-28T14:00', Date.UTC(2026, 6, 28, 14)],
  ])('parses %s', (raw, ms) => {
    expect(parseTimestamp(raw)?.getTime()).toBe(ms);
  });

  it.each(['', 'yesterday', '2026-02-30T00:00:00Z', '2026-13-01T00:00:00Z', '2026-07-28T25:00:00Z', '28/07/2026', '<!channel>'])(
    'rejects %j',
    (raw) => {
      expect(parseTimestamp(raw)).toBeNull();
    },
  );

  it('writes a date token with a UTC fallback', () => {
    expect(formatTimestamp('2026-07-28T14:00:00.000000Z')).toBe('<!date^1785247200^{date_short_pretty} {time}|2026-07-28 14:00 UTC>');
    expect(dateToken(new Date(Date.UTC(2026, 0, 2, 3, 4, 5)))).toBe(
      `<!date^${Date.UTC(2026, 0, 2, 3, 4, 5) / 1000}^{date_short_pretty} {time}|2026-01-02 03:04 UTC>`,
    );
  });

  it('shows what it cannot parse as escaped text, never as markup', () => {
    expect(formatTimestamp('<!channel> soon')).toBe('&lt;!channel&gt; soon');
    expect(formatTimestamp('x'.repeat(5000))).toHaveLength(40);
    expect(formatTimestamp(null)).toBe('—');
    expect(formatTimestamp('')).toBe('—');
  });
});

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [999, '999 B'],
    [1000, '1.0 KB'],
    [88_412, '88.4 KB'],
    [999_999, '1.0 MB'],
    [15_103_644, '15.1 MB'],
    [3_200_000_000, '3.2 GB'],
    [250_000_000_000, '250 GB'],
    [-1, 'unknown size'],
    [Number.NaN, 'unknown size'],
  ])('%d → %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});

describe('progress', () => {
  it('reads the same on both scales', () => {
    const fromFraction = progressFraction(0.425);
    const fromPercent = progressFraction(42.5);
    expect(fromFraction).not.toBeNull();
    expect(fromPercent).not.toBeNull();
    expect(percent(fromFraction ?? 0)).toBe(43);
    expect(percent(fromPercent ?? 0)).toBe(43);
    expect(progressBar(fromFraction ?? 0)).toBe('▓▓▓▓░░░░░░ 43%');
    expect(progressBar(fromPercent ?? 0)).toBe('▓▓▓▓░░░░░░ 43%');
  });

  it.each([0.285, 0.145, 0.575])('rounds %d half up on both scales, despite floating point', (fraction) => {
    // 0.285 × 100 is 28.499999999999996 in binary floating point: a naive round says 28%.
    const expected = Math.round(fraction * 1000) / 10 + 0.5;
    expect(percent(progressFraction(fraction) ?? 0)).toBe(expected);
    expect(percent(progressFraction(fraction * 100) ?? 0)).toBe(expected);
  });

  it.each([
    [0, '░░░░░░░░░░ 0%'],
    [0.05, '░░░░░░░░░░ 5%'],
    [0.1, '▓░░░░░░░░░ 10%'],
    [0.999, '▓▓▓▓▓▓▓▓▓░ 99%'],
    [1, '▓▓▓▓▓▓▓▓▓▓ 100%'],
  ])('%d → %s', (fraction, bar) => {
    expect(progressBar(fraction)).toBe(bar);
  });
});

describe('formatMinutes', () => {
  it.each([
    [0.5, 'under a minute'],
    [53, '53 min'],
    [60, '1 h'],
    [125, '2 h 5 min'],
    [3000, '2 d 2 h'],
    [-5, null],
  ])('%d → %s', (minutes, text) => {
    expect(formatMinutes(minutes)).toBe(text);
  });
});
