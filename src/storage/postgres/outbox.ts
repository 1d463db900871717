import type pg from 'pg';
import { type Delivery, type NewDelivery, type Outbox, REPLIES_WAIT_FOR_CARD_MS } from '../../core/ports/outbox.js';
import { bindPort, collapseDeliveries, decodeItem, deliveryKind, encodeItem } from '../store-support.js';
import type { Connection } from './connection.js';

/**
 * Claims hold across replicas: a claimer first locks the subscriptions it will serve (`FOR NO KEY
 * UPDATE SKIP LOCKED`), so two replicas never work on one subscription at once: no delivery is
 * handed out twice and none overtakes an earlier one of its subscription. Claims and retries run on
 * the database's clock (see PostgresStoreOptions.timeSource): one clock for every replica.
 */

interface DeliveryRow {
  id: string;
  subscription_id: string;
  key: string;
  kind: string;
  payload: string;
  attempts: number;
  not_before: Date | null;
  created_at: Date;
  last_error: string | null;
  reclaimed: boolean;
  held_until: Date | null;
}

const toDelivery = (r: DeliveryRow): Delivery => ({
  id: Number(r.id),
  subscriptionId: Number(r.subscription_id),
  key: r.key,
  item: decodeItem(r.payload),
  reclaimed: r.reclaimed,
  attempts: r.attempts,
  // A fresh delivery has no not_before: it has been due since it was enqueued.
  notBefore: r.not_before ?? r.created_at,
  createdAt: r.created_at,
  lastError: r.last_error,
  heldUntil: r.held_until,
});

// One statement for the batch. ORDER BY ord: ids are drawn in that order, and id order is the
// delivery order. A delivery for a subscription removed meanwhile is dropped, not an error.
const ENQUEUE = `INSERT INTO deliveries (subscription_id, key, kind, payload, created_at)
  SELECT u.subscription_id, u.key, u.kind, u.payload, now()
  FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS u (subscription_id, key, kind, payload, ord)
  WHERE EXISTS (SELECT 1 FROM subscriptions s WHERE s.id = u.subscription_id)
  ORDER BY u.ord
  ON CONFLICT (subscription_id, key) DO UPDATE SET payload = EXCLUDED.payload, revision = deliveries.revision + 1
  WHERE EXCLUDED.kind = 'card' AND deliveries.kind = 'card'`;

/** Writes deliveries, in the caller's transaction when given its client: the outbox's own enqueue, and a pass's commit. */
export async function writeDeliveries(client: pg.ClientBase | pg.Pool, deliveries: readonly NewDelivery[]): Promise<void> {
  const batch = collapseDeliveries(deliveries);
  if (batch.length === 0) return;
  await client.query(ENQUEUE, [
    batch.map((d) => d.subscriptionId),
    batch.map((d) => d.key),
    batch.map((d) => deliveryKind(d.item)),
    batch.map((d) => encodeItem(d.item)),
  ]);
}

async function enqueue(db: Connection, deliveries: NewDelivery[]): Promise<void> {
  await writeDeliveries(db.pool, deliveries);
}

// Step 1 of a claim: lock the subscriptions whose oldest pending delivery is due and unclaimed,
// oldest first; those another claimer holds are skipped, not waited for. Every subscription yields
// at least one delivery, so `limit` subscriptions are enough.
const LOCK_CLAIMABLE = `WITH heads AS (
    -- The first delivery of each kind per subscription: replies keep their order, the card its own.
    SELECT DISTINCT ON (subscription_id, kind) subscription_id, id, kind, not_before, claimed_until, created_at
    -- Held for quiet hours (on the bot's clock, as quiet hours are): not before they end, holding nothing back.
    FROM deliveries WHERE ($3::text IS NULL OR kind = $3) AND (held_until IS NULL OR held_until <= $5::timestamptz)
    ORDER BY subscription_id, kind, id
  ), ready AS (
    SELECT h.subscription_id, min(h.id) AS first FROM heads h JOIN subscriptions s ON s.id = h.subscription_id
    WHERE (h.not_before IS NULL OR h.not_before <= coalesce($1::timestamptz, now()))
      AND (h.claimed_until IS NULL OR h.claimed_until <= coalesce($1::timestamptz, now()))
      -- Replies wait a while for their card to be in the channel (REPLIES_WAIT_FOR_CARD_MS).
      AND (h.kind <> 'reply' OR s.card_ts IS NOT NULL OR s.kind <> 'channel'
        OR h.created_at <= coalesce($1::timestamptz, now()) - $4::double precision * interval '1 millisecond')
    GROUP BY h.subscription_id
  )
  SELECT s.id FROM ready r JOIN subscriptions s ON s.id = r.subscription_id
  WHERE s.state <> 'paused'
  ORDER BY r.first
  LIMIT $2
  FOR NO KEY UPDATE OF s SKIP LOCKED`;

// Step 2: with those locks held, nobody else claims for these subscriptions. Re-read (this
// statement sees what committed since step 1) and claim each one's run of due, unclaimed
// deliveries up to the first that is not due or is claimed. now() is the transaction's start:
// both statements judge by the same instant.
const CLAIM_RUNS = `WITH present AS (SELECT coalesce($4::timestamptz, now()) AS at), picked AS (
    SELECT d.id,
      -- Still marked claimed although claimable: that claim expired with no outcome recorded.
      d.claimed_until IS NOT NULL AS reclaimed
    FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id, present p
    WHERE d.subscription_id = ANY($3::bigint[])
      AND ($6::text IS NULL OR d.kind = $6)
      -- Replies wait a while for their card to be in the channel (REPLIES_WAIT_FOR_CARD_MS).
      AND (d.kind <> 'reply' OR s.card_ts IS NOT NULL OR s.kind <> 'channel'
        OR d.created_at <= p.at - $7::double precision * interval '1 millisecond')
      AND (d.not_before IS NULL OR d.not_before <= p.at)
      AND (d.claimed_until IS NULL OR d.claimed_until <= p.at)
      AND (d.held_until IS NULL OR d.held_until <= $8::timestamptz)
      AND NOT EXISTS (
        SELECT 1 FROM deliveries e
        WHERE e.subscription_id = d.subscription_id AND e.kind = d.kind AND e.id < d.id
          AND (e.held_until IS NULL OR e.held_until <= $8::timestamptz)
          AND (e.not_before > p.at OR e.claimed_until > p.at))
    ORDER BY d.id
    LIMIT $5
  )
  UPDATE deliveries d SET claimed_by = $1, claimed_until = (SELECT at FROM present) + $2::double precision * interval '1 millisecond',
    claimed_revision = d.revision
  FROM picked WHERE d.id = picked.id
  RETURNING d.id, d.subscription_id, d.key, d.kind, d.payload, d.attempts, d.not_before, d.created_at, d.last_error,
    picked.reclaimed, d.held_until`;

async function claimDeliveries(
  db: Connection,
  owner: string,
  now: Date,
  leaseMs: number,
  limit: number,
  kind?: 'card' | 'reply',
): Promise<Delivery[]> {
  if (limit <= 0) return [];
  const present = db.present(now);
  const rows = await db.transaction(async (client) => {
    const locked = await client.query<{ id: string }>(LOCK_CLAIMABLE, [present, limit, kind ?? null, REPLIES_WAIT_FOR_CARD_MS, now]);
    if (locked.rows.length === 0) return [];
    const subscriptions = locked.rows.map((r) => r.id);
    const claimed = await client.query<DeliveryRow>(CLAIM_RUNS, [
      owner,
      leaseMs,
      subscriptions,
      present,
      limit,
      kind ?? null,
      REPLIES_WAIT_FOR_CARD_MS,
      now,
    ]);
    return claimed.rows;
  });
  // RETURNING has no order.
  return rows.map(toDelivery).sort((a, b) => a.id - b.id);
}

const RENEW_CLAIM = `UPDATE deliveries SET claimed_until = coalesce($1::timestamptz, now() + $2::double precision * interval '1 millisecond')
  WHERE id = $3 AND claimed_by = $4`;

async function renewClaim(db: Connection, id: number, owner: string, until: Date): Promise<boolean> {
  const renewed = await db.pool.query(RENEW_CLAIM, [...db.moment(until), id, owner]);
  return renewed.rowCount === 1;
}

const COMPLETE = 'DELETE FROM deliveries WHERE id = $1 AND (claimed_revision IS NULL OR claimed_revision = revision)';

const RELEASE_ONE = 'UPDATE deliveries SET claimed_by = NULL, claimed_until = NULL WHERE id = $1';

async function completeDelivery(db: Connection, id: number): Promise<void> {
  const deleted = await db.pool.query(COMPLETE, [id]);
  // A card replaced while in flight was sent with its old payload: keep it, due again.
  if (deleted.rowCount === 0) await db.pool.query(RELEASE_ONE, [id]);
}

// One statement: delete what was sent as it is, and release (keep pending) each card replaced
// while in flight. The two parts share one snapshot and cannot see each other's changes, so the
// release names only ids the delete did not take; a card replaced by a pass committing meanwhile
// fails the delete's re-check and is released like the others.
const COMPLETE_MANY = `WITH done AS (
    DELETE FROM deliveries WHERE id = ANY($1::bigint[]) AND (claimed_revision IS NULL OR claimed_revision = revision)
    RETURNING id
  )
  UPDATE deliveries SET claimed_by = NULL, claimed_until = NULL
  WHERE id = ANY($1::bigint[]) AND id NOT IN (SELECT id FROM done)`;

async function completeDeliveries(db: Connection, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await db.pool.query(COMPLETE_MANY, [ids]);
}

const RETRY = `UPDATE deliveries SET claimed_by = NULL, claimed_until = NULL, attempts = attempts + 1,
    not_before = coalesce($1::timestamptz, now() + $2::double precision * interval '1 millisecond'), last_error = $3
  WHERE id = $4`;

async function retryDelivery(db: Connection, id: number, notBefore: Date, error: string): Promise<void> {
  await db.pool.query(RETRY, [...db.moment(notBefore), error, id]);
}

const RELEASE = 'UPDATE deliveries SET claimed_by = NULL, claimed_until = NULL WHERE id = ANY($1::bigint[])';

async function releaseDeliveries(db: Connection, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await db.pool.query(RELEASE, [ids]);
}

const PENDING_ALL = 'SELECT count(*)::int AS n FROM deliveries';

const PENDING_FOR = 'SELECT count(*)::int AS n FROM deliveries WHERE subscription_id = $1';

async function pendingDeliveries(db: Connection, subscriptionId?: number): Promise<number> {
  const { rows } =
    subscriptionId === undefined
      ? await db.pool.query<{ n: number }>(PENDING_ALL)
      : await db.pool.query<{ n: number }>(PENDING_FOR, [subscriptionId]);
  return rows[0]?.n ?? 0;
}

export function outbox(db: Connection): Outbox {
  return bindPort<Connection, Outbox>(db, {
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
