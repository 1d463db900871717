import type { PassCommit, StoredWatch, WatchStore } from '../../core/ports/watches.js';
import type { JobWatch } from '../../domain/snapshot.js';
import { bindPort, toStoredWatch } from '../store-support.js';
import type { Connection } from './connection.js';
import { writeDeliveries } from './outbox.js';

// Owners' subscriptions never keep a job polled on their own: only channels do.
const WATCHED_JOB_IDS = `SELECT DISTINCT job_id FROM subscriptions WHERE state = 'active' AND kind = 'channel'`;

async function watchedJobIds(db: Connection): Promise<string[]> {
  const { rows } = await db.pool.query<{ job_id: string }>(WATCHED_JOB_IDS);
  return rows.map((r) => r.job_id);
}

const GET_WATCH = 'SELECT watch, version FROM watches WHERE job_id = $1';

async function getWatch(db: Connection, jobId: string): Promise<StoredWatch | null> {
  const { rows } = await db.pool.query<{ watch: string; version: number }>(GET_WATCH, [jobId]);
  const row = rows[0];
  return row ? toStoredWatch(row) : null;
}

const GET_WATCHES = 'SELECT job_id, watch, version FROM watches WHERE job_id = ANY($1::text[])';

async function getWatches(db: Connection, jobIds: readonly string[]): Promise<Map<string, StoredWatch>> {
  const { rows } = await db.pool.query<{ job_id: string; watch: string; version: number }>(GET_WATCHES, [jobIds]);
  return new Map(rows.map((r) => [r.job_id, toStoredWatch(r)]));
}

// The watch is JSON text: its snapshot's status and name are read where they lie, with no index (the
// table holds a row per followed job, and the App Home asks for one page).
const WATCHED_IN_STATUS = `SELECT w.job_id, (w.watch::jsonb)->'snapshot'->>'name' AS name, count(*) OVER () AS total
  FROM watches w
  WHERE (w.watch::jsonb)->'snapshot'->>'status' = $1
    AND NOT (w.job_id = ANY($2::text[]))
    AND EXISTS (SELECT 1 FROM subscriptions s WHERE s.job_id = w.job_id AND s.state = 'active' AND s.kind = 'channel')
  ORDER BY w.job_id
  LIMIT $3`;

async function watchedJobsInStatus(db: Connection, status: string, page: { limit: number; except: readonly string[] }) {
  const { rows } = await db.pool.query<{ job_id: string; name: string | null; total: string }>(WATCHED_IN_STATUS, [
    status,
    page.except,
    Math.max(1, Math.trunc(page.limit)),
  ]);
  return { jobs: rows.map((r) => ({ jobId: r.job_id, name: r.name ?? r.job_id })), total: Number(rows[0]?.total ?? 0) };
}

const INSERT_WATCH = 'INSERT INTO watches (job_id, watch, version, updated_at) VALUES ($1, $2, 1, now()) ON CONFLICT (job_id) DO NOTHING';

async function initWatch(db: Connection, jobId: string, watch: JobWatch): Promise<void> {
  await db.pool.query(INSERT_WATCH, [jobId, JSON.stringify(watch)]);
}

const UPDATE_WATCH = 'UPDATE watches SET watch = $1, version = version + 1, updated_at = now() WHERE job_id = $2 AND version = $3';

const END_SUBSCRIPTIONS = `UPDATE subscriptions SET state = 'ended', state_reason = $1, state_at = now()
  WHERE id = ANY($2::bigint[]) AND state <> 'ended'`;

const STOP_WAITING = 'UPDATE subscriptions SET waits_for_need = false WHERE id = ANY($1::bigint[])';

/**
 * The watch row is written first with `WHERE version = expected` (or inserted when none was
 * expected): a concurrent pass blocks on that row, then finds the version moved and writes nothing.
 */
async function commitPass(db: Connection, jobId: string, commit: PassCommit): Promise<boolean> {
  const json = JSON.stringify(commit.watch);
  return db.transaction(async (client) => {
    // The watch first: it is the row concurrent passes contend on, and when the version moved,
    // nothing else is written (the transaction commits empty).
    const won =
      commit.expectedVersion === null
        ? await client.query(INSERT_WATCH, [jobId, json])
        : await client.query(UPDATE_WATCH, [json, jobId, commit.expectedVersion]);
    if (won.rowCount !== 1) return false;
    // Subscriptions before deliveries: ending one waits for a claimer that holds it, and that
    // claimer may be about to update this subscription's pending card. Were the card upserted
    // (and locked) first, each would wait for the other.
    const end = commit.endSubscriptions;
    if (end && end.ids.length > 0) await client.query(END_SUBSCRIPTIONS, [end.reason, end.ids]);
    if (commit.stopWaiting && commit.stopWaiting.length > 0) await client.query(STOP_WAITING, [commit.stopWaiting]);
    await writeDeliveries(client, commit.deliveries);
    return true;
  });
}

const DELETE_WATCH = 'DELETE FROM watches WHERE job_id = $1';

async function deleteWatch(db: Connection, jobId: string): Promise<void> {
  await db.pool.query(DELETE_WATCH, [jobId]);
}

export function watchStore(db: Connection): WatchStore {
  return bindPort<Connection, WatchStore>(db, {
    watchedJobIds,
    getWatch,
    getWatches,
    watchedJobsInStatus,
    initWatch,
    commitPass,
    deleteWatch,
  });
}
