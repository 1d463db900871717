import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../simulator/server.js';
import { discover } from '../../src/core/discovery.js';
import type { FeedStore } from '../../src/core/ports/feeds.js';
import { createSeekrFlowClient } from '../../src/seekrflow/client.js';
import { openSqliteStore, type SqliteStore } from '../../src/storage/sqlite/store.js';
import { makeJob } from '../support/make-job.js';

/**
 * Discovery against the simulator's job list (its real paging rules: limit, offset, newest first,
 * no total) and a real SQLite store: how many pages it reads, what it finds, what it makes.
 */

const logger = pino({ level: 'silent' });
let sim: Simulator;
let dir: string;
let store: SqliteStore;

beforeEach(async () => {
  sim = await startSimulator({ clock: 'manual' });
  dir = mkdtempSync(join(tmpdir(), 'datajob-discovery-'));
  store = openSqliteStore({ path: join(dir, 'db.sqlite') });
});
afterEach(async () => {
  await store.close();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

const everyJob = { jobType: null, nameGlob: null };
const at = (minute: number) => new Date(Date.UTC(2026, 6, 28, 14, minute)).toISOString();
/** `count` team jobs, the i-th created at minute `from + i` (newest last). */
function putJobs(count: number, from = 0, name = (i: number) => `job-${from + i}`) {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = `dj-${String(from + i).padStart(5, '0')}`;
    sim.putJob(makeJob({ id, name: name(i), created_at: at(from + i), user_id: 'user-1' }));
    ids.push(id);
  }
  return ids;
}

const run = () =>
  discover({
    lister: createSeekrFlowClient({
      baseUrl: sim.url,
      apiKey: sim.apiKey,
      teamId: sim.teamId ?? undefined,
      timeoutMs: 2_000,
      retry: { limit: 0 },
    }),
    feeds: store,
    subscriptions: store,
    logger,
    pageSize: 100,
  });

async function feed(channelId: string, since: string, over: { filter?: 'all' | 'failures'; nameGlob?: string } = {}) {
  return (
    await store.saveFeed({
      channelId,
      filter: over.filter ?? 'all',
      jobType: null,
      nameGlob: over.nameGlob ?? null,
      createdBy: 'U1',
      createdAt: new Date(since),
    })
  ).feed;
}

describe('discover', () => {
  it('does nothing, and asks SeekrFlow nothing, while no channel has a feed', async () => {
    putJobs(5);
    expect(await run()).toMatchObject({ pages: 0 });
    expect(sim.listRequestCount()).toBe(0);
  });

  it('reads every page until a short one the first time (250 jobs: 3 pages), and makes cards only for jobs newer than the feed', async () => {
    putJobs(250);
    const f = await feed('C1', at(240));
    const report = await run();
    expect(report).toMatchObject({ pages: 3, seen: 250, newJobs: 250, subscribed: 10 });
    expect((await store.subscriptionsOfFeed(f.id)).map((s) => s.jobId)).toEqual(
      Array.from({ length: 10 }, (_, i) => `dj-${String(249 - i).padStart(5, '0')}`),
    );
    expect(await store.countMatchingJobs(everyJob)).toBe(250);
  });

  it('then stops at the first page that holds a known job: 20 new jobs over a team of 250 cost one page', async () => {
    putJobs(250);
    await feed('C1', at(0));
    await run();
    sim.resetRequests();
    putJobs(20, 300);
    const report = await run();
    expect(report).toMatchObject({ pages: 1, newJobs: 20, subscribed: 20 });
    expect(sim.listRequestCount()).toBe(1);
    expect(await run()).toMatchObject({ pages: 1, newJobs: 0, subscribed: 0 });
  });

  it('reads on while every job of a page is new (120 new jobs: two pages)', async () => {
    putJobs(50);
    await feed('C1', at(0));
    await run();
    putJobs(120, 100);
    expect(await run()).toMatchObject({ pages: 2, newJobs: 120 });
  });

  it('tolerates a job created between two pages (a repeated job is made once)', async () => {
    putJobs(150);
    await feed('C1', at(0));
    sim.betweenPages(() => putJobs(1, 500), 1);
    const report = await run();
    // The job created meanwhile pushed one job of page 1 onto page 2: seen twice, made once.
    expect(report.seen).toBe(151);
    expect(report.newJobs).toBe(150);
    expect(await run()).toMatchObject({ newJobs: 1, subscribed: 1 });
  });

  it('applies each feed’s filters, and one job matched by two feeds of two channels gets a subscription in each', async () => {
    await feed('C_ALL', at(0));
    await feed('C_PROD', at(0), { nameGlob: 'prod-*', filter: 'failures' });
    putJobs(3, 10, (i) => (i === 1 ? 'prod-router' : `nightly-${i}`));
    await run();
    const prod = await store.listSubscriptions('C_PROD');
    expect(prod.map((s) => [s.jobId, s.filter, s.waitsForNeed])).toEqual([['dj-00011', 'failures', true]]);
    expect((await store.listSubscriptions('C_ALL')).map((s) => s.jobId).sort()).toEqual(['dj-00010', 'dj-00011', 'dj-00012']);
  });

  it('when the list fails mid-way, makes what it found and reads it all again next time', async () => {
    putJobs(250);
    await feed('C1', at(0));
    sim.setFault({ kind: 'status', status: 503 }, { list: true, after: 1, times: 1 });
    const failed = await run();
    expect(failed).toMatchObject({ failed: true, pages: 1, newJobs: 100, subscribed: 100 });
    expect(await store.countMatchingJobs(everyJob)).toBe(0);
    const next = await run();
    expect(next).toMatchObject({ failed: false, pages: 3, newJobs: 250, subscribed: 150 });
    expect(await store.countMatchingJobs(everyJob)).toBe(250);
  });

  it('after the retention purge forgot the team’s old jobs, announces none of them and reads one page, not the team', async () => {
    putJobs(250);
    const f = await feed('C1', at(0));
    expect(await run()).toMatchObject({ pages: 3, subscribed: 250 });
    // Every card was stopped long ago: nothing follows those jobs, and the purge forgets them all.
    for (const s of await store.subscriptionsOfFeed(f.id)) await store.removeSubscription(s.id);
    expect(await store.purgeExpired(new Date(Date.now() + 86_400_000))).toMatchObject({ discoveredJobs: 250 });
    expect(await store.countMatchingJobs(everyJob)).toBe(0);

    putJobs(20, 300);
    sim.resetRequests();
    const report = await run();
    expect(report).toMatchObject({ pages: 1, newJobs: 20, subscribed: 20 });
    expect(sim.listRequestCount()).toBe(1);
    expect((await store.subscriptionsOfFeed(f.id)).map((s) => s.jobId)).toEqual(
      Array.from({ length: 20 }, (_, i) => `dj-${String(319 - i).padStart(5, '0')}`),
    );
    expect(await run()).toMatchObject({ pages: 1, newJobs: 0, subscribed: 0 });
  });

  it('after the purge forgot every job of a quiet team, stops at the first page of forgotten ones', async () => {
    putJobs(250);
    await feed('C1', at(0));
    await run();
    await store.purgeExpired(new Date(Date.now() + 86_400_000));
    // The purge forgot only what nothing follows: here every job still has its card.
    expect(await store.countMatchingJobs(everyJob)).toBe(250);
    for (const s of await store.listSubscriptions('C1')) await store.removeSubscription(s.id);
    await store.purgeExpired(new Date(Date.now() + 86_400_000));
    sim.resetRequests();
    expect(await run()).toMatchObject({ pages: 1, newJobs: 0, subscribed: 0 });
    expect(sim.listRequestCount()).toBe(1);
  });

  it('a crash after the subscriptions were made but before the jobs were remembered doubles nothing', async () => {
    putJobs(3, 50);
    const f = await feed('C1', at(0));
    // The process dies at the worst moment: the store refuses the last write of discovery once.
    const dying: FeedStore = {
      saveFeed: (x) => store.saveFeed(x),
      findFeed: (x) => store.findFeed(x),
      listFeeds: () => store.listFeeds(),
      removeFeed: (x) => store.removeFeed(x),
      knownJobs: (x) => store.knownJobs(x),
      countMatchingJobs: (x) => store.countMatchingJobs(x),
      jobsOfUser: (x, y) => store.jobsOfUser(x, y),
      discoveryHorizon: () => store.discoveryHorizon(),
      recordJobs: async () => {
        throw new Error('killed');
      },
    };
    const lister = createSeekrFlowClient({ baseUrl: sim.url, apiKey: sim.apiKey, teamId: sim.teamId ?? undefined, timeoutMs: 2_000 });
    await expect(discover({ lister, feeds: dying, subscriptions: store, logger })).rejects.toThrow('killed');
    expect(await store.subscriptionsOfFeed(f.id)).toHaveLength(3);
    expect(await run()).toMatchObject({ newJobs: 3, subscribed: 0 });
    expect(await store.subscriptionsOfFeed(f.id)).toHaveLength(3);
    expect(await run()).toMatchObject({ newJobs: 0 });
  });
});
