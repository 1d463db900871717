import { expect } from 'vitest';
import type { Store } from '../../src/core/ports/store.js';
import { purgeExpired } from '../../src/core/retention.js';
import type { JobWatch } from '../../src/domain/snapshot.js';
import { encodeItem } from '../../src/storage/store-support.js';
import { cardItem } from '../support/outbox-items.js';
import { recordingLogger } from './quiet-logger.js';

/**
 * A bot that follows jobs to their end, round after round, purging what is past the retention: its
 * database must stay the size of what it still follows. Shared by both engines; each brings the SQL
 * that creates a round's rows in bulk (thousands of subscriptions one by one would take minutes),
 * how it counts rows, and how it measures its size. Ending and purging go through the store itself.
 */

export interface SizeDriver {
  store: Store;
  /**
   * Creates `count` active subscriptions to jobs `${prefix}1` … `${prefix}${count}` (one channel
   * each), each job's watch, and one pending card per subscription. Returns the subscription ids.
   */
  follow(prefix: string, count: number, rows: { watch: string; payload: string }): Promise<number[]>;
  rows(): Promise<{ subscriptions: number; watches: number; deliveries: number }>;
  /** Bytes on disk after what the engine does between rounds (a checkpoint, autovacuum's VACUUM). */
  bytes(): Promise<number>;
}

export interface SizeRun {
  /** Bytes after each round's purge. */
  sizes: number[];
}

const DAY_MS = 86_400_000;

export async function followJobsToTheirEnd(
  driver: SizeDriver,
  options: { rounds: number; perRound: number; live: number; label: string },
): Promise<SizeRun> {
  const { store } = driver;
  const watch: JobWatch = {
    snapshot: {
      name: 'Quarterly claims ingestion',
      status: 'running',
      alignment: null,
      counts: { done: 120, failed: 3, processing: 10, queued: 40 },
      reportedFailures: ['rec-000001', 'rec-000002', 'rec-000003'],
      updatedAt: '2026-07-28T14:05:00.000000Z',
    },
    lastChangeAt: '2026-07-28T14:05:00.000Z',
    stallNotified: false,
    unreachableSince: null,
    unreachableNotified: false,
  };
  const rows = { watch: JSON.stringify(watch), payload: encodeItem(cardItem('Quarterly claims ingestion')) };
  // Subscriptions that stay: their rows are what the database should come down to after each round.
  await driver.follow('live-', options.live, rows);
  const live = { subscriptions: options.live, watches: options.live, deliveries: options.live };
  expect(await driver.rows()).toEqual(live);

  const sizes: number[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    const prefix = `r${round}-`;
    const ids = await driver.follow(prefix, options.perRound, rows);
    expect(ids).toHaveLength(options.perRound);
    // Every job ends, as a pass ends one: through commitPass (one pass ending all of them, to be quick).
    const stored = await store.getWatch(`${prefix}1`);
    const ended = await store.commitPass(`${prefix}1`, {
      expectedVersion: stored?.version ?? null,
      watch,
      deliveries: [],
      endSubscriptions: { ids, reason: 'completed' },
    });
    expect(ended).toBe(true);
    // The retention passes (30 days and a minute later), and the bot purges.
    const report = await purgeExpired({
      store,
      logger: recordingLogger(),
      retentionDays: 30,
      now: () => new Date(Date.now() + 30 * DAY_MS + 60_000),
    });
    expect(report).toMatchObject({ subscriptions: options.perRound, watches: options.perRound, deliveries: options.perRound });
    expect(await driver.rows()).toEqual(live);
    sizes.push(await driver.bytes());
  }
  const kib = (b: number) => `${(b / 1024).toFixed(0)} KiB`;
  console.log(
    `${options.label}: ${options.rounds} rounds of ${options.perRound} jobs followed to their end and purged, ${options.live} live; ` +
      `size after each round: ${sizes.map(kib).join(', ')}`,
  );
  return { sizes };
}
