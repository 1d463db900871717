/**
 * Versioned schema migrations, one list per engine. Each migration is applied once, in order, in its
 * own transaction, and recorded in `schema_migrations`. Never edit a migration that has shipped: add
 * the next version instead.
 *
 * Both schemas hold the same four tables:
 *  - subscriptions: a channel watching a job. At most one live (active or paused) row per
 *    (channel, job); an ended row stays until the channel subscribes to the job again (once its last
 *    deliveries are sent) or the retention purge removes it.
 *  - deliveries: the outbox. Ordered by id per subscription; `key` is unique per subscription while
 *    pending. `claimed_by`/`claimed_until` are the claim lease. `revision` counts payload
 *    replacements of a pending card and `claimed_revision` is the revision a claimer was handed, so
 *    that completing a card that was replaced while in flight keeps the newer payload pending.
 *  - watches: per job, what the bot last saw and said, with an optimistic-concurrency version.
 *  - leases: named leases between replicas (the poll coordinator).
 *
 * Version 2 records who paused a subscription and when (`state_by`, `state_at`), for a person's pause.
 *
 * Version 3 is for the retention purge (RetentionStore.purgeExpired). From it on, `state_at` is set by
 * every pause and every end, and rows paused or ended before it get the time of the upgrade, so that
 * nothing is forgotten sooner than the retention after upgrading. Two indexes: ended and paused rows by
 * age (`state`, `state_at`), and the live rows of a job (is a watch still used?). Watches get no index
 * on `updated_at`: every pass rewrites that column, and an index on it would cost every pass (on
 * PostgreSQL it would also make each watch update a non-HOT one) to spare a rare purge a scan of a
 * table that retention keeps the size of the live jobs.
 *
 * Version 6 lets feeds and the App Home ask for discovered jobs instead of reading them all: each
 * job's name folded as feeds match it (`name_folded`, see foldName) and its creation time
 * (`created_ms`, null when SeekrFlow's text is not a time), both computed by the store, which fills
 * them in for the rows already there in the migration's own transaction (`foldsDiscoveredJobs`). The
 * retention purge forgets discovered jobs too, and `discovery_horizon` remembers up to which creation
 * time it has, so that discovery takes a forgotten job for a known one (see discovery.ts).
 *
 * Version 7 keeps what Slack said of each email of the owner mapping file (`owner_emails`): whom it
 * names, or why it did not, and when to ask again. The emails are resolved in the background, and a
 * restart asks Slack only for those new or due.
 */

export interface Migration {
  version: number;
  name: string;
  sql: string;
  /** After its SQL, the engine fills `name_folded` and `created_ms` of the discovered jobs already stored. */
  foldsDiscoveredJobs?: boolean;
}

/** SQLite: times are epoch milliseconds (INTEGER), payloads and watches JSON text. */
export const sqliteMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'subscriptions, deliveries, watches, leases',
    sql: `
CREATE TABLE subscriptions (
  id INTEGER PRIMARY KEY AUTOINCREMENT, -- AUTOINCREMENT: a removed subscription's id is never reused by a stale button or claim
  channel_id TEXT NOT NULL,
  job_id TEXT NOT NULL,
  filter TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  card_ts TEXT,
  state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'paused', 'ended')),
  state_reason TEXT,
  last_delivery TEXT,
  last_delivery_at INTEGER
) STRICT;
CREATE UNIQUE INDEX subscriptions_live ON subscriptions (channel_id, job_id) WHERE state <> 'ended';
-- Serves watchedJobIds (distinct scan) and subscriptionsForJob (rowid order = oldest first).
CREATE INDEX subscriptions_active_job ON subscriptions (job_id) WHERE state = 'active';

CREATE TABLE deliveries (
  id INTEGER PRIMARY KEY AUTOINCREMENT, -- AUTOINCREMENT: a late completeDelivery(id) must never hit a newer delivery
  subscription_id INTEGER NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('card', 'reply')),
  payload TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  not_before INTEGER, -- NULL: due as soon as enqueued
  created_at INTEGER NOT NULL,
  last_error TEXT,
  claimed_by TEXT,
  claimed_until INTEGER,
  revision INTEGER NOT NULL DEFAULT 1,
  claimed_revision INTEGER,
  UNIQUE (subscription_id, key)
) STRICT;
CREATE INDEX deliveries_subscription_order ON deliveries (subscription_id, id);

CREATE TABLE watches (
  job_id TEXT PRIMARY KEY,
  watch TEXT NOT NULL,
  version INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE leases (
  name TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
`,
  },
  {
    version: 2,
    name: 'who paused a subscription, and when',
    sql: `
ALTER TABLE subscriptions ADD COLUMN state_by TEXT;
ALTER TABLE subscriptions ADD COLUMN state_at INTEGER;
`,
  },
  {
    version: 3,
    name: 'retention: every pause and end timed, indexes for the purge',
    sql: `
UPDATE subscriptions SET state_at = CAST(strftime('%s', 'now') AS INTEGER) * 1000 WHERE state <> 'active' AND state_at IS NULL;
CREATE INDEX subscriptions_state_at ON subscriptions (state, state_at);
CREATE INDEX subscriptions_live_job ON subscriptions (job_id) WHERE state <> 'ended';
`,
  },
  {
    version: 4,
    name: 'team feeds, discovered jobs, owners told directly',
    sql: `
-- A subscription is a channel's (kind 'channel') or a job owner's direct messages (kind 'owner', channel_id
-- is then the person's user id). A feed's subscriptions name their feed; a 'failures' feed's wait for a need.
ALTER TABLE subscriptions ADD COLUMN kind TEXT NOT NULL DEFAULT 'channel' CHECK (kind IN ('channel', 'owner'));
ALTER TABLE subscriptions ADD COLUMN feed_id INTEGER;
ALTER TABLE subscriptions ADD COLUMN waits_for_need INTEGER NOT NULL DEFAULT 0;
DROP INDEX subscriptions_active_job;
CREATE INDEX subscriptions_active_job ON subscriptions (job_id) WHERE state = 'active' AND kind = 'channel';

CREATE TABLE feeds (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  channel_id TEXT NOT NULL UNIQUE,
  filter TEXT NOT NULL,
  job_type TEXT,
  name_glob TEXT,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

-- Every job of the team discovery has seen: what stops discovery early, and what a feed covers.
CREATE TABLE discovered_jobs (
  job_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  job_type TEXT NOT NULL,
  user_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  seen_at INTEGER NOT NULL
) STRICT;

CREATE TABLE owner_links (
  slack_user_id TEXT PRIMARY KEY,
  seekrflow_user_id TEXT NOT NULL,
  quiet INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
) STRICT;
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
-- NOCASE: SQLite's LIKE folds ASCII case, and only over a NOCASE column can a pattern's literal start
-- use the index. A folded name has no upper case to fold: the order and the matches are the same.
ALTER TABLE discovered_jobs ADD COLUMN name_folded TEXT COLLATE NOCASE NOT NULL DEFAULT '';
ALTER TABLE discovered_jobs ADD COLUMN created_ms INTEGER;
-- A feed's count: by type, then by name (a glob with a literal start reads only its range).
CREATE INDEX discovered_jobs_type_name ON discovered_jobs (job_type, name_folded);
-- A person's jobs, newest first (NULLs sort last when descending).
CREATE INDEX discovered_jobs_user ON discovered_jobs (user_id, created_ms DESC, job_id DESC);
-- The purge, oldest first.
CREATE INDEX discovered_jobs_created ON discovered_jobs (created_ms);
CREATE TABLE discovery_horizon (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  forgotten_through INTEGER NOT NULL
) STRICT;
`,
  },
  {
    version: 7,
    name: 'emails of the owner mapping file, as Slack resolved them',
    sql: `
CREATE TABLE owner_emails (
  email TEXT PRIMARY KEY, -- lower-cased: Slack matches emails whatever their case
  slack_user_id TEXT, -- NULL until Slack names someone, and again once it no longer does
  resolved_at INTEGER,
  last_error TEXT,
  failed_at INTEGER,
  failures INTEGER NOT NULL DEFAULT 0, -- since the last answer that named someone
  next_attempt_at INTEGER NOT NULL
) STRICT;
`,
  },
];

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
];
