import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';

describe('createMetrics: the store’s figures', () => {
  it('are queried once per interval, however often and however concurrently it is scraped, and again after a failure', async () => {
    let now = 0;
    let queries = 0;
    let fail = false;
    const metrics = createMetrics(
      {
        outbox: async () => {
          queries++;
          if (fail) throw new Error('database away');
          return { pending: queries, oldestCreatedAt: null, held: 3 };
        },
        subscriptions: async () => ({ active: 1, paused: 0, ended: 0 }),
        tokenRefused: () => null,
        keyRefused: () => null,
      },
      { storeMs: 15_000, now: () => now },
    );
    const pending = async () => /datajob_outbox_pending (\d+)/.exec((await metrics.scrape()).body)?.[1];
    expect(await Promise.all([pending(), pending(), pending()])).toEqual(['1', '1', '1']);
    expect((await metrics.scrape()).body).toMatch(/^datajob_outbox_held 3$/m);
    now = 14_999;
    expect(await pending()).toBe('1');
    expect(queries).toBe(1);
    now = 15_000;
    expect(await pending()).toBe('2');
    now = 30_000;
    fail = true;
    await expect(metrics.scrape()).rejects.toThrow('database away');
    fail = false;
    expect(await pending()).toBe('4');
  });
});
