import type Database from 'better-sqlite3';
import type { ChannelSettings, DigestSchedule, DigestStore, PlannedDigest, QuietSetting, StoredDigest } from '../../core/ports/digest.js';
import type { DigestContent } from '../../domain/digest.js';
import type { Subscription } from '../../domain/subscription.js';
import { bindPort } from '../store-support.js';
import { immediate } from './connection.js';
import { type SubscriptionRow, toSubscription } from './subscriptions.js';

interface SettingsRow {
  channel_id: string;
  digest: string | null;
  digest_due_at: number | null;
  last_digest_at: number | null;
  quiet: string | null;
}

interface DigestRow {
  id: number;
  channel_id: string;
  local_date: string;
  content: string;
  attempts: number;
  reclaimed: number;
  created_at: number;
}

const orDate = (ms: number | null) => (ms === null ? null : new Date(ms));

const toSettings = (r: SettingsRow): ChannelSettings => ({
  channelId: r.channel_id,
  digest: r.digest === null ? null : (JSON.parse(r.digest) as DigestSchedule),
  digestDueAt: orDate(r.digest_due_at),
  lastDigestAt: orDate(r.last_digest_at),
  quiet: r.quiet === null ? null : (JSON.parse(r.quiet) as QuietSetting),
});

const toDigest = (r: DigestRow): StoredDigest => ({
  id: r.id,
  channelId: r.channel_id,
  localDate: r.local_date,
  content: JSON.parse(r.content) as DigestContent,
  attempts: r.attempts,
  reclaimed: r.reclaimed === 1,
  createdAt: new Date(r.created_at),
});

/** Sent digests are kept this long for their modal's pages, then forgotten when the channel's next is sent. */
const KEEP_SENT_MS = 14 * 86_400_000;

const SQL = {
  settings: 'SELECT * FROM channel_settings WHERE channel_id = ?',
  setDigest: `INSERT INTO channel_settings (channel_id, digest, digest_due_at, updated_at) VALUES (@channel, @digest, @due, @at)
    ON CONFLICT (channel_id) DO UPDATE SET digest = excluded.digest, digest_due_at = excluded.digest_due_at, updated_at = excluded.updated_at`,
  setQuiet: `INSERT INTO channel_settings (channel_id, quiet, updated_at) VALUES (@channel, @quiet, @at)
    ON CONFLICT (channel_id) DO UPDATE SET quiet = excluded.quiet, updated_at = excluded.updated_at`,
  // Quiet hours turned off or changed: what waited for their end waits no more (it is held again if still quiet).
  releaseHeld: `UPDATE deliveries SET held_until = @at WHERE held_until > @at
    AND subscription_id IN (SELECT id FROM subscriptions WHERE channel_id = @channel)`,
  quietHours: `SELECT * FROM channel_settings WHERE quiet IS NOT NULL AND channel_id IN (SELECT value FROM json_each(?))`,
  due: 'SELECT * FROM channel_settings WHERE digest_due_at IS NOT NULL AND digest_due_at <= ? ORDER BY digest_due_at LIMIT ?',
  moveDue: `UPDATE channel_settings SET digest_due_at = @next, last_digest_at = @now WHERE channel_id = @channel AND digest_due_at = @due`,
  insertDigest: `INSERT INTO digests (channel_id, local_date, content, created_at, sent_at) VALUES (@channel, @date, @content, @now, @sent)
    ON CONFLICT (channel_id, local_date) DO NOTHING`,
  claimable: `SELECT id, channel_id, local_date, content, attempts, created_at, claimed_until IS NOT NULL AS reclaimed FROM digests
    WHERE sent_at IS NULL AND (not_before IS NULL OR not_before <= @now) AND (claimed_until IS NULL OR claimed_until <= @now)
    ORDER BY id LIMIT @limit`,
  claim: 'UPDATE digests SET claimed_by = ?, claimed_until = ? WHERE id = ?',
  complete: 'UPDATE digests SET sent_at = ?, ref = ?, claimed_by = NULL, claimed_until = NULL WHERE id = ?',
  forgetOld: 'DELETE FROM digests WHERE channel_id = ? AND sent_at IS NOT NULL AND sent_at < ?',
  retry: `UPDATE digests SET claimed_by = NULL, claimed_until = NULL, attempts = attempts + 1, not_before = ?, last_error = ? WHERE id = ?`,
  get: 'SELECT id, channel_id, local_date, content, attempts, created_at, 0 AS reclaimed FROM digests WHERE id = ?',
  subscriptions: `SELECT * FROM subscriptions WHERE channel_id = @channel AND kind = 'channel'
    AND (state <> 'ended' OR @since IS NULL OR state_at >= @since) ORDER BY id`,
  hold: 'UPDATE deliveries SET held_until = ?, claimed_by = NULL, claimed_until = NULL WHERE id IN (SELECT value FROM json_each(?))',
};

function prepare(db: Database.Database) {
  return {
    db,
    settings: db.prepare<[string], SettingsRow>(SQL.settings),
    setDigest: db.prepare<{ channel: string; digest: string | null; due: number | null; at: number }>(SQL.setDigest),
    setQuiet: db.prepare<{ channel: string; quiet: string | null; at: number }>(SQL.setQuiet),
    releaseHeld: db.prepare<{ channel: string; at: number }>(SQL.releaseHeld),
    quietHours: db.prepare<[string], SettingsRow>(SQL.quietHours),
    due: db.prepare<[number, number], SettingsRow>(SQL.due),
    moveDue: db.prepare<{ next: number; now: number; channel: string; due: number }>(SQL.moveDue),
    insertDigest: db.prepare<{ channel: string; date: string; content: string; now: number; sent: number | null }>(SQL.insertDigest),
    claimable: db.prepare<{ now: number; limit: number }, DigestRow>(SQL.claimable),
    claim: db.prepare<[string, number, number]>(SQL.claim),
    complete: db.prepare<[number, string | null, number]>(SQL.complete),
    channelOf: db.prepare<[number], { channel_id: string }>('SELECT channel_id FROM digests WHERE id = ?'),
    forgetOld: db.prepare<[string, number]>(SQL.forgetOld),
    retry: db.prepare<[number, string, number]>(SQL.retry),
    get: db.prepare<[number], DigestRow>(SQL.get),
    subscriptions: db.prepare<{ channel: string; since: number | null }, SubscriptionRow>(SQL.subscriptions),
    hold: db.prepare<[number, string]>(SQL.hold),
  };
}

type Statements = ReturnType<typeof prepare>;

async function planDigest(sql: Statements, plan: PlannedDigest): Promise<boolean> {
  const now = plan.now.getTime();
  return immediate(sql.db, () => {
    // Only the one who moves the due time plans: a second replica, or a restarted one, finds it moved.
    const moved =
      sql.moveDue.run({ next: plan.nextDueAt.getTime(), now, channel: plan.channelId, due: plan.dueAt.getTime() }).changes === 1;
    if (!moved) return false;
    const content = JSON.stringify(plan.content);
    const sent = plan.silent ? now : null;
    return sql.insertDigest.run({ channel: plan.channelId, date: plan.localDate, content, now, sent }).changes === 1;
  });
}

async function claimDigests(sql: Statements, owner: string, now: Date, leaseMs: number, limit: number): Promise<StoredDigest[]> {
  return immediate(sql.db, () => {
    const rows = sql.claimable.all({ now: now.getTime(), limit });
    for (const r of rows) sql.claim.run(owner, now.getTime() + leaseMs, r.id);
    return rows.map(toDigest);
  });
}

async function completeDigest(sql: Statements, id: number, ref: string | null, at: Date): Promise<void> {
  immediate(sql.db, () => {
    sql.complete.run(at.getTime(), ref, id);
    const row = sql.channelOf.get(id);
    if (row) sql.forgetOld.run(row.channel_id, at.getTime() - KEEP_SENT_MS);
  });
}

export function digestStore(db: Database.Database): DigestStore {
  return bindPort<Statements, DigestStore>(prepare(db), {
    channelSettings: async (sql, channelId) => {
      const row = sql.settings.get(channelId);
      return row ? toSettings(row) : null;
    },
    setDigest: async (sql, channel, digest, due, at) => {
      sql.setDigest.run({ channel, digest: digest && JSON.stringify(digest), due: due?.getTime() ?? null, at: at.getTime() });
    },
    setQuiet: async (sql, channel, quiet, at) => {
      immediate(sql.db, () => {
        sql.setQuiet.run({ channel, quiet: quiet && JSON.stringify(quiet), at: at.getTime() });
        sql.releaseHeld.run({ channel, at: at.getTime() });
      });
    },
    quietHours: async (sql, channelIds) => {
      const rows = channelIds.length === 0 ? [] : sql.quietHours.all(JSON.stringify(channelIds));
      return new Map(rows.map((r) => [r.channel_id, toSettings(r).quiet as QuietSetting]));
    },
    dueDigests: async (sql, now, limit) => sql.due.all(now.getTime(), limit).map(toSettings),
    planDigest,
    claimDigests,
    completeDigest,
    retryDigest: async (sql, id, notBefore, error) => {
      sql.retry.run(notBefore.getTime(), error, id);
    },
    getDigest: async (sql, id) => {
      const row = sql.get.get(id);
      return row ? toDigest(row) : null;
    },
    digestSubscriptions: async (sql, channel, since): Promise<Subscription[]> =>
      sql.subscriptions.all({ channel, since: since?.getTime() ?? null }).map(toSubscription),
    holdDeliveries: async (sql, ids, until) => {
      if (ids.length > 0) sql.hold.run(until.getTime(), JSON.stringify(ids));
    },
  });
}
