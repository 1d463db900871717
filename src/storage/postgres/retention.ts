import { PURGE_LIMIT, type PurgeResult, type RetentionStore } from '../../core/ports/retention.js';
import { DESTINATION_GONE_PREFIX } from '../../domain/subscription.js';
import { bindPort } from '../store-support.js';
import type { Connection } from './connection.js';

// Oldest first, each kind bounded by $2. SKIP LOCKED: a subscription a replica is claiming for right
// now (or a watch a pass is writing) is left for the next purge rather than waited for.
const EXPIRED_ENDED = `SELECT id FROM subscriptions WHERE state = 'ended' AND state_at < $1 ORDER BY state_at LIMIT $2
  FOR UPDATE SKIP LOCKED`;

const EXPIRED_PAUSED = `SELECT id, channel_id, job_id, state_reason FROM subscriptions
  WHERE state = 'paused' AND state_at < $1 AND starts_with(state_reason, $3)
  ORDER BY state_at LIMIT $2 FOR UPDATE SKIP LOCKED`;

const DELETE_DELIVERIES_OF = 'DELETE FROM deliveries WHERE subscription_id = ANY($1::bigint[])';

const DELETE_SUBSCRIPTIONS = 'DELETE FROM subscriptions WHERE id = ANY($1::bigint[])';

const EXPIRED_WATCHES = `DELETE FROM watches WHERE job_id IN (
  SELECT w.job_id FROM watches w
  WHERE w.updated_at < $1
    AND NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.job_id = w.job_id AND s.state <> 'ended')
  LIMIT $2
  FOR UPDATE OF w SKIP LOCKED)`;

// A job whose creation time cannot be read (created_ms NULL) never qualifies, so never moves the horizon.
const EXPIRED_DISCOVERED_JOBS = `DELETE FROM discovered_jobs d USING (
  SELECT e.job_id FROM discovered_jobs e
  WHERE e.created_ms < $2 AND e.seen_at < $1
    AND NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.job_id = e.job_id AND s.state <> 'ended')
  ORDER BY e.created_ms
  LIMIT $3
  FOR UPDATE OF e SKIP LOCKED) AS doomed
WHERE d.job_id = doomed.job_id
RETURNING d.created_ms`;

// No index on claimed_at: the table holds a row per action people took, and the purge runs hourly.
const EXPIRED_ACTION_CLAIMS = `DELETE FROM action_claims WHERE ctid IN (
  SELECT ctid FROM action_claims WHERE claimed_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`;

const RAISE_HORIZON = `INSERT INTO discovery_horizon (id, forgotten_through) VALUES (1, $1)
  ON CONFLICT (id) DO UPDATE SET forgotten_through = greatest(discovery_horizon.forgotten_through, EXCLUDED.forgotten_through)`;

async function purgeExpired(db: Connection, cutoff: Date, limit = PURGE_LIMIT): Promise<PurgeResult> {
  const n = Math.max(1, Math.trunc(limit));
  return db.transaction(async (client): Promise<PurgeResult> => {
    const ended = await client.query<{ id: string }>(EXPIRED_ENDED, [cutoff, n]);
    const paused = await client.query<{ id: string; channel_id: string; job_id: string; state_reason: string }>(EXPIRED_PAUSED, [
      cutoff,
      n,
      DESTINATION_GONE_PREFIX,
    ]);
    const ids = [...ended.rows, ...paused.rows].map((r) => r.id);
    let deliveries = 0;
    if (ids.length > 0) {
      // Explicitly rather than by ON DELETE CASCADE, to count them.
      deliveries = (await client.query(DELETE_DELIVERIES_OF, [ids])).rowCount ?? 0;
      await client.query(DELETE_SUBSCRIPTIONS, [ids]);
    }
    // After the subscriptions: a job whose last paused subscription just went loses its watch now.
    const watches = await client.query(EXPIRED_WATCHES, [cutoff, n]);
    // Likewise for the jobs discovery saw: one whose subscription just went is forgotten now.
    const forgotten = await client.query<{ created_ms: string }>(EXPIRED_DISCOVERED_JOBS, [cutoff, cutoff.getTime(), n]);
    if (forgotten.rows.length > 0) {
      await client.query(RAISE_HORIZON, [new Date(Math.max(...forgotten.rows.map((r) => Number(r.created_ms))))]);
    }
    const actionClaims = (await client.query(EXPIRED_ACTION_CLAIMS, [cutoff, n])).rowCount ?? 0;
    return {
      subscriptions: ended.rows.length,
      pausedExpired: paused.rows.map((r) => ({ id: Number(r.id), channelId: r.channel_id, jobId: r.job_id, reason: r.state_reason })),
      watches: watches.rowCount ?? 0,
      deliveries,
      discoveredJobs: forgotten.rows.length,
      actionClaims,
    };
  });
}

export function retentionStore(db: Connection): RetentionStore {
  return bindPort<Connection, RetentionStore>(db, { purgeExpired });
}
