import type { SubscriptionState } from '../../domain/subscription.js';

/** What an operator watches, read at each metrics scrape. */

/** What an operator watches: read at each metrics scrape. */
export interface StatsStore {
  /**
   * The outbox as an operator judges it: deliveries waiting to go out, and since when the oldest has
   * waited (on this process's clock). Deliveries of paused subscriptions wait for a person on purpose,
   * and replies held for a channel's quiet hours wait for the morning: they are `held`, counted apart,
   * never stale.
   */
  outboxStats(): Promise<{ pending: number; oldestCreatedAt: Date | null; held: number }>;
  subscriptionCounts(): Promise<Record<SubscriptionState, number>>;
}
