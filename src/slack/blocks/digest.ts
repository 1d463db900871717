import { DIGEST_SECTIONS, type DigestContent, type DigestLine, type DigestSection } from '../../domain/digest.js';
import { alignmentButton } from './alignment-button.js';
import { type Block, type Button, blockIds, type MessagePayload, type ModalView, mrkdwn, plainText } from './block-kit.js';
import { escapeAndTruncate, oneLine, truncate } from './escape.js';
import { formatCount, formatMinutes, plural } from './format.js';
import { SLACK_LIMITS } from './limits.js';
import { statusDisplay } from './status.js';

/**
 * A channel's digest as Block Kit: each section's first lines, each linking to the job's living card,
 * the rest counted, and a button to a paged modal of every line. Bounded whatever the number of
 * jobs: five sections of at most LINES_SHOWN lines of at most LINE_BOUND code points each.
 */

export const DIGEST_ACTIONS = { open: 'digest_open', next: 'digest_next', prev: 'digest_prev' } as const;
export const DIGEST_CALLBACK_ID = 'digest_all';

const LINES_SHOWN = 5;
const LINE_BOUND = 300;
const NAME_BOUND = 80;
const CAUSE_BOUND = 90;
const WHY_BOUND = 120;
const MODAL_LINES_PER_PAGE = 20;

const TITLES: Record<DigestSection, string> = {
  failed: ':x: *Failed*',
  waiting: ':raised_hand: *Waiting for a person*',
  stalled: ':zzz: *Looking stalled*',
  running: ':arrows_counterclockwise: *Still running*',
  completed: ':white_check_mark: *Completed*',
};

/** The living card's message: Slack's archive link form of its ts opens it in place. */
export function cardLink(channelId: string, ts: string): string {
  return `https://slack.com/archives/${channelId}/p${ts.replace('.', '')}`;
}

function detailOf(line: DigestLine, section: DigestSection): string {
  const parts: string[] = [];
  if (section === 'failed' || section === 'completed') {
    parts.push(`${formatCount(line.done)} done${line.failed > 0 ? `, ${formatCount(line.failed)} failed` : ''}`);
    if (section === 'failed') parts.unshift(statusDisplay(line.status).label);
  }
  if (section === 'waiting') parts.push(statusDisplay(line.status).label + (line.why ? `: ${escapeAndTruncate(line.why, WHY_BOUND)}` : ''));
  if (section === 'running') {
    if (line.progress != null) parts.push(`${line.progress}%`);
    else parts.push(statusDisplay(line.status).label);
    const eta = line.etaMinutes != null ? formatMinutes(line.etaMinutes) : null;
    if (eta) parts.push(`about ${eta} to go`);
  }
  if (section === 'stalled' && line.stalledMinutes != null) parts.push(`unchanged for ${formatMinutes(line.stalledMinutes) ?? 'a while'}`);
  for (const cause of line.causes ?? []) {
    parts.push(`${formatCount(cause.count)}× ${cause.error ? escapeAndTruncate(cause.error, CAUSE_BOUND) : 'no error given'}`);
  }
  return parts.join(' · ');
}

export function digestLineText(line: DigestLine, section: DigestSection, channelId: string): string {
  const name = escapeAndTruncate(line.name.trim() || line.jobId, NAME_BOUND) || 'a data job';
  const linked = line.cardTs ? `<${cardLink(channelId, line.cardTs)}|${name}>` : `*${name}*`;
  const text = `• ${linked} — ${detailOf(line, section)}`;
  // A line's parts are each bounded; this keeps the sum so, whatever a future part adds.
  return [...text].length <= LINE_BOUND ? text : `${[...text].slice(0, LINE_BOUND - 1).join('')}…`;
}

const total = (content: DigestContent) => DIGEST_SECTIONS.reduce((n, s) => n + content.sections[s].length, 0);

function headline(content: DigestContent): string {
  const since = content.since
    ? ` since <!date^${Math.floor(Date.parse(content.since) / 1000)}^{date_short_pretty} {time}|the last digest>`
    : '';
  return `:newspaper: *Data jobs digest* · ${content.localDate}${since}`;
}

/** A digest's Start buttons sit in a block of this purpose: a click there answers the clicker and leaves the digest as it is. */
export const DIGEST_START_BLOCK = 'digest_start';

/**
 * Start alignment for each ready job the digest shows, when actions are on: named, as a digest lists
 * several, and behind the same confirm dialog as on a card. A click is judged as any card's (who may
 * act, the job's state now).
 */
function startButtons(lines: readonly DigestLine[]): Button[] {
  const buttons: Button[] = [];
  for (const line of lines) {
    const button = alignmentButton({ id: line.jobId, name: line.name, status: line.status, alignment: null });
    if (!button || line.status !== 'ready_to_start') continue;
    const name = oneLine(line.name).trim() || line.jobId;
    buttons.push({ ...button, text: plainText(truncate(`Start “${name}”`, SLACK_LIMITS.buttonText)) });
  }
  return buttons;
}

export function renderDigest(content: DigestContent, digestId: number, options: { actions?: boolean } = {}): MessagePayload {
  const id = blockIds(`d${digestId}`);
  const all = total(content);
  if (all === 0) {
    const text = `:newspaper: Nothing to report on this channel's data jobs${content.since ? ' since the last digest' : ''}.`;
    return { text, blocks: [{ type: 'section', block_id: id('empty'), text: mrkdwn(text) }] };
  }
  const counts = DIGEST_SECTIONS.filter((s) => content.sections[s].length > 0).map(
    (s) => `${formatCount(content.sections[s].length)} ${s === 'waiting' ? 'waiting' : s}`,
  );
  const blocks: Block[] = [
    { type: 'section', block_id: id('head'), text: mrkdwn(headline(content)) },
    { type: 'context', block_id: id('counts'), elements: [mrkdwn(counts.join(' · '))] },
  ];
  let hidden = 0;
  for (const section of DIGEST_SECTIONS) {
    const lines = content.sections[section];
    if (lines.length === 0) continue;
    const shown = lines.slice(0, LINES_SHOWN).map((l) => digestLineText(l, section, content.channelId));
    const more = lines.length - shown.length;
    hidden += more;
    const tail = more > 0 ? `\n_+${plural(more, 'more job')}_` : '';
    blocks.push({
      type: 'section',
      block_id: id(section),
      text: mrkdwn(`${TITLES[section]} (${formatCount(lines.length)})\n${shown.join('\n')}${tail}`),
    });
    const starts = section === 'waiting' && options.actions ? startButtons(lines.slice(0, LINES_SHOWN)) : [];
    if (starts.length > 0) blocks.push({ type: 'actions', block_id: id(DIGEST_START_BLOCK), elements: starts });
  }
  if (hidden > 0) {
    blocks.push({
      type: 'actions',
      block_id: id('all'),
      elements: [
        { type: 'button', text: plainText(`Show all ${formatCount(all)} jobs`), action_id: DIGEST_ACTIONS.open, value: String(digestId) },
      ],
    });
  }
  return { text: `Data jobs digest: ${counts.join(', ')}`, blocks };
}

/** Every line of the digest, a page at a time, in the message's order. */
export function renderDigestModal(content: DigestContent, digestId: number, page: number): ModalView {
  const lines = DIGEST_SECTIONS.flatMap((s) =>
    content.sections[s].map((l) => ({ section: s, text: digestLineText(l, s, content.channelId) })),
  );
  const pages = Math.max(1, Math.ceil(lines.length / MODAL_LINES_PER_PAGE));
  const p = Math.min(pages, Math.max(1, Math.trunc(page) || 1));
  const id = blockIds(`p${p}`);
  const onPage = lines.slice((p - 1) * MODAL_LINES_PER_PAGE, p * MODAL_LINES_PER_PAGE);
  const blocks: Block[] = [
    { type: 'context', block_id: id('page'), elements: [mrkdwn(`Page ${p} of ${pages} · ${plural(lines.length, 'job')}`)] },
  ];
  for (const section of DIGEST_SECTIONS) {
    const here = onPage.filter((l) => l.section === section).map((l) => l.text);
    // Lines of at most 300 code points stay under a section's 3,000 in groups of 9.
    for (let i = 0; i < here.length; i += 9) {
      blocks.push({
        type: 'section',
        block_id: id(section),
        text: mrkdwn(`${i === 0 ? `${TITLES[section]}\n` : ''}${here.slice(i, i + 9).join('\n')}`),
      });
    }
  }
  const buttons = [];
  if (p > 1) buttons.push({ type: 'button' as const, text: plainText('← Previous'), action_id: DIGEST_ACTIONS.prev, value: String(p - 1) });
  if (p < pages) buttons.push({ type: 'button' as const, text: plainText('Next →'), action_id: DIGEST_ACTIONS.next, value: String(p + 1) });
  if (buttons.length > 0) blocks.push({ type: 'actions', block_id: id('pages'), elements: buttons });
  return {
    type: 'modal',
    callback_id: DIGEST_CALLBACK_ID,
    title: plainText('Digest'),
    close: plainText('Close'),
    private_metadata: JSON.stringify({ digestId, page: p }),
    blocks,
  };
}
