import type { DataJob } from '../domain/data-job.js';
import type { SubscriptionFilter } from '../domain/events.js';
import { readJob } from '../domain/job-reading.js';
import type { CardState } from '../domain/messages.js';
import type { JobWatch } from '../domain/snapshot.js';
import { PAUSED_BY_PERSON, type Subscription } from '../domain/subscription.js';
import { audit } from './access.js';
import { type PlanSettings, planJob, SETTING_UP_MS } from './planner.js';
import type { FetchFailure, JobSource } from './ports/job-source.js';
import type { Log } from './ports/log.js';
import type { LivingCard, Notifier, SendOutcome } from './ports/notifier.js';
import type { Outbox } from './ports/outbox.js';
import type { SubscriptionStore } from './ports/subscriptions.js';
import type { StoredWatch, WatchStore } from './ports/watches.js';

/**
 * Subscribing and unsubscribing a channel: the operations behind `/datajob subscribe|unsubscribe|list`
 * and the card's buttons. Each returns what happened as a value; the listener words it.
 */

export interface SubscriptionDeps {
  subscriptions: SubscriptionStore;
  watches: Pick<WatchStore, 'getWatch' | 'initWatch' | 'deleteWatch'>;
  outbox: Pick<Outbox, 'enqueue'>;
  jobs: JobSource;
  notifier: Pick<Notifier, 'postCard' | 'findCard' | 'updateCard' | 'postNote'>;
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

type SubscribeRequest = { channelId: string; userId: string; jobId: string; filter: SubscriptionFilter };

/** The job as subscribing read it: the card's state, and the memory the next pass compares with. */
interface Reading {
  state: CardState;
  fetchedAt: Date;
  /** What the card shows now is not news later. */
  baseline: JobWatch;
}

export async function subscribe(deps: SubscriptionDeps, request: SubscribeRequest): Promise<SubscribeResult> {
  const now = deps.now ?? (() => new Date());
  const existing = await deps.subscriptions.findSubscription(request.channelId, request.jobId);
  // An active subscription without a card was cut off while being set up (a crash between storing it
  // and posting its card); past SETTING_UP_MS it is taken as one to finish, like a paused one.
  const unfinished =
    existing?.state === 'active' && existing.cardTs === null && now().getTime() - existing.createdAt.getTime() > SETTING_UP_MS;
  if (existing?.state === 'active' && !unfinished) return { kind: 'already', subscription: existing };

  const fetched = await deps.jobs.getDataJob(request.jobId);
  if (!fetched.ok) return { kind: 'fetch_failed', failure: fetched.failure };
  const reading = readForSubscribing(deps, request.jobId, fetched, now());
  if (reading.state.card.ended) {
    // Nothing left to watch; a paused or unfinished subscription to it goes.
    if (existing) await deps.subscriptions.removeSubscription(existing.id);
    return { kind: 'job_ended', jobName: reading.state.card.name, status: reading.state.card.status };
  }
  if (existing) return takeUp(deps, request, existing, reading, unfinished);

  const added = await deps.subscriptions.addSubscription({
    ...{ channelId: request.channelId, jobId: request.jobId, filter: request.filter },
    ...{ createdBy: request.userId, createdAt: reading.fetchedAt },
  });
  if (!added.created) return { kind: 'already', subscription: added.subscription };
  const posted = await postLivingCard(deps, added.subscription, reading, false);
  if (posted.kind !== 'delivered') {
    await deps.subscriptions.removeSubscription(added.subscription.id);
    return { kind: 'cannot_post', refusal: posted };
  }
  audit(deps.logger, { action: 'subscribe', ...request }, 'done');
  return { kind: 'subscribed', subscription: { ...added.subscription, cardTs: posted.ref }, jobName: reading.state.card.name };
}

function readForSubscribing(deps: SubscriptionDeps, jobId: string, fetched: { job: DataJob; bodyHash: string }, at: Date): Reading {
  const reading = readJob(fetched.job);
  const baseline = planJob({
    ...{ jobId, previous: null, observation: { kind: 'seen', reading, bodyHash: fetched.bodyHash } },
    ...{ listeners: [], settings: deps.settings, now: at, version: '0' },
  }).watch;
  return { state: { card: reading.card, fetchedAt: at.toISOString() }, fetchedAt: at, baseline };
}

/**
 * Posts the living card and records the baseline. A subscription cut off while being set up may have
 * posted its card already (`lookFirst`): it is looked for first, and brought up to date where it is.
 */
async function postLivingCard(deps: SubscriptionDeps, subscription: Subscription, reading: Reading, lookFirst: boolean) {
  const { channelId } = subscription;
  const card = {
    state: reading.state,
    subscription: { subscriptionId: subscription.id, filter: subscription.filter, subscribedBy: subscription.createdBy },
  };
  const found = lookFirst ? await deps.notifier.findCard(channelId, subscription.id, subscription.createdAt) : null;
  const posted =
    found?.kind === 'found' ? await deps.notifier.updateCard(channelId, found.ref, card) : await deps.notifier.postCard(channelId, card);
  if (posted.kind === 'delivered') {
    await deps.subscriptions.setCardTs(subscription.id, posted.ref);
    await deps.watches.initWatch(subscription.jobId, reading.baseline);
  }
  return posted;
}

/** A paused subscription taken up again, or one cut off while being set up finished. */
async function takeUp(
  deps: SubscriptionDeps,
  request: SubscribeRequest,
  existing: Subscription,
  reading: Reading,
  unfinished: boolean,
): Promise<SubscribeResult> {
  let cardTs = existing.cardTs;
  if (existing.stateReason === PAUSED_BY_PERSON && cardTs) {
    // A person paused it: the card is where it was, so it is brought up to date in place, and what
    // happened meanwhile is told in its thread by the next pass (a baseline only if there was none).
    await deps.watches.initWatch(request.jobId, reading.baseline);
  } else {
    // The channel refused it: the old card may be gone with the channel's trouble; a fresh one is certain.
    const posted = await postLivingCard(deps, existing, reading, unfinished);
    if (posted.kind !== 'delivered') return { kind: 'cannot_post', refusal: posted };
    cardTs = posted.ref;
  }
  // Queued as the pending card, replacing any older one that would overwrite it.
  await deps.outbox.enqueue([{ subscriptionId: existing.id, key: 'card', item: { kind: 'card', state: reading.state } }]);
  if (existing.state === 'paused') {
    await deps.subscriptions.resumeSubscription(existing.id);
    audit(deps.logger, { action: 'resume', ...request }, 'done');
    if (cardTs) await deps.notifier.postNote(request.channelId, cardTs, { kind: 'resumed', by: request.userId });
  }
  return { kind: 'resumed', subscription: { ...existing, state: 'active', cardTs }, jobName: reading.state.card.name };
}

export type ResumeResult = SubscribeResult | { kind: 'not_subscribed' };

/** `/datajob resume <id>`: a paused subscription takes up its updates again, with the filter it had. */
export async function resume(deps: SubscriptionDeps, request: { channelId: string; userId: string; jobId: string }): Promise<ResumeResult> {
  const existing = await deps.subscriptions.findSubscription(request.channelId, request.jobId);
  if (!existing) return { kind: 'not_subscribed' };
  if (existing.state === 'active') return { kind: 'already', subscription: existing };
  return subscribe(deps, { ...request, filter: existing.filter });
}

export type UnsubscribeResult = { kind: 'unsubscribed'; subscription: Subscription } | { kind: 'not_subscribed' };

/**
 * Any allowed member of the channel may unsubscribe it, but never silently: the card's thread says
 * who did, and the card, no longer updated, says who stopped it and when.
 */
export async function unsubscribe(
  deps: SubscriptionDeps,
  request: { channelId: string; userId: string; jobId: string },
): Promise<UnsubscribeResult> {
  const now = deps.now ?? (() => new Date());
  const subscription = await deps.subscriptions.findSubscription(request.channelId, request.jobId);
  if (!subscription) return { kind: 'not_subscribed' };
  await deps.subscriptions.removeSubscription(subscription.id);
  if ((await deps.subscriptions.subscriptionsForJob(request.jobId)).length === 0) await deps.watches.deleteWatch(request.jobId);
  audit(deps.logger, { action: 'unsubscribe', ...request }, 'done');
  // Best effort: the subscription is gone either way.
  await haltCard(deps, subscription, { why: 'unsubscribed', by: request.userId, at: now().toISOString() });
  return { kind: 'unsubscribed', subscription };
}

export type PauseResult =
  | { kind: 'paused'; subscription: Subscription }
  | { kind: 'already_paused'; subscription: Subscription }
  | { kind: 'not_subscribed' };

/** A person holds a channel's updates: nothing is lost (what happens meanwhile waits), and the thread says who. */
export async function pause(deps: SubscriptionDeps, request: { channelId: string; userId: string; jobId: string }): Promise<PauseResult> {
  const now = deps.now ?? (() => new Date());
  const subscription = await deps.subscriptions.findSubscription(request.channelId, request.jobId);
  if (!subscription) return { kind: 'not_subscribed' };
  const at = now();
  if (!(await deps.subscriptions.pauseSubscription(subscription.id, PAUSED_BY_PERSON, { userId: request.userId, at }))) {
    return { kind: 'already_paused', subscription };
  }
  audit(deps.logger, { action: 'pause', ...request }, 'done');
  await haltCard(deps, subscription, { why: 'paused', by: request.userId, at: at.toISOString() });
  return {
    kind: 'paused',
    subscription: { ...subscription, state: 'paused', stateReason: PAUSED_BY_PERSON, stateBy: request.userId, stateAt: at },
  };
}

/** Marks the living card as no longer updated (who, when) and says so in its thread. */
async function haltCard(deps: SubscriptionDeps, subscription: Subscription, halted: NonNullable<LivingCard['halted']>): Promise<void> {
  if (!subscription.cardTs) return;
  const fetched = await deps.jobs.getDataJob(subscription.jobId);
  if (fetched.ok) {
    await deps.notifier.updateCard(subscription.channelId, subscription.cardTs, {
      state: { card: readJob(fetched.job).card, fetchedAt: halted.at },
      subscription: { subscriptionId: subscription.id, filter: subscription.filter, subscribedBy: subscription.createdBy },
      halted,
    });
  }
  await deps.notifier.postNote(subscription.channelId, subscription.cardTs, { kind: halted.why, by: halted.by });
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
