import type { DataJob } from '../domain/data-job.js';
import type { JobEvent, SubscriptionFilter } from '../domain/events.js';
import type { JobCard } from '../domain/job-card.js';
import type { JobWatch } from '../domain/snapshot.js';

/**
 * The interfaces the core works through, and that the adapters implement: SeekrFlow (`JobSource`),
 * the stores (one per concern, so each consumer takes only what it uses), and the notifier (Slack
 * today). Nothing here knows a URL, a SQL statement or a Slack error code.
 */

// ---------------------------------------------------------------------------------------------
// Logging
// ---------------------------------------------------------------------------------------------

/** What the core and the adapters need of a logger; pino's fits, so does a test's. */
export interface Log {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

// ---------------------------------------------------------------------------------------------
// SeekrFlow
// ---------------------------------------------------------------------------------------------

export type FetchFailureKind =
  | 'invalid_id'
  | 'not_found'
  | 'unauthorized'
  | 'forbidden'
  | 'invalid_request'
  | 'rate_limited'
  | 'unavailable'
  | 'invalid_response'
  | 'too_large';

export interface FetchFailure {
  kind: FetchFailureKind;
  /** One sentence a Slack user can act on. Safe for mrkdwn only after escaping (it may quote the API). */
  message: string;
  /** For logs: the status, the API's own words, the field that did not fit. Never a secret. */
  detail: string;
  /** SeekrFlow's request id (the `cf-ray` header) when the response had one. */
  requestId: string | null;
  status: number | null;
  attempts: number;
}

export type FetchResult = { ok: true; job: DataJob; requestId: string | null; attempts: number } | { ok: false; failure: FetchFailure };

/** Where jobs come from. Never throws for anything SeekrFlow or the network does. */
export interface JobSource {
  getDataJob(id: string): Promise<FetchResult>;
}

// ---------------------------------------------------------------------------------------------
// Subscriptions
// ---------------------------------------------------------------------------------------------

export type SubscriptionState = 'active' | 'paused' | 'ended';

export interface Subscription {
  id: number;
  channelId: string;
  jobId: string;
  filter: SubscriptionFilter;
  createdBy: string;
  createdAt: Date;
  /** The living card's message reference (Slack's ts); null until it has been posted. */
  cardTs: string | null;
  state: SubscriptionState;
  /** Why it is paused (the notifier's detail) or ended (the job's final status, or 'unsubscribed'). */
  stateReason: string | null;
  /** 'ok' or the last failed delivery's detail, and when. */
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

export interface SubscriptionStore {
  /** Creates an active subscription, or returns the existing active/paused one for (channel, job) with created=false. An ended one is replaced. */
  addSubscription(input: NewSubscription): Promise<{ subscription: Subscription; created: boolean }>;
  getSubscription(id: number): Promise<Subscription | null>;
  /** The active or paused subscription of a channel to a job. */
  findSubscription(channelId: string, jobId: string): Promise<Subscription | null>;
  /** A channel's active and paused subscriptions, oldest first. */
  listSubscriptions(channelId: string): Promise<Subscription[]>;
  /** Active subscriptions to a job, oldest first. */
  subscriptionsForJob(jobId: string): Promise<Subscription[]>;
  setCardTs(subscriptionId: number, ts: string): Promise<void>;
  /** Deletes the subscription and its pending deliveries. */
  removeSubscription(subscriptionId: number): Promise<void>;
  /** Pauses an active subscription; true when this call paused it (so its creator is told once). */
  pauseSubscription(subscriptionId: number, reason: string): Promise<boolean>;
  /** Makes a paused subscription active again. */
  resumeSubscription(subscriptionId: number): Promise<void>;
  recordDeliveryResult(subscriptionId: number, result: string, at: Date): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// The outbox: what is to be said, stored before it is said
// ---------------------------------------------------------------------------------------------

/** A living card's state: what it shows and when that was read. Rendered by the notifier when sent. */
export interface CardState {
  card: JobCard;
  /** ISO time the job was read. */
  fetchedAt: string;
}

/** One event told in a card's thread. */
export interface ThreadReply {
  event: JobEvent;
  job: { id: string; name: string };
  /** Unique per event: renderers derive their own ids from it. */
  eventId: string;
  /** Needs a person: also shown in the channel, not only the thread. */
  loud: boolean;
}

/**
 * What the outbox holds for a subscription. `legacy` is content written by a build before the
 * outbox was neutral: the notifier that wrote it sends it as it is.
 */
export type OutboxItem =
  | { kind: 'card'; state: CardState }
  | { kind: 'reply'; reply: ThreadReply }
  | { kind: 'legacy'; as: 'card' | 'reply'; content: unknown };

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
}

export interface Outbox {
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
}

// ---------------------------------------------------------------------------------------------
// What the bot remembers of each watched job
// ---------------------------------------------------------------------------------------------

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

export interface WatchStore {
  /** Distinct job ids that have at least one active subscription. */
  watchedJobIds(): Promise<string[]>;
  getWatch(jobId: string): Promise<StoredWatch | null>;
  /** Records a baseline when there is none yet (subscribing); keeps an existing one. */
  initWatch(jobId: string, watch: JobWatch): Promise<void>;
  /**
   * Writes a job's new watch, the deliveries it produced and the subscriptions it ended in ONE
   * transaction, and only if the watch is still at `expectedVersion`. Returns false, writing
   * nothing, when the version moved (a concurrent pass won).
   */
  commitPass(jobId: string, commit: PassCommit): Promise<boolean>;
  /** Forget a job no subscription watches any more. */
  deleteWatch(jobId: string): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Coordination between replicas
// ---------------------------------------------------------------------------------------------

export interface LeaseStore {
  /** Takes or renews the named lease for `owner` for ttlMs; false while another owner holds it. */
  tryLease(name: string, owner: string, ttlMs: number, now: Date): Promise<boolean>;
  releaseLease(name: string, owner: string): Promise<void>;
}

/** One engine implements every store; `main.ts` hands each consumer the part it uses. */
export interface Store extends SubscriptionStore, Outbox, WatchStore, LeaseStore {
  readonly engine: 'sqlite' | 'postgres';
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Telling people: the notifier
// ---------------------------------------------------------------------------------------------

/** Why a destination cannot take messages, in the notifier's terms rather than a platform's codes. */
export type DestinationProblem = 'not_found' | 'archived' | 'not_a_member' | 'restricted';

/** Why the platform refuses the bot's own credentials. */
export type CredentialProblem = 'revoked' | 'inactive' | 'invalid' | 'missing_scope';

/** What became of one message. `detail` is the platform's own word for it, for logs and `list`. */
export type SendOutcome =
  | { kind: 'delivered'; ref: string }
  /** Not sent, or not known to be: try again after `afterMs` (the platform said when) or a backoff. */
  | { kind: 'retry'; afterMs: number | null; rateLimited: boolean; maybeDelivered: boolean; detail: string }
  /** The message to update is gone (deleted, too old to edit): post a fresh one. */
  | { kind: 'message_gone'; detail: string }
  | { kind: 'destination_gone'; why: DestinationProblem; detail: string }
  | { kind: 'credentials_refused'; why: CredentialProblem; detail: string; scope?: string }
  /** The platform refuses this content: sending the same again cannot help. */
  | { kind: 'rejected'; detail: string };

export interface LivingCardContext {
  filter: SubscriptionFilter;
  subscribedBy: string;
}

/** A card as the channel's living card: its state and the subscription it lives for. */
export interface LivingCard {
  state: CardState;
  subscription: LivingCardContext;
  /** The card stops being updated because the channel unsubscribed. */
  unsubscribed?: boolean;
}

export type FoundReply = { known: true; found: boolean } | { known: false; detail: string };

/** What the bot says in a card's thread about the subscription itself, rather than the job. */
export type SubscriptionNote = { kind: 'unsubscribed'; by: string };

/** Something to tell one person directly. */
export type Notice = {
  kind: 'subscription_paused';
  channelId: string;
  jobId: string;
  why: DestinationProblem | CredentialProblem;
  detail: string;
};

export interface Notifier {
  /** Posts a new living card in a channel; `ref` is what later updates and replies address. */
  postCard(channelId: string, card: LivingCard | LegacyContent): Promise<SendOutcome>;
  updateCard(channelId: string, ref: string, card: LivingCard | LegacyContent): Promise<SendOutcome>;
  /** A reply in the card's thread (`threadRef`), marked with `deliveryKey` so that it can be found again. */
  postReply(channelId: string, threadRef: string | null, reply: ThreadReply | LegacyContent, deliveryKey: string): Promise<SendOutcome>;
  postNote(channelId: string, threadRef: string, note: SubscriptionNote): Promise<SendOutcome>;
  /** Whether the thread already holds the reply marked `deliveryKey`. */
  findReply(channelId: string, threadRef: string, deliveryKey: string): Promise<FoundReply>;
  /** A direct message to a person. */
  tell(userId: string, notice: Notice): Promise<SendOutcome>;
}

/** Content an older build stored already rendered; only the notifier that wrote it can read it. */
export interface LegacyContent {
  legacy: unknown;
}
