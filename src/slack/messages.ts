import type { Refusal } from '../core/access.js';
import type { FeedSummary, SubscribeTeamResult, UnsubscribeTeamResult } from '../core/feeds.js';
import type { MeResult } from '../core/owners.js';
import type { FetchFailure } from '../core/ports/job-source.js';
import type { Notice, SubscriptionNote } from '../core/ports/notifier.js';
import type {
  ChannelSubscription,
  PauseResult,
  PostRefusal,
  ResumeResult,
  SubscribeResult,
  UnsubscribeResult,
} from '../core/subscriptions.js';
import { PAUSED_BY_PERSON } from '../domain/subscription.js';
import { type Block, blockIds, mrkdwn } from './blocks/block-kit.js';
import { userMention } from './blocks/card.js';
import { escapeAndTruncate } from './blocks/escape.js';
import { dateToken, plural } from './blocks/format.js';
import { statusDisplay } from './blocks/status.js';

/**
 * Every short answer the bot gives in Slack, besides cards: help, what went wrong and what to do.
 * Answers quote only our own words, a validated job id, or escaped API text.
 */

export interface Reply {
  text: string;
  blocks?: Block[];
}

const USAGE = [
  '`/datajob <job id>`: show a job’s card (only you see it)',
  '`/datajob subscribe <job id> [all|failures|digest]`: keep a living card of the job in this channel, with a thread of what happens (`digest`: the card only, the digest tells the rest)',
  '`/datajob unsubscribe <job id>`: stop updating this channel',
  '`/datajob pause <job id>` and `/datajob resume <job id>`: hold this channel’s updates, and take them up again',
  '`/datajob subscribe team [all|failures] [type:<job type>] [name:<glob>]`: follow every new job of the team here; `/datajob unsubscribe team` stops it',
  '`/datajob me <your SeekrFlow user id>`: be told directly when your jobs need you (`me`, `me off`, `me quiet`)',
  '`/datajob start <job id>` and `/datajob cancel <job id>`: start or cancel a job’s alignment, after you confirm (if whoever runs the bot allows you)',
  '`/datajob digest daily|weekdays <HH:MM> [time zone] [quiet]`: one message a day about this channel’s jobs (`quiet`: none on a day with nothing to say); `/datajob digest off` stops it',
  '`/datajob quiet <HH:MM>-<HH:MM> [time zone] [all]`: routine replies wait for the morning, folded into one per card (`all`: failures wait too); `/datajob quiet off`',
  '`/datajob list`: this channel’s subscriptions, digest and quiet hours',
  '`/datajob help`: this message',
].join('\n');

export function helpReply(): Reply {
  const id = blockIds('help');
  const text = [
    '*Watch SeekrFlow data jobs from Slack.*',
    USAGE,
    '',
    '*Examples*',
    '`/datajob dj-3f2a9c1e-…`',
    '`/datajob subscribe dj-3f2a9c1e-…` (status changes, failures and the end)',
    '`/datajob subscribe dj-3f2a9c1e-… failures` (only what needs a person)',
    '`/datajob subscribe dj-3f2a9c1e-… all` (everything, alignment steps too)',
  ].join('\n');
  return { text: 'How to use /datajob', blocks: [{ type: 'section', block_id: id('usage'), text: mrkdwn(text) }] };
}

/** `problem` is our own plain sentence (from the parser). */
export function invalidCommandReply(problem: string): Reply {
  return { text: `:warning: ${problem}\n\n*Usage*\n${USAGE}` };
}

const jobRef = (jobId: string) => `\`${escapeAndTruncate(jobId, 128, { oneLine: true })}\``;

export function fetchFailureReply(failure: FetchFailure, jobId: string): Reply {
  const requestId = failure.requestId ? ` (SeekrFlow request id \`${escapeAndTruncate(failure.requestId, 64, { oneLine: true })}\`)` : '';
  return { text: `:warning: Could not get data job ${jobRef(jobId)}: ${escapeAndTruncate(failure.message, 600)}${requestId}` };
}

const CANNOT_POST: Record<string, string> = {
  not_a_member: 'I’m not in this channel. Invite me with `/invite @datajob-bot`, then try again.',
  not_found:
    'I can’t post here: this is a private channel or a conversation I’m not part of. Invite me with `/invite @datajob-bot`, then try again.',
  archived: 'This channel is archived, so nothing can be posted in it.',
  restricted: 'This workspace does not let me post in this channel. Ask an admin, or use another channel.',
  shared: 'This channel is shared with another organisation, so job data is not posted here.',
};

/** Why a card could not be posted here, and what to do. */
export function cannotPostReply(refusal: PostRefusal): Reply {
  const known = refusal.kind === 'destination_gone' ? CANNOT_POST[refusal.why] : undefined;
  return {
    text: `:warning: ${known ?? `Slack would not let me post here (\`${escapeAndTruncate(refusal.detail, 60)}\`). Try again in a minute.`}`,
  };
}

export function subscribeReply(result: SubscribeResult | ResumeResult, jobId: string, channelId: string): Reply {
  switch (result.kind) {
    case 'not_subscribed':
      return { text: `This channel is not subscribed to ${jobRef(jobId)}. \`/datajob list\` shows what it is subscribed to.` };
    case 'subscribed':
      return {
        text: `:white_check_mark: Subscribed <#${channelId}> to *${escapeAndTruncate(result.jobName, 150, { oneLine: true })}* (${jobRef(jobId)}). The card is kept current; what happens goes in its thread.`,
      };
    case 'resumed':
      return {
        text: `:arrow_forward: Resumed the subscription of <#${channelId}> to *${escapeAndTruncate(result.jobName, 150, { oneLine: true })}*, with a fresh card.`,
      };
    case 'already':
      return { text: `This channel is already subscribed to ${jobRef(jobId)} (since ${dateToken(result.subscription.createdAt)}).` };
    case 'job_ended':
      return {
        text: `Data job *${escapeAndTruncate(result.jobName, 150, { oneLine: true })}* has already ended (${statusDisplay(result.status).label}): there is nothing left to watch. Use \`/datajob ${jobId}\` to see its card.`,
      };
    case 'fetch_failed':
      return fetchFailureReply(result.failure, jobId);
    case 'cannot_post':
      return cannotPostReply(result.refusal);
  }
}

export function unsubscribeReply(result: UnsubscribeResult, jobId: string, channelId: string): Reply {
  return result.kind === 'unsubscribed'
    ? { text: `Unsubscribed <#${channelId}> from ${jobRef(jobId)}. The card stays, marked as no longer updated.` }
    : { text: `This channel is not subscribed to ${jobRef(jobId)}. \`/datajob list\` shows what it is subscribed to.` };
}

/** The filters of a feed, as the command that made it reads: `failures · type:principle_files · name:prod-*`. */
function feedFilters(feed: FeedSummary['feed']): string {
  return [feed.filter, feed.jobType && `type:${feed.jobType}`, feed.nameGlob && `name:${feed.nameGlob}`]
    .filter(Boolean)
    .map((f) => `\`${escapeAndTruncate(String(f), 110, { oneLine: true })}\``)
    .join(' · ');
}

function feedText({ feed, covered, following }: FeedSummary): string {
  return (
    `:satellite: *Team feed* (${feedFilters(feed)}): covers ${plural(covered, 'job')} of the team, ` +
    `${following} followed here since ${dateToken(feed.createdAt)} · by ${userMention(feed.createdBy)}. ` +
    '`/datajob unsubscribe team` stops it.'
  );
}

export function subscribeTeamReply(result: SubscribeTeamResult, channelId: string): Reply {
  const { feed, created, covered } = result;
  const what =
    feed.filter === 'failures'
      ? 'each new job gets its card here only once it needs a person (failed files, review, a failed end)'
      : 'each new job gets its living card here, with its thread';
  return {
    text:
      `:satellite: ${created ? 'Following' : 'Changed the filters of'} the team's data jobs in <#${channelId}> (${feedFilters(feed)}): ` +
      `${what}. The ${plural(covered, 'job')} already there ${covered === 1 ? 'is' : 'are'} not announced.`,
  };
}

export function unsubscribeTeamReply(result: UnsubscribeTeamResult, channelId: string): Reply {
  return result.kind === 'unsubscribed'
    ? { text: `Stopped the team feed of <#${channelId}> (${plural(result.stopped, 'card')} no longer updated).` }
    : { text: `<#${channelId}> has no team feed. \`/datajob subscribe team\` starts one.` };
}

export function meReply(result: MeResult): Reply {
  const who = (link: { seekrflowUserId: string; quiet: boolean }) =>
    `\`${escapeAndTruncate(link.seekrflowUserId, 128, { oneLine: true })}\`${link.quiet ? ' (quiet: no notice when a job completes cleanly)' : ''}`;
  switch (result.kind) {
    case 'shown':
      return result.link
        ? {
            text: `You are linked to SeekrFlow user ${who(result.link)}: I tell you directly when one of its jobs needs you. \`/datajob me off\` unlinks you.`,
          }
        : {
            text: 'You are not linked to a SeekrFlow user. `/datajob me <your SeekrFlow user id>` links you, so I tell you directly when your jobs need you.',
          };
    case 'linked':
      return {
        text: `:white_check_mark: Linked to SeekrFlow user ${who(result.link)}. I'll tell you here when one of its jobs fails files, needs review, fails or completes.`,
      };
    case 'unlinked':
      return {
        text: result.was
          ? 'Unlinked: I will not tell you about SeekrFlow jobs directly any more.'
          : 'You were not linked to a SeekrFlow user.',
      };
    case 'quiet':
      return result.link
        ? {
            text: result.link.quiet
              ? 'Quiet: no notice when a job completes cleanly, only when it needs you.'
              : 'I will tell you when a job completes, too.',
          }
        : { text: 'Link yourself first: `/datajob me <your SeekrFlow user id>`.' };
    case 'invalid_id':
      return { text: ':warning: That is not a SeekrFlow user id (letters, digits and `-_.:`, at most 128).' };
  }
}

/** Why a subscription is paused, as a reader wants it: who and since when, or what the channel or the bot lacks. */
export function pausedText(s: ChannelSubscription['subscription']): string {
  if (s.stateReason === PAUSED_BY_PERSON) {
    return `${s.stateBy ? ` by ${userMention(s.stateBy)}` : ''}${s.stateAt ? ` since ${dateToken(s.stateAt)}` : ''}`;
  }
  const [kind, detail] = splitReason(s.stateReason ?? '');
  const why =
    kind === 'destination' && detail in PAUSE_REASONS
      ? PAUSE_REASONS[detail as Notice['why']]
      : kind === 'scope'
        ? `the bot lacks the \`${escapeAndTruncate(detail, 60)}\` permission (add it to the app, then reinstall)`
        : escapeAndTruncate(s.stateReason ?? 'unknown', 60);
  const code = s.lastDelivery && s.lastDelivery !== 'ok' ? ` (\`${escapeAndTruncate(s.lastDelivery, 60)}\`)` : '';
  return `: ${why}${code}`;
}

const splitReason = (reason: string): [string, string] => {
  const at = reason.indexOf(':');
  return at < 0 ? ['', reason] : [reason.slice(0, at), reason.slice(at + 1)];
};

export function pauseReply(result: PauseResult, jobId: string, channelId: string): Reply {
  switch (result.kind) {
    case 'paused':
      return { text: `Paused <#${channelId}>’s updates of ${jobRef(jobId)}. \`/datajob resume ${jobId}\` takes them up again.` };
    case 'already_paused':
      return {
        text: `<#${channelId}>’s updates of ${jobRef(jobId)} are already paused. \`/datajob resume ${jobId}\` takes them up again.`,
      };
    case 'not_subscribed':
      return { text: `This channel is not subscribed to ${jobRef(jobId)}. \`/datajob list\` shows what it is subscribed to.` };
  }
}

const REFUSALS: Record<Refusal, string> = {
  guest: 'Guests can’t use /datajob: ask a full member of your workspace.',
  other_organisation: '/datajob is only for members of the organisation that runs it.',
  not_in_allowed_groups: '/datajob is limited to members of certain user groups, and you are not in one: ask whoever runs the bot.',
  shared_channel:
    'This channel is shared with another organisation, so job data is not posted here. Use a channel only your organisation can read; `/datajob <job id>` still works here, only for you.',
  unseen_conversation:
    'I can’t see who reads this conversation, so job data is not posted here. Use a channel I am in; `/datajob <job id>` still works here, only for you.',
  cannot_check: 'I couldn’t check with Slack who you are or where this is. Try again in a minute.',
  too_many_lookups: 'That’s a lot of look-ups in one minute: wait a minute, then try again.',
};

/** One sentence that says why, and nothing of the job. */
export function refusalReply(refusal: Refusal): Reply {
  return { text: `:no_entry: ${REFUSALS[refusal]}` };
}

/** A Home button of a subscription someone else made (the Home acts only on one's own). */
export function notYourSubscriptionReply(
  s: { channelId: string; jobId: string; createdBy: string },
  action: 'resume' | 'unsubscribe',
): Reply {
  return {
    text: `:no_entry: ${userMention(s.createdBy)} subscribed <#${s.channelId}> to ${jobRef(s.jobId)}, not you: run \`/datajob ${action} ${escapeAndTruncate(s.jobId, 128, { oneLine: true })}\` in <#${s.channelId}> instead.`,
  };
}

/** Blocks are capped well under Slack's 50; a channel with more subscriptions gets a count of the rest. */
const LIST_MAX = 40;

export function listReply(items: ChannelSubscription[], channelId: string, feed: FeedSummary | null = null): Reply {
  if (items.length === 0 && !feed) {
    return { text: `<#${channelId}> has no subscriptions. Subscribe with \`/datajob subscribe <job id>\`.` };
  }
  const id = blockIds('list');
  const blocks: Block[] = [
    { type: 'section', block_id: id('title'), text: mrkdwn(`*Subscriptions in <#${channelId}>* (${items.length})`) },
  ];
  if (feed) blocks.push({ type: 'section', block_id: id('feed'), text: mrkdwn(feedText(feed)) });
  for (const { subscription: s, watch } of items.slice(0, LIST_MAX)) {
    const snapshot = watch?.watch.snapshot;
    const name = snapshot ? escapeAndTruncate(snapshot.name, 120, { oneLine: true }) : 'not polled yet';
    const status = snapshot ? `${statusDisplay(snapshot.status).emoji} ${statusDisplay(snapshot.status).label}` : '—';
    const unknown = watch?.watch.unreachableNotified ? ' (SeekrFlow unreachable: state unknown)' : '';
    let delivery: string;
    if (s.state === 'paused') delivery = `:pause_button: *paused*${pausedText(s)}`;
    else if (s.cardTs === null)
      delivery = s.waitsForNeed ? 'its card waits until the job needs someone' : 'setting up: its card is on its way';
    else if (s.lastDelivery === null) delivery = 'nothing sent yet';
    else if (s.lastDelivery === 'ok') delivery = `ok${s.lastDeliveryAt ? ` ${dateToken(s.lastDeliveryAt)}` : ''}`;
    else delivery = `last attempt failed: \`${escapeAndTruncate(s.lastDelivery, 60)}\``;
    blocks.push({
      type: 'section',
      block_id: id('subscription'),
      text: mrkdwn(
        `*${name}* ${jobRef(s.jobId)}\n${status}${unknown} · hears: ${s.filter}\n` +
          `by <@${s.createdBy}> since ${dateToken(s.createdAt)} · delivery: ${delivery}`,
      ),
    });
  }
  if (items.length > LIST_MAX) {
    blocks.push({ type: 'context', block_id: id('more'), elements: [mrkdwn(`+${items.length - LIST_MAX} more`)] });
  }
  return { text: `${items.length} subscription${items.length === 1 ? '' : 's'} in this channel`, blocks };
}

export const SOMETHING_WENT_WRONG: Reply = {
  text: ':warning: Something went wrong on the bot’s side, and it has been logged. Try again in a minute.',
};

const PAUSE_REASONS: Record<Notice['why'], string> = {
  not_found: 'the channel is gone or the bot was removed from it',
  archived: 'the channel was archived',
  not_a_member: 'the bot is not in the channel',
  restricted: 'the workspace does not let the bot post there',
  shared: 'the channel is now shared with another organisation, where job data is not posted',
  refused: 'the person it tells is no longer allowed to use the bot',
  inactive: 'the bot’s Slack account was deactivated',
  revoked: 'the bot’s Slack token was revoked',
  invalid: 'Slack no longer accepts the bot’s token',
  missing_scope: 'the bot lacks a permission it needs',
};

/** The direct message that tells a subscription's creator it is paused, and how to resume it. */
export function pausedNotice(notice: Notice): { text: string } {
  const jobId = escapeAndTruncate(notice.jobId, 128, { oneLine: true });
  if (notice.why === 'missing_scope') {
    const scope = notice.scope ? `the \`${escapeAndTruncate(notice.scope, 60)}\` permission` : 'a permission it needs';
    return {
      text:
        `:pause_button: Your subscription of <#${notice.channelId}> to data job \`${jobId}\` is paused: the bot lacks ${scope}. ` +
        `Ask whoever runs the bot to add it (OAuth & Permissions → Bot Token Scopes) and reinstall the app, then run ` +
        `\`/datajob resume ${jobId}\` in the channel.`,
    };
  }
  return {
    text:
      `:pause_button: Your subscription of <#${notice.channelId}> to data job \`${jobId}\` is paused: ${PAUSE_REASONS[notice.why]}. ` +
      `Nothing more will be posted there until it is fixed. Invite the bot with \`/invite\` (or unarchive the channel), then run ` +
      `\`/datajob resume ${jobId}\` in the channel.`,
  };
}

/** What the bot says in a card's thread about the subscription itself: who changed it. */
export function subscriptionNoteText(note: SubscriptionNote): string {
  const who = userMention(note.by);
  switch (note.kind) {
    case 'unsubscribed':
      return `:no_bell: Unsubscribed by ${who}: the card above is no longer updated.`;
    case 'paused':
      return `:double_vertical_bar: Paused by ${who}: nothing more is posted here until someone runs \`/datajob resume\`.`;
    case 'resumed':
      return `:arrow_forward: Resumed by ${who}: the card is current again.`;
  }
}
