import type { Log } from './ports/log.js';
import { PURGE_LIMIT, type RetentionStore } from './ports/retention.js';

/**
 * Retention: what has been over for longer than RETENTION_DAYS is forgotten, so that a bot that has
 * followed a hundred thousand jobs keeps a database the size of the jobs it still follows. Ended
 * subscriptions go (with any messages they never got out), and so do subscriptions paused because
 * their channel is gone; a pause a person chose, or one waiting for a permission, stays until a
 * person acts. The team's jobs discovery has seen go too once they are older than the retention and
 * nothing follows them (discovery then takes them for known: see discovery.ts). See
 * RetentionStore.purgeExpired for exactly what goes.
 */

export interface RetentionDeps {
  store: RetentionStore;
  logger: Log;
  /** Days after its end (or its channel's loss) that a subscription is forgotten. */
  retentionDays: number;
  now?: () => Date;
  /** Rows of each kind per store call (one transaction each); the store's own default otherwise. */
  batchSize?: number;
}

export interface RetentionReport {
  cutoff: Date;
  subscriptions: number;
  pausedExpired: number;
  watches: number;
  deliveries: number;
  discoveredJobs: number;
  actionClaims: number;
  /** Store calls (transactions) it took. */
  calls: number;
}

const DAY_MS = 86_400_000;

/** A store that kept coming back full would loop forever: this many calls is ten million rows of each kind by default. */
const MAX_CALLS = 1_000;

/**
 * One purge: calls the store until a call comes back short of the batch size, so that a first purge
 * of a large backlog runs as many short transactions rather than one that holds its locks for
 * minutes. Logs one line with the counts, and one warning per subscription forgotten because its
 * channel is gone (which channel, which job, why): nobody was told when it went, since its creator
 * was told of the pause at the time.
 */
export async function purgeExpired(deps: RetentionDeps): Promise<RetentionReport> {
  const { store, logger, retentionDays } = deps;
  // Zero or less would forget an ended job's final summary before it could be sent.
  if (!Number.isFinite(retentionDays) || retentionDays <= 0) {
    throw new RangeError(`retentionDays must be a positive number of days, not ${retentionDays}`);
  }
  const limit = Math.max(1, Math.trunc(deps.batchSize ?? PURGE_LIMIT));
  const now = deps.now?.() ?? new Date();
  const cutoff = new Date(now.getTime() - retentionDays * DAY_MS);
  const report: RetentionReport = {
    cutoff,
    subscriptions: 0,
    pausedExpired: 0,
    watches: 0,
    deliveries: 0,
    discoveredJobs: 0,
    actionClaims: 0,
    calls: 0,
  };

  for (;;) {
    const result = await store.purgeExpired(cutoff, limit);
    report.calls += 1;
    report.subscriptions += result.subscriptions;
    report.pausedExpired += result.pausedExpired.length;
    report.watches += result.watches;
    report.deliveries += result.deliveries;
    report.discoveredJobs += result.discoveredJobs;
    report.actionClaims += result.actionClaims;
    for (const p of result.pausedExpired) {
      logger.warn(
        { subscriptionId: p.id, channel: p.channelId, jobId: p.jobId, reason: p.reason, retentionDays },
        'paused subscription forgotten: its channel has been gone longer than the retention',
      );
    }
    const full =
      result.subscriptions >= limit ||
      result.pausedExpired.length >= limit ||
      result.watches >= limit ||
      result.discoveredJobs >= limit ||
      result.actionClaims >= limit;
    if (!full) break;
    if (report.calls >= MAX_CALLS) {
      logger.warn({ calls: report.calls }, 'retention purge stopped before the end; the rest goes at the next purge');
      break;
    }
  }

  const { subscriptions, pausedExpired, watches, deliveries, discoveredJobs, actionClaims, calls } = report;
  logger.info(
    { retentionDays, cutoff: cutoff.toISOString(), subscriptions, pausedExpired, watches, deliveries, discoveredJobs, actionClaims, calls },
    'retention purge',
  );
  return report;
}
