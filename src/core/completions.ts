import type { Outbox } from './ports/outbox.js';
import type { SubscriptionStore } from './ports/subscriptions.js';

/** What a delivery run asks of the outbox. */
export type DeliveryOutbox = Pick<
  Outbox,
  'claimDeliveries' | 'renewClaim' | 'completeDelivery' | 'completeDeliveries' | 'retryDelivery' | 'releaseDeliveries'
>;

/** What a delivery run asks of the subscriptions. */
export type DeliverySubscriptions = Pick<
  SubscriptionStore,
  'getSubscription' | 'setCardTs' | 'pauseSubscription' | 'recordDeliveryResult' | 'recordDeliveryResults'
>;

/**
 * Completions and results are written in batches, not one round trip each (one by one, a large
 * run's round trips cost more than its sends). A crash before a flush costs nothing but a look: a reply
 * sent and not yet recorded is found in its thread before it would be sent again.
 */
export class Completions {
  readonly #done: number[] = [];
  #oldest = 0;
  readonly #results: { subscriptionId: number; result: string; at: Date }[] = [];
  readonly outbox: DeliveryOutbox;
  readonly subscriptions: DeliverySubscriptions;

  constructor(
    private readonly store: DeliveryOutbox,
    private readonly subscriptionStore: DeliverySubscriptions,
  ) {
    this.outbox = {
      claimDeliveries: (...args) => store.claimDeliveries(...args),
      renewClaim: (...args) => store.renewClaim(...args),
      retryDelivery: (...args) => store.retryDelivery(...args),
      releaseDeliveries: (ids) => store.releaseDeliveries(ids),
      completeDeliveries: (ids) => store.completeDeliveries(ids),
      completeDelivery: async (id) => {
        if (this.#done.length === 0) this.#oldest = Date.now();
        this.#done.push(id);
        // In batches, but never holding a completion long: after a crash, each one not written costs a look in Slack.
        if (this.#done.length >= 100 || Date.now() - this.#oldest >= 1_000) await this.flush();
      },
    };
    this.subscriptions = {
      getSubscription: (id) => subscriptionStore.getSubscription(id),
      setCardTs: (id, ts) => subscriptionStore.setCardTs(id, ts),
      pauseSubscription: (...args) => subscriptionStore.pauseSubscription(...args),
      recordDeliveryResults: (results) => subscriptionStore.recordDeliveryResults(results),
      recordDeliveryResult: async (subscriptionId, result, at) => {
        this.#results.push({ subscriptionId, result, at });
      },
    };
  }

  /** Writes what is buffered. On failure it stays buffered for the next flush: a sent message is never forgotten as sent. */
  async flush(): Promise<void> {
    const done = this.#done.splice(0);
    const results = this.#results.splice(0);
    try {
      if (done.length > 0) await this.store.completeDeliveries(done);
    } catch (error) {
      this.#done.unshift(...done);
      this.#results.unshift(...results);
      throw error;
    }
    try {
      if (results.length > 0) await this.subscriptionStore.recordDeliveryResults(results);
    } catch (error) {
      this.#results.unshift(...results);
      throw error;
    }
  }
}
