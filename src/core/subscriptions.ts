import type { SubscriptionFilter } from '../domain/events.js';
import { toJobCard } from '../domain/job-card.js';
import { summarizeJob } from '../domain/job-summary.js';
import { type PlanSettings, planJob } from './planner.js';
import type {
  CardState,
  FetchFailure,
  JobSource,
  Log,
  Notifier,
  Outbox,
  SendOutcome,
  StoredWatch,
  Subscription,
  SubscriptionStore,
  WatchStore,
} from './ports.js';

/**
 * Subscribing and unsubscribing a channel: the operations behind `/datajob subscribe|unsubscribe|list`
 * and the card's buttons. Each returns what happened as a value; the listener words it.
 */

export interface SubscriptionDeps {
  subscriptions: SubscriptionStore;
  watches: Pick<WatchStore, 'getWatch' | 'initWatch' | 'deleteWatch'>;
  outbox: Pick<Outbox, 'enqueue'>;
  jobs: JobSource;
  notifier: Pick<Notifier, 'postCard' | 'updateCard' | 'postNote'>;
  settings: PlanSettings;
  logger: Log;
  now?: () => Date;
}

/** Why the living card could not be posted: the notifier's outcome, minus success. */
export type PostRefusal = Exclude<SendOutcome, { kind: 'delivered' }>;

export type SubscribeResult =
  | { kind: 'subscribed'; subscription: Subscription; jobName: string }
  | { kind: 'resumed'; subscription: Subscription; jobName: string }
  | { kind: 'already'; subscription: Subscription }
  | { kind: 'job_ended'; jobName: string; status: string }
  | { kind: 'fetch_failed'; failure: FetchFailure }
  | { kind: 'cannot_post'; refusal: PostRefusal };

export async function subscribe(
  deps: SubscriptionDeps,
  request: { channelId: string; userId: string; jobId: string; filter: SubscriptionFilter },
): Promise<SubscribeResult> {
  const now = deps.now ?? (() => new Date());
  const existing = await deps.subscriptions.findSubscription(request.channelId, request.jobId);
  // An active subscription without a card was cut off while being set up (a crash between storing it
  // and posting its card); after a minute it is taken as one to finish, like a paused one.
  const unfinished = existing?.state === 'active' && existing.cardTs === null && now().getTime() - existing.createdAt.getTime() > 60_000;
  if (existing?.state === 'active' && !unfinished) return { kind: 'already', subscription: existing };

  const fetched = await deps.jobs.getDataJob(request.jobId);
  if (!fetched.ok) return { kind: 'fetch_failed', failure: fetched.failure };
  const summary = summarizeJob(fetched.job);
  const fetchedAt = now();
  const state: CardState = { card: toJobCard(summary), fetchedAt: fetchedAt.toISOString() };
  /** Posts the living card and records the baseline: what the card shows now is not news later. */
  const postLivingCard = async (subscription: Subscription) => {
    const posted = await deps.notifier.postCard(request.channelId, {
      state,
      subscription: { filter: subscription.filter, subscribedBy: subscription.createdBy },
    });
    if (posted.kind === 'delivered') {
      await deps.subscriptions.setCardTs(subscription.id, posted.ref);
      const baseline = planJob({
        jobId: request.jobId,
        previous: null,
        observation: { kind: 'seen', summary },
        listeners: [],
        settings: deps.settings,
        now: fetchedAt,
        version: '0',
      });
      await deps.watches.initWatch(request.jobId, baseline.watch);
    }
    return posted;
  };

  if (summary.ended) {
    // Nothing left to watch; a paused or unfinished subscription to it goes.
    if (existing) await deps.subscriptions.removeSubscription(existing.id);
    return { kind: 'job_ended', jobName: state.card.name, status: state.card.status };
  }

  if (existing && (existing.state === 'paused' || unfinished)) {
    // Resuming: the old card may be gone with the channel's trouble; a fresh one is certain. The
    // same state is queued as the pending card, replacing any older one that would overwrite it.
    const posted = await postLivingCard(existing);
    if (posted.kind !== 'delivered') return { kind: 'cannot_post', refusal: posted };
    await deps.outbox.enqueue([{ subscriptionId: existing.id, key: 'card', item: { kind: 'card', state } }]);
    if (existing.state === 'paused') await deps.subscriptions.resumeSubscription(existing.id);
    return { kind: 'resumed', subscription: { ...existing, state: 'active', cardTs: posted.ref }, jobName: state.card.name };
  }

  const added = await deps.subscriptions.addSubscription({
    channelId: request.channelId,
    jobId: request.jobId,
    filter: request.filter,
    createdBy: request.userId,
    createdAt: fetchedAt,
  });
  if (!added.created) return { kind: 'already', subscription: added.subscription };

  const posted = await postLivingCard(added.subscription);
  if (posted.kind !== 'delivered') {
    await deps.subscriptions.removeSubscription(added.subscription.id);
    return { kind: 'cannot_post', refusal: posted };
  }
  deps.logger.info({ subscriptionId: added.subscription.id, channel: request.channelId, jobId: request.jobId }, 'subscribed');
  return { kind: 'subscribed', subscription: { ...added.subscription, cardTs: posted.ref }, jobName: state.card.name };
}

export type UnsubscribeResult = { kind: 'unsubscribed'; subscription: Subscription } | { kind: 'not_subscribed' };

export async function unsubscribe(
  deps: SubscriptionDeps,
  request: { channelId: string; userId: string; jobId: string },
): Promise<UnsubscribeResult> {
  const now = deps.now ?? (() => new Date());
  const subscription = await deps.subscriptions.findSubscription(request.channelId, request.jobId);
  if (!subscription) return { kind: 'not_subscribed' };
  await deps.subscriptions.removeSubscription(subscription.id);
  if ((await deps.subscriptions.subscriptionsForJob(request.jobId)).length === 0) await deps.watches.deleteWatch(request.jobId);
  deps.logger.info({ subscriptionId: subscription.id, channel: request.channelId, jobId: request.jobId }, 'unsubscribed');

  if (subscription.cardTs) {
    // The living card must not look alive any more. Best effort: the subscription is gone either way.
    const fetched = await deps.jobs.getDataJob(request.jobId);
    const updated = fetched.ok
      ? await deps.notifier.updateCard(request.channelId, subscription.cardTs, {
          state: { card: toJobCard(summarizeJob(fetched.job)), fetchedAt: now().toISOString() },
          subscription: { filter: subscription.filter, subscribedBy: subscription.createdBy },
          unsubscribed: true,
        })
      : null;
    if (updated?.kind !== 'delivered') {
      await deps.notifier.postNote(request.channelId, subscription.cardTs, { kind: 'unsubscribed', by: request.userId });
    }
  }
  return { kind: 'unsubscribed', subscription };
}

export interface ChannelSubscription {
  subscription: Subscription;
  watch: StoredWatch | null;
}

export async function listChannel(
  deps: { subscriptions: Pick<SubscriptionStore, 'listSubscriptions'>; watches: Pick<WatchStore, 'getWatch'> },
  channelId: string,
): Promise<ChannelSubscription[]> {
  const subscriptions = await deps.subscriptions.listSubscriptions(channelId);
  return Promise.all(subscriptions.map(async (subscription) => ({ subscription, watch: await deps.watches.getWatch(subscription.jobId) })));
}
