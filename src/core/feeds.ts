import type { SubscriptionFilter } from '../domain/events.js';
import type { Feed, ListedJob } from '../domain/feed.js';
import { globMatches } from '../domain/glob.js';
import type { Subscription } from '../domain/subscription.js';
import { timestampMillis } from '../domain/timestamps.js';
import { audit } from './access.js';
import type { FeedStore } from './ports/feeds.js';
import type { Log } from './ports/log.js';
import type { SubscriptionStore } from './ports/subscriptions.js';
import { type SubscriptionDeps, unsubscribe } from './subscriptions.js';

/**
 * Team feeds: a channel follows every data job of the team, present and future, that matches its
 * filters. Jobs that existed when the feed started are its baseline (covered, never announced); each
 * new one gets the usual living card and thread, made by discovery (./discovery.ts) through an
 * ordinary subscription, so a job followed both by a feed and directly in one channel has one card.
 */

export interface FeedRequest {
  channelId: string;
  userId: string;
  filter: SubscriptionFilter;
  jobType: string | null;
  nameGlob: string | null;
}

export type SubscribeTeamResult = { kind: 'following'; feed: Feed; created: boolean; covered: number };

export async function subscribeTeam(
  deps: { feeds: FeedStore; logger: Log; now?: () => Date },
  request: FeedRequest,
): Promise<SubscribeTeamResult> {
  const now = (deps.now ?? (() => new Date()))();
  const existing = await deps.feeds.findFeed(request.channelId);
  const { feed, created } = await deps.feeds.saveFeed({
    channelId: request.channelId,
    filter: request.filter,
    jobType: request.jobType,
    nameGlob: request.nameGlob,
    createdBy: existing?.createdBy ?? request.userId,
    createdAt: existing?.createdAt ?? now,
  });
  audit(deps.logger, { action: 'subscribe', userId: request.userId, channelId: request.channelId, jobId: 'team' }, 'done');
  return { kind: 'following', feed, created, covered: await deps.feeds.countMatchingJobs(feed) };
}

export type UnsubscribeTeamResult = { kind: 'unsubscribed'; feed: Feed; stopped: number } | { kind: 'no_feed' };

/** Stops the feed and every card it made in the channel, each saying who stopped it (as `unsubscribe` does). */
export async function unsubscribeTeam(
  deps: SubscriptionDeps & { feeds: FeedStore },
  request: { channelId: string; userId: string },
): Promise<UnsubscribeTeamResult> {
  const feed = await deps.feeds.findFeed(request.channelId);
  if (!feed) return { kind: 'no_feed' };
  await deps.feeds.removeFeed(feed.id);
  const made = await deps.subscriptions.subscriptionsOfFeed(feed.id);
  for (const s of made) await unsubscribe(deps, { channelId: s.channelId, userId: request.userId, jobId: s.jobId });
  audit(deps.logger, { action: 'unsubscribe', userId: request.userId, channelId: request.channelId, jobId: 'team' }, 'done');
  return { kind: 'unsubscribed', feed, stopped: made.length };
}

/** What `/datajob list` says of a channel's feed: its filters, how many jobs it covers, how many it follows now. */
export interface FeedSummary {
  feed: Feed;
  covered: number;
  following: number;
}

export async function feedOfChannel(
  deps: { feeds: FeedStore; subscriptions: Pick<SubscriptionStore, 'subscriptionsOfFeed'> },
  channelId: string,
): Promise<FeedSummary | null> {
  const feed = await deps.feeds.findFeed(channelId);
  if (!feed) return null;
  const [covered, following] = await Promise.all([deps.feeds.countMatchingJobs(feed), deps.subscriptions.subscriptionsOfFeed(feed.id)]);
  return { feed, covered, following: following.filter((s: Subscription) => s.state !== 'ended').length };
}

/** The feed's filters: a job type, a name glob. The stores count by the same rules (FeedStore.countMatchingJobs). */
export function feedMatches(feed: Pick<Feed, 'jobType' | 'nameGlob'>, job: ListedJob): boolean {
  if (feed.jobType !== null && job.jobType !== feed.jobType) return false;
  return feed.nameGlob === null || globMatches(feed.nameGlob, job.name);
}

/** A job created before the feed started is its baseline: covered, never announced. */
export function isNewFor(feed: Pick<Feed, 'createdAt'>, job: ListedJob): boolean {
  const created = timestampMillis(job.createdAt);
  // A job whose creation time cannot be read is taken as new: better one card too many than a job missed.
  return created === null || created >= feed.createdAt.getTime();
}
