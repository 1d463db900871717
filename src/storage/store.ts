import type { SubscriptionFilter } from '../domain/events.js';
import type { JobWatch } from '../domain/snapshot.js';

/**
 * The storage port: everything the bot keeps between restarts. One interface, several engines
 * (SQLite embedded, PostgreSQL for replicas), one contract suite (test/storage/store-contract.ts)
 * that every engine passes.
 *
 * Once-only delivery rests on three promises an engine must keep:
 *  1. `commitPass` writes a job's new watch state and the deliveries it produced in ONE transaction,
 *     and only if the watch is still at the version the pass read (a concurrent pass loses).
 *  2. a delivery is claimed (with a lease) before it is sent and deleted when sent; an expired
 *     claim (the claimer died) makes it claimable again, so nothing is lost.
 *  3. deliveries of one subscription are handed out in the order they were enqueued, and a
 *     subscription's later deliveries wait while an earlier one is claimed or not yet due.
 */

export type SubscriptionState = 'active' | 'paused' | 'ended';

export interface Subscription {
  id: number;
  channelId: string;
  jobId: string;
  filter: SubscriptionFilter;
  createdBy: string;
  createdAt: Date;
  /** The living card's message ts; null until it has been posted. */
  cardTs: string | null;
  state: SubscriptionState;
  /** Why it is paused (a Slack error code) or ended (the job's final status, or 'unsubscribed'). */
  stateReason: string | null;
  /** 'ok' or the last Slack error code, and when. */
  lastDelivery: string | null;
  lastDeliveryAt: Date | null;
}

export interface NewSubscription {
  channelId: string;
  jobId: string;
  filter: SubscriptionFilter;
  createdBy: string;
  createdAt: Date;
}

/** A message to send for a subscription. The payload is what Slack gets (text, blocks). */
export interface DeliveryPayload {
  text: string;
  blocks?: unknown[];
  /** Replies only: also show the reply in the channel. */
  broadcast?: boolean;
}

export type DeliveryKind = 'card' | 'reply';

export interface NewDelivery {
  subscriptionId: number;
  /**
   * Unique per subscription while pending. Kind 'card' always uses the key 'card': enqueuing a
   * card while one is pending replaces its payload (only the newest card matters), keeping its place.
   */
  key: string;
  kind: DeliveryKind;
  payload: DeliveryPayload;
}

export interface Delivery extends NewDelivery {
  id: number;
  /**
   * It was claimed before and its claim ran out without an outcome: the claimer died, maybe after
   * Slack took the message. The sender checks before sending again.
   */
  reclaimed: boolean;
  attempts: number;
  notBefore: Date;
  createdAt: Date;
  lastError: string | null;
}

export interface StoredWatch {
  watch: JobWatch;
  /** Optimistic-concurrency version: bumped on every write. */
  version: number;
}

export interface PassCommit {
  /** The version read before the pass (null when there was no watch yet). */
  expectedVersion: number | null;
  watch: JobWatch;
  deliveries: NewDelivery[];
  /** The job ended: end these subscriptions (no more polling), with this reason. */
  endSubscriptions?: { ids: number[]; reason: string };
}

export interface Store {
  readonly engine: 'sqlite' | 'postgres';
  close(): Promise<void>;

  // Subscriptions
  /** Creates an active subscription, or returns the existing active/paused one for (channel, job) with created=false. An ended one is replaced. */
  addSubscription(input: NewSubscription): Promise<{ subscription: Subscription; created: boolean }>;
  getSubscription(id: number): Promise<Subscription | null>;
  /** The active or paused subscription of a channel to a job. */
  findSubscription(channelId: string, jobId: string): Promise<Subscription | null>;
  /** A channel's active and paused subscriptions, oldest first. */
  listSubscriptions(channelId: string): Promise<Subscription[]>;
  /** Active subscriptions to a job, oldest first. */
  subscriptionsForJob(jobId: string): Promise<Subscription[]>;
  /** Distinct job ids that have at least one active subscription. */
  watchedJobIds(): Promise<string[]>;
  setCardTs(subscriptionId: number, ts: string): Promise<void>;
  /** Deletes the subscription and its pending deliveries. */
  removeSubscription(subscriptionId: number): Promise<void>;
  /** Pauses an active subscription; true when this call paused it (so its creator is told once). */
  pauseSubscription(subscriptionId: number, reason: string): Promise<boolean>;
  /** Makes a paused subscription active again. */
  resumeSubscription(subscriptionId: number): Promise<void>;
  recordDeliveryResult(subscriptionId: number, result: string, at: Date): Promise<void>;

  // Job watch state
  getWatch(jobId: string): Promise<StoredWatch | null>;
  /** Records a baseline when there is none yet (subscribing); keeps an existing one. */
  initWatch(jobId: string, watch: JobWatch): Promise<void>;
  /** Atomic (see the header). Returns false, writing nothing, when the version moved. */
  commitPass(jobId: string, commit: PassCommit): Promise<boolean>;
  /** Forget a job no subscription watches any more. */
  deleteWatch(jobId: string): Promise<void>;

  // Outbox
  enqueue(deliveries: NewDelivery[]): Promise<void>;
  /**
   * Claims up to `limit` due deliveries for `owner` until now + leaseMs: for each subscription that
   * is not paused, its due deliveries from the oldest on, stopping at the first one that is not due
   * or is claimed by someone else. Returned in enqueue order.
   */
  claimDeliveries(owner: string, now: Date, leaseMs: number, limit: number): Promise<Delivery[]>;
  /**
   * Extends `owner`'s claim on a delivery to `until`, just before sending it. False when the claim
   * is no longer `owner`'s (it ran out and another process took the delivery): do not send it.
   */
  renewClaim(id: number, owner: string, until: Date): Promise<boolean>;
  /** Sent: removes it. */
  completeDelivery(id: number): Promise<void>;
  /** Not sent: releases the claim, counts the attempt, and makes it due again at `notBefore`. */
  retryDelivery(id: number, notBefore: Date, error: string): Promise<void>;
  /** Releases claims without counting an attempt (e.g. later deliveries behind one that must wait). */
  releaseDeliveries(ids: number[]): Promise<void>;
  pendingDeliveries(subscriptionId?: number): Promise<number>;

  // Coordination between replicas
  /** Takes or renews the named lease for `owner` for ttlMs; false while another owner holds it. */
  tryLease(name: string, owner: string, ttlMs: number, now: Date): Promise<boolean>;
  releaseLease(name: string, owner: string): Promise<void>;
}
