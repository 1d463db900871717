import type { Logger } from '../logger.js';
import type { Delivery, Store, Subscription } from '../storage/store.js';
import { mapWithConcurrency } from '../util/concurrency.js';
import { CARD_GONE_ERRORS, type ChannelPoster, PAUSING_ERRORS, REJECTED_PAYLOAD_ERRORS, type SendResult } from './channel-poster.js';

/**
 * Sends what the outbox holds, in order per subscription, each delivery claimed before it is sent
 * and removed only once Slack has it. What Slack says decides what happens next:
 * - 429: wait exactly Retry-After before that channel's next message, and re-send nothing that
 *   Slack may have taken (a 429 means it did not);
 * - a transient failure: back off and try again later, keeping the order;
 * - a permanent one (channel gone, archived, bot removed, token revoked): pause the subscription and
 *   tell its creator once, by DM;
 * - the living card was deleted: post a fresh one and remember its ts.
 */

export interface DeliverDeps {
  store: Store;
  poster: ChannelPoster;
  /** Unique per process: claims carry it, so a dead process's claims expire instead of blocking. */
  owner: string;
  logger: Logger;
  now?: () => Date;
  leaseMs?: number;
  batchSize?: number;
  /** Subscriptions served at once (different channels). */
  concurrency?: number;
  /** Backoff for transient errors: base * 2^(attempts), capped. */
  backoff?: { baseMs: number; maxMs: number };
  /** After this many attempts a delivery is given up (logged): a message hours late is noise. */
  maxAttempts?: number;
}

export interface DeliverReport {
  sent: number;
  retried: number;
  paused: number;
  dropped: number;
}

const DEFAULTS = { leaseMs: 60_000, batchSize: 200, concurrency: 4, backoff: { baseMs: 2_000, maxMs: 300_000 }, maxAttempts: 12 };

export async function deliverPending(deps: DeliverDeps): Promise<DeliverReport> {
  const o = { ...DEFAULTS, ...deps };
  const now = deps.now ?? (() => new Date());
  const report: DeliverReport = { sent: 0, retried: 0, paused: 0, dropped: 0 };
  // Bounded: deliveries that keep becoming due (fast retries) wait for the next call, not spin here.
  for (let round = 0; round < 50; round++) {
    const claimed = await deps.store.claimDeliveries(deps.owner, now(), o.leaseMs, o.batchSize);
    if (claimed.length === 0) break;
    const bySubscription = new Map<number, Delivery[]>();
    for (const d of claimed) {
      const list = bySubscription.get(d.subscriptionId);
      if (list) list.push(d);
      else bySubscription.set(d.subscriptionId, [d]);
    }
    await mapWithConcurrency([...bySubscription.values()], o.concurrency, (group) => deliverGroup(group, deps, o, now, report));
  }
  return report;
}

type Options = typeof DEFAULTS;
/** `lost`: the claim ran out meanwhile and another process has the delivery: not ours to send. */
type Outcome = 'sent' | 'retry' | 'paused' | 'dropped' | 'lost';

/** Failures after which Slack may nonetheless have posted the message (no answer, or a 5xx). */
const maybePosted = (error: string | null) =>
  error !== null &&
  (error === 'request_failed' || error === 'unexpected_error' || error === 'no_ts_returned' || /^http_5\d\d$/.test(error));

async function deliverGroup(group: Delivery[], deps: DeliverDeps, o: Options, now: () => Date, report: DeliverReport): Promise<void> {
  const first = group[0];
  if (!first) return;
  const subscription = await deps.store.getSubscription(first.subscriptionId);
  if (!subscription) {
    for (const d of group) await deps.store.completeDelivery(d.id); // its subscription was removed
    return;
  }
  for (let i = 0; i < group.length; i++) {
    const delivery = group[i] as Delivery;
    let outcome: Outcome;
    try {
      outcome = await deliverOne(subscription, delivery, deps, o, now);
    } catch (error) {
      // A storage error mid-send: leave the claim to expire; the delivery is retried then.
      deps.logger.error({ err: error, deliveryId: delivery.id }, 'delivery failed unexpectedly');
      return;
    }
    if (outcome === 'lost') return;
    report[outcome === 'retry' ? 'retried' : outcome] += 1;
    if (outcome === 'retry' || outcome === 'paused') {
      // Keep the order: nothing after a delivery that did not go out may go out before it.
      await deps.store.releaseDeliveries(group.slice(i + 1).map((d) => d.id));
      return;
    }
  }
}

async function deliverOne(
  subscription: Subscription,
  delivery: Delivery,
  deps: DeliverDeps,
  o: Options,
  now: () => Date,
): Promise<Outcome> {
  const { store, poster, logger } = deps;
  // Earlier deliveries of this batch may have taken long enough for the claim to run out and
  // another process to take this one: renew it right before sending, or leave it to them.
  if (!(await store.renewClaim(delivery.id, deps.owner, new Date(now().getTime() + o.leaseMs)))) {
    logger.warn({ deliveryId: delivery.id }, 'delivery claim lost before sending');
    return 'lost';
  }
  const channel = subscription.channelId;
  const payload = { text: delivery.payload.text, blocks: delivery.payload.blocks };
  let result: SendResult;

  if (delivery.kind === 'card') {
    // Update the living card in place; when there is none, or Slack lost it, post a fresh one.
    result = subscription.cardTs ? await poster.update(channel, subscription.cardTs, payload) : { ok: false, error: 'message_not_found' };
    if (!result.ok && CARD_GONE_ERRORS.has(result.error)) {
      if (subscription.cardTs)
        logger.info({ subscriptionId: subscription.id, error: result.error }, 'living card gone; posting a fresh one');
      result = await poster.post(channel, payload);
      if (result.ok) {
        await store.setCardTs(subscription.id, result.ts);
        subscription.cardTs = result.ts;
      }
    }
  } else {
    const deliveryKey = `${subscription.id}:${delivery.key}`;
    const uncertain = delivery.reclaimed || maybePosted(delivery.lastError);
    if (uncertain && subscription.cardTs && (await alreadyInThread(deps, channel, subscription.cardTs, deliveryKey))) {
      await store.completeDelivery(delivery.id);
      return 'sent';
    }
    result = await poster.post(channel, {
      ...payload,
      deliveryKey,
      ...(subscription.cardTs ? { threadTs: subscription.cardTs, broadcast: delivery.payload.broadcast ?? false } : {}),
    });
  }

  const at = now();
  if (result.ok) {
    await store.completeDelivery(delivery.id);
    await store.recordDeliveryResult(subscription.id, 'ok', at);
    return 'sent';
  }

  const error = result.error;
  await store.recordDeliveryResult(subscription.id, error, at);
  if (PAUSING_ERRORS.has(error)) {
    if (subscription.state !== 'active') {
      // An ended subscription has nothing left to pause, and this channel will not take its last words.
      logger.warn({ subscriptionId: subscription.id, deliveryId: delivery.id, error }, 'delivery dropped: the channel refuses it');
      await store.completeDelivery(delivery.id);
      return 'dropped';
    }
    // Kept pending (a paused subscription's deliveries are not handed out) for when it resumes.
    await store.retryDelivery(delivery.id, at, error);
    if (await store.pauseSubscription(subscription.id, error)) {
      logger.warn({ subscriptionId: subscription.id, channel, error }, 'subscription paused');
      const told = await poster.dm(subscription.createdBy, pausedNotice(subscription, error));
      if (!told.ok) logger.warn({ subscriptionId: subscription.id, error: told.error }, 'could not tell the subscriber about the pause');
    }
    return 'paused';
  }
  // Rate limits are Slack pacing us, not a failure: they never make a delivery give up.
  if (REJECTED_PAYLOAD_ERRORS.has(error) || (error !== 'ratelimited' && delivery.attempts + 1 >= o.maxAttempts)) {
    logger.error(
      { subscriptionId: subscription.id, deliveryId: delivery.id, kind: delivery.kind, error, attempts: delivery.attempts + 1 },
      'delivery dropped',
    );
    await store.completeDelivery(delivery.id);
    return 'dropped';
  }
  const delay = result.retryAfterMs ?? Math.min(o.backoff.maxMs, o.backoff.baseMs * 2 ** delivery.attempts);
  logger.warn({ subscriptionId: subscription.id, deliveryId: delivery.id, error, retryInMs: delay }, 'delivery will be retried');
  await store.retryDelivery(delivery.id, new Date(at.getTime() + delay), error);
  return 'retry';
}

/**
 * A reclaimed reply was being sent by a process that died: Slack may or may not have it. The
 * thread tells (each reply carries its delivery key as message metadata). When the thread cannot
 * be read, the reply is sent again: a rare duplicate is better than a lost failure notice.
 */
async function alreadyInThread(deps: DeliverDeps, channel: string, threadTs: string, deliveryKey: string): Promise<boolean> {
  const found = await deps.poster.findInThread(channel, threadTs, deliveryKey);
  if (found.ok) {
    deps.logger.info({ channel, deliveryKey, found: found.found }, 'checked a reclaimed delivery');
    return found.found;
  }
  deps.logger.warn({ channel, deliveryKey, error: found.error }, 'cannot check a reclaimed delivery; sending it again');
  return false;
}

const REASONS: Record<string, string> = {
  channel_not_found: 'the channel is gone or the bot was removed from it',
  is_archived: 'the channel was archived',
  not_in_channel: 'the bot is not in the channel',
  account_inactive: 'the bot’s Slack account was deactivated',
  token_revoked: 'the bot’s Slack token was revoked',
  invalid_auth: 'Slack no longer accepts the bot’s token',
  missing_scope: 'the bot lacks a permission it needs',
};

export function pausedNotice(subscription: Subscription, error: string): { text: string } {
  const why = REASONS[error] ?? `Slack answered \`${error}\``;
  return {
    text:
      `:pause_button: Your subscription of <#${subscription.channelId}> to data job \`${subscription.jobId}\` is paused: ${why}. ` +
      `Nothing more will be posted there until it is fixed. Invite the bot with \`/invite\` (or unarchive the channel), then run ` +
      `\`/datajob subscribe ${subscription.jobId}\` in the channel to resume.`,
  };
}
