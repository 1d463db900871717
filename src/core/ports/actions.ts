/**
 * Acting on a job from Slack: what the bot may ask SeekrFlow to do, and the store's promise that it
 * asks once. SeekrFlow documents neither action as idempotent, so the claim, not the caller, decides.
 */

import type { AlignmentAction } from '../../domain/alignment-action.js';

export type { AlignmentAction };

/** One action as a card offered it: on which job, and the state the card showed when it was clicked. */
export interface ActionKey {
  jobId: string;
  action: AlignmentAction;
  /** The job's state the card showed (`ready_to_start`, or the alignment's `queued`, …). */
  shownState: string;
}

export interface ActionClaim extends ActionKey {
  userId: string;
  /** Where it was clicked; null from the App Home. */
  channelId: string | null;
  at: Date;
}

export type ClaimResult = { claimed: true } | { claimed: false; by: string; at: Date };

export interface ActionClaimStore {
  /**
   * Claims the action for this state of the job, once across every process sharing the store: the
   * first caller gets `claimed`, every later one (a second click, a replica, a retry) learns who
   * holds it. A claim holds until released.
   */
  claimAction(claim: ActionClaim): Promise<ClaimResult>;
  /** SeekrFlow refused, so nothing was done: a later click on the same state may try again. */
  releaseAction(key: ActionKey): Promise<void>;
}
