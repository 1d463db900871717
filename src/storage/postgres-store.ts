import pg from 'pg';
import {
  DESTINATION_GONE_PREFIX,
  type Delivery,
  type DeliveryResult,
  type EmailResolution,
  type Feed,
  type ListedJob,
  type Log,
  type NewDelivery,
  type NewFeed,
  type NewSubscription,
  type OwnerLink,
  type PassCommit,
  PURGE_LIMIT,
  type PurgeResult,
  REPLIES_WAIT_FOR_CARD_MS,
  type Store,
  type StoredWatch,
  type Subscription,
  type SubscriptionKind,
  type SubscriptionState,
} from '../core/ports.js';
import type { SubscriptionFilter } from '../domain/events.js';
import type { JobWatch } from '../domain/snapshot.js';
import { type Migration, postgresMigrations } from './migrations.js';
import {
  byJob,
  collapseDeliveries,
  consoleStoreLogger,
  decodeItem,
  deliveryKind,
  encodeItem,
  globToLike,
  type ListedJobRow,
  storableJob,
  storableText,
  toListedJob,
  toStoredWatch,
} from './store-support.js';

export interface PostgresStoreOptions {
  connectionString: string;
  /**
   * Tables live in this schema (created when missing) instead of the connection's default
   * search_path: tests use one per run, and several bot processes can share one.
   */
  schema?: string;
  logger?: Log;
  /** Shown in pg_stat_activity. */
  applicationName?: string;
  /** Pool size; the outbox worker and the poll pass use a few connections each. */
  maxConnections?: number;
  /** The server cancels a statement running longer, and ends a transaction idle longer (DATABASE_STATEMENT_TIMEOUT_MS). */
  statementTimeoutMs?: number;
  /**
   * How long to wait for any answer before giving the connection up (DATABASE_QUERY_TIMEOUT_MS): what
   * ends a query whose packets vanish, which neither the server's timeout nor keepalive can.
   */
  queryTimeoutMs?: number;
  /** Idle seconds before TCP keepalive probes start (DATABASE_KEEPALIVE_SECONDS). */
  keepAliveSeconds?: number;
  /**
   * Whose clock says when a lease or a delivery's claim runs out, and when a retried delivery is due.
   * 'database' (the default): PostgreSQL's, so that replicas whose clocks disagree still agree on who
   * holds a lease and whose claim is live; the `now` a caller passes is not used, and a time it passes
   * (a renewed claim's end, a retry's notBefore) is taken as that far from its present (`localClock`).
   * 'caller': the times each call is given, as SQLite takes them, for tests that move time.
   */
  timeSource?: 'database' | 'caller';
  /** This process's clock, against which callers' times are read in 'database' mode (a test gives a replica a wrong one). */
  localClock?: () => number;
}

const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;
const DEFAULT_QUERY_TIMEOUT_MS = 40_000;
const DEFAULT_KEEPALIVE_SECONDS = 15;

/**
 * Migrations run without the timeouts: one may build an index over a large table, and a replica
 * waits on the lock for another's migration. Bounded all the same, so that a start-up cannot hang for good.
 */
const MIGRATION_QUERY_TIMEOUT_MS = 600_000;

/** pg's error when `query_timeout` passed with no answer: the connection is then given up. */
const isReadTimeout = (err: unknown) => err instanceof Error && err.message === 'Query read timeout';

/** Any fixed number: every replica migrating the same database must take the same lock. */
const MIGRATION_LOCK_KEY = 7_402_117_341;

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

interface SubscriptionRow {
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

interface FeedRow {
  id: string;
  channel_id: string;
  filter: string;
  job_type: string | null;
  name_glob: string | null;
  created_by: string;
  created_at: Date;
}

interface OwnerLinkRow {
  slack_user_id: string;
  seekrflow_user_id: string;
  quiet: boolean;
}

interface OwnerEmailRow {
  email: string;
  slack_user_id: string | null;
  resolved_at: Date | null;
  last_error: string | null;
  failed_at: Date | null;
  failures: number;
  next_attempt_at: Date;
}

const toEmailResolution = (r: OwnerEmailRow): EmailResolution => ({
  email: r.email,
  slackUserId: r.slack_user_id,
  resolvedAt: r.resolved_at,
  lastError: r.last_error,
  failedAt: r.failed_at,
  failures: r.failures,
  nextAttemptAt: r.next_attempt_at,
});

const toFeed = (r: FeedRow): Feed => ({
  id: Number(r.id),
  channelId: r.channel_id,
  filter: r.filter as SubscriptionFilter,
  jobType: r.job_type,
  nameGlob: r.name_glob,
  createdBy: r.created_by,
  createdAt: r.created_at,
});

const toOwnerLink = (r: OwnerLinkRow): OwnerLink => ({
  slackUserId: r.slack_user_id,
  seekrflowUserId: r.seekrflow_user_id,
  quiet: r.quiet,
});

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
}

// bigint ids come back as strings from pg; they stay far below 2^53.
const toSubscription = (r: SubscriptionRow): Subscription => ({
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
});

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * Applies the migrations not yet recorded. Safe when several replicas start at once: each takes
 * the same transaction-scoped advisory lock first, so they run one after another, and the later
 * ones find the versions already recorded.
 */
async function migratePostgres(
  client: pg.ClientBase,
  schema: string | undefined,
  migrations: readonly Migration[] = postgresMigrations,
): Promise<number[]> {
  const applied: number[] = [];
  // pg reads a query's own query_timeout (its types do not list it).
  const query = (text: string, values?: unknown[]): Promise<pg.QueryResult> =>
    client.query({ text, values, query_timeout: MIGRATION_QUERY_TIMEOUT_MS } as pg.QueryConfig);
  await query('BEGIN');
  try {
    await query('SET LOCAL statement_timeout = 0');
    await query('SET LOCAL idle_in_transaction_session_timeout = 0');
    await query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    // Under the lock: CREATE SCHEMA IF NOT EXISTS is not safe against a concurrent creator.
    if (schema !== undefined) await query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    await query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set((await query('SELECT version FROM schema_migrations')).rows.map((r: { version: number }) => r.version));
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      // One transaction for all pending versions: PostgreSQL DDL is transactional, so a failure
      // leaves the schema as it was, and the next start retries from the same point.
      await query(m.sql);
      if (m.foldsDiscoveredJobs) await foldDiscoveredJobs(query);
      await query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    }
    await query('COMMIT');
  } catch (err) {
    await query('ROLLBACK').catch(() => {});
    throw err;
  }
  return applied;
}

/** Fills the columns the store computes (see migration 6) for the discovered jobs already stored, a batch at a time. */
async function foldDiscoveredJobs(query: (text: string, values?: unknown[]) => Promise<pg.QueryResult>): Promise<void> {
  const { rows } = (await query('SELECT job_id, name, created_at FROM discovered_jobs')) as pg.QueryResult<{
    job_id: string;
    name: string;
    created_at: string;
  }>;
  for (let i = 0; i < rows.length; i += 5_000) {
    const batch = rows
      .slice(i, i + 5_000)
      .map((r) => storableJob({ id: r.job_id, name: r.name, jobType: '', userId: '', createdAt: r.created_at }));
    await query(
      `UPDATE discovered_jobs d SET name_folded = u.folded, created_ms = u.created_ms
       FROM unnest($1::text[], $2::text[], $3::bigint[]) AS u (job_id, folded, created_ms) WHERE d.job_id = u.job_id`,
      [batch.map((j) => j.id), batch.map((j) => j.nameFolded), batch.map((j) => j.createdMs)],
    );
  }
}

/**
 * The replicated engine. Every promise of the port holds across processes:
 *  - commitPass: the watch row is written first with `WHERE version = expected` (or inserted when
 *    none was expected); a concurrent pass blocks on that row, then finds the version moved and
 *    writes nothing.
 *  - claimDeliveries: a claimer first locks the subscriptions it will serve (`FOR NO KEY UPDATE SKIP
 *    LOCKED`), so two replicas never work on one subscription at once: no delivery is handed out
 *    twice and none overtakes an earlier one of its subscription.
 *  - leases: an upsert that only takes over an expired lease or renews one's own.
 * Leases, claims and retries run on the database's clock (see `timeSource`): one clock for every replica.
 */
export class PostgresStore implements Store {
  readonly engine = 'postgres' as const;
  readonly pool: pg.Pool;
  readonly schema: string | undefined;
  readonly #logger: Log;
  readonly #callerTime: boolean;
  readonly #localClock: () => number;
  #closed = false;

  constructor(options: PostgresStoreOptions) {
    if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
      throw new Error(`Invalid PostgreSQL schema name ${JSON.stringify(options.schema)}: use letters, digits and _`);
    }
    this.schema = options.schema;
    this.#logger = options.logger ?? consoleStoreLogger;
    this.#callerTime = options.timeSource === 'caller';
    this.#localClock = options.localClock ?? Date.now;
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.maxConnections ?? 10,
      application_name: options.applicationName ?? 'datajob-bot',
      // Set at connection start, so that every pooled connection, including one that replaces a
      // lost one, resolves our tables in our schema.
      ...(options.schema === undefined ? {} : { options: `-c search_path=${options.schema}` }),
      // A server that does not answer a connection attempt is as silent as one that does not answer a query.
      connectionTimeoutMillis: Math.min(10_000, options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS),
      statement_timeout: options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
      // Our transactions wait on nothing but their own statements: one idle this long belongs to a
      // process that is stuck or gone, and its locks hold up every other replica.
      idle_in_transaction_session_timeout: options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
      query_timeout: options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
      keepAlive: true,
      keepAliveInitialDelayMillis: (options.keepAliveSeconds ?? DEFAULT_KEEPALIVE_SECONDS) * 1000,
    });
    // An idle connection dropped by the server (restart, failover, pg_terminate_backend) is
    // reported here. Unhandled, it would crash the process; the pool has already discarded the
    // connection and opens a new one for the next query.
    this.pool.on('error', (err) => {
      this.#logger.warn({ err, code: (err as { code?: string }).code }, 'postgres idle connection lost');
    });
  }

  async migrate(): Promise<void> {
    const applied = await this.#withClient((c) => migratePostgres(c, this.schema));
    if (applied.length > 0) this.#logger.info({ schema: this.schema, versions: applied }, 'postgres migrations applied');
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.pool.end();
  }

  /**
   * The present for lease and claim SQL, as `coalesce($n::timestamptz, now())`: null, so the
   * database's own now(), unless the store takes the caller's times.
   */
  #present(now: Date): Date | null {
    return this.#callerTime ? now : null;
  }

  /**
   * A time a caller gives, for `coalesce($a::timestamptz, now() + $b * interval '1 millisecond')`:
   * as given when the store takes the caller's times, else as that far from the database's now as it
   * is from the caller's.
   */
  #moment(at: Date): [Date | null, number] {
    return this.#callerTime ? [at, 0] : [null, at.getTime() - this.#localClock()];
  }

  async #withClient<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // While checked out the pool does not listen for the client's errors; a connection dropped
    // between two of our statements would otherwise be an uncaught 'error' event.
    const onError = (err: Error) => this.#logger.warn({ err }, 'postgres connection lost while in use');
    client.on('error', onError);
    let failure: Error | undefined;
    try {
      return await fn(client);
    } catch (err) {
      failure = err instanceof Error ? err : new Error(String(err));
      throw err;
    } finally {
      client.off('error', onError);
      // After a failure the connection may be dead or mid-transaction: discard it, not reuse it.
      client.release(failure);
    }
  }

  async #transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.#withClient(async (client) => {
      await client.query('BEGIN');
      try {
        const result = await fn(client);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        // After a read timeout the connection is given up (its server ends the transaction when it
        // goes): a ROLLBACK would only wait out another timeout behind the unanswered query.
        if (!isReadTimeout(err)) await client.query('ROLLBACK').catch(() => {});
        throw err;
      }
    });
  }

  // Subscriptions

  async addSubscription(input: NewSubscription): Promise<{ subscription: Subscription; created: boolean }> {
    // No transaction: the partial unique index arbitrates between concurrent adds, and a loser
    // reads the winner's row. The loop covers the winner being removed between those two steps.
    for (let attempt = 0; attempt < 3; attempt++) {
      // One round trip in the common case. "An ended one is replaced": ended ones with nothing
      // left to send are forgotten; one whose final summary is still pending stays until it has gone out.
      const inserted = await this.pool.query<SubscriptionRow>(
        `WITH spent AS (
           DELETE FROM subscriptions s WHERE s.channel_id = $1 AND s.job_id = $2 AND s.state = 'ended'
           AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.subscription_id = s.id)
         )
         INSERT INTO subscriptions (channel_id, job_id, filter, created_by, created_at, kind, feed_id, waits_for_need)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (channel_id, job_id) WHERE state <> 'ended' DO NOTHING
         RETURNING *`,
        [
          input.channelId,
          input.jobId,
          input.filter,
          input.createdBy,
          input.createdAt,
          input.kind ?? 'channel',
          input.feedId ?? null,
          input.waitsForNeed ?? false,
        ],
      );
      const row = inserted.rows[0];
      if (row) return { subscription: toSubscription(row), created: true };
      const existing = await this.findSubscription(input.channelId, input.jobId);
      if (existing) return { subscription: existing, created: false };
    }
    throw new Error(`addSubscription: could not settle a subscription of ${input.channelId} to ${input.jobId}`);
  }

  async getSubscription(id: number): Promise<Subscription | null> {
    const { rows } = await this.pool.query<SubscriptionRow>('SELECT * FROM subscriptions WHERE id = $1', [id]);
    return rows[0] ? toSubscription(rows[0]) : null;
  }

  async findSubscription(channelId: string, jobId: string): Promise<Subscription | null> {
    const { rows } = await this.pool.query<SubscriptionRow>(
      `SELECT * FROM subscriptions WHERE channel_id = $1 AND job_id = $2 AND state <> 'ended'`,
      [channelId, jobId],
    );
    return rows[0] ? toSubscription(rows[0]) : null;
  }

  async listSubscriptions(channelId: string): Promise<Subscription[]> {
    const { rows } = await this.pool.query<SubscriptionRow>(
      `SELECT * FROM subscriptions WHERE channel_id = $1 AND state <> 'ended' AND kind = 'channel' ORDER BY id`,
      [channelId],
    );
    return rows.map(toSubscription);
  }

  async subscriptionsCreatedBy(
    userId: string,
    page: { limit: number; offset: number },
  ): Promise<{ subscriptions: Subscription[]; total: number }> {
    // The App Home's order: paused (waiting for someone), active, ended; newest first within each.
    const { rows } = await this.pool.query<SubscriptionRow & { total: string }>(
      `SELECT *, COUNT(*) OVER () AS total FROM subscriptions WHERE created_by = $1 AND kind = 'channel'
       ORDER BY CASE state WHEN 'paused' THEN 0 WHEN 'active' THEN 1 ELSE 2 END, id DESC LIMIT $2 OFFSET $3`,
      [userId, page.limit, page.offset],
    );
    // Past the last page the window has no row to count on.
    const counted =
      rows[0]?.total ??
      (
        await this.pool.query<{ total: string }>(`SELECT COUNT(*) AS total FROM subscriptions WHERE created_by = $1 AND kind = 'channel'`, [
          userId,
        ])
      ).rows[0]?.total;
    return { subscriptions: rows.map(toSubscription), total: Number(counted ?? 0) };
  }

  async subscriptionsForJob(jobId: string): Promise<Subscription[]> {
    const { rows } = await this.pool.query<SubscriptionRow>(
      `SELECT * FROM subscriptions WHERE job_id = $1 AND state = 'active' AND kind = 'channel' ORDER BY id`,
      [jobId],
    );
    return rows.map(toSubscription);
  }

  async subscriptionsForJobs(jobIds: readonly string[]): Promise<Map<string, Subscription[]>> {
    const { rows } = await this.pool.query<SubscriptionRow>(
      `SELECT * FROM subscriptions WHERE job_id = ANY($1::text[]) AND state = 'active' AND kind = 'channel' ORDER BY id`,
      [jobIds],
    );
    return byJob(rows.map(toSubscription));
  }

  async subscriptionsOfFeed(feedId: number): Promise<Subscription[]> {
    const { rows } = await this.pool.query<SubscriptionRow>(
      `SELECT * FROM subscriptions WHERE feed_id = $1 AND state <> 'ended' ORDER BY id`,
      [feedId],
    );
    return rows.map(toSubscription);
  }

  async watchedJobIds(): Promise<string[]> {
    // Owners' subscriptions never keep a job polled on their own: only channels do.
    const { rows } = await this.pool.query<{ job_id: string }>(
      `SELECT DISTINCT job_id FROM subscriptions WHERE state = 'active' AND kind = 'channel'`,
    );
    return rows.map((r) => r.job_id);
  }

  async setCardTs(subscriptionId: number, ts: string): Promise<void> {
    await this.pool.query('UPDATE subscriptions SET card_ts = $1 WHERE id = $2', [ts, subscriptionId]);
  }

  async removeSubscription(subscriptionId: number): Promise<void> {
    // Pending deliveries go with it (ON DELETE CASCADE).
    await this.pool.query('DELETE FROM subscriptions WHERE id = $1', [subscriptionId]);
  }

  async pauseSubscription(subscriptionId: number, reason: string, by?: { userId: string; at: Date }): Promise<boolean> {
    const r = await this.pool.query(
      `UPDATE subscriptions SET state = 'paused', state_reason = $1, state_by = $2, state_at = coalesce($3, now()) WHERE id = $4 AND state = 'active'`,
      [reason, by?.userId ?? null, by?.at ?? null, subscriptionId],
    );
    return r.rowCount === 1;
  }

  async resumeSubscription(subscriptionId: number): Promise<void> {
    await this.pool.query(
      `UPDATE subscriptions SET state = 'active', state_reason = NULL, state_by = NULL, state_at = NULL WHERE id = $1 AND state = 'paused'`,
      [subscriptionId],
    );
  }

  async recordDeliveryResult(subscriptionId: number, result: string, at: Date): Promise<void> {
    await this.pool.query('UPDATE subscriptions SET last_delivery = $1, last_delivery_at = $2 WHERE id = $3', [result, at, subscriptionId]);
  }

  async recordDeliveryResults(results: readonly DeliveryResult[]): Promise<void> {
    // One row per subscription (an UPDATE … FROM joining a row twice would apply either): the last wins.
    const last = new Map<number, DeliveryResult>();
    for (const r of results) last.set(r.subscriptionId, r);
    if (last.size === 0) return;
    const batch = [...last.values()];
    await this.pool.query(
      `UPDATE subscriptions s SET last_delivery = u.result, last_delivery_at = u.at
       FROM unnest($1::bigint[], $2::text[], $3::timestamptz[]) AS u (id, result, at)
       WHERE s.id = u.id`,
      [batch.map((r) => r.subscriptionId), batch.map((r) => r.result), batch.map((r) => r.at.toISOString())],
    );
  }

  // Job watch state

  async getWatches(jobIds: readonly string[]): Promise<Map<string, StoredWatch>> {
    const { rows } = await this.pool.query<{ job_id: string; watch: string; version: number }>(
      'SELECT job_id, watch, version FROM watches WHERE job_id = ANY($1::text[])',
      [jobIds],
    );
    return new Map(rows.map((r) => [r.job_id, toStoredWatch(r)]));
  }

  async getWatch(jobId: string): Promise<StoredWatch | null> {
    const { rows } = await this.pool.query<{ watch: string; version: number }>('SELECT watch, version FROM watches WHERE job_id = $1', [
      jobId,
    ]);
    const row = rows[0];
    return row ? toStoredWatch(row) : null;
  }

  async initWatch(jobId: string, watch: JobWatch): Promise<void> {
    await this.pool.query(
      'INSERT INTO watches (job_id, watch, version, updated_at) VALUES ($1, $2, 1, now()) ON CONFLICT (job_id) DO NOTHING',
      [jobId, JSON.stringify(watch)],
    );
  }

  async commitPass(jobId: string, commit: PassCommit): Promise<boolean> {
    const json = JSON.stringify(commit.watch);
    return this.#transaction(async (client) => {
      // The watch first: it is the row concurrent passes contend on, and when the version moved,
      // nothing else is written (the transaction commits empty).
      const won =
        commit.expectedVersion === null
          ? await client.query(
              'INSERT INTO watches (job_id, watch, version, updated_at) VALUES ($1, $2, 1, now()) ON CONFLICT (job_id) DO NOTHING',
              [jobId, json],
            )
          : await client.query(
              'UPDATE watches SET watch = $1, version = version + 1, updated_at = now() WHERE job_id = $2 AND version = $3',
              [json, jobId, commit.expectedVersion],
            );
      if (won.rowCount !== 1) return false;
      // Subscriptions before deliveries: ending one waits for a claimer that holds it, and that
      // claimer may be about to update this subscription's pending card. Were the card upserted
      // (and locked) first, each would wait for the other.
      const end = commit.endSubscriptions;
      if (end && end.ids.length > 0) {
        await client.query(
          `UPDATE subscriptions SET state = 'ended', state_reason = $1, state_at = now() WHERE id = ANY($2::bigint[]) AND state <> 'ended'`,
          [end.reason, end.ids],
        );
      }
      if (commit.stopWaiting && commit.stopWaiting.length > 0) {
        await client.query('UPDATE subscriptions SET waits_for_need = false WHERE id = ANY($1::bigint[])', [commit.stopWaiting]);
      }
      await this.#enqueue(client, commit.deliveries);
      return true;
    });
  }

  async deleteWatch(jobId: string): Promise<void> {
    await this.pool.query('DELETE FROM watches WHERE job_id = $1', [jobId]);
  }

  // Outbox

  async #enqueue(client: pg.ClientBase | pg.Pool, deliveries: readonly NewDelivery[]): Promise<void> {
    const batch = collapseDeliveries(deliveries);
    if (batch.length === 0) return;
    // One statement for the batch. ORDER BY ord: ids are drawn in that order, and id order is the
    // delivery order. A delivery for a subscription removed meanwhile is dropped, not an error.
    await client.query(
      `INSERT INTO deliveries (subscription_id, key, kind, payload, created_at)
       SELECT u.subscription_id, u.key, u.kind, u.payload, now()
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS u (subscription_id, key, kind, payload, ord)
       WHERE EXISTS (SELECT 1 FROM subscriptions s WHERE s.id = u.subscription_id)
       ORDER BY u.ord
       ON CONFLICT (subscription_id, key) DO UPDATE SET payload = EXCLUDED.payload, revision = deliveries.revision + 1
       WHERE EXCLUDED.kind = 'card' AND deliveries.kind = 'card'`,
      [
        batch.map((d) => d.subscriptionId),
        batch.map((d) => d.key),
        batch.map((d) => deliveryKind(d.item)),
        batch.map((d) => encodeItem(d.item)),
      ],
    );
  }

  async enqueue(deliveries: NewDelivery[]): Promise<void> {
    await this.#enqueue(this.pool, deliveries);
  }

  async claimDeliveries(owner: string, now: Date, leaseMs: number, limit: number, kind?: 'card' | 'reply'): Promise<Delivery[]> {
    if (limit <= 0) return [];
    const present = this.#present(now);
    const rows = await this.#transaction(async (client) => {
      // 1. Lock the subscriptions whose oldest pending delivery is due and unclaimed, oldest first;
      //    those another claimer holds are skipped, not waited for. Every subscription yields at
      //    least one delivery, so `limit` subscriptions are enough.
      const locked = await client.query<{ id: string }>(
        `WITH heads AS (
           -- The first delivery of each kind per subscription: replies keep their order, the card its own.
           SELECT DISTINCT ON (subscription_id, kind) subscription_id, id, kind, not_before, claimed_until, created_at
           FROM deliveries WHERE ($3::text IS NULL OR kind = $3) ORDER BY subscription_id, kind, id
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
         FOR NO KEY UPDATE OF s SKIP LOCKED`,
        [present, limit, kind ?? null, REPLIES_WAIT_FOR_CARD_MS],
      );
      if (locked.rows.length === 0) return [];
      // 2. With those locks held, nobody else claims for these subscriptions. Re-read (this
      //    statement sees what committed since step 1) and claim each one's run of due, unclaimed
      //    deliveries up to the first that is not due or is claimed. now() is the transaction's start:
      //    both statements judge by the same instant.
      const claimed = await client.query<DeliveryRow>(
        `WITH present AS (SELECT coalesce($4::timestamptz, now()) AS at), picked AS (
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
             AND NOT EXISTS (
               SELECT 1 FROM deliveries e
               WHERE e.subscription_id = d.subscription_id AND e.kind = d.kind AND e.id < d.id
                 AND (e.not_before > p.at OR e.claimed_until > p.at))
           ORDER BY d.id
           LIMIT $5
         )
         UPDATE deliveries d SET claimed_by = $1, claimed_until = (SELECT at FROM present) + $2::double precision * interval '1 millisecond',
           claimed_revision = d.revision
         FROM picked WHERE d.id = picked.id
         RETURNING d.id, d.subscription_id, d.key, d.kind, d.payload, d.attempts, d.not_before, d.created_at, d.last_error,
           picked.reclaimed`,
        [owner, leaseMs, locked.rows.map((r) => r.id), present, limit, kind ?? null, REPLIES_WAIT_FOR_CARD_MS],
      );
      return claimed.rows;
    });
    // RETURNING has no order.
    return rows.map(toDelivery).sort((a, b) => a.id - b.id);
  }

  async renewClaim(id: number, owner: string, until: Date): Promise<boolean> {
    const renewed = await this.pool.query(
      `UPDATE deliveries SET claimed_until = coalesce($1::timestamptz, now() + $2::double precision * interval '1 millisecond')
       WHERE id = $3 AND claimed_by = $4`,
      [...this.#moment(until), id, owner],
    );
    return renewed.rowCount === 1;
  }

  async completeDelivery(id: number): Promise<void> {
    const deleted = await this.pool.query(
      'DELETE FROM deliveries WHERE id = $1 AND (claimed_revision IS NULL OR claimed_revision = revision)',
      [id],
    );
    if (deleted.rowCount === 0) {
      // A card replaced while in flight was sent with its old payload: keep it, due again.
      await this.pool.query('UPDATE deliveries SET claimed_by = NULL, claimed_until = NULL WHERE id = $1', [id]);
    }
  }

  async completeDeliveries(ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    // One statement: delete what was sent as it is, and release (keep pending) each card replaced
    // while in flight. The two parts share one snapshot and cannot see each other's changes, so the
    // release names only ids the delete did not take; a card replaced by a pass committing meanwhile
    // fails the delete's re-check and is released like the others.
    await this.pool.query(
      `WITH done AS (
         DELETE FROM deliveries WHERE id = ANY($1::bigint[]) AND (claimed_revision IS NULL OR claimed_revision = revision)
         RETURNING id
       )
       UPDATE deliveries SET claimed_by = NULL, claimed_until = NULL
       WHERE id = ANY($1::bigint[]) AND id NOT IN (SELECT id FROM done)`,
      [ids],
    );
  }

  async retryDelivery(id: number, notBefore: Date, error: string): Promise<void> {
    await this.pool.query(
      `UPDATE deliveries SET claimed_by = NULL, claimed_until = NULL, attempts = attempts + 1,
         not_before = coalesce($1::timestamptz, now() + $2::double precision * interval '1 millisecond'), last_error = $3
       WHERE id = $4`,
      [...this.#moment(notBefore), error, id],
    );
  }

  async releaseDeliveries(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.pool.query('UPDATE deliveries SET claimed_by = NULL, claimed_until = NULL WHERE id = ANY($1::bigint[])', [ids]);
  }

  async pendingDeliveries(subscriptionId?: number): Promise<number> {
    const { rows } =
      subscriptionId === undefined
        ? await this.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM deliveries')
        : await this.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM deliveries WHERE subscription_id = $1', [subscriptionId]);
    return rows[0]?.n ?? 0;
  }

  // Stats

  async outboxStats(): Promise<{ pending: number; oldestCreatedAt: Date | null; held: number }> {
    // The oldest's age, not its time: the database stamped it, and a reader compares it with this process's clock.
    const { rows } = await this.pool.query<{ n: number; age_ms: number | null; held: number }>(
      `SELECT count(*) FILTER (WHERE s.state <> 'paused')::int AS n,
         extract(epoch FROM now() - min(d.created_at) FILTER (WHERE s.state <> 'paused')) * 1000 AS age_ms,
         count(*) FILTER (WHERE s.state = 'paused')::int AS held
       FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id`,
    );
    const age = rows[0]?.age_ms;
    return {
      pending: rows[0]?.n ?? 0,
      oldestCreatedAt: age == null ? null : new Date(this.#localClock() - Number(age)),
      held: rows[0]?.held ?? 0,
    };
  }

  async subscriptionCounts(): Promise<Record<SubscriptionState, number>> {
    const counts: Record<SubscriptionState, number> = { active: 0, paused: 0, ended: 0 };
    const { rows } = await this.pool.query<{ state: string; n: number }>(
      'SELECT state, count(*)::int AS n FROM subscriptions GROUP BY state',
    );
    for (const { state, n } of rows) counts[state as SubscriptionState] = n;
    return counts;
  }

  // Retention

  async purgeExpired(cutoff: Date, limit = PURGE_LIMIT): Promise<PurgeResult> {
    const n = Math.max(1, Math.trunc(limit));
    return this.#transaction(async (client) => {
      // Oldest first, each kind bounded. SKIP LOCKED: a subscription a replica is claiming for right
      // now (or a watch a pass is writing) is left for the next purge rather than waited for.
      const ended = await client.query<{ id: string }>(
        `SELECT id FROM subscriptions WHERE state = 'ended' AND state_at < $1 ORDER BY state_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [cutoff, n],
      );
      const paused = await client.query<{ id: string; channel_id: string; job_id: string; state_reason: string }>(
        `SELECT id, channel_id, job_id, state_reason FROM subscriptions
         WHERE state = 'paused' AND state_at < $1 AND starts_with(state_reason, $3)
         ORDER BY state_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [cutoff, n, DESTINATION_GONE_PREFIX],
      );
      const ids = [...ended.rows, ...paused.rows].map((r) => r.id);
      let deliveries = 0;
      if (ids.length > 0) {
        // Explicitly rather than by ON DELETE CASCADE, to count them.
        deliveries = (await client.query('DELETE FROM deliveries WHERE subscription_id = ANY($1::bigint[])', [ids])).rowCount ?? 0;
        await client.query('DELETE FROM subscriptions WHERE id = ANY($1::bigint[])', [ids]);
      }
      // After the subscriptions: a job whose last paused subscription just went loses its watch now.
      const watches = await client.query(
        `DELETE FROM watches WHERE job_id IN (
           SELECT w.job_id FROM watches w
           WHERE w.updated_at < $1
             AND NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.job_id = w.job_id AND s.state <> 'ended')
           LIMIT $2
           FOR UPDATE OF w SKIP LOCKED)`,
        [cutoff, n],
      );
      // Likewise for the jobs discovery saw: one whose subscription just went is forgotten now. A job
      // whose creation time cannot be read (created_ms NULL) never qualifies, so never moves the horizon.
      const forgotten = await client.query<{ created_ms: string }>(
        `DELETE FROM discovered_jobs d USING (
           SELECT e.job_id FROM discovered_jobs e
           WHERE e.created_ms < $2 AND e.seen_at < $1
             AND NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.job_id = e.job_id AND s.state <> 'ended')
           ORDER BY e.created_ms
           LIMIT $3
           FOR UPDATE OF e SKIP LOCKED) AS doomed
         WHERE d.job_id = doomed.job_id
         RETURNING d.created_ms`,
        [cutoff, cutoff.getTime(), n],
      );
      if (forgotten.rows.length > 0) {
        await client.query(
          `INSERT INTO discovery_horizon (id, forgotten_through) VALUES (1, $1)
           ON CONFLICT (id) DO UPDATE SET forgotten_through = greatest(discovery_horizon.forgotten_through, EXCLUDED.forgotten_through)`,
          [new Date(Math.max(...forgotten.rows.map((r) => Number(r.created_ms))))],
        );
      }
      return {
        subscriptions: ended.rows.length,
        pausedExpired: paused.rows.map((r) => ({ id: Number(r.id), channelId: r.channel_id, jobId: r.job_id, reason: r.state_reason })),
        watches: watches.rowCount ?? 0,
        deliveries,
        discoveredJobs: forgotten.rows.length,
      };
    });
  }

  // Feeds and owners

  async saveFeed(feed: NewFeed): Promise<{ feed: Feed; created: boolean }> {
    // xmax = 0 only for a row this statement inserted (an update leaves the old transaction's id).
    const { rows } = await this.pool.query<FeedRow & { inserted: boolean }>(
      `INSERT INTO feeds (channel_id, filter, job_type, name_glob, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (channel_id) DO UPDATE SET filter = EXCLUDED.filter, job_type = EXCLUDED.job_type, name_glob = EXCLUDED.name_glob
       RETURNING *, (xmax = 0) AS inserted`,
      [feed.channelId, feed.filter, feed.jobType, feed.nameGlob, feed.createdBy, feed.createdAt],
    );
    const row = rows[0];
    if (!row) throw new Error('saveFeed: no row');
    return { feed: toFeed(row), created: row.inserted };
  }

  async findFeed(channelId: string): Promise<Feed | null> {
    const { rows } = await this.pool.query<FeedRow>('SELECT * FROM feeds WHERE channel_id = $1', [channelId]);
    return rows[0] ? toFeed(rows[0]) : null;
  }

  async listFeeds(): Promise<Feed[]> {
    const { rows } = await this.pool.query<FeedRow>('SELECT * FROM feeds ORDER BY id');
    return rows.map(toFeed);
  }

  async removeFeed(id: number): Promise<void> {
    await this.pool.query('DELETE FROM feeds WHERE id = $1', [id]);
  }

  async knownJobs(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    // Asked as stored, answered in the caller's own ids.
    const asked = new Map(ids.map((id) => [storableText(id), id]));
    const { rows } = await this.pool.query<{ job_id: string }>('SELECT job_id FROM discovered_jobs WHERE job_id = ANY($1::text[])', [
      [...asked.keys()],
    ]);
    return new Set(rows.map((r) => asked.get(r.job_id) ?? r.job_id));
  }

  async recordJobs(jobs: readonly ListedJob[], at: Date): Promise<void> {
    if (jobs.length === 0) return;
    const stored = jobs.map(storableJob);
    await this.pool.query(
      `INSERT INTO discovered_jobs (job_id, name, job_type, user_id, created_at, seen_at, name_folded, created_ms)
       SELECT u.id, u.name, u.job_type, u.user_id, u.created_at, $8, u.folded, u.created_ms
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[])
         AS u (id, name, job_type, user_id, created_at, folded, created_ms)
       ON CONFLICT (job_id) DO NOTHING`,
      [
        stored.map((j) => j.id),
        stored.map((j) => j.name),
        stored.map((j) => j.jobType),
        stored.map((j) => j.userId),
        stored.map((j) => j.createdAt),
        stored.map((j) => j.nameFolded),
        stored.map((j) => j.createdMs),
        at,
      ],
    );
  }

  async countMatchingJobs(filter: Pick<Feed, 'jobType' | 'nameGlob'>): Promise<number> {
    // Unnamed statements are planned with their values: a filter not given drops out of the plan.
    const { rows } = await this.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM discovered_jobs
       WHERE ($1::text IS NULL OR job_type = $1) AND ($2::text IS NULL OR name_folded LIKE $2 ESCAPE '\\')`,
      [filter.jobType === null ? null : storableText(filter.jobType), filter.nameGlob === null ? null : globToLike(filter.nameGlob)],
    );
    return rows[0]?.n ?? 0;
  }

  async jobsOfUser(seekrflowUserId: string, limit: number): Promise<{ jobs: ListedJob[]; total: number }> {
    const user = storableText(seekrflowUserId);
    const [page, count] = await Promise.all([
      this.pool.query<ListedJobRow>(
        `SELECT job_id, name, job_type, user_id, created_at FROM discovered_jobs WHERE user_id = $1
         ORDER BY created_ms DESC NULLS LAST, job_id DESC LIMIT $2`,
        [user, Math.max(0, Math.trunc(limit))],
      ),
      this.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM discovered_jobs WHERE user_id = $1', [user]),
    ]);
    return { jobs: page.rows.map(toListedJob), total: count.rows[0]?.n ?? 0 };
  }

  async discoveryHorizon(): Promise<Date | null> {
    const { rows } = await this.pool.query<{ at: Date }>('SELECT forgotten_through AS at FROM discovery_horizon WHERE id = 1');
    return rows[0]?.at ?? null;
  }

  async linkOwner(link: OwnerLink, at: Date): Promise<void> {
    await this.pool.query(
      `INSERT INTO owner_links (slack_user_id, seekrflow_user_id, quiet, created_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (slack_user_id) DO UPDATE SET seekrflow_user_id = EXCLUDED.seekrflow_user_id, quiet = EXCLUDED.quiet`,
      [link.slackUserId, link.seekrflowUserId, link.quiet, at],
    );
  }

  async unlinkOwner(slackUserId: string): Promise<void> {
    await this.pool.query('DELETE FROM owner_links WHERE slack_user_id = $1', [slackUserId]);
  }

  async ownerLink(slackUserId: string): Promise<OwnerLink | null> {
    const { rows } = await this.pool.query<OwnerLinkRow>('SELECT * FROM owner_links WHERE slack_user_id = $1', [slackUserId]);
    return rows[0] ? toOwnerLink(rows[0]) : null;
  }

  async ownersOf(seekrflowUserId: string): Promise<OwnerLink[]> {
    const { rows } = await this.pool.query<OwnerLinkRow>('SELECT * FROM owner_links WHERE seekrflow_user_id = $1 ORDER BY slack_user_id', [
      seekrflowUserId,
    ]);
    return rows.map(toOwnerLink);
  }

  async emailResolutions(emails: readonly string[]): Promise<EmailResolution[]> {
    if (emails.length === 0) return [];
    const { rows } = await this.pool.query<OwnerEmailRow>('SELECT * FROM owner_emails WHERE email = ANY($1::text[])', [emails]);
    return rows.map(toEmailResolution);
  }

  async saveEmailResolution(r: EmailResolution): Promise<void> {
    await this.pool.query(
      `INSERT INTO owner_emails (email, slack_user_id, resolved_at, last_error, failed_at, failures, next_attempt_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (email) DO UPDATE SET slack_user_id = EXCLUDED.slack_user_id, resolved_at = EXCLUDED.resolved_at,
         last_error = EXCLUDED.last_error, failed_at = EXCLUDED.failed_at, failures = EXCLUDED.failures,
         next_attempt_at = EXCLUDED.next_attempt_at`,
      [r.email, r.slackUserId, r.resolvedAt, r.lastError, r.failedAt, r.failures, r.nextAttemptAt],
    );
  }

  // Coordination

  async tryLease(name: string, owner: string, ttlMs: number, now: Date): Promise<boolean> {
    const r = await this.pool.query(
      `INSERT INTO leases (name, owner, expires_at) VALUES ($1, $2, coalesce($3::timestamptz, now()) + $4::double precision * interval '1 millisecond')
       ON CONFLICT (name) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at
       WHERE leases.owner = EXCLUDED.owner OR leases.expires_at <= coalesce($3::timestamptz, now())`,
      [name, owner, this.#present(now), ttlMs],
    );
    return r.rowCount === 1;
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    await this.pool.query('DELETE FROM leases WHERE name = $1 AND owner = $2', [name, owner]);
  }
}

/** Connects and migrates. The pool connects lazily; a wrong URL fails here, at start, not on first use. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const store = new PostgresStore(options);
  try {
    await store.migrate();
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
  return store;
}
