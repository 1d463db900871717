import type { ListedJob } from '../domain/feed.js';
import { timestampMillis } from '../domain/timestamps.js';
import { feedMatches, isNewFor } from './feeds.js';
import type { FeedStore } from './ports/feeds.js';
import type { JobLister } from './ports/job-source.js';
import type { Log } from './ports/log.js';
import type { SubscriptionStore } from './ports/subscriptions.js';

/**
 * Discovery: one read of the team's job list for every feed, on its own schedule and under the same
 * single-runner lease as the poll pass. The list has no total and no "more" flag, so pages are read
 * until one is shorter than the page size; newest jobs come first, so it stops at the first page that
 * holds a job already known: every job past it is older, so known too. (A job deleted or created
 * between two pages makes the next page skip or repeat one at the boundary; a repeat is de-duplicated,
 * a skipped job is an old one, and a job created meanwhile is at the top of the next discovery.)
 *
 * The retention purge forgets old jobs nothing follows (RetentionStore.purgeExpired), up to a horizon
 * it remembers: a job created at or before it is taken for a known one, neither announced (it was
 * announced long ago, or was a feed's baseline) nor remembered again, and it stops the read like a
 * known one. Without that, a team quiet for longer than the retention would have every job forgotten,
 * and the next discovery would read the whole team and announce its old jobs as new.
 *
 * Each new job a feed matches becomes an ordinary subscription of the feed's channel (its card is
 * posted by the next poll pass, or, for a `failures` feed, once the job first needs a person). The
 * subscriptions are made before the jobs are remembered as known: a crash between the two makes the
 * next discovery find the jobs again and make the same subscriptions, which already exist.
 */

export interface DiscoveryDeps {
  lister: JobLister;
  feeds: FeedStore;
  subscriptions: Pick<SubscriptionStore, 'addSubscription'>;
  logger: Log;
  now?: () => Date;
  pageSize?: number;
  /** A team is never this big; the bound keeps a broken list (every page full, forever) from looping. */
  maxPages?: number;
}

export interface DiscoveryReport {
  pages: number;
  seen: number;
  newJobs: number;
  subscribed: number;
  failed: boolean;
}

export async function discover(deps: DiscoveryDeps): Promise<DiscoveryReport> {
  const report: DiscoveryReport = { pages: 0, seen: 0, newJobs: 0, subscribed: 0, failed: false };
  const feeds = await deps.feeds.listFeeds();
  if (feeds.length === 0) return report;
  const now = (deps.now ?? (() => new Date()))();
  const limit = deps.pageSize ?? 100;
  const horizon = (await deps.feeds.discoveryHorizon())?.getTime() ?? null;
  const forgotten = (job: ListedJob) => {
    if (horizon === null) return false;
    const created = timestampMillis(job.createdAt);
    return created !== null && created <= horizon;
  };
  const fresh = new Map<string, ListedJob>();
  for (let offset = 0; report.pages < (deps.maxPages ?? 1_000); offset += limit) {
    const page = await deps.lister.listJobs({ offset, limit });
    if (!page.ok) {
      deps.logger.warn({ kind: page.failure.kind, detail: page.failure.detail, offset }, 'discovery could not read the job list');
      report.failed = true;
      break;
    }
    report.pages += 1;
    report.seen += page.jobs.length;
    const known = await deps.feeds.knownJobs(page.jobs.map((j) => j.id));
    let reachedKnown = known.size > 0;
    for (const job of page.jobs) {
      if (forgotten(job)) reachedKnown = true;
      else if (!known.has(job.id) && !fresh.has(job.id)) fresh.set(job.id, job);
    }
    if (page.jobs.length < limit || reachedKnown) break;
  }
  const newJobs = [...fresh.values()];
  report.newJobs = newJobs.length;
  for (const feed of feeds) {
    for (const job of newJobs) {
      if (!feedMatches(feed, job) || !isNewFor(feed, job)) continue;
      const { created } = await deps.subscriptions.addSubscription({
        channelId: feed.channelId,
        jobId: job.id,
        filter: feed.filter,
        createdBy: feed.createdBy,
        createdAt: now,
        feedId: feed.id,
        waitsForNeed: feed.filter === 'failures',
      });
      if (created) report.subscribed += 1;
    }
  }
  // Only now: had this been written first, a crash here would have lost the new jobs for good. And
  // only after a whole read: a read cut short by an error would make the next one stop at the newest
  // jobs and never reach the ones it missed.
  if (!report.failed) await deps.feeds.recordJobs(newJobs, now);
  if (report.newJobs > 0 || report.failed) deps.logger.info({ ...report }, 'discovery done');
  // A read that found nothing new is said too (debug): what tells an operator (and a test) that discovery ran.
  else deps.logger.debug({ ...report }, 'discovery done');
  return report;
}
