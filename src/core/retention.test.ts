import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RecordingLogger, recordingLogger } from '../../test/storage/quiet-logger.js';
import { replyItem } from '../../test/support/outbox-items.js';
import { isDestinationGone, PAUSED_BY_PERSON, pauseReason, type Subscription } from '../domain/subscription.js';
import { openSqliteStore, type SqliteStore } from '../storage/sqlite/store.js';
import { purgeExpired } from './retention.js';

/** The retention purge against a real SQLite store. */

const DAY_MS = 86_400_000;
let dir: string;
let store: SqliteStore;
let logger: RecordingLogger;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'datajob-retention-'));
  store = openSqliteStore({ path: join(dir, 'db.sqlite') });
  logger = recordingLogger();
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const watch = {
  snapshot: null,
  lastChangeAt: '2026-07-28T14:00:00.000Z',
  stallNotified: false,
  unreachableSince: null,
  unreachableNotified: false,
};

let seq = 0;
async function subscribe(channelId = `C${++seq}`): Promise<Subscription> {
  const jobId = `dj-${++seq}`;
  const { subscription } = await store.addSubscription({ channelId, jobId, filter: 'all', createdBy: 'U1', createdAt: new Date() });
  await store.initWatch(jobId, watch);
  return subscription;
}

/** The job ends, as a pass ends it: its last reply is still pending. */
async function endJob(s: Subscription): Promise<void> {
  const stored = await store.getWatch(s.jobId);
  await store.commitPass(s.jobId, {
    expectedVersion: stored?.version ?? null,
    watch,
    deliveries: [{ subscriptionId: s.id, key: 'ended', item: replyItem('ended') }],
    endSubscriptions: { ids: [s.id], reason: 'completed' },
  });
}

const inDays = (days: number) => () => new Date(Date.now() + days * DAY_MS);
const infos = () => logger.entries.filter((e) => e.level === 'info');
const warnings = () => logger.entries.filter((e) => e.level === 'warn');

describe('purgeExpired', () => {
  it('forgets nothing within the retention, and says so in one line', async () => {
    await endJob(await subscribe());
    await store.pauseSubscription((await subscribe()).id, pauseReason.destination('archived'));

    const report = await purgeExpired({ store, logger, retentionDays: 30, now: inDays(29) });
    expect(report).toMatchObject({ subscriptions: 0, pausedExpired: 0, watches: 0, deliveries: 0, calls: 1 });
    expect(infos()).toEqual([
      {
        level: 'info',
        msg: 'retention purge',
        obj: expect.objectContaining({ retentionDays: 30, subscriptions: 0, pausedExpired: 0, watches: 0, deliveries: 0 }),
      },
    ]);
    expect(warnings()).toEqual([]);
    expect(await store.pendingDeliveries()).toBe(1);
  });

  it('after the retention, forgets ended subscriptions and those whose channel is gone, warning once for each of those', async () => {
    const ended = await subscribe();
    await endJob(ended);
    const archived = await subscribe('C-ARCHIVED');
    const kicked = await subscribe('C-KICKED');
    const person = await subscribe();
    const scope = await subscribe();
    const active = await subscribe();
    await store.pauseSubscription(archived.id, pauseReason.destination('archived'));
    await store.pauseSubscription(kicked.id, pauseReason.destination('not_a_member'));
    await store.pauseSubscription(person.id, PAUSED_BY_PERSON, { userId: 'U_BOB', at: new Date() });
    await store.pauseSubscription(scope.id, pauseReason.scope('chat:write'));

    const now = new Date(Date.now() + 31 * DAY_MS);
    const report = await purgeExpired({ store, logger, retentionDays: 30, now: () => now });
    expect(report).toMatchObject({ subscriptions: 1, pausedExpired: 2, watches: 3, deliveries: 1, calls: 1 });
    expect(report.cutoff).toEqual(new Date(now.getTime() - 30 * DAY_MS));
    expect(infos()).toHaveLength(1);
    expect(infos()[0]?.obj).toMatchObject({ subscriptions: 1, pausedExpired: 2, watches: 3, deliveries: 1, calls: 1 });
    expect(warnings().map((w) => w.obj)).toEqual([
      expect.objectContaining({
        subscriptionId: archived.id,
        channel: 'C-ARCHIVED',
        jobId: archived.jobId,
        reason: 'destination:archived',
      }),
      expect.objectContaining({ subscriptionId: kicked.id, channel: 'C-KICKED', jobId: kicked.jobId, reason: 'destination:not_a_member' }),
    ]);
    for (const gone of [ended, archived, kicked]) expect(await store.getSubscription(gone.id)).toBeNull();
    // A person's pause and a missing permission wait for a person; an active subscription is never forgotten.
    for (const kept of [person, scope, active]) {
      expect(await store.getSubscription(kept.id)).not.toBeNull();
      expect(await store.getWatch(kept.jobId)).not.toBeNull();
    }
    expect(await store.pendingDeliveries()).toBe(0);
  });

  it('goes through a backlog in bounded calls, logging the whole once', async () => {
    for (let i = 0; i < 5; i++) await endJob(await subscribe());
    for (let i = 0; i < 3; i++) await store.pauseSubscription((await subscribe()).id, pauseReason.destination('not_found'));

    const report = await purgeExpired({ store, logger, retentionDays: 30, now: inDays(31), batchSize: 2 });
    // Ended: 2, 2, 1. Paused: 2, 1. Watches (8 jobs): 2, 2, 2, 2, 0: the fifth call comes back short.
    expect(report).toMatchObject({ subscriptions: 5, pausedExpired: 3, watches: 8, deliveries: 5, calls: 5 });
    expect(infos()).toHaveLength(1);
    expect(warnings()).toHaveLength(3);
    expect(await store.purgeExpired(new Date(Date.now() + 365 * DAY_MS))).toEqual({
      subscriptions: 0,
      pausedExpired: [],
      watches: 0,
      deliveries: 0,
      discoveredJobs: 0,
      actionClaims: 0,
    });
  });

  it('forgets the team’s jobs discovery saw before the retention, in bounded calls, and counts them in its line', async () => {
    const created = new Date(Date.now() - 40 * DAY_MS).toISOString();
    const jobs = Array.from({ length: 5 }, (_, i) => ({
      id: `dj-team-${i}`,
      name: `team ${i}`,
      jobType: 't',
      userId: 'u',
      createdAt: created,
    }));
    await store.recordJobs(jobs, new Date(Date.now() - 40 * DAY_MS));
    await store.recordJobs([{ ...jobs[0], id: 'dj-team-recent', createdAt: new Date().toISOString() } as (typeof jobs)[0]], new Date());

    const report = await purgeExpired({ store, logger, retentionDays: 30, batchSize: 2 });
    expect(report).toMatchObject({ discoveredJobs: 5, calls: 3 });
    expect(infos()[0]?.obj).toMatchObject({ discoveredJobs: 5, calls: 3 });
    expect(await store.knownJobs([...jobs.map((j) => j.id), 'dj-team-recent'])).toEqual(new Set(['dj-team-recent']));
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('refuses a retention of %s days before touching anything', async (days) => {
    await endJob(await subscribe());
    await expect(purgeExpired({ store, logger, retentionDays: days, now: inDays(365) })).rejects.toThrow(RangeError);
    expect(await store.pendingDeliveries()).toBe(1);
    expect(logger.entries).toEqual([]);
  });
});

describe('pause reasons', () => {
  it('say in neutral words why, and tell a channel that is gone from any other pause', () => {
    expect(pauseReason.destination('not_found')).toBe('destination:not_found');
    expect(pauseReason.scope('chat:write')).toBe('scope:chat:write');
    expect(pauseReason.byPerson).toBe(PAUSED_BY_PERSON);
    for (const why of ['not_found', 'archived', 'not_a_member', 'restricted'] as const) {
      expect(isDestinationGone(pauseReason.destination(why))).toBe(true);
    }
    for (const other of [pauseReason.scope('chat:write'), PAUSED_BY_PERSON, 'channel_not_found', '', null, undefined]) {
      expect(isDestinationGone(other)).toBe(false);
    }
  });
});
