import type { OutboxItem } from '../../domain/messages.js';

/** The outbox: what is to be said, stored before it is said, and claimed by the one who says it. */

export interface NewDelivery {
  subscriptionId: number;
  /**
   * Unique per subscription while pending. Cards always use the key 'card': enqueuing a card while
   * one is pending replaces its state (only the newest card matters), keeping its place.
   */
  key: string;
  item: OutboxItem;
}

export interface Delivery extends NewDelivery {
  id: number;
  /**
   * It was claimed before and its claim ran out without an outcome: the claimer died, maybe after
   * the message went out. The sender checks before sending again.
   */
  reclaimed: boolean;
  attempts: number;
  notBefore: Date;
  createdAt: Date;
  lastError: string | null;
  /** Held for quiet hours until then (past, once claimed): it goes folded with the others held. */
  heldUntil?: Date | null;
}

/**
 * How long a reply waits, from when it was stored, for its subscription's card to be in the channel
 * (to thread under it: a feed's card queued alongside, a card being looked for after a crash). Past
 * it the reply is claimed and goes without the card's thread; meanwhile it is not claimed at all.
 */
export const REPLIES_WAIT_FOR_CARD_MS = 10 * 60_000;

export interface Outbox {
  enqueue(deliveries: NewDelivery[]): Promise<void>;
  /**
   * Claims up to `limit` due deliveries for `owner` until now + leaseMs, of one kind or both. For
   * each subscription that is not paused: its replies from the oldest on, stopping at the first
   * one that is not due or is claimed by someone else (replies tell a story: their order holds),
   * and its pending card when due and unclaimed (a card is a state: it never waits for a reply, nor
   * a reply for it). A channel subscription's reply is not claimed while its card is not in the
   * channel, until REPLIES_WAIT_FOR_CARD_MS after it was stored. Returned in enqueue order.
   */
  claimDeliveries(owner: string, now: Date, leaseMs: number, limit: number, kind?: 'card' | 'reply'): Promise<Delivery[]>;
  /**
   * Extends `owner`'s claim on a delivery to `until`, just before sending it. False when the claim
   * is no longer `owner`'s (it ran out and another process took the delivery): do not send it.
   */
  renewClaim(id: number, owner: string, until: Date): Promise<boolean>;
  /** Sent: removes it. */
  completeDelivery(id: number): Promise<void>;
  /**
   * completeDelivery for many at once, with exactly its meaning per id (a card replaced while in
   * flight stays pending, released), in one round trip: completing one by one costs a round trip
   * each. Ids of deliveries already gone are ignored.
   */
  completeDeliveries(ids: readonly number[]): Promise<void>;
  /** Not sent: releases the claim, counts the attempt, and makes it due again at `notBefore`. */
  retryDelivery(id: number, notBefore: Date, error: string): Promise<void>;
  /** Releases claims without counting an attempt (e.g. later deliveries behind one that must wait). */
  releaseDeliveries(ids: number[]): Promise<void>;
  pendingDeliveries(subscriptionId?: number): Promise<number>;
}
