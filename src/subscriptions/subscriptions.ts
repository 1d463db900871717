import { type DiffSettings, diff } from '../domain/diff.js';
import type { SubscriptionFilter } from '../domain/events.js';
import { summarizeJob } from '../domain/job-summary.js';
import type { Logger } from '../logger.js';
import type { ChannelPoster } from '../poll/channel-poster.js';
import type { FetchFailure, SeekrFlowClient } from '../seekrflow/client.js';
import { renderCardFromSummary } from '../slack/blocks/card.js';
import type { Store, StoredWatch, Subscription } from '../storage/store.js';

/**
 * Subscribing and unsubscribing a channel: the operations behind `/datajob subscribe|unsubscribe|list`
 * and the card's buttons. Each returns what happened as a value; the listener words it.
 */

export interface SubscriptionDeps {
  store: Store;
  seekrflow: SeekrFlowClient;
  poster: ChannelPoster;
  settings: DiffSettings;
  jobUrl: (jobId: string) => string | undefined;
  logger: Logger;
  now?: () => Date;
}

export type SubscribeResult =
  | { kind: 'subscribed'; subscription: Subscription; jobName: string }
  | { kind: 'resumed'; subscription: Subscription; jobName: string }
  | { kind: 'already'; subscription: Subscription }
  | { kind: 'job_ended'; jobName: string; status: string }
  | { kind: 'fetch_failed'; failure: FetchFailure }
  | { kind: 'cannot_post'; error: string };

export async function subscribe(
  deps: SubscriptionDeps,
  request: { channelId: string; userId: string; jobId: string; filter: SubscriptionFilter },
): Promise<SubscribeResult> {
  const now = deps.now ?? (() => new Date());
  const existing = await deps.store.findSubscription(request.channelId, request.jobId);
  // An active subscription without a card was cut off while being set up (a crash between storing it
  // and posting its card); after a minute it is taken as one to finish, like a paused one.
  const unfinished = existing?.state === 'active' && existing.cardTs === null && now().getTime() - existing.createdAt.getTime() > 60_000;
  if (existing?.state === 'active' && !unfinished) return { kind: 'already', subscription: existing };

  const fetched = await deps.seekrflow.getDataJob(request.jobId);
  if (!fetched.ok) return { kind: 'fetch_failed', failure: fetched.failure };
  const summary = summarizeJob(fetched.job);
  const fetchedAt = now();
  const jobUrl = deps.jobUrl(request.jobId);
  /** Posts the living card and records the baseline: what the card shows now is not news later. */
  const postLivingCard = async (subscription: Subscription) => {
    const payload = renderCardFromSummary(summary, {
      fetchedAt,
      mode: 'living',
      subscription: { filter: subscription.filter, subscribedBy: subscription.createdBy },
      ...(jobUrl ? { jobUrl } : {}),
    });
    const posted = await deps.poster.post(request.channelId, payload);
    if (posted.ok) {
      await deps.store.setCardTs(subscription.id, posted.ts);
      await deps.store.initWatch(request.jobId, diff(null, { kind: 'seen', summary }, fetchedAt, deps.settings).watch);
    }
    return { posted, payload };
  };

  if (summary.ended) {
    // Nothing left to watch; a paused or unfinished subscription to it goes.
    if (existing) await deps.store.removeSubscription(existing.id);
    return { kind: 'job_ended', jobName: fetched.job.name, status: fetched.job.status };
  }

  if (existing && (existing.state === 'paused' || unfinished)) {
    // Resuming: the old card may be gone with the channel's trouble; a fresh one is certain. The
    // same payload is queued as the pending card, replacing any older one that would overwrite it.
    const { posted, payload } = await postLivingCard(existing);
    if (!posted.ok) return { kind: 'cannot_post', error: posted.error };
    await deps.store.enqueue([{ subscriptionId: existing.id, key: 'card', kind: 'card', payload }]);
    if (existing.state === 'paused') await deps.store.resumeSubscription(existing.id);
    return { kind: 'resumed', subscription: { ...existing, state: 'active', cardTs: posted.ts }, jobName: fetched.job.name };
  }

  const added = await deps.store.addSubscription({
    channelId: request.channelId,
    jobId: request.jobId,
    filter: request.filter,
    createdBy: request.userId,
    createdAt: fetchedAt,
  });
  if (!added.created) return { kind: 'already', subscription: added.subscription };

  const { posted } = await postLivingCard(added.subscription);
  if (!posted.ok) {
    await deps.store.removeSubscription(added.subscription.id);
    return { kind: 'cannot_post', error: posted.error };
  }
  deps.logger.info({ subscriptionId: added.subscription.id, channel: request.channelId, jobId: request.jobId }, 'subscribed');
  return { kind: 'subscribed', subscription: { ...added.subscription, cardTs: posted.ts }, jobName: fetched.job.name };
}

export type UnsubscribeResult = { kind: 'unsubscribed'; subscription: Subscription } | { kind: 'not_subscribed' };

export async function unsubscribe(
  deps: SubscriptionDeps,
  request: { channelId: string; userId: string; jobId: string },
): Promise<UnsubscribeResult> {
  const now = deps.now ?? (() => new Date());
  const subscription = await deps.store.findSubscription(request.channelId, request.jobId);
  if (!subscription) return { kind: 'not_subscribed' };
  await deps.store.removeSubscription(subscription.id);
  if ((await deps.store.subscriptionsForJob(request.jobId)).length === 0) await deps.store.deleteWatch(request.jobId);
  deps.logger.info({ subscriptionId: subscription.id, channel: request.channelId, jobId: request.jobId }, 'unsubscribed');

  if (subscription.cardTs) {
    // The living card must not look alive any more. Best effort: the subscription is gone either way.
    const fetched = await deps.seekrflow.getDataJob(request.jobId);
    const note = { text: `<@${request.userId}> unsubscribed this channel: the card above is no longer updated.` };
    const updated = fetched.ok
      ? await deps.poster.update(
          request.channelId,
          subscription.cardTs,
          renderCardFromSummary(summarizeJob(fetched.job), {
            fetchedAt: now(),
            mode: 'living',
            stale: { reason: 'unsubscribed' },
          }),
        )
      : ({ ok: false, error: 'fetch_failed' } as const);
    if (!updated.ok) await deps.poster.post(request.channelId, { ...note, threadTs: subscription.cardTs });
  }
  return { kind: 'unsubscribed', subscription };
}

export interface ChannelSubscription {
  subscription: Subscription;
  watch: StoredWatch | null;
}

export async function listChannel(deps: Pick<SubscriptionDeps, 'store'>, channelId: string): Promise<ChannelSubscription[]> {
  const subscriptions = await deps.store.listSubscriptions(channelId);
  return Promise.all(subscriptions.map(async (subscription) => ({ subscription, watch: await deps.store.getWatch(subscription.jobId) })));
}
