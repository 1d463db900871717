import type Database from 'better-sqlite3';
import type { FeedStore } from '../../core/ports/feeds.js';
import type { SubscriptionFilter } from '../../domain/events.js';
import type { Feed, ListedJob, NewFeed } from '../../domain/feed.js';
import { bindPort, globToLike, type ListedJobRow, storableJob, storableText, toListedJob } from '../store-support.js';
import { immediate } from './connection.js';

interface FeedRow {
  id: number;
  channel_id: string;
  filter: string;
  job_type: string | null;
  name_glob: string | null;
  created_by: string;
  created_at: number;
}

const toFeed = (r: FeedRow): Feed => ({
  id: r.id,
  channelId: r.channel_id,
  filter: r.filter as SubscriptionFilter,
  jobType: r.job_type,
  nameGlob: r.name_glob,
  createdBy: r.created_by,
  createdAt: new Date(r.created_at),
});

const SAVE_FEED = `INSERT INTO feeds (channel_id, filter, job_type, name_glob, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)
  ON CONFLICT (channel_id) DO UPDATE SET filter = excluded.filter, job_type = excluded.job_type, name_glob = excluded.name_glob
  RETURNING *`;

async function saveFeed(sql: Statements, feed: NewFeed): Promise<{ feed: Feed; created: boolean }> {
  return immediate(sql.db, () => {
    const before = sql.findFeed.get(feed.channelId);
    const row = sql.saveFeed.get(feed.channelId, feed.filter, feed.jobType, feed.nameGlob, feed.createdBy, feed.createdAt.getTime());
    if (!row) throw new Error('saveFeed: no row');
    return { feed: toFeed(row), created: !before };
  });
}

const FIND_FEED = 'SELECT * FROM feeds WHERE channel_id = ?';

async function findFeed(sql: Statements, channelId: string): Promise<Feed | null> {
  const row = sql.findFeed.get(channelId);
  return row ? toFeed(row) : null;
}

const LIST_FEEDS = 'SELECT * FROM feeds ORDER BY id';

async function listFeeds(sql: Statements): Promise<Feed[]> {
  return sql.listFeeds.all().map(toFeed);
}

const REMOVE_FEED = 'DELETE FROM feeds WHERE id = ?';

async function removeFeed(sql: Statements, id: number): Promise<void> {
  sql.removeFeed.run(id);
}

const KNOWN_JOBS = 'SELECT job_id FROM discovered_jobs WHERE job_id IN (SELECT value FROM json_each(?))';

async function knownJobs(sql: Statements, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  // Asked as stored, answered in the caller's own ids.
  const asked = new Map(ids.map((id) => [storableText(id), id]));
  const known = sql.knownJobs.all(JSON.stringify([...asked.keys()])).map((r) => asked.get(r.job_id) ?? r.job_id);
  return new Set(known);
}

const RECORD_JOB = `INSERT INTO discovered_jobs (job_id, name, job_type, user_id, created_at, seen_at, name_folded, created_ms)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (job_id) DO NOTHING`;

async function recordJobs(sql: Statements, jobs: readonly ListedJob[], at: Date): Promise<void> {
  if (jobs.length === 0) return;
  immediate(sql.db, () => {
    for (const j of jobs.map(storableJob)) {
      sql.recordJob.run(j.id, j.name, j.jobType, j.userId, j.createdAt, at.getTime(), j.nameFolded, j.createdMs);
    }
  });
}

/** A feed's count, one statement per combination of filters given: each can then use the index. */
function prepareCountMatching(db: Database.Database) {
  const where = (byType: boolean, byName: boolean) =>
    [byType ? 'job_type = @type' : '', byName ? `name_folded LIKE @like ESCAPE '\\'` : ''].filter(Boolean).join(' AND ') || '1';
  const prepare = (byType: boolean, byName: boolean) =>
    db.prepare<{ type?: string; like?: string }, { n: number }>(`SELECT count(*) AS n FROM discovered_jobs WHERE ${where(byType, byName)}`);
  return [prepare(false, false), prepare(false, true), prepare(true, false), prepare(true, true)] as const;
}

async function countMatchingJobs(sql: Statements, filter: Pick<Feed, 'jobType' | 'nameGlob'>): Promise<number> {
  const byType = filter.jobType !== null;
  const byName = filter.nameGlob !== null;
  const statement = sql.countMatching[(byType ? 2 : 0) + (byName ? 1 : 0)];
  const params = {
    ...(filter.jobType !== null ? { type: storableText(filter.jobType) } : {}),
    ...(filter.nameGlob !== null ? { like: globToLike(filter.nameGlob) } : {}),
  };
  return statement?.get(params)?.n ?? 0;
}

const JOBS_OF_USER = `SELECT job_id, name, job_type, user_id, created_at FROM discovered_jobs WHERE user_id = ?
  ORDER BY created_ms DESC, job_id DESC LIMIT ?`;

const COUNT_JOBS_OF_USER = 'SELECT count(*) AS n FROM discovered_jobs WHERE user_id = ?';

async function jobsOfUser(sql: Statements, seekrflowUserId: string, limit: number): Promise<{ jobs: ListedJob[]; total: number }> {
  const user = storableText(seekrflowUserId);
  const jobs = sql.jobsOfUser.all(user, Math.max(0, Math.trunc(limit))).map(toListedJob);
  return { jobs, total: sql.countJobsOfUser.get(user)?.n ?? 0 };
}

const DISCOVERY_HORIZON = 'SELECT forgotten_through AS at FROM discovery_horizon WHERE id = 1';

async function discoveryHorizon(sql: Statements): Promise<Date | null> {
  const row = sql.discoveryHorizon.get();
  return row ? new Date(row.at) : null;
}

function prepare(db: Database.Database) {
  return {
    db,
    saveFeed: db.prepare<[string, string, string | null, string | null, string, number], FeedRow>(SAVE_FEED),
    findFeed: db.prepare<[string], FeedRow>(FIND_FEED),
    listFeeds: db.prepare<[], FeedRow>(LIST_FEEDS),
    removeFeed: db.prepare<[number]>(REMOVE_FEED),
    knownJobs: db.prepare<[string], { job_id: string }>(KNOWN_JOBS),
    recordJob: db.prepare<[string, string, string, string, string, number, string, number | null]>(RECORD_JOB),
    countMatching: prepareCountMatching(db),
    jobsOfUser: db.prepare<[string, number], ListedJobRow>(JOBS_OF_USER),
    countJobsOfUser: db.prepare<[string], { n: number }>(COUNT_JOBS_OF_USER),
    discoveryHorizon: db.prepare<[], { at: number }>(DISCOVERY_HORIZON),
  };
}

type Statements = ReturnType<typeof prepare>;

export function feedStore(db: Database.Database): FeedStore {
  return bindPort<Statements, FeedStore>(prepare(db), {
    saveFeed,
    findFeed,
    listFeeds,
    removeFeed,
    knownJobs,
    recordJobs,
    countMatchingJobs,
    jobsOfUser,
    discoveryHorizon,
  });
}
