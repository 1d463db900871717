import type { NewSubscription, Subscription } from '../../domain/subscription.js';

/** Where subscriptions are kept. */

export interface SubscriptionStore {
  /** Creates an active subscription, or returns the existing active/paused one for (channel, job) with created=false. An ended one is replaced. */
  addSubscription(input: NewSubscription): Promise<{ subscription: Subscription; created: boolean }>;
  getSubscription(id: number): Promise<Subscription | null>;
  /** The active or paused subscription of a channel to a job. */
  findSubscription(channelId: string, jobId: string): Promise<Subscription | null>;
  /** A channel's active and paused subscriptions, oldest first. */
  listSubscriptions(channelId: string): Promise<Subscription[]>;
  /** Active channel subscriptions to a job (not its owner's), oldest first: who hears a poll. */
  subscriptionsForJob(jobId: string): Promise<Subscription[]>;
  /** `subscriptionsForJob` for many jobs in one read (a job with none is absent). */
  subscriptionsForJobs(jobIds: readonly string[]): Promise<Map<string, Subscription[]>>;
  /** Active and paused subscriptions a team feed made. */
  subscriptionsOfFeed(feedId: number): Promise<Subscription[]>;
  /**
   * The subscriptions a person created, in every channel and every state (the App Home): paused
   * first (they wait for someone), then active, then ended, newest first within each; one page of
   * them, and how many there are in all.
   */
  subscriptionsCreatedBy(
    userId: string,
    page: { limit: number; offset: number },
  ): Promise<{ subscriptions: Subscription[]; total: number }>;
  setCardTs(subscriptionId: number, ts: string): Promise<void>;
  /** Deletes the subscription and its pending deliveries. */
  removeSubscription(subscriptionId: number): Promise<void>;
  /**
   * Pauses an active subscription, at `by.at` or else now; true when this call paused it (so its
   * creator is told once).
   */
  pauseSubscription(subscriptionId: number, reason: string, by?: { userId: string; at: Date }): Promise<boolean>;
  /** Makes a paused subscription active again. */
  resumeSubscription(subscriptionId: number): Promise<void>;
  recordDeliveryResult(subscriptionId: number, result: string, at: Date): Promise<void>;
  /**
   * recordDeliveryResult for many at once (one round trip): when a subscription appears more than
   * once, the last entry wins. Subscriptions that are gone are skipped.
   */
  recordDeliveryResults(results: readonly DeliveryResult[]): Promise<void>;
}

export interface DeliveryResult {
  subscriptionId: number;
  /** 'ok' or the failed delivery's detail. */
  result: string;
  at: Date;
}
