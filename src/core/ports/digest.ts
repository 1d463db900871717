import type { DigestContent } from '../../domain/digest.js';
import type { DigestDays } from '../../domain/local-time.js';
import type { Subscription } from '../../domain/subscription.js';
import type { SendOutcome } from './notifier.js';
import type { Delivery } from './outbox.js';

/**
 * A channel's digest and quiet hours: what it chose, the digest planned and stored before it is sent
 * (like every other message), and the replies held during quiet hours.
 */

export interface DigestSchedule {
  days: DigestDays;
  /** Local time, minutes since midnight. */
  minutes: number;
  /** IANA name. */
  tz: string;
  /** A day with nothing to say sends nothing (rather than one short line). */
  skipEmpty: boolean;
  setBy: string;
}

export interface QuietSetting {
  start: number;
  end: number;
  tz: string;
  /** Even what needs a person waits. */
  all: boolean;
  setBy: string;
}

export interface ChannelSettings {
  channelId: string;
  digest: DigestSchedule | null;
  /** When the next digest is due; null without a digest. */
  digestDueAt: Date | null;
  /** When the last digest was planned: the next tells what happened since. */
  lastDigestAt: Date | null;
  quiet: QuietSetting | null;
}

export interface StoredDigest {
  id: number;
  channelId: string;
  localDate: string;
  content: DigestContent;
  attempts: number;
  /** Claimed before, and the claim ran out with no outcome: it may have been posted. */
  reclaimed: boolean;
  createdAt: Date;
}

export interface PlannedDigest {
  channelId: string;
  /** The due time read: the plan counts only while the channel still has it (another replica may have planned it). */
  dueAt: Date;
  nextDueAt: Date;
  localDate: string;
  content: DigestContent;
  /** Nothing to say and the channel asked for silence then: stored as sent, never posted. */
  silent: boolean;
  now: Date;
}

export interface DigestStore {
  channelSettings(channelId: string): Promise<ChannelSettings | null>;
  /** Sets (or with null, removes) the digest and when it is next due. */
  setDigest(channelId: string, digest: DigestSchedule | null, dueAt: Date | null, at: Date): Promise<void>;
  /** Sets (or with null, removes) quiet hours; replies held for the channel's old hours are due again from `at`. */
  setQuiet(channelId: string, quiet: QuietSetting | null, at: Date): Promise<void>;
  /** The quiet hours of these channels (a channel without any is absent). */
  quietHours(channelIds: readonly string[]): Promise<Map<string, QuietSetting>>;
  /** Channels whose digest is due at `now`, the longest due first. */
  dueDigests(now: Date, limit: number): Promise<ChannelSettings[]>;
  /**
   * In one transaction: stores the digest unless the channel has one for that local date, and moves
   * the channel's due time from `dueAt` to `nextDueAt` (only while it is still `dueAt`). True when
   * this call stored it: two replicas, or a restart, cannot store a day's digest twice.
   */
  planDigest(plan: PlannedDigest): Promise<boolean>;
  /** Claims unsent digests for `owner` until now + leaseMs. */
  claimDigests(owner: string, now: Date, leaseMs: number, limit: number): Promise<StoredDigest[]>;
  /** Sent: kept (its modal pages through it) with the message's ref. */
  completeDigest(id: number, ref: string | null, at: Date): Promise<void>;
  retryDigest(id: number, notBefore: Date, error: string): Promise<void>;
  getDigest(id: number): Promise<StoredDigest | null>;
  /** The channel's subscriptions a digest tells of: active and paused ones, and those ended since `since`. */
  digestSubscriptions(channelId: string, since: Date | null): Promise<Subscription[]>;
  /** Holds replies until `until` (quiet hours): they are not claimed, and do not hold back those behind them. */
  holdDeliveries(ids: readonly number[], until: Date): Promise<void>;
}

/** What the notifier does with a digest. */
export interface DigestNotifier {
  postDigest(channelId: string, digest: StoredDigest): Promise<SendOutcome>;
  /** Whether the digest is already in its channel (null: the platform would not say). */
  digestInChannel(channelId: string, digest: StoredDigest): Promise<boolean | null>;
}

/** A delivery that was held during quiet hours (its hold has ended when it is claimed). */
export const wasHeld = (d: Delivery): boolean => d.heldUntil != null;
