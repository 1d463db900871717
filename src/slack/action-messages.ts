import type { ActResult, PreviewResult } from '../core/actions.js';
import type { AlignmentAction } from '../core/ports/actions.js';
import type { DataJob } from '../domain/data-job.js';
import { alignmentButton } from './blocks/alignment-button.js';
import { blockIds, mrkdwn } from './blocks/block-kit.js';
import { userMention } from './blocks/card.js';
import { escapeAndTruncate } from './blocks/escape.js';
import { dateToken } from './blocks/format.js';
import { statusDisplay } from './blocks/status.js';
import { fetchFailureReply, type Reply, refusalReply } from './messages.js';

/**
 * What a person is told about starting or cancelling a job's alignment: one sentence, only to them.
 * SeekrFlow's own reason is quoted escaped and shortened; nothing else of the API is.
 */

const jobRef = (jobId: string) => `\`${escapeAndTruncate(jobId, 128, { oneLine: true })}\``;
const jobName = (job: DataJob) => escapeAndTruncate(job.name, 120, { oneLine: true }) || jobRef(job.id);
const statusOf = (job: DataJob) => {
  const status = statusDisplay(job.status);
  return `${status.emoji} *${status.label}*`;
};

/** How much of SeekrFlow's reason is quoted. */
const REASON_MAX = 300;

export const ACTIONS_OFF: Reply = {
  text: ':no_entry: Starting and cancelling alignments from Slack is off: whoever runs the bot can allow it with ACTION_USERGROUPS.',
};

const NOT_ALLOWED: Reply = {
  text: ':no_entry: Only the people whoever runs the bot allows (ACTION_USERGROUPS) can start or cancel a job’s alignment from Slack.',
};

const DONE: Record<AlignmentAction, string> = {
  start: ':arrow_forward: Alignment started',
  cancel: ':stop_button: Alignment cancelled',
};

/** The answer to a click on Start / Cancel alignment (or its confirmation from the command). */
export function actionReply(result: ActResult, action: AlignmentAction, jobId: string, jobUrl: string | undefined): Reply {
  switch (result.kind) {
    case 'off':
      return ACTIONS_OFF;
    case 'refused':
      return refusalReply(result.refusal);
    case 'not_allowed':
      return NOT_ALLOWED;
    case 'fetch_failed':
      return fetchFailureReply(result.failure, jobId);
    case 'stale':
      return staleReply(result.job, action);
    case 'already':
      return {
        text: `:information_source: ${userMention(result.by)} already asked to ${action} the alignment of ${jobRef(jobId)} (${dateToken(result.at)}): it is not asked twice.`,
      };
    case 'seekrflow_refused': {
      const link = jobUrl ? ` <${jobUrl}|Open it in SeekrFlow>.` : '';
      return { text: `:warning: ${escapeAndTruncate(result.failure.message, REASON_MAX, { oneLine: true })}${link}` };
    }
    case 'failed':
      return {
        text: `:warning: SeekrFlow did not answer whether it would ${action} the alignment of ${jobRef(jobId)} (${escapeAndTruncate(result.failure.kind, 40)}); it may have: the card will show it, and the bot does not ask again for this state.`,
      };
    case 'done':
      return { text: `${DONE[action]}: *${jobName(result.job)}* is now ${statusOf(result.job)}.` };
  }
}

function staleReply(job: DataJob, action: AlignmentAction): Reply {
  const nothing = action === 'start' ? 'there is nothing to start' : 'there is no alignment to cancel';
  return {
    text: `:information_source: This card is older than the job: *${jobName(job)}* is now ${statusOf(job)}, so ${nothing}. The card is up to date again.`,
  };
}

/** `/datajob start|cancel <id>`: the same confirm-guarded button as on the card, or why there is none. */
export function previewReply(result: PreviewResult, action: AlignmentAction, jobId: string): Reply {
  if (result.kind === 'stale') {
    const nothing = action === 'start' ? 'there is nothing to start' : 'there is no alignment to cancel';
    return { text: `:information_source: *${jobName(result.job)}* is ${statusOf(result.job)}, so ${nothing}.` };
  }
  if (result.kind !== 'confirm') return actionReply(result, action, jobId, undefined);
  const { job } = result;
  const button = alignmentButton({ ...job, alignment: job.alignment_job ? { status: job.alignment_job.status } : null });
  const text = `${action === 'start' ? 'Start' : 'Cancel'} the alignment of *${jobName(job)}* (${jobRef(job.id)}, ${statusOf(job)})?`;
  if (!button) return { text: `:warning: ${jobRef(jobId)} cannot be acted on from Slack: its id is too long for a button.` };
  const id = blockIds(`act-${job.id.length}`);
  return {
    text,
    blocks: [
      { type: 'section', block_id: id('ask'), text: mrkdwn(text) },
      { type: 'actions', block_id: id('act'), elements: [button] },
    ],
  };
}

/** A direct message to the job's owner: who started or cancelled their job. */
export function ownerToldText(job: DataJob, action: AlignmentAction, by: string): string {
  const what = action === 'start' ? 'started' : 'cancelled';
  return `${DONE[action].split(' ')[0]} ${userMention(by)} ${what} the alignment of your data job *${jobName(job)}* (${jobRef(job.id)}). It is now ${statusOf(job)}.`;
}
