import type Database from 'better-sqlite3';
import type { Log } from '../../core/ports/log.js';
import { type Delivery, type NewDelivery, type Outbox, REPLIES_WAIT_FOR_CARD_MS } from '../../core/ports/outbox.js';
import { bindPort, collapseDeliveries, decodeItem, deliveryKind, encodeItem } from '../store-support.js';
import { immediate } from './connection.js';

interface DeliveryRow {
  id: number;
  subscription_id: number;
  key: string;
  kind: string;
  payload: string;
  attempts: number;
  not_before: number | null;
  created_at: number;
  last_error: string | null;
  reclaimed: number;
  held_until: number | null;
}

const toDelivery = (r: DeliveryRow): Delivery => ({
  id: r.id,
  subscriptionId: r.subscription_id,
  key: r.key,
  item: decodeItem(r.payload),
  reclaimed: r.reclaimed === 1,
  attempts: r.attempts,
  // A fresh delivery has no not_before: it has been due since it was enqueued.
  notBefore: new Date(r.not_before ?? r.created_at),
  createdAt: new Date(r.created_at),
  lastError: r.last_error,
  heldUntil: r.held_until === null ? null : new Date(r.held_until),
});

// WHERE EXISTS: SQLite needs a WHERE before ON CONFLICT in INSERT … SELECT, and a
// delivery for a subscription removed meanwhile is dropped rather than failing the pass.
const ENQUEUE = `INSERT INTO deliveries (subscription_id, key, kind, payload, created_at)
  SELECT @sub, @key, @kind, @payload, @now WHERE EXISTS (SELECT 1 FROM subscriptions WHERE id = @sub)
  ON CONFLICT (subscription_id, key) DO UPDATE SET payload = excluded.payload, revision = revision + 1
  WHERE excluded.kind = 'card' AND deliveries.kind = 'card'`;

/** Writes deliveries, inside the caller's transaction: the outbox's own enqueue, and a pass's commit. */
export function deliveryWriter(db: Database.Database): (deliveries: readonly NewDelivery[], now: number) => void {
  const statement = db.prepare<{ sub: number; key: string; kind: string; payload: string; now: number }>(ENQUEUE);
  return (deliveries, now) => {
    for (const d of collapseDeliveries(deliveries)) {
      statement.run({ sub: d.subscriptionId, key: d.key, kind: deliveryKind(d.item), payload: encodeItem(d.item), now });
    }
  };
}

async function enqueue(sql: Statements, deliveries: NewDelivery[]): Promise<void> {
  if (deliveries.length === 0) return;
  immediate(sql.db, () => sql.writeDeliveries(deliveries, Date.now()));
}

const CLAIMABLE = `SELECT d.id, d.subscription_id, d.key, d.kind, d.payload, d.attempts, d.not_before, d.created_at, d.last_error, d.held_until,
    -- Still marked claimed although claimable: that claim expired with no outcome recorded.
    d.claimed_until IS NOT NULL AS reclaimed
  FROM deliveries d
  JOIN subscriptions s ON s.id = d.subscription_id
  WHERE s.state <> 'paused'
    AND (@kind IS NULL OR d.kind = @kind)
    -- Replies wait a while for their card to be in the channel (REPLIES_WAIT_FOR_CARD_MS).
    AND (d.kind <> 'reply' OR s.card_ts IS NOT NULL OR s.kind <> 'channel' OR d.created_at <= @cardWaitSince)
    AND (d.not_before IS NULL OR d.not_before <= @now)
    AND (d.claimed_until IS NULL OR d.claimed_until <= @now)
    -- Held for quiet hours: not before they end, and holding nothing back meanwhile.
    AND (d.held_until IS NULL OR d.held_until <= @now)
    -- Order holds among a subscription's replies; its one card never waits (kind = kind).
    AND NOT EXISTS (
      SELECT 1 FROM deliveries e
      WHERE e.subscription_id = d.subscription_id AND e.kind = d.kind AND e.id < d.id
        AND (e.held_until IS NULL OR e.held_until <= @now)
        AND (e.not_before > @now OR e.claimed_until > @now))
  ORDER BY d.id
  LIMIT @limit`;

const CLAIM = 'UPDATE deliveries SET claimed_by = ?, claimed_until = ?, claimed_revision = revision WHERE id = ?';

async function claimDeliveries(
  sql: Statements,
  owner: string,
  now: Date,
  leaseMs: number,
  limit: number,
  kind?: 'card' | 'reply',
): Promise<Delivery[]> {
  if (limit <= 0) return [];
  const at = now.getTime();
  const until = at + leaseMs;
  return immediate(sql.db, () => {
    const rows = sql.claimable.all({ now: at, limit: Math.trunc(limit), kind: kind ?? null, cardWaitSince: at - REPLIES_WAIT_FOR_CARD_MS });
    for (const r of rows) sql.claim.run(owner, until, r.id);
    return rows.map(toDelivery);
  });
}

const RENEW_CLAIM = 'UPDATE deliveries SET claimed_until = ? WHERE id = ? AND claimed_by = ?';

async function renewClaim(sql: Statements, id: number, owner: string, until: Date): Promise<boolean> {
  return sql.renewClaim.run(until.getTime(), id, owner).changes === 1;
}

const COMPLETE = 'DELETE FROM deliveries WHERE id = ? AND (claimed_revision IS NULL OR claimed_revision = revision)';

const RELEASE_ONE = 'UPDATE deliveries SET claimed_by = NULL, claimed_until = NULL WHERE id = ?';

async function completeDelivery(sql: Statements, id: number): Promise<void> {
  immediate(sql.db, () => {
    // A card replaced while in flight was sent with its old payload: keep it, due again.
    if (sql.complete.run(id).changes === 0) sql.releaseOne.run(id);
  });
}

const COMPLETE_MANY = `DELETE FROM deliveries WHERE id IN (SELECT value FROM json_each(?))
  AND (claimed_revision IS NULL OR claimed_revision = revision)`;

async function completeDeliveries(sql: Statements, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  const json = JSON.stringify(ids);
  immediate(sql.db, () => {
    sql.completeMany.run(json);
    // Whatever of the batch is still there was a card replaced while in flight: keep it, due again.
    sql.release.run(json);
  });
}

const RETRY = `UPDATE deliveries SET claimed_by = NULL, claimed_until = NULL, attempts = attempts + 1, not_before = ?, last_error = ?
  WHERE id = ?`;

async function retryDelivery(sql: Statements, id: number, notBefore: Date, error: string): Promise<void> {
  sql.retry.run(notBefore.getTime(), error, id);
}

const RELEASE = 'UPDATE deliveries SET claimed_by = NULL, claimed_until = NULL WHERE id IN (SELECT value FROM json_each(?))';

async function releaseDeliveries(sql: Statements, ids: number[]): Promise<void> {
  if (ids.length > 0) sql.release.run(JSON.stringify(ids));
}

const PENDING_ALL = 'SELECT count(*) AS n FROM deliveries';

const PENDING_FOR = 'SELECT count(*) AS n FROM deliveries WHERE subscription_id = ?';

async function pendingDeliveries(sql: Statements, subscriptionId?: number): Promise<number> {
  const row = subscriptionId === undefined ? sql.pendingAll.get() : sql.pendingFor.get(subscriptionId);
  return row?.n ?? 0;
}

/**
 * Ends, at once, every claim of an earlier process: for a store opened holding the data directory's
 * lock, which proves that no other process is running, so none of those claims can still be
 * sending. They stay marked as claimed, so the sender still checks Slack before sending them again
 * (Delivery.reclaimed).
 */
export function releaseOrphanClaims(db: Database.Database, logger: Log): void {
  const orphans = db.prepare('UPDATE deliveries SET claimed_until = 0 WHERE claimed_until IS NOT NULL').run().changes;
  if (orphans > 0) logger.info({ deliveries: orphans }, 'claims of a previous process released');
}

function prepare(db: Database.Database) {
  return {
    db,
    writeDeliveries: deliveryWriter(db),
    claimable: db.prepare<{ now: number; limit: number; kind: string | null; cardWaitSince: number }, DeliveryRow>(CLAIMABLE),
    claim: db.prepare<[string, number, number]>(CLAIM),
    renewClaim: db.prepare<[number, number, string]>(RENEW_CLAIM),
    complete: db.prepare<[number]>(COMPLETE),
    releaseOne: db.prepare<[number]>(RELEASE_ONE),
    completeMany: db.prepare<[string]>(COMPLETE_MANY),
    retry: db.prepare<[number, string, number]>(RETRY),
    release: db.prepare<[string]>(RELEASE),
    pendingAll: db.prepare<[], { n: number }>(PENDING_ALL),
    pendingFor: db.prepare<[number], { n: number }>(PENDING_FOR),
  };
}

type Statements = ReturnType<typeof prepare>;

export function outbox(db: Database.Database): Outbox {
  return bindPort<Statements, Outbox>(prepare(db), {
    enqueue,
    claimDeliveries,
    renewClaim,
    completeDelivery,
    completeDeliveries,
    retryDelivery,
    releaseDeliveries,
    pendingDeliveries,
  });
}
