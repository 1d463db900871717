import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HomePublisher, type HomeRequest } from './home-publisher.js';

const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

describe('HomePublisher', () => {
  let published: { user: string; request: HomeRequest; at: number }[];
  let publisher: HomePublisher;
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
    published = [];
    publisher = new HomePublisher({
      publish: async (user, request) => {
        published.push({ user, request, at: Date.now() });
      },
      intervalMs: 3_000,
      logger: quiet,
    });
  });
  afterEach(() => {
    publisher.stop();
    vi.useRealTimers();
  });

  it('publishes on the first open, skips opens within the interval, publishes again after it', () => {
    publisher.opened('U1');
    publisher.opened('U1');
    vi.advanceTimersByTime(2_999);
    publisher.opened('U1');
    // Opens within the interval leave nothing waiting: the Home just published is fresh enough.
    vi.advanceTimersByTime(10_000);
    expect(published).toHaveLength(1);
    publisher.opened('U1');
    expect(published.map((p) => p.at - 1_000_000)).toEqual([0, 12_999]);
  });

  it('keeps people apart', () => {
    publisher.opened('U1');
    publisher.opened('U2');
    expect(published.map((p) => p.user)).toEqual(['U1', 'U2']);
  });

  it('publishes a change within the interval once it is over, with the latest page and the notice', () => {
    publisher.opened('U1');
    publisher.changed('U1', { page: 2, notice: 'Resumed.' });
    publisher.changed('U1', { page: 3 });
    publisher.opened('U1');
    expect(published).toHaveLength(1);
    vi.advanceTimersByTime(3_000);
    expect(published).toHaveLength(2);
    expect(published[1]).toMatchObject({ at: 1_003_000, request: { page: 1, notice: 'Resumed.' } });
  });

  it('never publishes more than once per interval for one person, whatever arrives', () => {
    for (let t = 0; t < 30_000; t += 100) {
      if (t % 700 === 0) publisher.changed('U1', { page: 1, notice: `at ${t}` });
      else publisher.opened('U1');
      vi.advanceTimersByTime(100);
    }
    vi.advanceTimersByTime(3_000);
    const gaps = published.slice(1).map((p, i) => p.at - (published[i]?.at ?? 0));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(3_000);
    expect(published.length).toBeGreaterThanOrEqual(10);
    // The last change asked for is what the person ends up seeing.
    expect(published.at(-1)?.request.notice).toBe('at 29400');
  });

  it('publishes nothing that waits once stopped', () => {
    publisher.opened('U1');
    publisher.changed('U1', { page: 1, notice: 'x' });
    publisher.stop();
    vi.advanceTimersByTime(10_000);
    expect(published).toHaveLength(1);
  });

  it('logs a failed publish and goes on', async () => {
    const errors: unknown[] = [];
    const failing = new HomePublisher({
      publish: async () => {
        throw new Error('not_enabled');
      },
      intervalMs: 3_000,
      logger: { ...quiet, error: (obj) => errors.push(obj) },
    });
    failing.opened('U1');
    await vi.runAllTimersAsync();
    expect(errors).toHaveLength(1);
    failing.stop();
  });
});
