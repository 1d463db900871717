import type { DeliveryResult, SubscriptionStore } from '../../core/ports/subscriptions.js';
import type { SubscriptionFilter } from '../../domain/events.js';
import type { NewSubscription, Subscription, SubscriptionKind, SubscriptionState } from '../../domain/subscription.js';
import { bindPort, byJob } from '../store-support.js';
import type { Connection } from './connection.js';

export interface SubscriptionRow {
  id: string;
  channel_id: string;
  job_id: string;
  filter: string;
  created_by: string;
  created_at: Date;
  card_ts: string | null;
  state: string;
  state_reason: string | null;
  state_by: string | null;
  state_at: Date | null;
  last_delivery: string | null;
  last_delivery_at: Date | null;
  kind: string;
  feed_id: string | null;
  waits_for_need: boolean;
}

// bigint ids come back as strings from pg; they stay far below 2^53.
export const toSubscription = (r: SubscriptionRow): Subscription => ({
  id: Number(r.id),
  channelId: r.channel_id,
  jobId: r.job_id,
  // Written only by this adapter from a typed SubscriptionFilter.
  filter: r.filter as SubscriptionFilter,
  createdBy: r.created_by,
  createdAt: r.created_at,
  cardTs: r.card_ts,
  state: r.state as SubscriptionState,
  stateReason: r.state_reason,
  stateBy: r.state_by,
  stateAt: r.state_at,
  lastDelivery: r.last_delivery,
  lastDeliveryAt: r.last_delivery_at,
  kind: r.kind as SubscriptionKind,
  feedId: r.feed_id === null ? null : Number(r.feed_id),
  waitsForNeed: r.waits_for_need,
});

// One round trip in the common case. "An ended one is replaced": ended ones with nothing left to
// send are forgotten; one whose final summary is still pending stays until it has gone out.
const INSERT_SUBSCRIPTION = `WITH spent AS (
    DELETE FROM subscriptions s WHERE s.channel_id = $1 AND s.job_id = $2 AND s.state = 'ended'
    AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.subscription_id = s.id)
  )
  INSERT INTO subscriptions (channel_id, job_id, filter, created_by, created_at, kind, feed_id, waits_for_need)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
  ON CONFLICT (channel_id, job_id) WHERE state <> 'ended' DO NOTHING
  RETURNING *`;

async function addSubscription(db: Connection, input: NewSubscription): Promise<{ subscription: Subscription; created: boolean }> {
  // No transaction: the partial unique index arbitrates between concurrent adds, and a loser
  // reads the winner's row. The loop covers the winner being removed between those two steps.
  for (let attempt = 0; attempt < 3; attempt++) {
    const inserted = await db.pool.query<SubscriptionRow>(INSERT_SUBSCRIPTION, [
      input.channelId,
      input.jobId,
      input.filter,
      input.createdBy,
      input.createdAt,
      input.kind ?? 'channel',
      input.feedId ?? null,
      input.waitsForNeed ?? false,
    ]);
    const row = inserted.rows[0];
    if (row) return { subscription: toSubscription(row), created: true };
    const existing = await findSubscription(db, input.channelId, input.jobId);
    if (existing) return { subscription: existing, created: false };
  }
  throw new Error(`addSubscription: could not settle a subscription of ${input.channelId} to ${input.jobId}`);
}

const GET_SUBSCRIPTION = 'SELECT * FROM subscriptions WHERE id = $1';

async function getSubscription(db: Connection, id: number): Promise<Subscription | null> {
  const { rows } = await db.pool.query<SubscriptionRow>(GET_SUBSCRIPTION, [id]);
  return rows[0] ? toSubscription(rows[0]) : null;
}

const FIND_SUBSCRIPTION = `SELECT * FROM subscriptions WHERE channel_id = $1 AND job_id = $2 AND state <> 'ended'`;

async function findSubscription(db: Connection, channelId: string, jobId: string): Promise<Subscription | null> {
  const { rows } = await db.pool.query<SubscriptionRow>(FIND_SUBSCRIPTION, [channelId, jobId]);
  return rows[0] ? toSubscription(rows[0]) : null;
}

const LIST_SUBSCRIPTIONS = `SELECT * FROM subscriptions WHERE channel_id = $1 AND state <> 'ended' AND kind = 'channel' ORDER BY id`;

async function listSubscriptions(db: Connection, channelId: string): Promise<Subscription[]> {
  const { rows } = await db.pool.query<SubscriptionRow>(LIST_SUBSCRIPTIONS, [channelId]);
  return rows.map(toSubscription);
}

const SUBSCRIPTIONS_FOR_JOB = `SELECT * FROM subscriptions WHERE job_id = $1 AND state = 'active' AND kind = 'channel' ORDER BY id`;

async function subscriptionsForJob(db: Connection, jobId: string): Promise<Subscription[]> {
  const { rows } = await db.pool.query<SubscriptionRow>(SUBSCRIPTIONS_FOR_JOB, [jobId]);
  return rows.map(toSubscription);
}

const SUBSCRIPTIONS_FOR_JOBS = `SELECT * FROM subscriptions
  WHERE job_id = ANY($1::text[]) AND state = 'active' AND kind = 'channel' ORDER BY id`;

async function subscriptionsForJobs(db: Connection, jobIds: readonly string[]): Promise<Map<string, Subscription[]>> {
  const { rows } = await db.pool.query<SubscriptionRow>(SUBSCRIPTIONS_FOR_JOBS, [jobIds]);
  return byJob(rows.map(toSubscription));
}

const SUBSCRIPTIONS_OF_FEED = `SELECT * FROM subscriptions WHERE feed_id = $1 AND state <> 'ended' ORDER BY id`;

async function subscriptionsOfFeed(db: Connection, feedId: number): Promise<Subscription[]> {
  const { rows } = await db.pool.query<SubscriptionRow>(SUBSCRIPTIONS_OF_FEED, [feedId]);
  return rows.map(toSubscription);
}

/** The App Home's order: paused (waiting for someone), active, ended; newest first within each. */
const SUBSCRIPTIONS_CREATED_BY = `SELECT *, COUNT(*) OVER () AS total FROM subscriptions WHERE created_by = $1 AND kind = 'channel'
  ORDER BY CASE state WHEN 'paused' THEN 0 WHEN 'active' THEN 1 ELSE 2 END, id DESC LIMIT $2 OFFSET $3`;

const COUNT_CREATED_BY = `SELECT COUNT(*) AS total FROM subscriptions WHERE created_by = $1 AND kind = 'channel'`;

async function subscriptionsCreatedBy(
  db: Connection,
  userId: string,
  page: { limit: number; offset: number },
): Promise<{ subscriptions: Subscription[]; total: number }> {
  const { rows } = await db.pool.query<SubscriptionRow & { total: string }>(SUBSCRIPTIONS_CREATED_BY, [userId, page.limit, page.offset]);
  // Past the last page the window has no row to count on.
  const counted = rows[0]?.total ?? (await db.pool.query<{ total: string }>(COUNT_CREATED_BY, [userId])).rows[0]?.total;
  return { subscriptions: rows.map(toSubscription), total: Number(counted ?? 0) };
}

const SET_CARD_TS = 'UPDATE subscriptions SET card_ts = $1 WHERE id = $2';

async function setCardTs(db: Connection, subscriptionId: number, ts: string): Promise<void> {
  await db.pool.query(SET_CARD_TS, [ts, subscriptionId]);
}

const REMOVE_SUBSCRIPTION = 'DELETE FROM subscriptions WHERE id = $1';

async function removeSubscription(db: Connection, subscriptionId: number): Promise<void> {
  // Pending deliveries go with it (ON DELETE CASCADE).
  await db.pool.query(REMOVE_SUBSCRIPTION, [subscriptionId]);
}

const PAUSE = `UPDATE subscriptions SET state = 'paused', state_reason = $1, state_by = $2, state_at = coalesce($3, now())
  WHERE id = $4 AND state = 'active'`;

async function pauseSubscription(
  db: Connection,
  subscriptionId: number,
  reason: string,
  by?: { userId: string; at: Date },
): Promise<boolean> {
  const r = await db.pool.query(PAUSE, [reason, by?.userId ?? null, by?.at ?? null, subscriptionId]);
  return r.rowCount === 1;
}

const RESUME = `UPDATE subscriptions SET state = 'active', state_reason = NULL, state_by = NULL, state_at = NULL
  WHERE id = $1 AND state = 'paused'`;

async function resumeSubscription(db: Connection, subscriptionId: number): Promise<void> {
  await db.pool.query(RESUME, [subscriptionId]);
}

const RECORD_DELIVERY_RESULT = 'UPDATE subscriptions SET last_delivery = $1, last_delivery_at = $2 WHERE id = $3';

async function recordDeliveryResult(db: Connection, subscriptionId: number, result: string, at: Date): Promise<void> {
  await db.pool.query(RECORD_DELIVERY_RESULT, [result, at, subscriptionId]);
}

const RECORD_DELIVERY_RESULTS = `UPDATE subscriptions s SET last_delivery = u.result, last_delivery_at = u.at
  FROM unnest($1::bigint[], $2::text[], $3::timestamptz[]) AS u (id, result, at)
  WHERE s.id = u.id`;

async function recordDeliveryResults(db: Connection, results: readonly DeliveryResult[]): Promise<void> {
  // One row per subscription (an UPDATE … FROM joining a row twice would apply either): the last wins.
  const last = new Map<number, DeliveryResult>();
  for (const r of results) last.set(r.subscriptionId, r);
  if (last.size === 0) return;
  const batch = [...last.values()];
  await db.pool.query(RECORD_DELIVERY_RESULTS, [
    batch.map((r) => r.subscriptionId),
    batch.map((r) => r.result),
    batch.map((r) => r.at.toISOString()),
  ]);
}

export function subscriptionStore(db: Connection): SubscriptionStore {
  return bindPort<Connection, SubscriptionStore>(db, {
    addSubscription,
    getSubscription,
    findSubscription,
    listSubscriptions,
    subscriptionsForJob,
    subscriptionsForJobs,
    subscriptionsOfFeed,
    subscriptionsCreatedBy,
    setCardTs,
    removeSubscription,
    pauseSubscription,
    resumeSubscription,
    recordDeliveryResult,
    recordDeliveryResults,
  });
}
