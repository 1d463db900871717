import type Database from 'better-sqlite3';
import { PURGE_LIMIT, type PurgeResult, type RetentionStore } from '../../core/ports/retention.js';
import { DESTINATION_GONE_PREFIX } from '../../domain/subscription.js';
import { bindPort } from '../store-support.js';
import { immediate } from './connection.js';

// Oldest first (the (state, state_at) index's order), each kind bounded by @limit.
const EXPIRED_ENDED = `SELECT id FROM subscriptions WHERE state = 'ended' AND state_at < @cutoff ORDER BY state_at LIMIT @limit`;

const EXPIRED_PAUSED = `SELECT id, channel_id, job_id, state_reason FROM subscriptions
  WHERE state = 'paused' AND state_at < @cutoff AND substr(state_reason, 1, length(@prefix)) = @prefix
  ORDER BY state_at LIMIT @limit`;

const DELETE_DELIVERIES_OF = 'DELETE FROM deliveries WHERE subscription_id IN (SELECT value FROM json_each(?))';

const DELETE_SUBSCRIPTIONS = 'DELETE FROM subscriptions WHERE id IN (SELECT value FROM json_each(?))';

const EXPIRED_WATCHES = `DELETE FROM watches WHERE job_id IN (
  SELECT w.job_id FROM watches w
  WHERE w.updated_at < @cutoff
    AND NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.job_id = w.job_id AND s.state <> 'ended')
  LIMIT @limit)`;

// A job whose creation time cannot be read (created_ms NULL) never qualifies, so never moves the horizon.
const EXPIRED_DISCOVERED_JOBS = `DELETE FROM discovered_jobs WHERE job_id IN (
  SELECT d.job_id FROM discovered_jobs d
  WHERE d.created_ms < @cutoff AND d.seen_at < @cutoff
    AND NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.job_id = d.job_id AND s.state <> 'ended')
  ORDER BY d.created_ms
  LIMIT @limit)
RETURNING created_ms`;

// No index on claimed_at: the table holds a row per action people took, and the purge runs hourly.
const EXPIRED_ACTION_CLAIMS = `DELETE FROM action_claims WHERE rowid IN (
  SELECT rowid FROM action_claims WHERE claimed_at < @cutoff LIMIT @limit)`;

const RAISE_HORIZON = `INSERT INTO discovery_horizon (id, forgotten_through) VALUES (1, ?)
  ON CONFLICT (id) DO UPDATE SET forgotten_through = max(forgotten_through, excluded.forgotten_through)`;

async function purgeExpired(sql: Statements, cutoff: Date, limit = PURGE_LIMIT): Promise<PurgeResult> {
  const params = { cutoff: cutoff.getTime(), limit: Math.max(1, Math.trunc(limit)) };
  return immediate(sql.db, (): PurgeResult => {
    const ended = sql.expiredEnded.all(params).map((r) => r.id);
    const paused = sql.expiredPaused.all({ ...params, prefix: DESTINATION_GONE_PREFIX });
    const ids = JSON.stringify([...ended, ...paused.map((r) => r.id)]);
    // Explicitly rather than by ON DELETE CASCADE, to count them.
    const deliveries = sql.deleteDeliveriesOf.run(ids).changes;
    sql.deleteSubscriptions.run(ids);
    // After the subscriptions: a job whose last paused subscription just went loses its watch now.
    const watches = sql.expiredWatches.run(params).changes;
    // Likewise for the jobs discovery saw: one whose subscription just went is forgotten now.
    const forgotten = sql.expiredDiscoveredJobs.all(params).map((r) => r.created_ms);
    if (forgotten.length > 0) sql.raiseHorizon.run(Math.max(...forgotten));
    const actionClaims = sql.expiredActionClaims.run(params).changes;
    return {
      subscriptions: ended.length,
      pausedExpired: paused.map((r) => ({ id: r.id, channelId: r.channel_id, jobId: r.job_id, reason: r.state_reason })),
      watches,
      deliveries,
      discoveredJobs: forgotten.length,
      actionClaims,
    };
  });
}

function prepare(db: Database.Database) {
  return {
    db,
    expiredEnded: db.prepare<{ cutoff: number; limit: number }, { id: number }>(EXPIRED_ENDED),
    expiredPaused: db.prepare<
      { cutoff: number; prefix: string; limit: number },
      { id: number; channel_id: string; job_id: string; state_reason: string }
    >(EXPIRED_PAUSED),
    deleteDeliveriesOf: db.prepare<[string]>(DELETE_DELIVERIES_OF),
    deleteSubscriptions: db.prepare<[string]>(DELETE_SUBSCRIPTIONS),
    expiredWatches: db.prepare<{ cutoff: number; limit: number }>(EXPIRED_WATCHES),
    expiredDiscoveredJobs: db.prepare<{ cutoff: number; limit: number }, { created_ms: number }>(EXPIRED_DISCOVERED_JOBS),
    raiseHorizon: db.prepare<[number]>(RAISE_HORIZON),
    expiredActionClaims: db.prepare<{ cutoff: number; limit: number }>(EXPIRED_ACTION_CLAIMS),
  };
}

type Statements = ReturnType<typeof prepare>;

export function retentionStore(db: Database.Database): RetentionStore {
  return bindPort<Statements, RetentionStore>(prepare(db), { purgeExpired });
}
