import { describe, expect, it } from 'vitest';
import { parseTimestamp } from './timestamps.js';

describe('parseTimestamp', () => {
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
});
