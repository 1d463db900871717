/**
 * What a person may ask SeekrFlow to do to a job from Slack, and when: start its alignment once it is
 * `ready_to_start`, cancel it while it is pending, queued or running. Any surface that offers an
 * action asks this, so a button never shows for a state where the action cannot work.
 */

export type AlignmentAction = 'start' | 'cancel';

/** The alignment statuses a cancel can end. */
const CANCELLABLE: ReadonlySet<string> = new Set(['pending', 'queued', 'running']);

/** An action as offered: which, and the job's state it is offered for (what a card showed). */
export interface OfferedAction {
  action: AlignmentAction;
  shownState: string;
}

/** The action a job's state offers, or null when neither can work now. */
export function offeredAction(job: { status: string; alignment: { status: string } | null }): OfferedAction | null {
  if (job.status === 'ready_to_start') return { action: 'start', shownState: 'ready_to_start' };
  if (job.alignment && CANCELLABLE.has(job.alignment.status)) return { action: 'cancel', shownState: job.alignment.status };
  return null;
}
