import { pauseReason, type Subscription } from '../domain/subscription.js';
import { mapWithConcurrency } from '../util/concurrency.js';
import { Completions, type DeliveryOutbox, type DeliverySubscriptions } from './completions.js';
import type { CredentialState } from './credentials.js';
import type { DigestStore } from './ports/digest.js';
import type { Log } from './ports/log.js';
import type { AudienceCheck, LivingCard, Notice, Notifier, SendOutcome, ThreadKeys } from './ports/notifier.js';
import type { Delivery } from './ports/outbox.js';
import { applyQuiet, foldedIds, type QuietCache } from './quiet.js';

/**
 * Sends what the outbox holds, in order per subscription, each delivery claimed before it is sent
 * and removed only once the notifier has it. What became of a message decides what happens next:
 * - retry (a rate limit, a timeout, an outage): wait as long as the platform said, else back off,
 *   keeping the order; a message that may have gone out is looked for before it is sent again;
 * - the destination is refused (the channel is gone, archived, the bot removed) or a permission is
 *   missing: pause that subscription and tell its creator once;
 * - the bot's own credentials are refused: the whole bot waits (`CredentialState`), nothing is
 *   paused and nothing lost, and delivery resumes when the token is accepted again;
 * - the living card is gone: post a fresh one and remember it;
 * - the content is refused: it never will be taken, so it is dropped (and logged: our bug).
 *
 * Replies never wait behind cards: replies and card updates are two lanes, each at its own gate, and
 * a lane claims cards only as many as the platform's pacing lets out soon. The other cards wait in
 * the outbox, where each newer state replaces the older, so a card that changed three times while
 * waiting is sent once.
 */

export interface DeliverDeps {
  outbox: DeliveryOutbox;
  /** Shared with the rest of the bot: while the token is refused nothing is sent. */
  credentials?: CredentialState;
  /**
   * Kept from one run to the next by a long-lived caller, so that completions a run could not write
   * (the database was away) are written by the next one instead of waiting for their claims to expire.
   */
  completions?: Completions;
  subscriptions: DeliverySubscriptions;
  notifier: Notifier;
  /**
   * Asked once per subscription and run, before anything is sent: whether its messages may still go
   * where it sends them (see AudienceCheck). Without it, they always may.
   */
  audience?: (subscription: Subscription) => Promise<AudienceCheck>;
  /** Unique per process: claims carry it, so a dead process's claims expire instead of blocking. */
  owner: string;
  logger: Log;
  now?: () => Date;
  leaseMs?: number;
  batchSize?: number;
  /** Subscriptions served at once (different channels). */
  concurrency?: number;
  /** Backoff for transient errors: base * 2^(attempts), capped. */
  backoff?: { baseMs: number; maxMs: number };
  /** After this many attempts a delivery is given up (logged): a message hours late is noise. */
  maxAttempts?: number;
  /** Which lanes this run serves (both by default): a runner runs each on its own (`DeliveryRunner`). */
  kinds?: readonly DeliveryKind[];
  /** Ends the run early (the process stops): what is claimed and not yet sent is released. */
  signal?: AbortSignal;
  /** Channels' quiet hours: routine replies wait for their end (see quiet.ts). Without it, nothing waits. */
  quiet?: Pick<DigestStore, 'quietHours' | 'holdDeliveries'>;
}

export type DeliveryKind = 'reply' | 'card';
const DELIVERY_KINDS: readonly DeliveryKind[] = ['reply', 'card'];

export interface DeliverReport {
  sent: number;
  retried: number;
  paused: number;
  dropped: number;
}

/** How long a claim on a delivery holds: one claimed by a process that died waits this long for another. */
export const DELIVERY_LEASE_MS = 60_000;

/**
 * Concurrency is high on purpose: a sender mostly waits for its channel's turn at the pacer, and
 * channels are paced apart, so many channels in flight is what keeps every one of them busy.
 */
const DEFAULTS = {
  leaseMs: DELIVERY_LEASE_MS,
  batchSize: 200,
  concurrency: 32,
  backoff: { baseMs: 2_000, maxMs: 300_000 },
  maxAttempts: 12,
};
/** Cards claimed in a round: those the pacing lets out within this time. */
const CARD_HORIZON_MS = 2_000;

/** Marks a delivery whose last attempt may have reached its destination (no answer, a server error). */
const MAYBE_DELIVERED = 'maybe_delivered:';

export async function deliverPending(input: DeliverDeps): Promise<DeliverReport> {
  const o = { ...DEFAULTS, ...input };
  const now = input.now ?? (() => new Date());
  const report: DeliverReport = { sent: 0, retried: 0, paused: 0, dropped: 0 };
  const halted = () => input.credentials?.refused != null || input.signal?.aborted === true;
  const batch = input.completions ?? new Completions(input.outbox, input.subscriptions);
  // What an earlier run could not write (the database was away) is written first.
  await batch.flush();
  const deps: RunDeps = { ...input, outbox: batch.outbox, subscriptions: batch.subscriptions, threads: new Map(), quietCache: new Map() };
  const send = (deliveries: Delivery[]) =>
    mapWithConcurrency(groupBySubscription(deliveries), o.concurrency, (group) => deliverGroup(group, deps, o, now, report));
  /**
   * Replies and cards are two lanes that never wait for each other (they wait at different gates):
   * a round of replies held at a busy channel's gate does not hold the cards back, nor cards the
   * replies. Cards are claimed only as many as can go out soon; the others stay where a newer
   * state can still replace them.
   */
  const lane = async (kind: DeliveryKind) => {
    // Bounded: deliveries that keep becoming due (fast retries) wait for the next call, not spin here.
    for (let round = 0; round < 1_000 && !halted(); round++) {
      const limit = kind === 'card' ? Math.min(o.batchSize, deps.notifier.cardSlots(CARD_HORIZON_MS)) : o.batchSize;
      const claimed = limit > 0 ? await deps.outbox.claimDeliveries(deps.owner, now(), o.leaseMs, limit, kind) : [];
      if (claimed.length === 0) break;
      await send(claimed);
      // Completed rows still hold their claims: record them before the next claim looks behind them.
      await batch.flush();
    }
  };
  try {
    const lanes = await Promise.allSettled((input.kinds ?? DELIVERY_KINDS).map(lane));
    const failed = lanes.find((l) => l.status === 'rejected');
    if (failed) throw failed.reason;
  } finally {
    await batch.flush();
  }
  return report;
}

/** What one delivery run shares among its senders. */
interface RunDeps extends DeliverDeps {
  /** Each thread's delivery keys, read once per run when a reply's fate is in doubt. */
  threads: Map<string, Promise<ThreadKeys>>;
  quietCache: QuietCache;
}

function groupBySubscription(deliveries: Delivery[]): Delivery[][] {
  const bySubscription = new Map<number, Delivery[]>();
  for (const d of deliveries) {
    const list = bySubscription.get(d.subscriptionId);
    if (list) list.push(d);
    else bySubscription.set(d.subscriptionId, [d]);
  }
  return [...bySubscription.values()];
}

type Options = typeof DEFAULTS;
/**
 * `lost`: the claim ran out meanwhile and another process has the delivery: not ours to send.
 * `halt`: the bot's credentials are refused: nothing more goes out until they are accepted again.
 */
type Result = 'sent' | 'retry' | 'paused' | 'dropped' | 'lost' | 'halt';

async function deliverGroup(claimed: Delivery[], deps: RunDeps, o: Options, now: () => Date, report: DeliverReport): Promise<void> {
  const subscription = await deps.subscriptions.getSubscription(claimed[0]?.subscriptionId ?? -1);
  if (!subscription) {
    for (const d of claimed) await deps.outbox.completeDelivery(d.id); // its subscription was removed
    return;
  }
  const group = deps.quiet ? await applyQuiet(claimed, subscription, { quiet: deps.quiet }, deps.quietCache, now()) : claimed;
  await deliverOwnGroup(subscription, group, deps, o, now, report);
}

async function deliverOwnGroup(
  subscription: Subscription,
  group: Delivery[],
  deps: RunDeps,
  o: Options,
  now: () => Date,
  report: DeliverReport,
): Promise<void> {
  const first = group[0];
  if (!first) return;
  try {
    const barred = await audienceOutcome(subscription, deps);
    if (barred) {
      // Nothing of the group goes: the first settles as refused (a pause) or unchecked (a retry), the rest keep their order.
      const result = await settleClaimed(subscription, first, barred, deps, o, now);
      if (result === 'retry') report.retried += 1;
      else if (result === 'paused' || result === 'dropped') report[result] += 1;
      await deps.outbox.releaseDeliveries([...foldedIds(first), ...idsOf(group.slice(1))]);
      return;
    }
  } catch (error) {
    // A storage error: leave the claims to expire; the deliveries are retried then.
    deps.logger.error({ err: error, subscriptionId: subscription.id }, 'delivery failed unexpectedly');
    return;
  }
  for (let i = 0; i < group.length; i++) {
    const delivery = group[i] as Delivery;
    if (deps.signal?.aborted) {
      // The process stops: a card backlog paced over minutes must not hold it; the rest waits in the outbox.
      await deps.outbox.releaseDeliveries(idsOf(group.slice(i)));
      return;
    }
    let result: Result;
    try {
      result = await deliverOne(subscription, delivery, deps, o, now);
    } catch (error) {
      // A storage error mid-send: leave the claim to expire; the delivery is retried then.
      deps.logger.error({ err: error, deliveryId: delivery.id }, 'delivery failed unexpectedly');
      return;
    }
    if (result === 'lost') return;
    if (result === 'halt') {
      await deps.outbox.releaseDeliveries(idsOf(group.slice(i)));
      return;
    }
    await settleFolded(delivery, result, deps);
    report[result === 'retry' ? 'retried' : result] += 1;
    if (result === 'retry' || result === 'paused') {
      // Keep the order: nothing after a delivery that did not go out may go out before it.
      await deps.outbox.releaseDeliveries(idsOf(group.slice(i + 1)));
      return;
    }
  }
}

/** The ids of these deliveries, and of the held replies folded into them. */
const idsOf = (deliveries: readonly Delivery[]): number[] => deliveries.flatMap((d) => [d.id, ...foldedIds(d)]);

/** The held replies a folded one stood for: settled with it (sent or dropped), or released to wait with it. */
async function settleFolded(delivery: Delivery, result: Result, deps: RunDeps): Promise<void> {
  const ids = foldedIds(delivery);
  if (ids.length === 0) return;
  if (result === 'sent' || result === 'dropped') for (const id of ids) await deps.outbox.completeDelivery(id);
  else await deps.outbox.releaseDeliveries(ids);
}

/**
 * What the audience check means for sending: nothing (it may go), the destination refused (a channel
 * shared since, a person no longer allowed), or a retry (it could not be checked: never send on a guess).
 */
async function audienceOutcome(subscription: Subscription, deps: RunDeps): Promise<SendOutcome | null> {
  if (!deps.audience) return null;
  const check = await deps.audience(subscription);
  switch (check.kind) {
    case 'allowed':
      return null;
    case 'refused':
      return { kind: 'destination_gone', why: check.why, detail: check.detail };
    case 'unknown':
      return { kind: 'retry', afterMs: null, rateLimited: false, maybeDelivered: false, detail: check.detail };
  }
}

/** Settles a delivery that was not sent, under a claim renewed first (or 'lost' when it is no longer ours). */
async function settleClaimed(
  subscription: Subscription,
  delivery: Delivery,
  outcome: SendOutcome,
  deps: RunDeps,
  o: Options,
  now: () => Date,
): Promise<Result> {
  if (!(await deps.outbox.renewClaim(delivery.id, deps.owner, new Date(now().getTime() + o.leaseMs)))) return 'lost';
  return settle(subscription, delivery, outcome, deps, o, now());
}

async function deliverOne(subscription: Subscription, delivery: Delivery, deps: RunDeps, o: Options, now: () => Date): Promise<Result> {
  const { outbox, logger } = deps;
  // Earlier deliveries of this batch may have taken long enough for the claim to run out and
  // another process to take this one: renew it right before sending, or leave it to them.
  if (!(await outbox.renewClaim(delivery.id, deps.owner, new Date(now().getTime() + o.leaseMs)))) {
    logger.warn({ deliveryId: delivery.id }, 'delivery claim lost before sending');
    return 'lost';
  }
  const outcome = isCard(delivery) ? await sendCard(subscription, delivery, deps) : await sendReply(subscription, delivery, deps);
  if (outcome === 'already_sent') {
    await outbox.completeDelivery(delivery.id);
    return 'sent';
  }
  return settle(subscription, delivery, outcome, deps, o, now());
}

const isCard = (d: Delivery) => d.item.kind === 'card';

function livingCard(subscription: Subscription, delivery: Delivery): LivingCard {
  const { item } = delivery;
  if (item.kind !== 'card') throw new Error(`delivery ${delivery.id} is not a card`);
  return {
    state: item.state,
    subscription: { subscriptionId: subscription.id, filter: subscription.filter, subscribedBy: subscription.createdBy },
  };
}

/**
 * Updates the living card in place; when there is none, or it is gone, posts a fresh one and keeps it.
 * A card that may already be in the channel (a send cut off before its ref was stored, or a
 * subscribe cut off after posting) is looked for first, and updated where it is.
 */
async function sendCard(subscription: Subscription, delivery: Delivery, deps: DeliverDeps): Promise<SendOutcome> {
  const card = livingCard(subscription, delivery);
  const channel = subscription.channelId;
  if (!subscription.cardTs && cardMayBeThere(subscription, delivery)) {
    const found = await deps.notifier.findCard(channel, subscription.id, subscription.createdAt);
    deps.logger.info(
      { subscriptionId: subscription.id, found: found.kind, ...(found.kind === 'unknown' ? { detail: found.detail } : {}) },
      'looked for a living card that may have been posted',
    );
    if (found.kind === 'found') {
      await deps.subscriptions.setCardTs(subscription.id, found.ref);
      subscription.cardTs = found.ref;
    } else if (found.kind === 'unknown' && !found.final) {
      // Slack could not say just now: ask again later rather than post a second card on a guess.
      // Marked as maybe delivered, so that the next attempt looks again too.
      return { kind: 'retry', afterMs: null, rateLimited: false, maybeDelivered: true, detail: `card_search_failed:${found.detail}` };
    }
  }
  const updated = subscription.cardTs ? await deps.notifier.updateCard(channel, subscription.cardTs, card) : null;
  if (updated && updated.kind !== 'message_gone') return updated;
  if (updated) deps.logger.info({ subscriptionId: subscription.id, detail: updated.detail }, 'living card gone; posting a fresh one');
  const posted = await deps.notifier.postCard(channel, card);
  if (posted.kind === 'delivered') {
    await deps.subscriptions.setCardTs(subscription.id, posted.ref);
    subscription.cardTs = posted.ref;
  }
  return posted;
}

/**
 * Whether a card without a stored ref may be in the channel all the same: its last send may have
 * reached Slack, or it is a direct subscription's, which `/datajob subscribe` posts itself (a card
 * delivery for one means subscribing was cut off). A feed's first card has never been sent.
 */
function cardMayBeThere(subscription: Subscription, delivery: Delivery): boolean {
  return delivery.reclaimed || (delivery.lastError?.startsWith(MAYBE_DELIVERED) ?? false) || subscription.feedId === null;
}

async function sendReply(subscription: Subscription, delivery: Delivery, deps: RunDeps): Promise<SendOutcome | 'already_sent'> {
  const { item } = delivery;
  if (item.kind !== 'reply') throw new Error(`delivery ${delivery.id} is not a reply`);
  const { reply } = item;
  const deliveryKey = `${subscription.id}:${delivery.key}`;
  // An owner is told in their direct messages, not under a card.
  if (subscription.kind === 'owner') return deps.notifier.postReply(subscription.channelId, null, reply, deliveryKey);
  if (!subscription.cardTs) {
    // A card that never made it to the channel: the outbox held its replies a while (see
    // REPLIES_WAIT_FOR_CARD_MS), and they go now, in the channel itself, rather than never.
    deps.logger.warn(
      { subscriptionId: subscription.id, deliveryKey },
      'reply sent without its card’s thread: the card is not in the channel',
    );
    return deps.notifier.postReply(subscription.channelId, null, reply, deliveryKey);
  }
  const uncertain = delivery.reclaimed || (delivery.lastError?.startsWith(MAYBE_DELIVERED) ?? false);
  if (uncertain && subscription.cardTs && (await alreadyInThread(deps, subscription.channelId, subscription.cardTs, deliveryKey))) {
    return 'already_sent';
  }
  return deps.notifier.postReply(subscription.channelId, subscription.cardTs, reply, deliveryKey);
}

async function settle(
  subscription: Subscription,
  delivery: Delivery,
  outcome: SendOutcome,
  deps: DeliverDeps,
  o: Options,
  at: Date,
): Promise<Result> {
  const { outbox, subscriptions, logger } = deps;
  const context = { subscriptionId: subscription.id, deliveryId: delivery.id };
  if (outcome.kind === 'delivered') {
    await outbox.completeDelivery(delivery.id);
    await subscriptions.recordDeliveryResult(subscription.id, 'ok', at);
    return 'sent';
  }
  await subscriptions.recordDeliveryResult(subscription.id, outcome.detail, at);
  switch (outcome.kind) {
    case 'credentials_refused':
      if (outcome.why !== 'missing_scope') {
        // Not this channel's problem: the whole bot waits, and this delivery keeps its place.
        if (deps.credentials?.refuse(outcome.why, outcome.detail, at)) {
          logger.error({ ...context, why: outcome.why, detail: outcome.detail }, 'Slack refuses our token: deliveries wait');
        }
        return 'halt';
      }
      logger.error(
        { ...context, scope: outcome.scope ?? 'unknown' },
        'Slack says the bot lacks a permission: add this scope to the app and reinstall',
      );
      return pause(
        subscription,
        delivery,
        pauseReason.scope(outcome.scope),
        { why: 'missing_scope', detail: outcome.detail, ...(outcome.scope ? { scope: outcome.scope } : {}) },
        deps,
        at,
      );
    case 'destination_gone':
      return pause(subscription, delivery, pauseReason.destination(outcome.why), outcome, deps, at);
    case 'rejected':
    case 'message_gone':
      logger.error({ ...context, detail: outcome.detail, attempts: delivery.attempts + 1 }, 'delivery dropped');
      await outbox.completeDelivery(delivery.id);
      return 'dropped';
    case 'retry': {
      // Rate limits are the platform pacing us, not a failure: they never make a delivery give up.
      if (!outcome.rateLimited && delivery.attempts + 1 >= o.maxAttempts) {
        logger.error({ ...context, detail: outcome.detail, attempts: delivery.attempts + 1 }, 'delivery dropped');
        await outbox.completeDelivery(delivery.id);
        return 'dropped';
      }
      const delay = outcome.afterMs ?? Math.min(o.backoff.maxMs, o.backoff.baseMs * 2 ** delivery.attempts);
      logger.warn({ ...context, detail: outcome.detail, retryInMs: delay }, 'delivery will be retried');
      await outbox.retryDelivery(
        delivery.id,
        new Date(at.getTime() + delay),
        `${outcome.maybeDelivered ? MAYBE_DELIVERED : ''}${outcome.detail}`,
      );
      return 'retry';
    }
  }
}

/** This subscription's channel will not take messages (or the bot lacks a permission for it): pause it, once. */
async function pause(
  subscription: Subscription,
  delivery: Delivery,
  reason: string,
  problem: Pick<Notice, 'why' | 'detail' | 'scope'>,
  deps: DeliverDeps,
  at: Date,
): Promise<Result> {
  const { outbox, subscriptions, logger } = deps;
  const context = { subscriptionId: subscription.id, deliveryId: delivery.id };
  if (subscription.state !== 'active') {
    // An ended subscription has nothing left to pause, and this channel will not take its last words.
    logger.warn({ ...context, detail: problem.detail }, 'delivery dropped: the channel refuses it');
    await outbox.completeDelivery(delivery.id);
    return 'dropped';
  }
  // Kept pending (a paused subscription's deliveries are not handed out) for when it resumes.
  await outbox.retryDelivery(delivery.id, at, problem.detail);
  if (!(await subscriptions.pauseSubscription(subscription.id, reason))) return 'paused';
  if (subscription.kind === 'owner') {
    // An owner's direct messages refused (or the owner no longer allowed): there is no one else to tell.
    logger.warn({ ...context, user: subscription.channelId, reason, detail: problem.detail }, "owner's notices paused");
  } else {
    logger.warn({ ...context, channel: subscription.channelId, reason, detail: problem.detail }, 'subscription paused');
    const told = await deps.notifier.tell(subscription.createdBy, {
      kind: 'subscription_paused',
      channelId: subscription.channelId,
      jobId: subscription.jobId,
      why: problem.why,
      detail: problem.detail,
      ...(problem.scope ? { scope: problem.scope } : {}),
    });
    if (told.kind !== 'delivered') logger.warn({ ...context, detail: told.kind }, 'could not tell the subscriber about the pause');
  }
  return 'paused';
}

/**
 * A reply that may already have gone out (its sender died, or the answer was lost): the thread
 * tells, because each reply carries its delivery key. When the thread cannot be read, the reply is
 * sent again: a rare duplicate is better than a lost failure notice.
 */
async function alreadyInThread(deps: RunDeps, channel: string, threadTs: string, deliveryKey: string): Promise<boolean> {
  // One read per thread and run: after a crash, a channel's doubts are usually several replies of one thread.
  const thread = `${channel}\u0000${threadTs}`;
  let keys = deps.threads.get(thread);
  if (!keys) {
    keys = deps.notifier.repliesInThread(channel, threadTs);
    deps.threads.set(thread, keys);
  }
  const found = await keys;
  if (found.known) {
    deps.logger.info({ channel, deliveryKey, found: found.keys.has(deliveryKey) }, 'checked a reclaimed delivery');
    return found.keys.has(deliveryKey);
  }
  deps.logger.warn({ channel, deliveryKey, detail: found.detail }, 'cannot check a reclaimed delivery; sending it again');
  return false;
}
