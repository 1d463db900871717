import { actionValue, confirmDialog } from './alignment-button.js';
import { type Block, type blockIds, plainText } from './block-kit.js';
import { escapeAndTruncate } from './escape.js';
import { formatCount } from './format.js';

/**
 * The Home's "Waiting for you": jobs ready to start that this person owns, or any such job when they
 * may act, each with Start alignment (behind the same confirmation as the card's) where they may.
 * At most WAITING_SHOWN jobs, one block each, and a count of the rest.
 */

export const HOME_START_ALIGNMENT = 'home_start_alignment';
export const WAITING_SHOWN = 5;

export interface WaitingJob {
  jobId: string;
  name: string;
  /** Whether this person may start it: the button shows only then. */
  canAct: boolean;
}

export function waitingBlocks(jobs: readonly WaitingJob[], total: number, id: ReturnType<typeof blockIds>): Block[] {
  if (jobs.length === 0) return [];
  const blocks: Block[] = [
    {
      type: 'section',
      block_id: id('waiting'),
      text: { type: 'mrkdwn', text: `*Waiting for you* (${formatCount(total)} ready to start)` },
    },
  ];
  for (const job of jobs.slice(0, WAITING_SHOWN)) {
    const name = escapeAndTruncate(job.name.trim() || job.jobId, 120, { oneLine: true });
    const text = `:large_green_circle: *${name}* \`${escapeAndTruncate(job.jobId, 128, { oneLine: true })}\` · Ready to start`;
    blocks.push({
      type: 'section',
      block_id: id('waiting-job'),
      text: { type: 'mrkdwn', text },
      ...(job.canAct
        ? {
            accessory: {
              type: 'button' as const,
              text: plainText('Start alignment'),
              action_id: HOME_START_ALIGNMENT,
              value: actionValue('ready_to_start', job.jobId),
              style: 'primary' as const,
              confirm: confirmDialog('start', { id: job.jobId, name: job.name }),
            },
          }
        : {}),
    });
  }
  const more = total - Math.min(jobs.length, WAITING_SHOWN);
  if (more > 0)
    blocks.push({ type: 'context', block_id: id('waiting-more'), elements: [{ type: 'mrkdwn', text: `+${formatCount(more)} more` }] });
  return blocks;
}
