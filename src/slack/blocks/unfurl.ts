import type { DataJob } from '../../domain/data-job.js';
import { type JobCard, toJobCard } from '../../domain/job-card.js';
import { JOB_ID_PATTERN } from '../../domain/job-id.js';
import { summarizeJob } from '../../domain/job-summary.js';
import { type Block, type Button, blockIds, mrkdwn, plainText } from './block-kit.js';
import { ACTIONS, userMention } from './card.js';
import { codePointLength, escapeAndTruncate, oneLine } from './escape.js';
import { dateToken, formatCount, plural, progressBar } from './format.js';
import { CARD_CAPS, SLACK_LIMITS } from './limits.js';
import { statusDisplay } from './status.js';

/**
 * The compact card a link to a job unfurls into (chat.unfurl): what the job is doing in three lines,
 * who refreshed it, and two buttons. It sits under someone else's message, so it stays small: no
 * failed file names, no timeline (the link, or `/datajob <id>`, has those).
 */

/** The unfurl's own Refresh: it re-unfurls the link in place (the card's Refresh would replace the person's message). */
export const UNFURL_ACTIONS = { refresh: 'unfurl_refresh' } as const;

export interface UnfurlOptions {
  /** The link as Slack sent it: the key of chat.unfurl's map, and what Refresh unfurls again. */
  url: string;
  fetchedAt: Date;
  refreshedBy?: string;
}

/** One entry of chat.unfurl's `unfurls` map. */
export interface Unfurl {
  blocks: Block[];
}

export function renderUnfurl(job: DataJob, options: UnfurlOptions): Unfurl {
  return renderJobUnfurl(toJobCard(summarizeJob(job)), options);
}

function renderJobUnfurl(card: JobCard, options: UnfurlOptions): Unfurl {
  const ms = options.fetchedAt.getTime();
  const id = blockIds(Number.isFinite(ms) ? Math.abs(Math.trunc(ms)).toString(36) : 'x');
  const blocks: Block[] = [
    { type: 'section', block_id: id('unfurl'), text: mrkdwn(summaryText(card)) },
    { type: 'context', block_id: id('unfurl-context'), elements: [mrkdwn(contextText(card, options))] },
  ];
  const buttons = unfurlButtons(card, options.url);
  if (buttons.length > 0) blocks.push({ type: 'actions', block_id: id('unfurl-actions'), elements: buttons });
  return { blocks };
}

function summaryText(card: JobCard): string {
  const name = oneLine(card.name).trim() ? escapeAndTruncate(card.name, CARD_CAPS.fallbackName) : 'Data job';
  const status = statusDisplay(card.status);
  const lines = [`*${name}*   ${status.emoji} *${status.label}*`];
  if (card.status === 'needs_review' && card.reviewReason) {
    lines.push(`*Why:* ${escapeAndTruncate(card.reviewReason, CARD_CAPS.reviewReason)}`);
  }
  const { counts, total } = card.files;
  lines.push(
    total === 0
      ? '*Files:* none yet'
      : `*Files:* ${formatCount(total)}   :white_check_mark: ${formatCount(counts.done)} done   :x: ${formatCount(counts.failed)} failed   ` +
          `:gear: ${formatCount(counts.processing)} processing   :clock3: ${formatCount(counts.queued)} queued`,
  );
  if (card.failures.total > 0)
    lines.push(`:x: *${plural(card.failures.total, 'failed file')}*: \`/datajob ${jobIdText(card)}\` shows them`);
  if (card.alignment?.progress != null) lines.push(`*Alignment:* ${progressBar(card.alignment.progress)}`);
  return lines.join('\n');
}

function jobIdText(card: JobCard): string {
  return escapeAndTruncate(card.id, CARD_CAPS.jobId);
}

function contextText(card: JobCard, options: UnfurlOptions): string {
  const parts = [`Data job \`${jobIdText(card) || '—'}\``, `fetched ${dateToken(options.fetchedAt)}`];
  if (options.refreshedBy) parts.push(`refreshed by ${userMention(options.refreshedBy)}`);
  return parts.join(' · ');
}

function unfurlButtons(card: JobCard, url: string): Button[] {
  // Buttons name the job; an id cut short would name another one.
  if (!card.idComplete || !JOB_ID_PATTERN.test(card.id)) return [];
  const buttons: Button[] = [];
  const refresh = unfurlButtonValue(card.id, url);
  if (refresh && !card.ended) {
    buttons.push({ type: 'button', text: plainText('Refresh'), action_id: UNFURL_ACTIONS.refresh, value: refresh });
  }
  if (!card.ended)
    buttons.push({ type: 'button', text: plainText('Subscribe this channel'), action_id: ACTIONS.subscribe, value: card.id });
  return buttons;
}

/** What Refresh carries: the job and the link to unfurl again; null when they do not fit in a button. */
export function unfurlButtonValue(jobId: string, url: string): string | null {
  if (url.length > SLACK_LIMITS.buttonValue) return null;
  const value = JSON.stringify({ jobId, url });
  return codePointLength(value) <= SLACK_LIMITS.buttonValue ? value : null;
}

/** Reads a Refresh button's value back; null when it is not one of ours. */
export function parseUnfurlButtonValue(value: string | undefined): { jobId: string; url: string } | null {
  if (!value || value.length > SLACK_LIMITS.buttonValue * 2) return null;
  try {
    const parsed: unknown = JSON.parse(value);
    if (typeof parsed !== 'object' || parsed === null) return null;
    const { jobId, url } = parsed as Record<string, unknown>;
    if (typeof jobId !== 'string' || typeof url !== 'string' || !JOB_ID_PATTERN.test(jobId)) return null;
    return { jobId, url };
  } catch {
    return null;
  }
}
