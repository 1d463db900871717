import type Database from 'better-sqlite3';
import type { PassCommit, StoredWatch, WatchStore } from '../../core/ports/watches.js';
import type { JobWatch } from '../../domain/snapshot.js';
import { bindPort, toStoredWatch } from '../store-support.js';
import { immediate } from './connection.js';
import { deliveryWriter } from './outbox.js';

// Owners' subscriptions never keep a job polled on their own: only channels do.
const WATCHED_JOB_IDS = `SELECT DISTINCT job_id FROM subscriptions WHERE state = 'active' AND kind = 'channel'`;

async function watchedJobIds(sql: Statements): Promise<string[]> {
  return sql.watchedJobIds.all().map((r) => r.job_id);
}

const GET_WATCH = 'SELECT watch, version FROM watches WHERE job_id = ?';

async function getWatch(sql: Statements, jobId: string): Promise<StoredWatch | null> {
  const row = sql.getWatch.get(jobId);
  return row ? toStoredWatch(row) : null;
}

const GET_WATCHES = 'SELECT job_id, watch, version FROM watches WHERE job_id IN (SELECT value FROM json_each(?))';

async function getWatches(sql: Statements, jobIds: readonly string[]): Promise<Map<string, StoredWatch>> {
  const rows = sql.getWatches.all(JSON.stringify(jobIds));
  return new Map(rows.map((r) => [r.job_id, toStoredWatch(r)]));
}

// The watch is JSON text: its snapshot's status and name are read where they lie, with no index (the
// table holds a row per followed job, and the App Home asks for one page).
const WATCHED_IN_STATUS = `SELECT w.job_id, json_extract(w.watch, '$.snapshot.name') AS name, count(*) OVER () AS total
  FROM watches w
  WHERE json_extract(w.watch, '$.snapshot.status') = @status
    AND w.job_id NOT IN (SELECT value FROM json_each(@except))
    AND EXISTS (SELECT 1 FROM subscriptions s WHERE s.job_id = w.job_id AND s.state = 'active' AND s.kind = 'channel')
  ORDER BY w.job_id
  LIMIT @limit`;

async function watchedJobsInStatus(sql: Statements, status: string, page: { limit: number; except: readonly string[] }) {
  const rows = sql.watchedInStatus.all({ status, except: JSON.stringify(page.except), limit: Math.max(1, Math.trunc(page.limit)) });
  return { jobs: rows.map((r) => ({ jobId: r.job_id, name: r.name ?? r.job_id })), total: rows[0]?.total ?? 0 };
}

const INSERT_WATCH = 'INSERT INTO watches (job_id, watch, version, updated_at) VALUES (?, ?, 1, ?) ON CONFLICT (job_id) DO NOTHING';

async function initWatch(sql: Statements, jobId: string, watch: JobWatch): Promise<void> {
  sql.insertWatch.run(jobId, JSON.stringify(watch), Date.now());
}

const UPDATE_WATCH = 'UPDATE watches SET watch = ?, version = version + 1, updated_at = ? WHERE job_id = ? AND version = ?';

const END_SUBSCRIPTIONS = `UPDATE subscriptions SET state = 'ended', state_reason = ?, state_at = ?
  WHERE id IN (SELECT value FROM json_each(?)) AND state <> 'ended'`;

const STOP_WAITING = 'UPDATE subscriptions SET waits_for_need = 0 WHERE id IN (SELECT value FROM json_each(?))';

async function commitPass(sql: Statements, jobId: string, commit: PassCommit): Promise<boolean> {
  const json = JSON.stringify(commit.watch);
  const now = Date.now();
  return immediate(sql.db, () => {
    // The watch first: when the version moved, nothing else is written.
    const won =
      commit.expectedVersion === null
        ? sql.insertWatch.run(jobId, json, now).changes === 1
        : sql.updateWatch.run(json, now, jobId, commit.expectedVersion).changes === 1;
    if (!won) return false;
    const end = commit.endSubscriptions;
    if (end && end.ids.length > 0) sql.endSubscriptions.run(end.reason, now, JSON.stringify(end.ids));
    if (commit.stopWaiting && commit.stopWaiting.length > 0) sql.stopWaiting.run(JSON.stringify(commit.stopWaiting));
    sql.writeDeliveries(commit.deliveries, now);
    return true;
  });
}

const DELETE_WATCH = 'DELETE FROM watches WHERE job_id = ?';

async function deleteWatch(sql: Statements, jobId: string): Promise<void> {
  sql.deleteWatch.run(jobId);
}

function prepare(db: Database.Database) {
  return {
    db,
    watchedJobIds: db.prepare<[], { job_id: string }>(WATCHED_JOB_IDS),
    getWatch: db.prepare<[string], { watch: string; version: number }>(GET_WATCH),
    getWatches: db.prepare<[string], { job_id: string; watch: string; version: number }>(GET_WATCHES),
    watchedInStatus: db.prepare<{ status: string; except: string; limit: number }, { job_id: string; name: string | null; total: number }>(
      WATCHED_IN_STATUS,
    ),
    insertWatch: db.prepare<[string, string, number]>(INSERT_WATCH),
    updateWatch: db.prepare<[string, number, string, number]>(UPDATE_WATCH),
    endSubscriptions: db.prepare<[string, number, string]>(END_SUBSCRIPTIONS),
    stopWaiting: db.prepare<[string]>(STOP_WAITING),
    writeDeliveries: deliveryWriter(db),
    deleteWatch: db.prepare<[string]>(DELETE_WATCH),
  };
}

type Statements = ReturnType<typeof prepare>;

export function watchStore(db: Database.Database): WatchStore {
  return bindPort<Statements, WatchStore>(prepare(db), {
    watchedJobIds,
    getWatch,
    getWatches,
    watchedJobsInStatus,
    initWatch,
    commitPass,
    deleteWatch,
  });
}
