import { GONE_REASON } from '../../domain/diff.js';
import { JOB_ID_PATTERN } from '../../domain/job-id.js';
import { type Block, type Button, blockIds, type HomeView, mrkdwn, plainText } from './block-kit.js';
import { escapeAndTruncate } from './escape.js';
import { dateToken, formatCount, plural } from './format.js';
import { type WaitingJob, waitingBlocks } from './home-waiting.js';
import { SLACK_LIMITS } from './limits.js';
import { statusDisplay } from './status.js';

/**
 * The App Home tab: a person's own view of the bot. The subscriptions they created, in every
 * channel, with their state and Resume / Unsubscribe, a "Look up a job" button, and a place for the
 * jobs they own. Within the Home tab's 100 blocks whatever the numbers: a page of subscriptions at a
 * time, with how many there are and buttons to the others.
 */

export const HOME_CALLBACK_ID = 'home';
/** Listeners register on these ids. */
export const HOME_ACTIONS = {
  lookup: 'home_lookup',
  resume: 'home_resume',
  unsubscribe: 'home_unsubscribe',
  pagePrev: 'home_page_prev',
  pageNext: 'home_page_next',
} as const;

/** Subscriptions per page: two blocks each, so a page and everything around it stay far under 100 blocks. */
export const HOME_PAGE_SIZE = 20;

export interface HomeSubscription {
  channelId: string;
  jobId: string;
  /** The job as last polled; null before the first poll (or once the job's memory is gone). */
  job: { name: string; status: string } | null;
  filter: string;
  state: 'active' | 'paused' | 'ended';
  /** For a paused one: why, in the bot's own words (safe mrkdwn), e.g. ` by <@U1> since …` or `: the channel was archived`. */
  pausedBecause: string | null;
  /** For an ended one: the job's final status. */
  endedAs: string | null;
  /** When it was paused or ended. */
  stateAt: Date | null;
  createdAt: Date;
  /** Whether its living card is in the channel (false while it is being set up, or waits for a need). */
  cardPosted?: boolean;
}

/** A job linked to the person as its SeekrFlow owner. */
export interface OwnedJob {
  jobId: string;
  name: string;
  status: string;
}

export interface HomeModel {
  /** One page of the subscriptions the person created. */
  subscriptions: HomeSubscription[];
  /** How many they created in all. */
  total: number;
  /** 1-based. */
  page: number;
  /** "Jobs you own": empty until owner links exist. */
  ownedJobs: OwnedJob[];
  /** "Waiting for you": jobs ready to start that the person owns, or may start; and how many in all. */
  waiting?: { jobs: WaitingJob[]; total: number };
  /** What became of the person's last click, in the bot's own words (safe mrkdwn). */
  notice?: string;
  /** When the model was read: new block ids for new data. */
  generatedAt: Date;
}

/** What a Home carries in private_metadata: the page shown, so that a click's answer keeps it. */
export interface HomeMetadata {
  page: number;
}

export function renderHome(model: HomeModel): HomeView {
  const id = idsFor(model.generatedAt);
  const pages = pageCount(model.total);
  const page = Math.min(Math.max(1, Math.trunc(model.page) || 1), pages);
  const blocks: Block[] = [...introBlocks(id)];
  if (model.notice) blocks.push({ type: 'section', block_id: id('notice'), text: mrkdwn(model.notice) });
  if (model.waiting) blocks.push(...waitingBlocks(model.waiting.jobs, model.waiting.total, id));
  blocks.push(...ownedJobsBlocks(model.ownedJobs, id));
  blocks.push({ type: 'divider', block_id: id('divider') });
  blocks.push(...subscriptionBlocks(model, page, pages, id));
  return home(blocks, page);
}

/** The Home of someone the access policy refuses: the one sentence, nothing of any job. */
export function renderRefusedHome(sentence: string, generatedAt: Date): HomeView {
  const id = idsFor(generatedAt);
  return home([{ type: 'section', block_id: id('refused'), text: mrkdwn(sentence) }], 1);
}

/** Reads the Home's private_metadata back; page 1 when it is not ours. */
export function parseHomeMetadata(raw: string | undefined): HomeMetadata {
  try {
    const page = (JSON.parse(raw ?? '') as { page?: unknown }).page;
    return { page: typeof page === 'number' && Number.isInteger(page) && page >= 1 ? page : 1 };
  } catch {
    return { page: 1 };
  }
}

/** What Resume and Unsubscribe carry: the subscription's channel and job. */
export function homeButtonValue(channelId: string, jobId: string): string {
  return JSON.stringify({ channelId, jobId });
}

export function parseHomeButtonValue(value: string | undefined): { channelId: string; jobId: string } | null {
  if (!value || value.length > SLACK_LIMITS.buttonValue) return null;
  try {
    const { channelId, jobId } = JSON.parse(value) as Record<string, unknown>;
    if (typeof channelId !== 'string' || !/^[CGD][A-Z0-9_]{1,40}$/.test(channelId)) return null;
    if (typeof jobId !== 'string' || !JOB_ID_PATTERN.test(jobId)) return null;
    return { channelId, jobId };
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Sections
// ---------------------------------------------------------------------------------------------

type Ids = (purpose: string) => string;

const idsFor = (at: Date): Ids => {
  const ms = at.getTime();
  return blockIds(Number.isFinite(ms) ? Math.abs(Math.trunc(ms)).toString(36) : 'x');
};

const pageCount = (total: number) => Math.max(1, Math.ceil(total / HOME_PAGE_SIZE));

function home(blocks: Block[], page: number): HomeView {
  return {
    type: 'home',
    callback_id: HOME_CALLBACK_ID,
    private_metadata: JSON.stringify({ page } satisfies HomeMetadata),
    blocks: blocks.slice(0, SLACK_LIMITS.viewBlocks),
  };
}

function introBlocks(id: Ids): Block[] {
  const lookup: Button = { type: 'button', text: plainText('Look up a job'), action_id: HOME_ACTIONS.lookup, style: 'primary' };
  return [
    { type: 'header', block_id: id('header'), text: plainText('Your data jobs') },
    {
      type: 'section',
      block_id: id('intro'),
      text: mrkdwn('See any SeekrFlow data job, and the channels you keep up to date. Only you see this page.'),
      accessory: lookup,
    },
  ];
}

/**
 * "Jobs you own": the jobs whose SeekrFlow owner is linked to this person (`/datajob me`). Filled in
 * once owner links exist; an empty list renders nothing. At most two blocks, whatever the list.
 */
export function ownedJobsBlocks(jobs: readonly OwnedJob[], id: Ids): Block[] {
  if (jobs.length === 0) return [];
  const shown = jobs.slice(0, 10).map((job) => {
    const status = statusDisplay(job.status);
    const name = escapeAndTruncate(job.name.trim() || job.jobId, 120);
    return `${status.emoji} *${name}* \`${escapeAndTruncate(job.jobId, 128)}\` · ${status.label}`;
  });
  if (jobs.length > shown.length) shown.push(`+${formatCount(jobs.length - shown.length)} more`);
  return [{ type: 'section', block_id: id('owned'), text: mrkdwn(`*Jobs you own* (${formatCount(jobs.length)})\n${shown.join('\n')}`) }];
}

function subscriptionBlocks(model: HomeModel, page: number, pages: number, id: Ids): Block[] {
  if (model.total === 0) {
    const none = '*Subscriptions you created*\nNone yet. In a channel, `/datajob subscribe <job id>` keeps a living card of the job there.';
    return [{ type: 'section', block_id: id('subscriptions'), text: mrkdwn(none) }];
  }
  const blocks: Block[] = [
    { type: 'section', block_id: id('subscriptions'), text: mrkdwn(`*Subscriptions you created* (${formatCount(model.total)})`) },
  ];
  for (const s of model.subscriptions.slice(0, HOME_PAGE_SIZE)) {
    blocks.push({ type: 'section', block_id: id('subscription'), text: mrkdwn(subscriptionText(s)) });
    const buttons = subscriptionButtons(s);
    if (buttons.length > 0) blocks.push({ type: 'actions', block_id: id('subscription-actions'), elements: buttons });
  }
  if (pages > 1) blocks.push(...pagerBlocks(model, page, pages, id));
  return blocks;
}

function subscriptionText(s: HomeSubscription): string {
  // No memory of the job: not polled yet, or (ended) its memory is already forgotten.
  const name = s.job ? escapeAndTruncate(s.job.name.trim() || s.jobId, 120) : s.state === 'ended' ? 'Data job' : 'not polled yet';
  const status = s.job ? statusDisplay(s.job.status) : null;
  const where = `\`${escapeAndTruncate(s.jobId, 128)}\` in <#${s.channelId}>`;
  const about = `${status ? `${status.emoji} ${status.label} · ` : ''}hears: ${escapeAndTruncate(s.filter, 40)} · since ${dateToken(s.createdAt)}`;
  return `*${name}* ${where}\n${about}\n${stateText(s)}`;
}

function stateText(s: HomeSubscription): string {
  switch (s.state) {
    case 'active':
      return s.cardPosted === false
        ? ':hourglass_flowing_sand: Setting up: its card is on its way to the channel'
        : ':satellite_antenna: Live: its card is kept current';
    case 'paused':
      return `:pause_button: *Paused*${s.pausedBecause ?? ''}`;
    case 'ended': {
      const at = s.stateAt ? ` ${dateToken(s.stateAt)}` : '';
      if (s.endedAs === GONE_REASON) return `:wastebasket: Ended${at}: the job is no longer in SeekrFlow`;
      const as = s.endedAs ? ` (${statusDisplay(s.endedAs).label})` : '';
      return `:checkered_flag: Ended${as}${at}: the job is over`;
    }
  }
}

function subscriptionButtons(s: HomeSubscription): Button[] {
  if (s.state === 'ended' || !JOB_ID_PATTERN.test(s.jobId)) return [];
  const value = homeButtonValue(s.channelId, s.jobId);
  const buttons: Button[] = [];
  if (s.state === 'paused') {
    buttons.push({ type: 'button', text: plainText('Resume'), action_id: HOME_ACTIONS.resume, value, style: 'primary' });
  }
  buttons.push({
    type: 'button',
    text: plainText('Unsubscribe'),
    action_id: HOME_ACTIONS.unsubscribe,
    value,
    style: 'danger',
    confirm: {
      title: plainText('Unsubscribe the channel?'),
      text: plainText('Its card stops updating and the channel hears no more about this job. Its thread says who did it.'),
      confirm: plainText('Unsubscribe'),
      deny: plainText('Cancel'),
      style: 'danger',
    },
  });
  return buttons;
}

function pagerBlocks(model: HomeModel, page: number, pages: number, id: Ids): Block[] {
  const first = (page - 1) * HOME_PAGE_SIZE + 1;
  const last = Math.min(model.total, first + HOME_PAGE_SIZE - 1);
  const more = model.total - last;
  const where = `Page ${formatCount(page)} of ${formatCount(pages)} · ${formatCount(first)}–${formatCount(last)} of ${formatCount(model.total)}`;
  const buttons: Button[] = [];
  const pageButton = (label: string, actionId: string, to: number): Button => ({
    type: 'button',
    text: plainText(label),
    action_id: actionId,
    value: String(to),
  });
  if (page > 1) buttons.push(pageButton('← Previous', HOME_ACTIONS.pagePrev, page - 1));
  if (page < pages) buttons.push(pageButton('Next →', HOME_ACTIONS.pageNext, page + 1));
  return [
    {
      type: 'context',
      block_id: id('pages'),
      elements: [mrkdwn(more > 0 ? `${where} · ${plural(more, 'more subscription')} on the next pages` : where)],
    },
    { type: 'actions', block_id: id('pager'), elements: buttons },
  ];
}
