import { type AlignmentAction, offeredAction } from '../../domain/alignment-action.js';
import { type Button, type ConfirmDialog, plainText } from './block-kit.js';
import { codePointLength, oneLine, truncate } from './escape.js';
import { SLACK_LIMITS } from './limits.js';

/**
 * Start alignment / Cancel alignment: a button only for the action the job's state offers, always
 * behind a confirm dialog that names the job and says what will happen. The button carries the state
 * it was offered for, so that a click on a card older than the job's state is told so, not acted on.
 */

export const ALIGNMENT_ACTIONS = {
  start: 'start_alignment',
  cancel: 'cancel_alignment',
} as const satisfies Record<AlignmentAction, string>;

/** What the card knows of the job: enough to choose the action and name the job. */
export interface ActionableJob {
  id: string;
  name: string;
  status: string;
  alignment: { status: string } | null;
}

/** The button's value: the state it was offered for, a space, the job id (ids never hold a space). */
export function actionValue(shownState: string, jobId: string): string {
  return `${shownState} ${jobId}`;
}

/** The state and job a button's value names; null for anything else. */
export function parseActionValue(value: string | undefined): { shownState: string; jobId: string } | null {
  if (!value || codePointLength(value) > SLACK_LIMITS.buttonValue) return null;
  const space = value.indexOf(' ');
  const shownState = value.slice(0, space);
  if (space < 1 || !/^[a-z_]{1,40}$/.test(shownState)) return null;
  return { shownState, jobId: value.slice(space + 1) };
}

const WORDS: Record<AlignmentAction, { label: string; title: string; what: string; confirm: string }> = {
  start: {
    label: 'Start alignment',
    title: 'Start the alignment?',
    what: 'SeekrFlow starts aligning it now, and the channels following it are told you started it.',
    confirm: 'Start alignment',
  },
  cancel: {
    label: 'Cancel alignment',
    title: 'Cancel the alignment?',
    what: 'SeekrFlow stops aligning it, and the job ends cancelled: this cannot be undone. The channels following it are told you cancelled it.',
    confirm: 'Cancel alignment',
  },
};

/** The confirm dialog: which job, and what happens to it. Plain text: the job's name is never markup. */
export function confirmDialog(action: AlignmentAction, job: { id: string; name: string }): ConfirmDialog {
  const words = WORDS[action];
  const name = oneLine(job.name).trim() || oneLine(job.id).trim();
  const verb = action === 'start' ? 'Start' : 'Cancel';
  const what = ` ${words.what}`;
  const room = SLACK_LIMITS.confirmText - codePointLength(`${verb} the alignment of “”?`) - codePointLength(what);
  return {
    title: plainText(truncate(words.title, SLACK_LIMITS.confirmTitle)),
    text: plainText(`${verb} the alignment of “${truncate(name, Math.max(20, room))}”?${what}`),
    confirm: plainText(truncate(words.confirm, SLACK_LIMITS.confirmButton)),
    deny: plainText('Not now'),
    ...(action === 'cancel' ? { style: 'danger' as const } : { style: 'primary' as const }),
  };
}

/** The button for the action the job offers now, or null (none offered, or an id no button can carry). */
export function alignmentButton(job: ActionableJob): Button | null {
  const offered = offeredAction(job);
  if (!offered || job.id === '') return null;
  const value = actionValue(offered.shownState, job.id);
  if (codePointLength(value) > SLACK_LIMITS.buttonValue) return null;
  return {
    type: 'button',
    text: plainText(WORDS[offered.action].label),
    action_id: ALIGNMENT_ACTIONS[offered.action],
    value,
    ...(offered.action === 'cancel' ? { style: 'danger' as const } : { style: 'primary' as const }),
    confirm: confirmDialog(offered.action, job),
  };
}
