import type Database from 'better-sqlite3';
import type { DeliveryResult, SubscriptionStore } from '../../core/ports/subscriptions.js';
import type { SubscriptionFilter } from '../../domain/events.js';
import type { NewSubscription, Subscription, SubscriptionKind, SubscriptionState } from '../../domain/subscription.js';
import { bindPort, byJob } from '../store-support.js';
import { immediate } from './connection.js';

export interface SubscriptionRow {
  id: number;
  channel_id: string;
  job_id: string;
  filter: string;
  created_by: string;
  created_at: number;
  card_ts: string | null;
  state: string;
  state_reason: string | null;
  state_by: string | null;
  state_at: number | null;
  last_delivery: string | null;
  last_delivery_at: number | null;
  kind: string;
  feed_id: number | null;
  waits_for_need: number;
}

export const toSubscription = (r: SubscriptionRow): Subscription => ({
  id: r.id,
  channelId: r.channel_id,
  jobId: r.job_id,
  // Written only by this adapter from a typed SubscriptionFilter.
  filter: r.filter as SubscriptionFilter,
  createdBy: r.created_by,
  createdAt: new Date(r.created_at),
  cardTs: r.card_ts,
  state: r.state as SubscriptionState,
  stateReason: r.state_reason,
  stateBy: r.state_by,
  stateAt: r.state_at === null ? null : new Date(r.state_at),
  lastDelivery: r.last_delivery,
  lastDeliveryAt: r.last_delivery_at === null ? null : new Date(r.last_delivery_at),
  kind: r.kind as SubscriptionKind,
  feedId: r.feed_id,
  waitsForNeed: r.waits_for_need === 1,
});

const DROP_SPENT_ENDED = `DELETE FROM subscriptions AS s WHERE s.channel_id = ? AND s.job_id = ? AND s.state = 'ended'
  AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.subscription_id = s.id)`;

const INSERT_SUBSCRIPTION = `INSERT INTO subscriptions (channel_id, job_id, filter, created_by, created_at, kind, feed_id, waits_for_need)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (channel_id, job_id) WHERE state <> 'ended' DO NOTHING
  RETURNING *`;

async function addSubscription(sql: Statements, input: NewSubscription): Promise<{ subscription: Subscription; created: boolean }> {
  return immediate(sql.db, () => {
    const existing = sql.findSubscription.get(input.channelId, input.jobId);
    if (existing) return { subscription: toSubscription(existing), created: false };
    // "An ended one is replaced": forget ended ones with nothing left to send; one that still
    // has its final summary pending stays until the summary has gone out.
    sql.dropSpentEnded.run(input.channelId, input.jobId);
    const row = sql.insertSubscription.get(
      input.channelId,
      input.jobId,
      input.filter,
      input.createdBy,
      input.createdAt.getTime(),
      input.kind ?? 'channel',
      input.feedId ?? null,
      input.waitsForNeed ? 1 : 0,
    );
    if (!row) throw new Error('addSubscription: insert conflicted inside an immediate transaction');
    return { subscription: toSubscription(row), created: true };
  });
}

const GET_SUBSCRIPTION = 'SELECT * FROM subscriptions WHERE id = ?';

async function getSubscription(sql: Statements, id: number): Promise<Subscription | null> {
  const row = sql.getSubscription.get(id);
  return row ? toSubscription(row) : null;
}

const FIND_SUBSCRIPTION = `SELECT * FROM subscriptions WHERE channel_id = ? AND job_id = ? AND state <> 'ended'`;

async function findSubscription(sql: Statements, channelId: string, jobId: string): Promise<Subscription | null> {
  const row = sql.findSubscription.get(channelId, jobId);
  return row ? toSubscription(row) : null;
}

const LIST_SUBSCRIPTIONS = `SELECT * FROM subscriptions WHERE channel_id = ? AND state <> 'ended' AND kind = 'channel' ORDER BY id`;

async function listSubscriptions(sql: Statements, channelId: string): Promise<Subscription[]> {
  return sql.listSubscriptions.all(channelId).map(toSubscription);
}

const SUBSCRIPTIONS_FOR_JOB = `SELECT * FROM subscriptions WHERE job_id = ? AND state = 'active' AND kind = 'channel' ORDER BY id`;

async function subscriptionsForJob(sql: Statements, jobId: string): Promise<Subscription[]> {
  return sql.subscriptionsForJob.all(jobId).map(toSubscription);
}

// The ids come as one JSON array: one statement whatever their number.
const SUBSCRIPTIONS_FOR_JOBS = `SELECT * FROM subscriptions
  WHERE job_id IN (SELECT value FROM json_each(?)) AND state = 'active' AND kind = 'channel' ORDER BY id`;

async function subscriptionsForJobs(sql: Statements, jobIds: readonly string[]): Promise<Map<string, Subscription[]>> {
  return byJob(sql.subscriptionsForJobs.all(JSON.stringify(jobIds)).map(toSubscription));
}

const SUBSCRIPTIONS_OF_FEED = `SELECT * FROM subscriptions WHERE feed_id = ? AND state <> 'ended' ORDER BY id`;

async function subscriptionsOfFeed(sql: Statements, feedId: number): Promise<Subscription[]> {
  return sql.subscriptionsOfFeed.all(feedId).map(toSubscription);
}

/** The App Home's order: paused (waiting for someone), active, ended; newest first within each. */
const SUBSCRIPTIONS_CREATED_BY = `SELECT *, COUNT(*) OVER () AS total FROM subscriptions WHERE created_by = ? AND kind = 'channel'
  ORDER BY CASE state WHEN 'paused' THEN 0 WHEN 'active' THEN 1 ELSE 2 END, id DESC LIMIT ? OFFSET ?`;

const COUNT_CREATED_BY = `SELECT COUNT(*) AS total FROM subscriptions WHERE created_by = ? AND kind = 'channel'`;

async function subscriptionsCreatedBy(
  sql: Statements,
  userId: string,
  page: { limit: number; offset: number },
): Promise<{ subscriptions: Subscription[]; total: number }> {
  const rows = sql.subscriptionsCreatedBy.all(userId, page.limit, page.offset);
  // Past the last page the window has no row to count on.
  const total = rows[0]?.total ?? sql.countCreatedBy.get(userId)?.total ?? 0;
  return { subscriptions: rows.map(toSubscription), total };
}

const SET_CARD_TS = 'UPDATE subscriptions SET card_ts = ? WHERE id = ?';

async function setCardTs(sql: Statements, subscriptionId: number, ts: string): Promise<void> {
  sql.setCardTs.run(ts, subscriptionId);
}

const REMOVE_SUBSCRIPTION = 'DELETE FROM subscriptions WHERE id = ?';

async function removeSubscription(sql: Statements, subscriptionId: number): Promise<void> {
  // Pending deliveries go with it (ON DELETE CASCADE).
  sql.removeSubscription.run(subscriptionId);
}

const PAUSE = `UPDATE subscriptions SET state = 'paused', state_reason = ?, state_by = ?, state_at = ? WHERE id = ? AND state = 'active'`;

async function pauseSubscription(
  sql: Statements,
  subscriptionId: number,
  reason: string,
  by?: { userId: string; at: Date },
): Promise<boolean> {
  return sql.pause.run(reason, by?.userId ?? null, (by?.at ?? new Date()).getTime(), subscriptionId).changes === 1;
}

const RESUME = `UPDATE subscriptions SET state = 'active', state_reason = NULL, state_by = NULL, state_at = NULL
  WHERE id = ? AND state = 'paused'`;

async function resumeSubscription(sql: Statements, subscriptionId: number): Promise<void> {
  sql.resume.run(subscriptionId);
}

const RECORD_DELIVERY_RESULT = 'UPDATE subscriptions SET last_delivery = ?, last_delivery_at = ? WHERE id = ?';

async function recordDeliveryResult(sql: Statements, subscriptionId: number, result: string, at: Date): Promise<void> {
  sql.recordDeliveryResult.run(result, at.getTime(), subscriptionId);
}

async function recordDeliveryResults(sql: Statements, results: readonly DeliveryResult[]): Promise<void> {
  if (results.length === 0) return;
  // In order, in one transaction: a later entry for a subscription overwrites an earlier one.
  sql.db.transaction(() => {
    for (const r of results) sql.recordDeliveryResult.run(r.result, r.at.getTime(), r.subscriptionId);
  })();
}

/** Prepared once per connection and reused: the poll pass runs these for every job it reads. */
function prepare(db: Database.Database) {
  return {
    db,
    dropSpentEnded: db.prepare<[string, string]>(DROP_SPENT_ENDED),
    insertSubscription: db.prepare<[string, string, string, string, number, string, number | null, number], SubscriptionRow>(
      INSERT_SUBSCRIPTION,
    ),
    getSubscription: db.prepare<[number], SubscriptionRow>(GET_SUBSCRIPTION),
    findSubscription: db.prepare<[string, string], SubscriptionRow>(FIND_SUBSCRIPTION),
    listSubscriptions: db.prepare<[string], SubscriptionRow>(LIST_SUBSCRIPTIONS),
    subscriptionsForJob: db.prepare<[string], SubscriptionRow>(SUBSCRIPTIONS_FOR_JOB),
    subscriptionsForJobs: db.prepare<[string], SubscriptionRow>(SUBSCRIPTIONS_FOR_JOBS),
    subscriptionsOfFeed: db.prepare<[number], SubscriptionRow>(SUBSCRIPTIONS_OF_FEED),
    subscriptionsCreatedBy: db.prepare<[string, number, number], SubscriptionRow & { total: number }>(SUBSCRIPTIONS_CREATED_BY),
    countCreatedBy: db.prepare<[string], { total: number }>(COUNT_CREATED_BY),
    setCardTs: db.prepare<[string, number]>(SET_CARD_TS),
    removeSubscription: db.prepare<[number]>(REMOVE_SUBSCRIPTION),
    pause: db.prepare<[string, string | null, number, number]>(PAUSE),
    resume: db.prepare<[number]>(RESUME),
    recordDeliveryResult: db.prepare<[string, number, number]>(RECORD_DELIVERY_RESULT),
  };
}

type Statements = ReturnType<typeof prepare>;

export function subscriptionStore(db: Database.Database): SubscriptionStore {
  return bindPort<Statements, SubscriptionStore>(prepare(db), {
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
