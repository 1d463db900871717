import type { DataJob } from '../../domain/data-job.js';
import { type CardTimelineEvent, cardFailures, type JobCard, toJobCard } from '../../domain/job-card.js';
import { type AlignmentView, summarizeJob } from '../../domain/job-summary.js';
import { ALIGNMENT_ACTIONS, alignmentButton } from './alignment-button.js';
import { type Block, type Button, blockIds, type MessagePayload, type MrkdwnText, mrkdwn, plainText } from './block-kit.js';
import { codePointLength, escapeAndTruncate, oneLine, truncate } from './escape.js';
import { failureGroupText, namedInHeading } from './failure-group.js';
import { dateToken, formatBytes, formatCount, formatMinutes, formatTimestamp, plural, progressBar } from './format.js';
import { BLOCKS_TEXT_BUDGET, CARD_CAPS, SLACK_LIMITS } from './limits.js';
import { statusDisplay } from './status.js';
import { blocksTextLength } from './text-length.js';

/** The card's buttons. Listeners register on these ids, so they are the contract between the two. */
/** The failed-files line when every file is counted but some names are left out: the list is the button's modal. */
export const MORE_NAMES_IN_THE_LIST = 'More of their names in the list';

export const ACTIONS = {
  refresh: 'refresh_card',
  subscribe: 'subscribe_channel',
  unsubscribe: 'unsubscribe_channel',
  share: 'share_card',
  openFailedFiles: 'open_failed_files',
  viewInSeekrflow: 'view_in_seekrflow',
  startAlignment: ALIGNMENT_ACTIONS.start,
  cancelAlignment: ALIGNMENT_ACTIONS.cancel,
} as const;
export type CardAction = (typeof ACTIONS)[keyof typeof ACTIONS];

/**
 * - `ephemeral`: the answer to `/datajob <id>`, seen only by the caller.
 * - `shared`: posted in the channel by a user (Share in channel).
 * - `living`: the subscription's channel card, kept current by the scheduler.
 */
export type CardMode = 'ephemeral' | 'shared' | 'living';

export interface CardOptions {
  /** When the job was fetched: the card says how old its data is. */
  fetchedAt: Date;
  mode: CardMode;
  /** Slack user id of whoever pressed Refresh last. */
  refreshedBy?: string;
  /** Slack user id of whoever shared the card in the channel. */
  sharedBy?: string;
  /** "View in SeekrFlow" link, from the configured template; no button without it. */
  jobUrl?: string;
  subscription?: { filter: string; subscribedBy: string };
  /** Final living card: the job ended and the card will not change again. */
  ended?: boolean;
  /**
   * The card shows old data: SeekrFlow is unreachable (state *unknown*, never *failed*), the
   * channel unsubscribed, or the subscription is paused.
   */
  stale?: { reason: 'unreachable' | 'gone' | 'unsubscribed' | 'paused'; since?: Date; by?: string };
  /** Actions are on (ACTION_USERGROUPS): the card offers Start or Cancel alignment when the job's state does. */
  actions?: boolean;
}

/** Renders a job as a message Slack accepts, whatever the job holds. */
export function renderCard(job: DataJob, options: CardOptions): MessagePayload {
  return renderJobCard(toJobCard(summarizeJob(job)), options);
}

/** Same, from the card's model: what the outbox keeps, and what the poller already has. */
export function renderJobCard(card: JobCard, options: CardOptions): MessagePayload {
  const id = blockIds(blockIdSuffix(options.fetchedAt));
  // Buttons carry the job id; an id Slack cannot carry would make them act on another job.
  const buttonValue = card.idComplete && card.id !== '' && codePointLength(card.id) <= SLACK_LIMITS.buttonValue ? card.id : null;

  const blocks: Block[] = [{ type: 'header', block_id: id('header'), text: plainText(headerText(card)) }];
  blocks.push(statusSection(card, options, id('status')));
  blocks.push(...failedFilesBlocks(card.failures, buttonValue, id));
  blocks.push(section(id('files'), filesText(card)));
  if (card.alignment) blocks.push(section(id('alignment'), alignmentText(card.alignment, card.ended)));
  const timeline = timelineText(card.timeline);
  if (timeline) blocks.push(section(id('timeline'), timeline));
  if (card.fineTuning.total > 0) blocks.push(section(id('fine-tuning'), fineTuningText(card.fineTuning)));
  blocks.push({ type: 'divider', block_id: id('divider') });
  blocks.push({ type: 'context', block_id: id('context'), elements: contextElements(options) });
  const buttons = cardButtons(options, buttonValue, buttonValue === null ? null : card);
  if (buttons.length > 0) blocks.push({ type: 'actions', block_id: id('actions'), elements: buttons });

  return { text: fallbackText(card, options.stale?.reason), blocks: withinBudget(blocks) };
}

// ---------------------------------------------------------------------------------------------
// Sections
// ---------------------------------------------------------------------------------------------

function section(blockId: string, text: string, accessory?: Button): Block {
  return accessory
    ? { type: 'section', block_id: blockId, text: mrkdwn(text), accessory }
    : { type: 'section', block_id: blockId, text: mrkdwn(text) };
}

function headerText(card: JobCard): string {
  const name = oneLine(card.name).trim() || `Data job ${oneLine(card.id).trim()}`.trim();
  return truncate(name, SLACK_LIMITS.headerText);
}

function statusSection(card: JobCard, options: CardOptions, blockId: string): Block {
  const status = statusDisplay(card.status);
  let text: string;
  if (options.stale?.reason === 'unreachable') {
    // SeekrFlow not answering says nothing about the job: never show it as failed.
    const since = options.stale.since ? ` since ${dateToken(options.stale.since)}` : '';
    text = `:grey_question: *Unknown*: SeekrFlow could not be reached${since}. Last known status: ${status.label}.`;
  } else if (options.stale?.reason === 'gone') {
    // Deleted, or moved to another team: the card shows what the bot last knew, and says so.
    const since = options.stale.since ? ` since ${dateToken(options.stale.since)}` : '';
    text = `:wastebasket: *No longer in SeekrFlow*${since}: deleted, or moved to another team. Last known status: ${status.label}.`;
  } else {
    text = `${status.emoji} *${status.label}*`;
    // Waiting for a person: say why, right under the status, where the reader already looks.
    if (card.status === 'needs_review') text += `\n${reviewText(card)}`;
  }
  const type = card.jobType.trim() === '' ? '—' : escapeAndTruncate(card.jobType, CARD_CAPS.jobType, { oneLine: true });
  const jobId = card.id === '' ? '—' : `\`${escapeAndTruncate(card.id, CARD_CAPS.jobId, { oneLine: true })}\``;
  const fields: MrkdwnText[] = [
    mrkdwn(`*Type*\n${type}`),
    mrkdwn(`*Job ID*\n${jobId}`),
    mrkdwn(`*Created*\n${formatTimestamp(card.createdAt, CARD_CAPS.rawTimestamp)}`),
    mrkdwn(`*Updated*\n${formatTimestamp(card.updatedAt, CARD_CAPS.rawTimestamp)}`),
  ];
  return { type: 'section', block_id: blockId, text: mrkdwn(text), fields };
}

function reviewText(card: JobCard): string {
  const reason = card.reviewReason
    ? escapeAndTruncate(card.reviewReason, CARD_CAPS.reviewReason, { oneLine: true })
    : 'someone needs to act in SeekrFlow before the job can go on';
  return `*Why:* ${reason}`;
}

/**
 * Failed files by cause, the commonest first (or, when every file fails its own way, most recent
 * first): one section per cause, then what the card leaves out, with the button to the whole list.
 */
function failedFilesBlocks(failures: JobCard['failures'], buttonValue: string | null, id: (purpose: string) => string): Block[] {
  const { total, causes, groups } = cardFailures(failures);
  if (total === 0) return [];
  const blocks: Block[] = [];
  const grouped = causes < total;
  const order = total === 1 ? '' : grouped ? `, ${plural(causes, 'cause')}, the commonest first` : ', most recent first';
  blocks.push(section(id('failed'), `:x: *${plural(total, 'failed file')}*${order}`));
  const shown = groups.slice(0, CARD_CAPS.failedGroupsShown);
  let named = 0;
  let counted = 0;
  for (const group of shown) {
    blocks.push(section(id('failed-file'), failureGroupText(group, CARD_CAPS.failedGroup)));
    counted += group.count;
    named += namedInHeading(group, CARD_CAPS.failedGroup);
  }
  const moreFiles = total - counted;
  const moreCauses = causes - shown.length;
  const unnamed = counted - named;
  if (moreFiles > 0 || unnamed > 0) {
    const button: Button | undefined = buttonValue
      ? { type: 'button', text: plainText('Show all failed files'), action_id: ACTIONS.openFailedFiles, value: buttonValue }
      : undefined;
    const text =
      moreFiles > 0
        ? `+${plural(moreFiles, 'more failed file')}${moreCauses > 0 && moreCauses < moreFiles ? ` (${plural(moreCauses, 'more cause')})` : ''}`
        : MORE_NAMES_IN_THE_LIST;
    blocks.push(section(id('failed-more'), text, button));
  }
  return blocks;
}

function filesText(card: JobCard): string {
  const { counts, total, bytes } = card.files;
  const lines: string[] = [];
  if (total === 0) {
    lines.push('*Files:* none yet');
  } else {
    const size = bytes > 0 ? ` · ${formatBytes(bytes)}` : '';
    lines.push(`*Files:* ${formatCount(total)}${size}`);
    lines.push(
      `:white_check_mark: ${formatCount(counts.done)} done   :x: ${formatCount(counts.failed)} failed   ` +
        `:gear: ${formatCount(counts.processing)} processing   :clock3: ${formatCount(counts.queued)} queued`,
    );
  }
  const runs = ingestionRunsText(card.ingestionRuns);
  if (runs) lines.push(runs);
  return lines.join('\n');
}

function ingestionRunsText(runs: JobCard['ingestionRuns']): string | null {
  if (runs.total === 0) return null;
  const status = (s: string) => (s.trim() === '' ? 'no status' : escapeAndTruncate(s, CARD_CAPS.statusWord, { oneLine: true }));
  if (runs.listed.length === runs.total) {
    const listed = runs.listed.map((run) => `${status(run.status)} (${plural(run.files, 'file')})`);
    return `*Ingestion ${runs.total === 1 ? 'run' : 'runs'}:* ${listed.join(', ')}`;
  }
  // Many runs: how many are in each state, the commonest first.
  const listed = runs.byStatus.map(({ status: s, runs: n }) => `${formatCount(n)} ${status(s)}`);
  if (runs.otherStatuses > 0) listed.push(`${plural(runs.otherStatuses, 'other status', 'other statuses')}`);
  return `*Ingestion runs:* ${formatCount(runs.total)}: ${listed.join(', ')}`;
}

function alignmentText(a: AlignmentView, ended: boolean): string {
  const status = statusDisplay(a.status);
  const lines = [`*Alignment:* ${status.emoji} ${status.label}`];
  const step = a.step?.trim() ? escapeAndTruncate(a.step, CARD_CAPS.step, { oneLine: true }) : null;
  const stepProgress = a.stepProgress?.trim() ? stepProgressText(a.stepProgress) : null;
  if (step || stepProgress) lines.push(`*Step:* ${[step, stepProgress].filter(Boolean).join(' · ')}`);
  if (a.progress != null) lines.push(progressBar(a.progress));
  if (!ended) {
    const eta = a.etaMinutes == null ? null : formatMinutes(a.etaMinutes);
    const at = a.estimatedCompletionAt?.trim() ? formatTimestamp(a.estimatedCompletionAt, CARD_CAPS.rawTimestamp) : null;
    if (eta && at) lines.push(`*ETA:* about ${eta} (${at})`);
    else if (eta) lines.push(`*ETA:* about ${eta}`);
    else if (at) lines.push(`*ETA:* ${at}`);
  }
  if (a.statusMessage?.trim()) lines.push(`> ${escapeAndTruncate(a.statusMessage, CARD_CAPS.statusMessage, { oneLine: true })}`);
  return lines.join('\n');
}

/** "184/520" gains its percentage; anything else is shown as the API sent it. */
function stepProgressText(raw: string): string {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(raw);
  if (m) {
    const done = Number(m[1]);
    const total = Number(m[2]);
    if (total > 0 && done <= total) return `${formatCount(done)}/${formatCount(total)} (${Math.round((done / total) * 100)}%)`;
  }
  return escapeAndTruncate(raw, CARD_CAPS.stepProgress, { oneLine: true });
}

function timelineText(timeline: JobCard['timeline']): string | null {
  const { latest, total } = timeline;
  if (latest.length === 0) return null;
  const count = total > latest.length ? ` (${latest.length} of ${formatCount(total)})` : '';
  const lines = latest.map((e) => `• ${formatTimestamp(e.timestamp, CARD_CAPS.rawTimestamp)}  ${eventText(e)}`);
  return `*Latest events*${count}\n${lines.join('\n')}`;
}

function eventText(event: CardTimelineEvent): string {
  const text = event.message ? escapeAndTruncate(event.message, CARD_CAPS.eventMessage, { oneLine: true }) : '_no message_';
  const facts = event.facts.map(
    (f) =>
      `${escapeAndTruncate(f.key, CARD_CAPS.eventMetadataKey, { oneLine: true })}: ${escapeAndTruncate(f.value, CARD_CAPS.eventMetadataValue, { oneLine: true })}`,
  );
  return facts.length > 0 ? `${text} (${facts.join(', ')})` : text;
}

function fineTuningText({ ids, total }: JobCard['fineTuning']): string {
  const shown = ids
    .slice(0, CARD_CAPS.fineTuningIdsShown)
    .map((ftId) => `\`${escapeAndTruncate(ftId, CARD_CAPS.fineTuningId, { oneLine: true }) || '—'}\``);
  const more = total - shown.length;
  return `*Fine-tuning ${total === 1 ? 'job' : 'jobs'}:* ${shown.join(', ')}${more > 0 ? ` +${formatCount(more)} more` : ''}`;
}

/** A Slack user id becomes a mention; anything else is shown as inert text, never as markup. */
export function userMention(userId: string): string {
  return /^[UW][A-Z0-9_]{1,39}$/.test(userId) ? `<@${userId}>` : escapeAndTruncate(userId, CARD_CAPS.userLabel, { oneLine: true });
}

function contextElements(options: CardOptions): MrkdwnText[] {
  const parts = [`Fetched ${dateToken(options.fetchedAt)}`];
  if (options.refreshedBy) parts.push(`Refreshed by ${userMention(options.refreshedBy)}`);
  if (options.sharedBy) parts.push(`Shared by ${userMention(options.sharedBy)}`);
  if (options.subscription) {
    const filter = escapeAndTruncate(options.subscription.filter, CARD_CAPS.subscriptionFilter, { oneLine: true });
    parts.push(`Subscribed by ${userMention(options.subscription.subscribedBy)}${filter ? ` (${filter})` : ''}`);
  }
  const note = stateNote(options);
  if (note) parts.push(note);
  return parts.map((p) => mrkdwn(p));
}

function stateNote(options: CardOptions): string | null {
  const since = options.stale?.since ? ` since ${dateToken(options.stale.since)}` : '';
  const at = options.stale?.since ? ` ${dateToken(options.stale.since)}` : '';
  const by = options.stale?.by ? ` by ${userMention(options.stale.by)}` : '';
  if (options.ended && options.stale?.reason === 'gone') return ':checkered_flag: No longer followed: not in SeekrFlow';
  if (options.ended) return ':checkered_flag: Final state, no longer updated';
  switch (options.stale?.reason) {
    case 'unsubscribed':
      return `:no_bell: No longer updated: unsubscribed${by}${at}`;
    case 'paused':
      return `:double_vertical_bar: Updates paused${by}${since}`;
    case 'unreachable':
      // The status line already says since when; this says what the rest of the card is.
      return ':electric_plug: Showing the last data SeekrFlow sent';
    case 'gone':
      return ':mag: Showing what the bot last knew; it keeps looking for the job';
    case undefined:
      return options.mode === 'living' ? ':satellite_antenna: Live: updated automatically' : null;
  }
}

/** Start or Cancel alignment, where the card is one to act from: a current card of a job it can act on. */
function actionButton(options: CardOptions, card: JobCard | null): Button | null {
  if (!options.actions || !card || card.ended || options.mode === 'shared' || options.ended || options.stale) return null;
  return alignmentButton(card);
}

function cardButtons(options: CardOptions, value: string | null, card: JobCard | null): Button[] {
  const buttons: Button[] = [];
  const ended = options.ended === true;
  const unsubscribed = options.stale?.reason === 'unsubscribed';
  const act = actionButton(options, card);
  if (act) buttons.push(act);
  if (value !== null) {
    const button = (label: string, actionId: CardAction): Button => ({
      type: 'button',
      text: plainText(label),
      action_id: actionId,
      value,
    });
    if (!ended) buttons.push(button('Refresh', ACTIONS.refresh));
    if (options.mode === 'ephemeral' && !ended) buttons.push(button('Subscribe this channel', ACTIONS.subscribe));
    if (options.mode === 'ephemeral') buttons.push(button('Share in channel', ACTIONS.share));
    if (options.mode === 'living' && !ended && !unsubscribed) {
      buttons.push({
        ...button('Unsubscribe', ACTIONS.unsubscribe),
        style: 'danger',
        confirm: {
          title: plainText('Unsubscribe this channel?'),
          text: plainText('This card stops updating and the channel hears no more about this job.'),
          confirm: plainText('Unsubscribe'),
          deny: plainText('Cancel'),
          style: 'danger',
        },
      });
    }
  }
  if (options.jobUrl && isLinkable(options.jobUrl)) {
    buttons.push({ type: 'button', text: plainText('View in SeekrFlow'), action_id: ACTIONS.viewInSeekrflow, url: options.jobUrl });
  }
  return buttons;
}

function isLinkable(url: string): boolean {
  if (codePointLength(url) > SLACK_LIMITS.url) return false;
  try {
    const { protocol } = new URL(url);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}

function fallbackText(card: JobCard, stale: NonNullable<CardOptions['stale']>['reason'] | undefined): string {
  const name = oneLine(card.name).trim() ? escapeAndTruncate(card.name, CARD_CAPS.fallbackName, { oneLine: true }) : 'Data job';
  if (stale === 'unreachable') return `${name}: status unknown (SeekrFlow unreachable)`;
  if (stale === 'gone') return `${name}: no longer in SeekrFlow`;
  const status = statusDisplay(card.status);
  const failed = card.failures.total > 0 ? `, ${plural(card.failures.total, 'failed file')}` : '';
  return `${name}: ${status.known ? status.label : `status ${status.label}`}${failed}`;
}

/** Millisecond time in base 36: new data (a new fetch) gives new block ids, the same input the same ones. */
function blockIdSuffix(fetchedAt: Date): string {
  const ms = fetchedAt.getTime();
  return Number.isFinite(ms) ? Math.abs(Math.trunc(ms)).toString(36) : 'x';
}

/**
 * The caps above keep the worst case near 8k code points, so this never fires today. It is the
 * backstop for a future edit that forgets a cap: shed the least useful sections rather than let
 * Slack reject the card.
 */
function withinBudget(blocks: Block[]): Block[] {
  let result = blocks;
  for (const purpose of ['timeline', 'fine-tuning', 'alignment', 'failed-file']) {
    if (blocksTextLength(result) <= BLOCKS_TEXT_BUDGET) break;
    result = result.filter((b) => !b.block_id.startsWith(`${purpose}.`));
  }
  return result;
}
