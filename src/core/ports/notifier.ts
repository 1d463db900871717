import type { SubscriptionFilter } from '../../domain/events.js';
import type { CardState, ThreadReply } from '../../domain/messages.js';
import type { DestinationProblem } from '../../domain/subscription.js';

/** Telling people: the notifier (Slack today), in its own terms rather than a platform's error codes. */

/**
 * Whether a subscription's messages may still go where it sends them, asked at delivery. `refused`:
 * never there (`shared`: the channel was shared with another organisation; `refused`: the person told
 * directly is no longer one the policy allows). `unknown`: it could not be checked now: wait and ask again.
 */
export type AudienceCheck =
  | { kind: 'allowed' }
  | { kind: 'refused'; why: Extract<DestinationProblem, 'shared' | 'refused'>; detail: string }
  | { kind: 'unknown'; detail: string };

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
  /** The subscription the card lives for: the posted card carries it, so it can be found again. */
  subscriptionId: number;
  filter: SubscriptionFilter;
  subscribedBy: string;
}

/** A living card looked for in its channel: found (its ref), not there, or the platform would not say. */
export type CardSearch =
  | { kind: 'found'; ref: string }
  | { kind: 'none' }
  /**
   * The platform would not say: just now (`final` false: ask again later), or never (`final`: the bot
   * may not read that channel's history, and a card is posted rather than none).
   */
  | { kind: 'unknown'; detail: string; final: boolean };

/** A card as the channel's living card: its state and the subscription it lives for. */
export interface LivingCard {
  state: CardState;
  subscription: LivingCardContext;
  /** The card no longer follows the job, because a person unsubscribed the channel or paused it: who, and when (ISO). */
  halted?: { why: 'unsubscribed' | 'paused'; by: string; at: string };
}

/** The delivery keys of the replies a thread holds, or why the platform would not say. */
export type ThreadKeys = { known: true; keys: ReadonlySet<string> } | { known: false; detail: string };

/** What the bot says in a card's thread about the subscription itself, rather than the job: who changed it. */
export type SubscriptionNote = { kind: 'unsubscribed' | 'paused' | 'resumed'; by: string };

/** Something to tell one person directly. */
export type Notice = {
  kind: 'subscription_paused';
  channelId: string;
  jobId: string;
  why: DestinationProblem | CredentialProblem;
  detail: string;
  /** The permission the bot lacks, when that is why. */
  scope?: string;
};

export interface Notifier {
  /** Posts a new living card in a channel; `ref` is what later updates and replies address. */
  postCard(channelId: string, card: LivingCard): Promise<SendOutcome>;
  /**
   * The living card a subscription already has in the channel, posted since `since`: after a crash
   * between posting a card and storing its ref, it is found rather than posted twice.
   */
  findCard(channelId: string, subscriptionId: number, since: Date): Promise<CardSearch>;
  updateCard(channelId: string, ref: string, card: LivingCard): Promise<SendOutcome>;
  /** A reply in the card's thread (`threadRef`), marked with `deliveryKey` so that it can be found again. */
  postReply(channelId: string, threadRef: string | null, reply: ThreadReply, deliveryKey: string): Promise<SendOutcome>;
  postNote(channelId: string, threadRef: string, note: SubscriptionNote): Promise<SendOutcome>;
  /** The delivery keys of every reply the thread already holds (one read for all of a thread's doubts). */
  repliesInThread(channelId: string, threadRef: string): Promise<ThreadKeys>;
  /** A direct message to a person. */
  tell(userId: string, notice: Notice): Promise<SendOutcome>;
  /**
   * How many card updates the platform's pacing lets out within `withinMs`. Cards beyond it stay in
   * the outbox, where a newer state replaces an older one: a busy card is sent once, at its latest.
   */
  cardSlots(withinMs: number): number;
  /** Whether the platform accepts the bot's credentials now (a cheap probe). */
  checkCredentials(): Promise<{ ok: true } | { ok: false; why: CredentialProblem; detail: string }>;
}
