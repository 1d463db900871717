/** Retention: forgetting what is over. */

/** A subscription paused because its channel is gone, forgotten by the purge. */
export interface ExpiredPause {
  id: number;
  channelId: string;
  jobId: string;
  /** Its pause reason (pauseReason.destination). */
  reason: string;
}

export interface PurgeResult {
  /** Ended subscriptions removed. */
  subscriptions: number;
  /** Paused subscriptions whose channel is gone, removed. */
  pausedExpired: ExpiredPause[];
  watches: number;
  /** Deliveries still pending for the subscriptions removed, removed with them. */
  deliveries: number;
  /** Jobs discovery had seen, forgotten. */
  discoveredJobs: number;
  /** Claims of actions taken from Slack, forgotten (a card that old offers nothing a claim must guard). */
  actionClaims: number;
}

/** Rows of each kind one purgeExpired call removes at most, unless it is given another limit. */
export const PURGE_LIMIT = 10_000;

export interface RetentionStore {
  /**
   * Forgets, in one transaction, what has been over since before `cutoff` (now - the retention):
   *  - ended subscriptions whose `stateAt` is before it, with any deliveries still pending for them;
   *  - paused subscriptions whose channel is gone (isDestinationGone) and whose `stateAt` is before
   *    it, with their deliveries (returned, so that each can be logged);
   *  - watches of jobs no active or paused subscription follows, last written before it;
   *  - jobs discovery saw first, and SeekrFlow created, before it, that no active or paused
   *    subscription follows (a job whose creation time cannot be read stays), oldest first; the
   *    discovery horizon moves up to the newest of them, never back;
   *  - claims of actions taken from Slack before it.
   * At most `limit` (default PURGE_LIMIT) of each of those five kinds per call, so that a first purge
   * of a large backlog never holds its locks for long: a call that removed `limit` of any kind may
   * have left more, and the caller calls again. Rows busy elsewhere at that moment (a delivery being
   * claimed, a pass writing the watch) may be left for a later call.
   */
  purgeExpired(cutoff: Date, limit?: number): Promise<PurgeResult>;
}
