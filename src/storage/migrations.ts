/**
 * Versioned schema migrations, one list per engine, each beside the engine's runner
 * (sqlite/migrations.ts, postgres/migrations.ts): the same versions under the same names, each written
 * for its engine. Each migration is applied once, in order, and recorded in `schema_migrations`.
 * Never edit a migration that has shipped: add the next version instead, to both lists.
 *
 * What each version is for is said once, here, for both engines.
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
 *
 * Version 8 keeps the claims of the actions people take on jobs from Slack (`action_claims`): one
 * row per (job, action, state the card showed), inserted before SeekrFlow is asked, so that two
 * clicks, two replicas or a retry ask it once. A row SeekrFlow refused is deleted: nothing was done.
 *
 * Version 9 is for digests and quiet hours per channel: each channel's settings and when its next
 * digest is due (`channel_settings`), the digests themselves as an outbox of their own (`digests`,
 * unique per channel and local date, so that replicas and restarts plan a day's digest once), and
 * `deliveries.held_until`, before which a reply held for quiet hours is not claimed.
 */

export interface Migration {
  version: number;
  name: string;
  sql: string;
  /** After its SQL, the engine fills `name_folded` and `created_ms` of the discovered jobs already stored. */
  foldsDiscoveredJobs?: boolean;
}
