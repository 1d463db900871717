import type { JobWatch } from '../../domain/snapshot.js';
import type { NewDelivery } from './outbox.js';

/** What the bot remembers of each watched job, written with the deliveries a pass produced. */

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
  /** These subscriptions stop waiting for a need: their card was queued with this pass. */
  stopWaiting?: number[];
}

export interface WatchStore {
  /** Distinct job ids that have at least one active subscription. */
  watchedJobIds(): Promise<string[]>;
  getWatch(jobId: string): Promise<StoredWatch | null>;
  /** `getWatch` for many jobs in one read (a job without a watch is absent). */
  getWatches(jobIds: readonly string[]): Promise<Map<string, StoredWatch>>;
  /**
   * Jobs a channel follows whose last snapshot is in `status`, but for those in `except`: at most
   * `limit` (at least 1), by job id, with their name as last seen, and how many there are in all.
   * Asked in the store, so that a page (the App Home) never reads every watch to show a few.
   */
  watchedJobsInStatus(
    status: string,
    page: { limit: number; except: readonly string[] },
  ): Promise<{ jobs: Array<{ jobId: string; name: string }>; total: number }>;
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
