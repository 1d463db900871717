import type { SubscriptionStore } from './ports/subscriptions.js';
import type { WatchStore } from './ports/watches.js';
import type { ChannelSubscription } from './subscriptions.js';

/**
 * The App Home's list: one page of the subscriptions a person created, in every channel and state,
 * each with what the bot last saw of its job (from its own memory: opening the Home costs SeekrFlow
 * nothing).
 */
export async function subscriptionsCreatedBy(
  deps: { subscriptions: Pick<SubscriptionStore, 'subscriptionsCreatedBy'>; watches: Pick<WatchStore, 'getWatch'> },
  userId: string,
  page: { limit: number; offset: number },
): Promise<{ items: ChannelSubscription[]; total: number }> {
  const { subscriptions, total } = await deps.subscriptions.subscriptionsCreatedBy(userId, page);
  const items = await Promise.all(
    subscriptions.map(async (subscription) => ({ subscription, watch: await deps.watches.getWatch(subscription.jobId) })),
  );
  return { items, total };
}
