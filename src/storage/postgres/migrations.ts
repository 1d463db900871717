import type pg from 'pg';
import type { Migration } from '../migrations.js';
import { storableJob } from '../store-support.js';

/**
 * Migrations run without the timeouts: one may build an index over a large table, and a replica
 * waits on the lock for another's migration. Bounded all the same, so that a start-up cannot hang for good.
 */
const MIGRATION_QUERY_TIMEOUT_MS = 600_000;

/** Any fixed number: every replica migrating the same database must take the same lock. */
const MIGRATION_LOCK_KEY = 7_402_117_341;

/**
 * PostgreSQL: timestamptz for times. Payloads and watches are JSON in `text`, not `jsonb`: jsonb
 * rejects a NUL character, and a file name from the API containing one must not wedge a job's pass.
 */
export const postgresMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'subscriptions, deliveries, watches, leases',
    sql: `
CREATE TABLE subscriptions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  channel_id text NOT NULL,
  job_id text NOT NULL,
  filter text NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL,
  card_ts text,
  state text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'paused', 'ended')),
  state_reason text,
  last_delivery text,
  last_delivery_at timestamptz
);
CREATE UNIQUE INDEX subscriptions_live ON subscriptions (channel_id, job_id) WHERE state <> 'ended';
CREATE INDEX subscriptions_active_job ON subscriptions (job_id, id) WHERE state = 'active';

CREATE TABLE deliveries (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  subscription_id bigint NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
  key text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('card', 'reply')),
  payload text NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  not_before timestamptz,
  created_at timestamptz NOT NULL,
  last_error text,
  claimed_by text,
  claimed_until timestamptz,
  revision integer NOT NULL DEFAULT 1,
  claimed_revision integer,
  UNIQUE (subscription_id, key)
);
CREATE INDEX deliveries_subscription_order ON deliveries (subscription_id, id);

CREATE TABLE watches (
  job_id text PRIMARY KEY,
  watch text NOT NULL,
  version integer NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE TABLE leases (
  name text PRIMARY KEY,
  owner text NOT NULL,
  expires_at timestamptz NOT NULL
);
`,
  },
  {
    version: 2,
    name: 'who paused a subscription, and when',
    sql: `
ALTER TABLE subscriptions ADD COLUMN state_by text;
ALTER TABLE subscriptions ADD COLUMN state_at timestamptz;
`,
  },
  {
    version: 3,
    name: 'retention: every pause and end timed, indexes for the purge',
    sql: `
UPDATE subscriptions SET state_at = now() WHERE state <> 'active' AND state_at IS NULL;
CREATE INDEX subscriptions_state_at ON subscriptions (state, state_at);
CREATE INDEX subscriptions_live_job ON subscriptions (job_id) WHERE state <> 'ended';
`,
  },
  {
    version: 4,
    name: 'team feeds, discovered jobs, owners told directly',
    sql: `
ALTER TABLE subscriptions ADD COLUMN kind text NOT NULL DEFAULT 'channel' CHECK (kind IN ('channel', 'owner'));
ALTER TABLE subscriptions ADD COLUMN feed_id bigint;
ALTER TABLE subscriptions ADD COLUMN waits_for_need boolean NOT NULL DEFAULT false;
DROP INDEX subscriptions_active_job;
CREATE INDEX subscriptions_active_job ON subscriptions (job_id, id) WHERE state = 'active' AND kind = 'channel';

CREATE TABLE feeds (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  channel_id text NOT NULL UNIQUE,
  filter text NOT NULL,
  job_type text,
  name_glob text,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL
);

CREATE TABLE discovered_jobs (
  job_id text PRIMARY KEY,
  name text NOT NULL,
  job_type text NOT NULL,
  user_id text NOT NULL,
  created_at text NOT NULL,
  seen_at timestamptz NOT NULL
);

CREATE TABLE owner_links (
  slack_user_id text PRIMARY KEY,
  seekrflow_user_id text NOT NULL,
  quiet boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL
);
CREATE INDEX owner_links_seekrflow ON owner_links (seekrflow_user_id);
`,
  },
  {
    version: 5,
    name: 'a person’s subscriptions, for the App Home',
    sql: `
CREATE INDEX subscriptions_created_by ON subscriptions (created_by, id);
`,
  },
  {
    version: 6,
    name: 'discovered jobs asked for by owner and by a feed’s filters, and forgotten by retention',
    foldsDiscoveredJobs: true,
    sql: `
-- COLLATE "C": LIKE compares characters whatever the collation, but only under "C" can a pattern's
-- literal start use the index.
ALTER TABLE discovered_jobs ADD COLUMN name_folded text COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE discovered_jobs ADD COLUMN created_ms bigint;
CREATE INDEX discovered_jobs_type_name ON discovered_jobs (job_type, name_folded);
CREATE INDEX discovered_jobs_user ON discovered_jobs (user_id, created_ms DESC NULLS LAST, job_id DESC);
CREATE INDEX discovered_jobs_created ON discovered_jobs (created_ms);
CREATE TABLE discovery_horizon (
  id integer PRIMARY KEY CHECK (id = 1),
  forgotten_through timestamptz NOT NULL
);
`,
  },
  {
    version: 7,
    name: 'emails of the owner mapping file, as Slack resolved them',
    sql: `
CREATE TABLE owner_emails (
  email text PRIMARY KEY,
  slack_user_id text,
  resolved_at timestamptz,
  last_error text,
  failed_at timestamptz,
  failures integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL
);
`,
  },
  {
    version: 8,
    name: 'claims of the actions people take on jobs from Slack',
    sql: `
CREATE TABLE action_claims (
  job_id text NOT NULL,
  action text NOT NULL,
  shown_state text NOT NULL,
  user_id text NOT NULL,
  channel_id text,
  claimed_at timestamptz NOT NULL,
  PRIMARY KEY (job_id, action, shown_state)
);
`,
  },
  {
    version: 9,
    name: 'digests and quiet hours per channel',
    sql: `
CREATE TABLE channel_settings (
  channel_id text PRIMARY KEY,
  digest text, -- JSON: DigestSchedule; NULL without a digest
  digest_due_at timestamptz,
  last_digest_at timestamptz,
  quiet text, -- JSON: QuietSetting; NULL without quiet hours
  updated_at timestamptz NOT NULL
);
CREATE INDEX channel_settings_due ON channel_settings (digest_due_at) WHERE digest_due_at IS NOT NULL;
CREATE TABLE digests (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  channel_id text NOT NULL,
  local_date text NOT NULL,
  content text NOT NULL,
  created_at timestamptz NOT NULL,
  sent_at timestamptz, -- NULL until sent: the digest outbox
  ref text,
  attempts integer NOT NULL DEFAULT 0,
  not_before timestamptz,
  last_error text,
  claimed_by text,
  claimed_until timestamptz,
  UNIQUE (channel_id, local_date) -- one digest per channel and local day, whoever plans it
);
CREATE INDEX digests_unsent ON digests (id) WHERE sent_at IS NULL;
ALTER TABLE deliveries ADD COLUMN held_until timestamptz; -- quiet hours: not claimed before it
`,
  },
];

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * Applies the migrations not yet recorded. Safe when several replicas start at once: each takes
 * the same transaction-scoped advisory lock first, so they run one after another, and the later
 * ones find the versions already recorded.
 */
export async function migratePostgres(
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
