import type { FeedStore } from '../../core/ports/feeds.js';
import type { SubscriptionFilter } from '../../domain/events.js';
import type { Feed, ListedJob, NewFeed } from '../../domain/feed.js';
import { bindPort, globToLike, type ListedJobRow, storableJob, storableText, toListedJob } from '../store-support.js';
import type { Connection } from './connection.js';

interface FeedRow {
  id: string;
  channel_id: string;
  filter: string;
  job_type: string | null;
  name_glob: string | null;
  created_by: string;
  created_at: Date;
}

const toFeed = (r: FeedRow): Feed => ({
  id: Number(r.id),
  channelId: r.channel_id,
  filter: r.filter as SubscriptionFilter,
  jobType: r.job_type,
  nameGlob: r.name_glob,
  createdBy: r.created_by,
  createdAt: r.created_at,
});

// xmax = 0 only for a row this statement inserted (an update leaves the old transaction's id).
const SAVE_FEED = `INSERT INTO feeds (channel_id, filter, job_type, name_glob, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)
  ON CONFLICT (channel_id) DO UPDATE SET filter = EXCLUDED.filter, job_type = EXCLUDED.job_type, name_glob = EXCLUDED.name_glob
  RETURNING *, (xmax = 0) AS inserted`;

async function saveFeed(db: Connection, feed: NewFeed): Promise<{ feed: Feed; created: boolean }> {
  const { rows } = await db.pool.query<FeedRow & { inserted: boolean }>(SAVE_FEED, [
    feed.channelId,
    feed.filter,
    feed.jobType,
    feed.nameGlob,
    feed.createdBy,
    feed.createdAt,
  ]);
  const row = rows[0];
  if (!row) throw new Error('saveFeed: no row');
  return { feed: toFeed(row), created: row.inserted };
}

const FIND_FEED = 'SELECT * FROM feeds WHERE channel_id = $1';

async function findFeed(db: Connection, channelId: string): Promise<Feed | null> {
  const { rows } = await db.pool.query<FeedRow>(FIND_FEED, [channelId]);
  return rows[0] ? toFeed(rows[0]) : null;
}

const LIST_FEEDS = 'SELECT * FROM feeds ORDER BY id';

async function listFeeds(db: Connection): Promise<Feed[]> {
  const { rows } = await db.pool.query<FeedRow>(LIST_FEEDS);
  return rows.map(toFeed);
}

const REMOVE_FEED = 'DELETE FROM feeds WHERE id = $1';

async function removeFeed(db: Connection, id: number): Promise<void> {
  await db.pool.query(REMOVE_FEED, [id]);
}

const KNOWN_JOBS = 'SELECT job_id FROM discovered_jobs WHERE job_id = ANY($1::text[])';

async function knownJobs(db: Connection, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  // Asked as stored, answered in the caller's own ids.
  const asked = new Map(ids.map((id) => [storableText(id), id]));
  const { rows } = await db.pool.query<{ job_id: string }>(KNOWN_JOBS, [[...asked.keys()]]);
  return new Set(rows.map((r) => asked.get(r.job_id) ?? r.job_id));
}

const RECORD_JOBS = `INSERT INTO discovered_jobs (job_id, name, job_type, user_id, created_at, seen_at, name_folded, created_ms)
  SELECT u.id, u.name, u.job_type, u.user_id, u.created_at, $8, u.folded, u.created_ms
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[])
    AS u (id, name, job_type, user_id, created_at, folded, created_ms)
  ON CONFLICT (job_id) DO NOTHING`;

async function recordJobs(db: Connection, jobs: readonly ListedJob[], at: Date): Promise<void> {
  if (jobs.length === 0) return;
  const stored = jobs.map(storableJob);
  await db.pool.query(RECORD_JOBS, [
    stored.map((j) => j.id),
    stored.map((j) => j.name),
    stored.map((j) => j.jobType),
    stored.map((j) => j.userId),
    stored.map((j) => j.createdAt),
    stored.map((j) => j.nameFolded),
    stored.map((j) => j.createdMs),
    at,
  ]);
}

// Unnamed statements are planned with their values: a filter not given drops out of the plan.
const COUNT_MATCHING = `SELECT count(*)::int AS n FROM discovered_jobs
  WHERE ($1::text IS NULL OR job_type = $1) AND ($2::text IS NULL OR name_folded LIKE $2 ESCAPE '\\')`;

async function countMatchingJobs(db: Connection, filter: Pick<Feed, 'jobType' | 'nameGlob'>): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>(COUNT_MATCHING, [
    filter.jobType === null ? null : storableText(filter.jobType),
    filter.nameGlob === null ? null : globToLike(filter.nameGlob),
  ]);
  return rows[0]?.n ?? 0;
}

const JOBS_OF_USER = `SELECT job_id, name, job_type, user_id, created_at FROM discovered_jobs WHERE user_id = $1
  ORDER BY created_ms DESC NULLS LAST, job_id DESC LIMIT $2`;

const COUNT_JOBS_OF_USER = 'SELECT count(*)::int AS n FROM discovered_jobs WHERE user_id = $1';

async function jobsOfUser(db: Connection, seekrflowUserId: string, limit: number): Promise<{ jobs: ListedJob[]; total: number }> {
  const user = storableText(seekrflowUserId);
  const [page, count] = await Promise.all([
    db.pool.query<ListedJobRow>(JOBS_OF_USER, [user, Math.max(0, Math.trunc(limit))]),
    db.pool.query<{ n: number }>(COUNT_JOBS_OF_USER, [user]),
  ]);
  return { jobs: page.rows.map(toListedJob), total: count.rows[0]?.n ?? 0 };
}

const DISCOVERY_HORIZON = 'SELECT forgotten_through AS at FROM discovery_horizon WHERE id = 1';

async function discoveryHorizon(db: Connection): Promise<Date | null> {
  const { rows } = await db.pool.query<{ at: Date }>(DISCOVERY_HORIZON);
  return rows[0]?.at ?? null;
}

export function feedStore(db: Connection): FeedStore {
  return bindPort<Connection, FeedStore>(db, {
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
