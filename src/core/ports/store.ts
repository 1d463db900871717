import type { ActionClaimStore } from './actions.js';
import type { DigestStore } from './digest.js';
import type { FeedStore } from './feeds.js';
import type { LeaseStore } from './leases.js';
import type { Outbox } from './outbox.js';
import type { OwnerEmailStore, OwnerStore } from './owners.js';
import type { RetentionStore } from './retention.js';
import type { StatsStore } from './stats.js';
import type { SubscriptionStore } from './subscriptions.js';
import type { WatchStore } from './watches.js';

/** One engine implements every store; the composition root hands each consumer the part it uses. */

export interface Store
  extends SubscriptionStore,
    Outbox,
    WatchStore,
    LeaseStore,
    RetentionStore,
    StatsStore,
    FeedStore,
    OwnerStore,
    OwnerEmailStore,
    ActionClaimStore,
    DigestStore {
  readonly engine: 'sqlite' | 'postgres';
  close(): Promise<void>;
}
