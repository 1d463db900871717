import { describe, expect, it } from 'vitest';
import { makeAlignment, makeJob } from '../../../test/support/make-job.js';
import { summarizeJob } from '../../domain/job-summary.js';

/** Progress as the domain reads the API's `progress` (0–1 or 0–100). */
const progressFraction = (progress: number) =>
  summarizeJob(makeJob({ alignment_job: makeAlignment({ progress }) })).alignment?.progress ?? null;

import { dateToken, formatBytes, formatMinutes, formatTimestamp, percent, progressBar } from './format.js';

describe('timestamps', () => {
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
