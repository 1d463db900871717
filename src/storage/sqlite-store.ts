import Database from 'better-sqlite3';
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
import { type Migration, sqliteMigrations } from './migrations.js';
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

export interface SqliteStoreOptions {
  /** The database file; created (with its tables) on first open. */
  path: string;
  logger?: Log;
  /** Released on close: the data-dir lock that keeps a second process off this file. */
  lock?: { release(): void };
  /** How long a write waits for another connection's write to finish before failing. */
  busyTimeoutMs?: number;
}

interface SubscriptionRow {
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

interface FeedRow {
  id: number;
  channel_id: string;
  filter: string;
  job_type: string | null;
  name_glob: string | null;
  created_by: string;
  created_at: number;
}

interface OwnerLinkRow {
  slack_user_id: string;
  seekrflow_user_id: string;
  quiet: number;
}

interface OwnerEmailRow {
  email: string;
  slack_user_id: string | null;
  resolved_at: number | null;
  last_error: string | null;
  failed_at: number | null;
  failures: number;
  next_attempt_at: number;
}

const toEmailResolution = (r: OwnerEmailRow): EmailResolution => ({
  email: r.email,
  slackUserId: r.slack_user_id,
  resolvedAt: r.resolved_at === null ? null : new Date(r.resolved_at),
  lastError: r.last_error,
  failedAt: r.failed_at === null ? null : new Date(r.failed_at),
  failures: r.failures,
  nextAttemptAt: new Date(r.next_attempt_at),
});

const toFeed = (r: FeedRow): Feed => ({
  id: r.id,
  channelId: r.channel_id,
  filter: r.filter as SubscriptionFilter,
  jobType: r.job_type,
  nameGlob: r.name_glob,
  createdBy: r.created_by,
  createdAt: new Date(r.created_at),
});

const toOwnerLink = (r: OwnerLinkRow): OwnerLink => ({
  slackUserId: r.slack_user_id,
  seekrflowUserId: r.seekrflow_user_id,
  quiet: r.quiet === 1,
});

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
}

const toSubscription = (r: SubscriptionRow): Subscription => ({
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
});

/** Applies the migrations not yet recorded, each in its own transaction. Returns the versions applied. */
function migrateSqlite(db: Database.Database, migrations: readonly Migration[] = sqliteMigrations): number[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const isApplied = db.prepare<[number], { version: number }>('SELECT version FROM schema_migrations WHERE version = ?');
  const record = db.prepare<[number, string, number]>('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    // IMMEDIATE and re-checked inside: a second connection migrating at the same time waits, then skips.
    db.transaction(() => {
      if (isApplied.get(m.version)) return;
      db.exec(m.sql);
      if (m.foldsDiscoveredJobs) foldDiscoveredJobs(db);
      record.run(m.version, m.name, Date.now());
      applied.push(m.version);
    }).immediate();
  }
  return applied;
}

/** Fills the columns the store computes (see migration 6) for the discovered jobs already stored. */
function foldDiscoveredJobs(db: Database.Database): void {
  const update = db.prepare<[string, number | null, string]>('UPDATE discovered_jobs SET name_folded = ?, created_ms = ? WHERE job_id = ?');
  const rows = db.prepare<[], { job_id: string; name: string; created_at: string }>('SELECT job_id, name, created_at FROM discovered_jobs');
  for (const r of rows.all()) {
    const job = storableJob({ id: r.job_id, name: r.name, jobType: '', userId: '', createdAt: r.created_at });
    update.run(job.nameFolded, job.createdMs, r.job_id);
  }
}

/** A feed's count, one statement per combination of filters given: each can then use the index. */
function countMatching(db: Database.Database) {
  const where = (byType: boolean, byName: boolean) =>
    [byType ? 'job_type = @type' : '', byName ? `name_folded LIKE @like ESCAPE '\\'` : ''].filter(Boolean).join(' AND ') || '1';
  const prepare = (byType: boolean, byName: boolean) =>
    db.prepare<{ type?: string; like?: string }, { n: number }>(`SELECT count(*) AS n FROM discovered_jobs WHERE ${where(byType, byName)}`);
  return [prepare(false, false), prepare(false, true), prepare(true, false), prepare(true, true)] as const;
}

/** The App Home's order: paused (waiting for someone), active, ended; newest first within each. */
const CREATED_BY_ORDER = `CASE state WHEN 'paused' THEN 0 WHEN 'active' THEN 1 ELSE 2 END, id DESC`;

/** Prepared once per connection and reused: the poll pass runs these thousands of times. */
function prepareStatements(db: Database.Database) {
  return {
    insertSubscription: db.prepare<[string, string, string, string, number, string, number | null, number], SubscriptionRow>(
      `INSERT INTO subscriptions (channel_id, job_id, filter, created_by, created_at, kind, feed_id, waits_for_need)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (channel_id, job_id) WHERE state <> 'ended' DO NOTHING
       RETURNING *`,
    ),
    dropSpentEnded: db.prepare<[string, string]>(
      `DELETE FROM subscriptions AS s WHERE s.channel_id = ? AND s.job_id = ? AND s.state = 'ended'
       AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.subscription_id = s.id)`,
    ),
    getSubscription: db.prepare<[number], SubscriptionRow>('SELECT * FROM subscriptions WHERE id = ?'),
    findSubscription: db.prepare<[string, string], SubscriptionRow>(
      `SELECT * FROM subscriptions WHERE channel_id = ? AND job_id = ? AND state <> 'ended'`,
    ),
    listSubscriptions: db.prepare<[string], SubscriptionRow>(
      `SELECT * FROM subscriptions WHERE channel_id = ? AND state <> 'ended' AND kind = 'channel' ORDER BY id`,
    ),
    subscriptionsCreatedBy: db.prepare<[string, number, number], SubscriptionRow & { total: number }>(
      `SELECT *, COUNT(*) OVER () AS total FROM subscriptions WHERE created_by = ? AND kind = 'channel'
       ORDER BY ${CREATED_BY_ORDER} LIMIT ? OFFSET ?`,
    ),
    countCreatedBy: db.prepare<[string], { total: number }>(
      `SELECT COUNT(*) AS total FROM subscriptions WHERE created_by = ? AND kind = 'channel'`,
    ),
    subscriptionsForJob: db.prepare<[string], SubscriptionRow>(
      `SELECT * FROM subscriptions WHERE job_id = ? AND state = 'active' AND kind = 'channel' ORDER BY id`,
    ),
    // The ids come as one JSON array: one statement whatever their number.
    subscriptionsForJobs: db.prepare<[string], SubscriptionRow>(
      `SELECT * FROM subscriptions WHERE job_id IN (SELECT value FROM json_each(?)) AND state = 'active' AND kind = 'channel' ORDER BY id`,
    ),
    subscriptionsOfFeed: db.prepare<[number], SubscriptionRow>(
      `SELECT * FROM subscriptions WHERE feed_id = ? AND state <> 'ended' ORDER BY id`,
    ),
    // Owners' subscriptions never keep a job polled on their own: only channels do.
    watchedJobIds: db.prepare<[], { job_id: string }>(
      `SELECT DISTINCT job_id FROM subscriptions WHERE state = 'active' AND kind = 'channel'`,
    ),
    stopWaiting: db.prepare<[string]>('UPDATE subscriptions SET waits_for_need = 0 WHERE id IN (SELECT value FROM json_each(?))'),

    saveFeed: db.prepare<[string, string, string | null, string | null, string, number], FeedRow>(
      `INSERT INTO feeds (channel_id, filter, job_type, name_glob, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (channel_id) DO UPDATE SET filter = excluded.filter, job_type = excluded.job_type, name_glob = excluded.name_glob
       RETURNING *`,
    ),
    findFeed: db.prepare<[string], FeedRow>('SELECT * FROM feeds WHERE channel_id = ?'),
    listFeeds: db.prepare<[], FeedRow>('SELECT * FROM feeds ORDER BY id'),
    removeFeed: db.prepare<[number]>('DELETE FROM feeds WHERE id = ?'),
    knownJobs: db.prepare<[string], { job_id: string }>(
      'SELECT job_id FROM discovered_jobs WHERE job_id IN (SELECT value FROM json_each(?))',
    ),
    recordJob: db.prepare<[string, string, string, string, string, number, string, number | null]>(
      `INSERT INTO discovered_jobs (job_id, name, job_type, user_id, created_at, seen_at, name_folded, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (job_id) DO NOTHING`,
    ),
    countMatching: countMatching(db),
    jobsOfUser: db.prepare<[string, number], ListedJobRow>(
      `SELECT job_id, name, job_type, user_id, created_at FROM discovered_jobs WHERE user_id = ?
       ORDER BY created_ms DESC, job_id DESC LIMIT ?`,
    ),
    countJobsOfUser: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM discovered_jobs WHERE user_id = ?'),
    discoveryHorizon: db.prepare<[], { at: number }>('SELECT forgotten_through AS at FROM discovery_horizon WHERE id = 1'),
    linkOwner: db.prepare<[string, string, number, number]>(
      `INSERT INTO owner_links (slack_user_id, seekrflow_user_id, quiet, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (slack_user_id) DO UPDATE SET seekrflow_user_id = excluded.seekrflow_user_id, quiet = excluded.quiet`,
    ),
    unlinkOwner: db.prepare<[string]>('DELETE FROM owner_links WHERE slack_user_id = ?'),
    ownerLink: db.prepare<[string], OwnerLinkRow>('SELECT * FROM owner_links WHERE slack_user_id = ?'),
    ownersOf: db.prepare<[string], OwnerLinkRow>('SELECT * FROM owner_links WHERE seekrflow_user_id = ? ORDER BY slack_user_id'),
    emailResolutions: db.prepare<[string], OwnerEmailRow>('SELECT * FROM owner_emails WHERE email IN (SELECT value FROM json_each(?))'),
    saveEmailResolution: db.prepare<OwnerEmailRow>(
      `INSERT INTO owner_emails (email, slack_user_id, resolved_at, last_error, failed_at, failures, next_attempt_at)
       VALUES (@email, @slack_user_id, @resolved_at, @last_error, @failed_at, @failures, @next_attempt_at)
       ON CONFLICT (email) DO UPDATE SET slack_user_id = excluded.slack_user_id, resolved_at = excluded.resolved_at,
         last_error = excluded.last_error, failed_at = excluded.failed_at, failures = excluded.failures,
         next_attempt_at = excluded.next_attempt_at`,
    ),
    setCardTs: db.prepare<[string, number]>('UPDATE subscriptions SET card_ts = ? WHERE id = ?'),
    removeSubscription: db.prepare<[number]>('DELETE FROM subscriptions WHERE id = ?'),
    pause: db.prepare<[string, string | null, number, number]>(
      `UPDATE subscriptions SET state = 'paused', state_reason = ?, state_by = ?, state_at = ? WHERE id = ? AND state = 'active'`,
    ),
    resume: db.prepare<[number]>(
      `UPDATE subscriptions SET state = 'active', state_reason = NULL, state_by = NULL, state_at = NULL WHERE id = ? AND state = 'paused'`,
    ),
    endSubscriptions: db.prepare<[string, number, string]>(
      `UPDATE subscriptions SET state = 'ended', state_reason = ?, state_at = ?
       WHERE id IN (SELECT value FROM json_each(?)) AND state <> 'ended'`,
    ),
    recordDeliveryResult: db.prepare<[string, number, number]>(
      'UPDATE subscriptions SET last_delivery = ?, last_delivery_at = ? WHERE id = ?',
    ),

    getWatch: db.prepare<[string], { watch: string; version: number }>('SELECT watch, version FROM watches WHERE job_id = ?'),
    getWatches: db.prepare<[string], { job_id: string; watch: string; version: number }>(
      'SELECT job_id, watch, version FROM watches WHERE job_id IN (SELECT value FROM json_each(?))',
    ),
    insertWatch: db.prepare<[string, string, number]>(
      'INSERT INTO watches (job_id, watch, version, updated_at) VALUES (?, ?, 1, ?) ON CONFLICT (job_id) DO NOTHING',
    ),
    updateWatch: db.prepare<[string, number, string, number]>(
      'UPDATE watches SET watch = ?, version = version + 1, updated_at = ? WHERE job_id = ? AND version = ?',
    ),
    deleteWatch: db.prepare<[string]>('DELETE FROM watches WHERE job_id = ?'),

    // WHERE EXISTS: SQLite needs a WHERE before ON CONFLICT in INSERT … SELECT, and a
    // delivery for a subscription removed meanwhile is dropped rather than failing the pass.
    enqueue: db.prepare<{ sub: number; key: string; kind: string; payload: string; now: number }>(
      `INSERT INTO deliveries (subscription_id, key, kind, payload, created_at)
       SELECT @sub, @key, @kind, @payload, @now WHERE EXISTS (SELECT 1 FROM subscriptions WHERE id = @sub)
       ON CONFLICT (subscription_id, key) DO UPDATE SET payload = excluded.payload, revision = revision + 1
       WHERE excluded.kind = 'card' AND deliveries.kind = 'card'`,
    ),
    claimable: db.prepare<{ now: number; limit: number; kind: string | null; cardWaitSince: number }, DeliveryRow>(
      `SELECT d.id, d.subscription_id, d.key, d.kind, d.payload, d.attempts, d.not_before, d.created_at, d.last_error,
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
         -- Order holds among a subscription's replies; its one card never waits (kind = kind).
         AND NOT EXISTS (
           SELECT 1 FROM deliveries e
           WHERE e.subscription_id = d.subscription_id AND e.kind = d.kind AND e.id < d.id
             AND (e.not_before > @now OR e.claimed_until > @now))
       ORDER BY d.id
       LIMIT @limit`,
    ),
    claim: db.prepare<[string, number, number]>(
      'UPDATE deliveries SET claimed_by = ?, claimed_until = ?, claimed_revision = revision WHERE id = ?',
    ),
    renewClaim: db.prepare<[number, number, string]>('UPDATE deliveries SET claimed_until = ? WHERE id = ? AND claimed_by = ?'),
    complete: db.prepare<[number]>('DELETE FROM deliveries WHERE id = ? AND (claimed_revision IS NULL OR claimed_revision = revision)'),
    releaseReplaced: db.prepare<[number]>('UPDATE deliveries SET claimed_by = NULL, claimed_until = NULL WHERE id = ?'),
    completeMany: db.prepare<[string]>(
      `DELETE FROM deliveries WHERE id IN (SELECT value FROM json_each(?))
       AND (claimed_revision IS NULL OR claimed_revision = revision)`,
    ),
    retry: db.prepare<[number, string, number]>(
      `UPDATE deliveries SET claimed_by = NULL, claimed_until = NULL, attempts = attempts + 1, not_before = ?, last_error = ?
       WHERE id = ?`,
    ),
    release: db.prepare<[string]>(
      'UPDATE deliveries SET claimed_by = NULL, claimed_until = NULL WHERE id IN (SELECT value FROM json_each(?))',
    ),
    pendingAll: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM deliveries'),
    outboxStats: db.prepare<[], { n: number; oldest: number | null; held: number }>(
      `SELECT count(*) FILTER (WHERE s.state <> 'paused') AS n, min(d.created_at) FILTER (WHERE s.state <> 'paused') AS oldest,
         count(*) FILTER (WHERE s.state = 'paused') AS held
       FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id`,
    ),
    subscriptionCounts: db.prepare<[], { state: string; n: number }>('SELECT state, count(*) AS n FROM subscriptions GROUP BY state'),
    pendingFor: db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM deliveries WHERE subscription_id = ?'),

    // Retention. Oldest first (the (state, state_at) index's order), each kind bounded by @limit.
    expiredEnded: db.prepare<{ cutoff: number; limit: number }, { id: number }>(
      `SELECT id FROM subscriptions WHERE state = 'ended' AND state_at < @cutoff ORDER BY state_at LIMIT @limit`,
    ),
    expiredPaused: db.prepare<
      { cutoff: number; prefix: string; limit: number },
      { id: number; channel_id: string; job_id: string; state_reason: string }
    >(
      `SELECT id, channel_id, job_id, state_reason FROM subscriptions
       WHERE state = 'paused' AND state_at < @cutoff AND substr(state_reason, 1, length(@prefix)) = @prefix
       ORDER BY state_at LIMIT @limit`,
    ),
    deleteDeliveriesOf: db.prepare<[string]>('DELETE FROM deliveries WHERE subscription_id IN (SELECT value FROM json_each(?))'),
    deleteSubscriptions: db.prepare<[string]>('DELETE FROM subscriptions WHERE id IN (SELECT value FROM json_each(?))'),
    expiredWatches: db.prepare<{ cutoff: number; limit: number }>(
      `DELETE FROM watches WHERE job_id IN (
         SELECT w.job_id FROM watches w
         WHERE w.updated_at < @cutoff
           AND NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.job_id = w.job_id AND s.state <> 'ended')
         LIMIT @limit)`,
    ),
    // A job whose creation time cannot be read (created_ms NULL) never qualifies, so never moves the horizon.
    expiredDiscoveredJobs: db.prepare<{ cutoff: number; limit: number }, { created_ms: number }>(
      `DELETE FROM discovered_jobs WHERE job_id IN (
         SELECT d.job_id FROM discovered_jobs d
         WHERE d.created_ms < @cutoff AND d.seen_at < @cutoff
           AND NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.job_id = d.job_id AND s.state <> 'ended')
         ORDER BY d.created_ms
         LIMIT @limit)
       RETURNING created_ms`,
    ),
    raiseHorizon: db.prepare<[number]>(
      `INSERT INTO discovery_horizon (id, forgotten_through) VALUES (1, ?)
       ON CONFLICT (id) DO UPDATE SET forgotten_through = max(forgotten_through, excluded.forgotten_through)`,
    ),

    tryLease: db.prepare<{ name: string; owner: string; until: number; now: number }>(
      `INSERT INTO leases (name, owner, expires_at) VALUES (@name, @owner, @until)
       ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
       WHERE leases.owner = excluded.owner OR leases.expires_at <= @now`,
    ),
    releaseLease: db.prepare<[string, string]>('DELETE FROM leases WHERE name = ? AND owner = ?'),
  };
}

type Statements = ReturnType<typeof prepareStatements>;

/**
 * The embedded engine. better-sqlite3 is synchronous: each method runs to completion before it
 * returns its promise, so within one process there is no interleaving inside an operation; writes
 * that read first run in IMMEDIATE transactions so that another connection to the file cannot slip
 * in between. Only one process may use the file (see data-dir-lock.ts): the outbox claims are safe
 * across connections, but the data-dir lock is what keeps two bots from both polling.
 */
export class SqliteStore implements Store {
  readonly engine = 'sqlite' as const;
  readonly db: Database.Database;
  readonly #lock: { release(): void } | undefined;
  #closed = false;

  readonly #s: Statements;

  constructor(options: SqliteStoreOptions) {
    const logger = options.logger ?? consoleStoreLogger;
    this.db = new Database(options.path);
    this.#lock = options.lock;
    try {
      // WAL: readers do not block the writer. FULL sync (the default) is kept on purpose: a
      // completed delivery that a power cut rolled back would be sent a second time.
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
      this.db.pragma('foreign_keys = ON');
      const applied = migrateSqlite(this.db);
      if (applied.length > 0) logger.info({ path: options.path, versions: applied }, 'sqlite migrations applied');
    } catch (err) {
      this.db.close();
      throw err;
    }
    this.#s = prepareStatements(this.db);
    if (this.#lock) {
      // Holding the data-dir lock proves every earlier process is gone: their claims cannot be
      // running any more, so they end now instead of at their lease. They stay marked as claimed,
      // so the sender still checks Slack before sending them again (Delivery.reclaimed).
      const orphans = this.db.prepare('UPDATE deliveries SET claimed_until = 0 WHERE claimed_until IS NOT NULL').run().changes;
      if (orphans > 0) logger.info({ deliveries: orphans }, 'claims of a previous process released');
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.db.close();
    } finally {
      this.#lock?.release();
    }
  }

  // Subscriptions

  async addSubscription(input: NewSubscription): Promise<{ subscription: Subscription; created: boolean }> {
    return this.db
      .transaction(() => {
        const existing = this.#s.findSubscription.get(input.channelId, input.jobId);
        if (existing) return { subscription: toSubscription(existing), created: false };
        // "An ended one is replaced": forget ended ones with nothing left to send; one that still
        // has its final summary pending stays until the summary has gone out.
        this.#s.dropSpentEnded.run(input.channelId, input.jobId);
        const row = this.#s.insertSubscription.get(
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
      })
      .immediate();
  }

  async getSubscription(id: number): Promise<Subscription | null> {
    const row = this.#s.getSubscription.get(id);
    return row ? toSubscription(row) : null;
  }

  async findSubscription(channelId: string, jobId: string): Promise<Subscription | null> {
    const row = this.#s.findSubscription.get(channelId, jobId);
    return row ? toSubscription(row) : null;
  }

  async listSubscriptions(channelId: string): Promise<Subscription[]> {
    return this.#s.listSubscriptions.all(channelId).map(toSubscription);
  }

  async subscriptionsForJob(jobId: string): Promise<Subscription[]> {
    return this.#s.subscriptionsForJob.all(jobId).map(toSubscription);
  }

  async subscriptionsForJobs(jobIds: readonly string[]): Promise<Map<string, Subscription[]>> {
    return byJob(this.#s.subscriptionsForJobs.all(JSON.stringify(jobIds)).map(toSubscription));
  }

  async subscriptionsOfFeed(feedId: number): Promise<Subscription[]> {
    return this.#s.subscriptionsOfFeed.all(feedId).map(toSubscription);
  }

  async subscriptionsCreatedBy(
    userId: string,
    page: { limit: number; offset: number },
  ): Promise<{ subscriptions: Subscription[]; total: number }> {
    const rows = this.#s.subscriptionsCreatedBy.all(userId, page.limit, page.offset);
    // Past the last page the window has no row to count on.
    const total = rows[0]?.total ?? this.#s.countCreatedBy.get(userId)?.total ?? 0;
    return { subscriptions: rows.map(toSubscription), total };
  }

  async watchedJobIds(): Promise<string[]> {
    return this.#s.watchedJobIds.all().map((r) => r.job_id);
  }

  async setCardTs(subscriptionId: number, ts: string): Promise<void> {
    this.#s.setCardTs.run(ts, subscriptionId);
  }

  async removeSubscription(subscriptionId: number): Promise<void> {
    // Pending deliveries go with it (ON DELETE CASCADE).
    this.#s.removeSubscription.run(subscriptionId);
  }

  async pauseSubscription(subscriptionId: number, reason: string, by?: { userId: string; at: Date }): Promise<boolean> {
    return this.#s.pause.run(reason, by?.userId ?? null, (by?.at ?? new Date()).getTime(), subscriptionId).changes === 1;
  }

  async resumeSubscription(subscriptionId: number): Promise<void> {
    this.#s.resume.run(subscriptionId);
  }

  async recordDeliveryResult(subscriptionId: number, result: string, at: Date): Promise<void> {
    this.#s.recordDeliveryResult.run(result, at.getTime(), subscriptionId);
  }

  async recordDeliveryResults(results: readonly DeliveryResult[]): Promise<void> {
    if (results.length === 0) return;
    // In order, in one transaction: a later entry for a subscription overwrites an earlier one.
    this.db.transaction(() => {
      for (const r of results) this.#s.recordDeliveryResult.run(r.result, r.at.getTime(), r.subscriptionId);
    })();
  }

  // Job watch state

  async getWatches(jobIds: readonly string[]): Promise<Map<string, StoredWatch>> {
    const rows = this.#s.getWatches.all(JSON.stringify(jobIds));
    return new Map(rows.map((r) => [r.job_id, toStoredWatch(r)]));
  }

  async getWatch(jobId: string): Promise<StoredWatch | null> {
    const row = this.#s.getWatch.get(jobId);
    return row ? toStoredWatch(row) : null;
  }

  async initWatch(jobId: string, watch: JobWatch): Promise<void> {
    this.#s.insertWatch.run(jobId, JSON.stringify(watch), Date.now());
  }

  async commitPass(jobId: string, commit: PassCommit): Promise<boolean> {
    const json = JSON.stringify(commit.watch);
    const now = Date.now();
    return this.db
      .transaction(() => {
        // The watch first: when the version moved, nothing else is written.
        const won =
          commit.expectedVersion === null
            ? this.#s.insertWatch.run(jobId, json, now).changes === 1
            : this.#s.updateWatch.run(json, now, jobId, commit.expectedVersion).changes === 1;
        if (!won) return false;
        const end = commit.endSubscriptions;
        if (end && end.ids.length > 0) this.#s.endSubscriptions.run(end.reason, now, JSON.stringify(end.ids));
        if (commit.stopWaiting && commit.stopWaiting.length > 0) this.#s.stopWaiting.run(JSON.stringify(commit.stopWaiting));
        this.#enqueue(commit.deliveries, now);
        return true;
      })
      .immediate();
  }

  async deleteWatch(jobId: string): Promise<void> {
    this.#s.deleteWatch.run(jobId);
  }

  // Outbox

  #enqueue(deliveries: readonly NewDelivery[], now: number): void {
    for (const d of collapseDeliveries(deliveries)) {
      this.#s.enqueue.run({ sub: d.subscriptionId, key: d.key, kind: deliveryKind(d.item), payload: encodeItem(d.item), now });
    }
  }

  async enqueue(deliveries: NewDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    this.db.transaction(() => this.#enqueue(deliveries, Date.now())).immediate();
  }

  async claimDeliveries(owner: string, now: Date, leaseMs: number, limit: number, kind?: 'card' | 'reply'): Promise<Delivery[]> {
    if (limit <= 0) return [];
    const at = now.getTime();
    const until = at + leaseMs;
    return this.db
      .transaction(() => {
        const rows = this.#s.claimable.all({
          now: at,
          limit: Math.trunc(limit),
          kind: kind ?? null,
          cardWaitSince: at - REPLIES_WAIT_FOR_CARD_MS,
        });
        for (const r of rows) this.#s.claim.run(owner, until, r.id);
        return rows.map(toDelivery);
      })
      .immediate();
  }

  async renewClaim(id: number, owner: string, until: Date): Promise<boolean> {
    return this.#s.renewClaim.run(until.getTime(), id, owner).changes === 1;
  }

  async completeDelivery(id: number): Promise<void> {
    this.db
      .transaction(() => {
        // A card replaced while in flight was sent with its old payload: keep it, due again.
        if (this.#s.complete.run(id).changes === 0) this.#s.releaseReplaced.run(id);
      })
      .immediate();
  }

  async completeDeliveries(ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    const json = JSON.stringify(ids);
    this.db
      .transaction(() => {
        this.#s.completeMany.run(json);
        // Whatever of the batch is still there was a card replaced while in flight: keep it, due again.
        this.#s.release.run(json);
      })
      .immediate();
  }

  async retryDelivery(id: number, notBefore: Date, error: string): Promise<void> {
    this.#s.retry.run(notBefore.getTime(), error, id);
  }

  async releaseDeliveries(ids: number[]): Promise<void> {
    if (ids.length > 0) this.#s.release.run(JSON.stringify(ids));
  }

  async pendingDeliveries(subscriptionId?: number): Promise<number> {
    const row = subscriptionId === undefined ? this.#s.pendingAll.get() : this.#s.pendingFor.get(subscriptionId);
    return row?.n ?? 0;
  }

  // Stats

  async outboxStats(): Promise<{ pending: number; oldestCreatedAt: Date | null; held: number }> {
    const row = this.#s.outboxStats.get();
    return { pending: row?.n ?? 0, oldestCreatedAt: row?.oldest == null ? null : new Date(row.oldest), held: row?.held ?? 0 };
  }

  async subscriptionCounts(): Promise<Record<SubscriptionState, number>> {
    const counts: Record<SubscriptionState, number> = { active: 0, paused: 0, ended: 0 };
    for (const { state, n } of this.#s.subscriptionCounts.all()) counts[state as SubscriptionState] = n;
    return counts;
  }

  // Retention

  async purgeExpired(cutoff: Date, limit = PURGE_LIMIT): Promise<PurgeResult> {
    const params = { cutoff: cutoff.getTime(), limit: Math.max(1, Math.trunc(limit)) };
    return this.db
      .transaction((): PurgeResult => {
        const ended = this.#s.expiredEnded.all(params).map((r) => r.id);
        const paused = this.#s.expiredPaused.all({ ...params, prefix: DESTINATION_GONE_PREFIX });
        const ids = JSON.stringify([...ended, ...paused.map((r) => r.id)]);
        // Explicitly rather than by ON DELETE CASCADE, to count them.
        const deliveries = this.#s.deleteDeliveriesOf.run(ids).changes;
        this.#s.deleteSubscriptions.run(ids);
        // After the subscriptions: a job whose last paused subscription just went loses its watch now.
        const watches = this.#s.expiredWatches.run(params).changes;
        // Likewise for the jobs discovery saw: one whose subscription just went is forgotten now.
        const forgotten = this.#s.expiredDiscoveredJobs.all(params).map((r) => r.created_ms);
        if (forgotten.length > 0) this.#s.raiseHorizon.run(Math.max(...forgotten));
        return {
          subscriptions: ended.length,
          pausedExpired: paused.map((r) => ({ id: r.id, channelId: r.channel_id, jobId: r.job_id, reason: r.state_reason })),
          watches,
          deliveries,
          discoveredJobs: forgotten.length,
        };
      })
      .immediate();
  }

  // Feeds and owners

  async saveFeed(feed: NewFeed): Promise<{ feed: Feed; created: boolean }> {
    return this.db
      .transaction(() => {
        const before = this.#s.findFeed.get(feed.channelId);
        const row = this.#s.saveFeed.get(
          feed.channelId,
          feed.filter,
          feed.jobType,
          feed.nameGlob,
          feed.createdBy,
          feed.createdAt.getTime(),
        );
        if (!row) throw new Error('saveFeed: no row');
        return { feed: toFeed(row), created: !before };
      })
      .immediate();
  }

  async findFeed(channelId: string): Promise<Feed | null> {
    const row = this.#s.findFeed.get(channelId);
    return row ? toFeed(row) : null;
  }

  async listFeeds(): Promise<Feed[]> {
    return this.#s.listFeeds.all().map(toFeed);
  }

  async removeFeed(id: number): Promise<void> {
    this.#s.removeFeed.run(id);
  }

  async knownJobs(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    // Asked as stored, answered in the caller's own ids.
    const asked = new Map(ids.map((id) => [storableText(id), id]));
    const known = this.#s.knownJobs.all(JSON.stringify([...asked.keys()])).map((r) => asked.get(r.job_id) ?? r.job_id);
    return new Set(known);
  }

  async recordJobs(jobs: readonly ListedJob[], at: Date): Promise<void> {
    if (jobs.length === 0) return;
    this.db
      .transaction(() => {
        for (const j of jobs.map(storableJob)) {
          this.#s.recordJob.run(j.id, j.name, j.jobType, j.userId, j.createdAt, at.getTime(), j.nameFolded, j.createdMs);
        }
      })
      .immediate();
  }

  async countMatchingJobs(filter: Pick<Feed, 'jobType' | 'nameGlob'>): Promise<number> {
    const byType = filter.jobType !== null;
    const byName = filter.nameGlob !== null;
    const statement = this.#s.countMatching[(byType ? 2 : 0) + (byName ? 1 : 0)];
    const params = {
      ...(filter.jobType !== null ? { type: storableText(filter.jobType) } : {}),
      ...(filter.nameGlob !== null ? { like: globToLike(filter.nameGlob) } : {}),
    };
    return statement?.get(params)?.n ?? 0;
  }

  async jobsOfUser(seekrflowUserId: string, limit: number): Promise<{ jobs: ListedJob[]; total: number }> {
    const user = storableText(seekrflowUserId);
    const jobs = this.#s.jobsOfUser.all(user, Math.max(0, Math.trunc(limit))).map(toListedJob);
    return { jobs, total: this.#s.countJobsOfUser.get(user)?.n ?? 0 };
  }

  async discoveryHorizon(): Promise<Date | null> {
    const row = this.#s.discoveryHorizon.get();
    return row ? new Date(row.at) : null;
  }

  async linkOwner(link: OwnerLink, at: Date): Promise<void> {
    this.#s.linkOwner.run(link.slackUserId, link.seekrflowUserId, link.quiet ? 1 : 0, at.getTime());
  }

  async unlinkOwner(slackUserId: string): Promise<void> {
    this.#s.unlinkOwner.run(slackUserId);
  }

  async ownerLink(slackUserId: string): Promise<OwnerLink | null> {
    const row = this.#s.ownerLink.get(slackUserId);
    return row ? toOwnerLink(row) : null;
  }

  async ownersOf(seekrflowUserId: string): Promise<OwnerLink[]> {
    return this.#s.ownersOf.all(seekrflowUserId).map(toOwnerLink);
  }

  async emailResolutions(emails: readonly string[]): Promise<EmailResolution[]> {
    if (emails.length === 0) return [];
    return this.#s.emailResolutions.all(JSON.stringify(emails)).map(toEmailResolution);
  }

  async saveEmailResolution(r: EmailResolution): Promise<void> {
    this.#s.saveEmailResolution.run({
      email: r.email,
      slack_user_id: r.slackUserId,
      resolved_at: r.resolvedAt?.getTime() ?? null,
      last_error: r.lastError,
      failed_at: r.failedAt?.getTime() ?? null,
      failures: r.failures,
      next_attempt_at: r.nextAttemptAt.getTime(),
    });
  }

  // Coordination

  async tryLease(name: string, owner: string, ttlMs: number, now: Date): Promise<boolean> {
    return this.#s.tryLease.run({ name, owner, until: now.getTime() + ttlMs, now: now.getTime() }).changes === 1;
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    this.#s.releaseLease.run(name, owner);
  }
}

export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  return new SqliteStore(options);
}
