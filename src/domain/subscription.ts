import type { SubscriptionFilter } from './events.js';

/** A subscription: a channel (or a job's owner) following one job, and the words its state is kept in. */

export type SubscriptionState = 'active' | 'paused' | 'ended';

/** The pause reason of a subscription a person paused (rather than a channel that refused it). */
export const PAUSED_BY_PERSON = 'paused_by_person';

/** The prefix of pauseReason.destination, for a store that must select such reasons itself. */
export const DESTINATION_GONE_PREFIX = 'destination:';

/**
 * Why a subscription is paused, as the core stores it: in neutral words rather than a platform's
 * error codes, so that rules can read it back (the retention purge forgets, after RETENTION_DAYS,
 * only subscriptions whose channel is gone; a person's pause, or a missing scope, waits for a person).
 */
export const pauseReason = {
  /** The channel cannot take messages: `destination:not_found`, `destination:archived`, … */
  destination: (why: DestinationProblem): string => `${DESTINATION_GONE_PREFIX}${why}`,
  /** The bot lacks a permission it needs: `scope:chat:write`. */
  scope: (scope: string | undefined): string => `scope:${scope ?? 'unknown'}`,
  byPerson: PAUSED_BY_PERSON,
} as const;

/** The reason says the channel is gone (see pauseReason.destination). */
export const isDestinationGone = (reason: string | null | undefined): boolean => reason?.startsWith(DESTINATION_GONE_PREFIX) === true;

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
  /** Why it is paused (see pauseReason) or ended (the job's final status). */
  stateReason: string | null;
  /** Who paused it, when a person did. */
  stateBy: string | null;
  /**
   * When it was paused (by a person: the time they gave) or ended; null while active. The retention
   * purge counts from it. Subscriptions paused or ended before schema version 3 count from the upgrade.
   */
  stateAt: Date | null;
  /** 'ok' or the last failed delivery's detail, and when. */
  lastDelivery: string | null;
  lastDeliveryAt: Date | null;
  /**
   * `channel`: a channel follows the job (a living card and its thread). `owner`: the job's owner
   * is told directly (`channelId` is then the person's user id); such a subscription never keeps a
   * job polled on its own, and has no card.
   */
  kind: SubscriptionKind;
  /** The team feed that made it, if one did. */
  feedId: number | null;
  /** A `failures` feed's subscription: its card is posted only once the job first needs a person. */
  waitsForNeed: boolean;
}

export type SubscriptionKind = 'channel' | 'owner';

export interface NewSubscription {
  channelId: string;
  jobId: string;
  filter: SubscriptionFilter;
  createdBy: string;
  createdAt: Date;
  kind?: SubscriptionKind;
  feedId?: number | null;
  waitsForNeed?: boolean;
}

/**
 * Why a destination cannot take messages, in the notifier's terms rather than a platform's codes.
 * `shared`: the channel has since been shared with another organisation, where job data may not go
 * (unless ALLOW_SHARED_CHANNELS); `refused`: the person is no longer one the access policy allows.
 */
export type DestinationProblem = 'not_found' | 'archived' | 'not_a_member' | 'restricted' | 'shared' | 'refused';
