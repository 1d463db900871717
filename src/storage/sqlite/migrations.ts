import type Database from 'better-sqlite3';
import type { Migration } from '../migrations.js';
import { storableJob } from '../store-support.js';

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
  {
    version: 8,
    name: 'claims of the actions people take on jobs from Slack',
    sql: `
CREATE TABLE action_claims (
  job_id TEXT NOT NULL,
  action TEXT NOT NULL,
  shown_state TEXT NOT NULL,
  user_id TEXT NOT NULL,
  channel_id TEXT,
  claimed_at INTEGER NOT NULL,
  PRIMARY KEY (job_id, action, shown_state)
) STRICT;
`,
  },
  {
    version: 9,
    name: 'digests and quiet hours per channel',
    sql: `
CREATE TABLE channel_settings (
  channel_id TEXT PRIMARY KEY,
  digest TEXT, -- JSON: DigestSchedule; NULL without a digest
  digest_due_at INTEGER,
  last_digest_at INTEGER,
  quiet TEXT, -- JSON: QuietSetting; NULL without quiet hours
  updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX channel_settings_due ON channel_settings (digest_due_at) WHERE digest_due_at IS NOT NULL;
CREATE TABLE digests (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  channel_id TEXT NOT NULL,
  local_date TEXT NOT NULL,
  content TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  sent_at INTEGER, -- NULL until sent: the digest outbox
  ref TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  not_before INTEGER,
  last_error TEXT,
  claimed_by TEXT,
  claimed_until INTEGER,
  UNIQUE (channel_id, local_date) -- one digest per channel and local day, whoever plans it
) STRICT;
CREATE INDEX digests_unsent ON digests (id) WHERE sent_at IS NULL;
ALTER TABLE deliveries ADD COLUMN held_until INTEGER; -- quiet hours: not claimed before it
`,
  },
];

/** Applies the migrations not yet recorded, each in its own transaction. Returns the versions applied. */
export function migrateSqlite(db: Database.Database, migrations: readonly Migration[] = sqliteMigrations): number[] {
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
