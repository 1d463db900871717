import type { ChannelSettings, DigestSchedule, DigestStore, PlannedDigest, QuietSetting, StoredDigest } from '../../core/ports/digest.js';
import type { DigestContent } from '../../domain/digest.js';
import { bindPort } from '../store-support.js';
import type { Connection } from './connection.js';
import { type SubscriptionRow, toSubscription } from './subscriptions.js';

/**
 * Digest times and quiet hours are times of day in a channel's time zone, read on the bot's clock
 * (the caller's `now`), not the database's: exactly-once rests on the unique (channel, local date)
 * and on moving the due time only from the value read, not on the clocks agreeing.
 */

interface SettingsRow {
  channel_id: string;
  digest: string | null;
  digest_due_at: Date | null;
  last_digest_at: Date | null;
  quiet: string | null;
}

interface DigestRow {
  id: string;
  channel_id: string;
  local_date: string;
  content: string;
  attempts: number;
  reclaimed: boolean;
  created_at: Date;
}

const toSettings = (r: SettingsRow): ChannelSettings => ({
  channelId: r.channel_id,
  digest: r.digest === null ? null : (JSON.parse(r.digest) as DigestSchedule),
  digestDueAt: r.digest_due_at,
  lastDigestAt: r.last_digest_at,
  quiet: r.quiet === null ? null : (JSON.parse(r.quiet) as QuietSetting),
});

const toDigest = (r: DigestRow): StoredDigest => ({
  id: Number(r.id),
  channelId: r.channel_id,
  localDate: r.local_date,
  content: JSON.parse(r.content) as DigestContent,
  attempts: r.attempts,
  reclaimed: r.reclaimed,
  createdAt: r.created_at,
});

/** Sent digests are kept this long for their modal's pages, then forgotten when the channel's next is sent. */
const KEEP_SENT_MS = 14 * 86_400_000;

const SQL = {
  settings: 'SELECT * FROM channel_settings WHERE channel_id = $1',
  setDigest: `INSERT INTO channel_settings (channel_id, digest, digest_due_at, updated_at) VALUES ($1, $2, $3, $4)
    ON CONFLICT (channel_id) DO UPDATE SET digest = EXCLUDED.digest, digest_due_at = EXCLUDED.digest_due_at, updated_at = EXCLUDED.updated_at`,
  setQuiet: `INSERT INTO channel_settings (channel_id, quiet, updated_at) VALUES ($1, $2, $3)
    ON CONFLICT (channel_id) DO UPDATE SET quiet = EXCLUDED.quiet, updated_at = EXCLUDED.updated_at`,
  // Quiet hours turned off or changed: what waited for their end waits no more (it is held again if still quiet).
  releaseHeld: `UPDATE deliveries SET held_until = $2 WHERE held_until > $2
    AND subscription_id IN (SELECT id FROM subscriptions WHERE channel_id = $1)`,
  quietHours: 'SELECT * FROM channel_settings WHERE quiet IS NOT NULL AND channel_id = ANY($1::text[])',
  due: 'SELECT * FROM channel_settings WHERE digest_due_at IS NOT NULL AND digest_due_at <= $1 ORDER BY digest_due_at LIMIT $2',
  moveDue: 'UPDATE channel_settings SET digest_due_at = $1, last_digest_at = $2 WHERE channel_id = $3 AND digest_due_at = $4',
  insertDigest: `INSERT INTO digests (channel_id, local_date, content, created_at, sent_at) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (channel_id, local_date) DO NOTHING`,
  claim: `UPDATE digests d SET claimed_by = $1, claimed_until = $2::timestamptz + $3::double precision * interval '1 millisecond'
    FROM (SELECT id, claimed_until IS NOT NULL AS reclaimed FROM digests
      WHERE sent_at IS NULL AND (not_before IS NULL OR not_before <= $2) AND (claimed_until IS NULL OR claimed_until <= $2)
      ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED) AS picked
    WHERE d.id = picked.id
    RETURNING d.id, d.channel_id, d.local_date, d.content, d.attempts, d.created_at, picked.reclaimed`,
  complete: 'UPDATE digests SET sent_at = $1, ref = $2, claimed_by = NULL, claimed_until = NULL WHERE id = $3 RETURNING channel_id',
  forgetOld: 'DELETE FROM digests WHERE channel_id = $1 AND sent_at IS NOT NULL AND sent_at < $2',
  retry:
    'UPDATE digests SET claimed_by = NULL, claimed_until = NULL, attempts = attempts + 1, not_before = $1, last_error = $2 WHERE id = $3',
  get: 'SELECT id, channel_id, local_date, content, attempts, created_at, false AS reclaimed FROM digests WHERE id = $1',
  subscriptions: `SELECT * FROM subscriptions WHERE channel_id = $1 AND kind = 'channel'
    AND (state <> 'ended' OR $2::timestamptz IS NULL OR state_at >= $2) ORDER BY id`,
  hold: 'UPDATE deliveries SET held_until = $1, claimed_by = NULL, claimed_until = NULL WHERE id = ANY($2::bigint[])',
};

async function planDigest(db: Connection, plan: PlannedDigest): Promise<boolean> {
  return db.transaction(async (client) => {
    // Only the one who moves the due time plans: a second replica, or a restarted one, finds it moved.
    const moved = await client.query(SQL.moveDue, [plan.nextDueAt, plan.now, plan.channelId, plan.dueAt]);
    if (moved.rowCount !== 1) return false;
    const inserted = await client.query(SQL.insertDigest, [
      plan.channelId,
      plan.localDate,
      JSON.stringify(plan.content),
      plan.now,
      plan.silent ? plan.now : null,
    ]);
    return inserted.rowCount === 1;
  });
}

async function claimDigests(db: Connection, owner: string, now: Date, leaseMs: number, limit: number): Promise<StoredDigest[]> {
  const { rows } = await db.pool.query<DigestRow>(SQL.claim, [owner, now, leaseMs, limit]);
  return rows.map(toDigest).sort((a, b) => a.id - b.id);
}

async function completeDigest(db: Connection, id: number, ref: string | null, at: Date): Promise<void> {
  const { rows } = await db.pool.query<{ channel_id: string }>(SQL.complete, [at, ref, id]);
  const channel = rows[0]?.channel_id;
  if (channel) await db.pool.query(SQL.forgetOld, [channel, new Date(at.getTime() - KEEP_SENT_MS)]);
}

export function digestStore(db: Connection): DigestStore {
  return bindPort<Connection, DigestStore>(db, {
    channelSettings: async (db, channelId) => {
      const { rows } = await db.pool.query<SettingsRow>(SQL.settings, [channelId]);
      return rows[0] ? toSettings(rows[0]) : null;
    },
    setDigest: async (db, channel, digest, due, at) => {
      await db.pool.query(SQL.setDigest, [channel, digest && JSON.stringify(digest), due, at]);
    },
    setQuiet: async (db, channel, quiet, at) => {
      await db.transaction(async (client) => {
        await client.query(SQL.setQuiet, [channel, quiet && JSON.stringify(quiet), at]);
        await client.query(SQL.releaseHeld, [channel, at]);
      });
    },
    quietHours: async (db, channelIds) => {
      if (channelIds.length === 0) return new Map();
      const { rows } = await db.pool.query<SettingsRow>(SQL.quietHours, [channelIds]);
      return new Map(rows.map((r) => [r.channel_id, toSettings(r).quiet as QuietSetting]));
    },
    dueDigests: async (db, now, limit) => (await db.pool.query<SettingsRow>(SQL.due, [now, limit])).rows.map(toSettings),
    planDigest,
    claimDigests,
    completeDigest,
    retryDigest: async (db, id, notBefore, error) => {
      await db.pool.query(SQL.retry, [notBefore, error, id]);
    },
    getDigest: async (db, id) => {
      const { rows } = await db.pool.query<DigestRow>(SQL.get, [id]);
      return rows[0] ? toDigest(rows[0]) : null;
    },
    digestSubscriptions: async (db, channel, since) =>
      (await db.pool.query<SubscriptionRow>(SQL.subscriptions, [channel, since])).rows.map(toSubscription),
    holdDeliveries: async (db, ids, until) => {
      if (ids.length > 0) await db.pool.query(SQL.hold, [until, [...ids]]);
    },
  });
}
