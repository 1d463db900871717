import { GONE_FOR_GOOD_HOURS } from '../../domain/diff.js';
import { failedFileGroups, type JobEvent } from '../../domain/events.js';
import { type Block, blockIds, type MessagePayload, mrkdwn } from './block-kit.js';
import { userMention } from './card.js';
import { escapeAndTruncate, truncate } from './escape.js';
import { type FailureGroupCaps, type FailureGroupLabels, failureGroupText } from './failure-group.js';
import { dateToken, formatMinutes, plural } from './format.js';
import { statusDisplay } from './status.js';

/**
 * The thread reply a subscription gets for one event. Short on purpose: the card holds the detail;
 * a reply says what happened and, for failures, what to do about it.
 */

/** Causes of failure told in one reply; the rest are a count and a pointer to the card's modal. */
const GROUPS_PER_REPLY = 8;
/** One cause: 8 of them stay under the 9,000 code points we allow a message's blocks. */
const GROUP_CAPS: FailureGroupCaps = { name: 200, names: 240, error: 380, fix: 380 };
const REPLY_LABELS: FailureGroupLabels = {
  error: '',
  fix: ':bulb: *Suggested fix:* ',
  noError: '_No error message was given._',
  noFix: null,
};

const status = (s: string) => {
  const d = statusDisplay(s);
  return `${d.emoji} *${d.label}*`;
};

const sinceToken = (iso: string) => {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? 'a while ago' : dateToken(at);
};

function failedFilesBlocks(event: Extract<JobEvent, { type: 'files_failed' }>, id: (p: string) => string): Block[] {
  const shown = failedFileGroups(event).slice(0, GROUPS_PER_REPLY);
  const blocks: Block[] = [
    { type: 'section', block_id: id('files_failed'), text: mrkdwn(`:x: *${plural(event.count, 'file')} failed to process*`) },
  ];
  let told = 0;
  for (const group of shown) {
    blocks.push({ type: 'section', block_id: id('failed_file'), text: mrkdwn(failureGroupText(group, GROUP_CAPS, REPLY_LABELS)) });
    told += group.count;
  }
  const more = event.count - told;
  if (more > 0) {
    blocks.push({
      type: 'context',
      block_id: id('more_failed'),
      elements: [mrkdwn(`+${plural(more, 'more failed file')}: open *Show all failed files* on the card.`)],
    });
  }
  return blocks;
}

/** One sentence for the event, as mrkdwn. Used as the reply's fallback text too. */
export function describeEvent(event: JobEvent): string {
  switch (event.type) {
    case 'status_changed':
      return `Status changed from ${status(event.from)} to ${status(event.to)}.`;
    case 'files_failed':
      return `:x: ${plural(event.count, 'file')} failed to process.`;
    case 'alignment_started':
      return `:rocket: Alignment started (${status(event.status)}).`;
    case 'alignment_finished':
      return `Alignment finished: ${status(event.status)}.`;
    case 'needs_review':
      return `:warning: *The job needs review*${event.reason ? `: ${escapeAndTruncate(event.reason, 300)}` : ''}. Someone needs to act in SeekrFlow before it can continue.`;
    case 'ended': {
      const files = `${plural(event.doneFiles, 'file')} processed${event.failedFiles ? `, ${event.failedFiles} failed` : ''}`;
      return `The job ended: ${status(event.status)} (${files}). This card is final and no longer updated.`;
    }
    case 'stalled':
      return `:hourglass: No change for ${formatMinutes(event.minutes) ?? `${event.minutes} minutes`} (since ${sinceToken(event.since)}). The job may be stuck.`;
    case 'unreachable':
      return `:grey_question: SeekrFlow has not answered for ${formatMinutes(event.minutes) ?? `${event.minutes} minutes`}: the job's state is *unknown* (not failed). I'll say when it is back.`;
    case 'reachable_again':
      return `:white_check_mark: SeekrFlow is answering again (it was unreachable since ${sinceToken(event.since)}). The card is current.`;
    case 'gone':
      return `:wastebasket: This job is *no longer in SeekrFlow*: it was deleted, or moved to another team. I'll keep looking for ${GONE_FOR_GOOD_HOURS} hours and say if it is back.`;
    case 'gone_for_good':
      return `:wastebasket: This job has not been in SeekrFlow for ${plural(event.hours, 'hour')} (since ${sinceToken(event.since)}): this channel stops following it. The card is final.`;
    case 'back_in_seekrflow':
      return `:white_check_mark: This job is in SeekrFlow again (it was gone since ${sinceToken(event.since)}). The card is current.`;
    case 'acted_on':
      return `${event.action === 'start' ? ':arrow_forward: Alignment started' : ':stop_button: Alignment cancelled'} by ${userMention(event.by)}.`;
  }
}

/** Plain text for notifications: no markup, no tokens. */
function fallbackText(event: JobEvent, jobName: string): string {
  const name = truncate(jobName, 100);
  const what = {
    status_changed: 'status changed',
    files_failed: 'files failed',
    alignment_started: 'alignment started',
    alignment_finished: 'alignment finished',
    needs_review: 'needs review',
    ended: event.type === 'ended' ? `ended: ${event.status}` : 'ended',
    stalled: 'looks stalled',
    unreachable: 'state unknown: SeekrFlow unreachable',
    reachable_again: 'SeekrFlow reachable again',
    gone: 'no longer in SeekrFlow',
    gone_for_good: 'no longer in SeekrFlow; no longer followed',
    back_in_seekrflow: 'in SeekrFlow again',
    acted_on: event.type === 'acted_on' && event.action === 'cancel' ? 'alignment cancelled from Slack' : 'alignment started from Slack',
  }[event.type];
  return `${name}: ${what}`;
}

export function renderEventReply(event: JobEvent, job: { id: string; name: string }, version: string): MessagePayload {
  const id = blockIds(version);
  const blocks: Block[] =
    event.type === 'files_failed'
      ? failedFilesBlocks(event, id)
      : [{ type: 'section', block_id: id('event'), text: mrkdwn(describeEvent(event)) }];
  // Escaping makes the fallback safe for Slack; the name is the API's text.
  return { text: escapeAndTruncate(fallbackText(event, job.name), 300, { oneLine: true }), blocks };
}

/** The line that opens a direct message to a job's owner: which of their jobs this is about. */
export function ownerLine(job: { id: string; name: string }, version: string): Block {
  const name = escapeAndTruncate(job.name, 150, { oneLine: true }) || 'Data job';
  const id = escapeAndTruncate(job.id, 128, { oneLine: true });
  return { type: 'section', block_id: blockIds(version)('owner'), text: mrkdwn(`Your data job *${name}* (\`${id}\`):`) };
}
