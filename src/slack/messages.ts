import type { FetchFailure, Notice, SubscriptionNote } from '../core/ports.js';
import type { ChannelSubscription, PostRefusal, SubscribeResult, UnsubscribeResult } from '../core/subscriptions.js';
import { type Block, blockIds, mrkdwn } from './blocks/block-kit.js';
import { escapeAndTruncate } from './blocks/escape.js';
import { dateToken } from './blocks/format.js';
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
  '`/datajob subscribe <job id> [all|failures]`: keep a living card of the job in this channel, with a thread of what happens',
  '`/datajob unsubscribe <job id>`: stop updating this channel',
  '`/datajob list`: this channel’s subscriptions',
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
};

/** Why a card could not be posted here, and what to do. */
export function cannotPostReply(refusal: PostRefusal): Reply {
  const known = refusal.kind === 'destination_gone' ? CANNOT_POST[refusal.why] : undefined;
  return {
    text: `:warning: ${known ?? `Slack would not let me post here (\`${escapeAndTruncate(refusal.detail, 60)}\`). Try again in a minute.`}`,
  };
}

export function subscribeReply(result: SubscribeResult, jobId: string, channelId: string): Reply {
  switch (result.kind) {
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

/** Blocks are capped well under Slack's 50; a channel with more subscriptions gets a count of the rest. */
const LIST_MAX = 40;

export function listReply(items: ChannelSubscription[], channelId: string): Reply {
  if (items.length === 0) {
    return { text: `<#${channelId}> has no subscriptions. Subscribe with \`/datajob subscribe <job id>\`.` };
  }
  const id = blockIds('list');
  const blocks: Block[] = [
    { type: 'section', block_id: id('title'), text: mrkdwn(`*Subscriptions in <#${channelId}>* (${items.length})`) },
  ];
  for (const { subscription: s, watch } of items.slice(0, LIST_MAX)) {
    const snapshot = watch?.watch.snapshot;
    const name = snapshot ? escapeAndTruncate(snapshot.name, 120, { oneLine: true }) : 'not polled yet';
    const status = snapshot ? `${statusDisplay(snapshot.status).emoji} ${statusDisplay(snapshot.status).label}` : '—';
    const unknown = watch?.watch.unreachableNotified ? ' (SeekrFlow unreachable: state unknown)' : '';
    let delivery: string;
    if (s.state === 'paused') delivery = `:pause_button: *paused*: \`${escapeAndTruncate(s.stateReason ?? 'unknown', 60)}\``;
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
  inactive: 'the bot’s Slack account was deactivated',
  revoked: 'the bot’s Slack token was revoked',
  invalid: 'Slack no longer accepts the bot’s token',
  missing_scope: 'the bot lacks a permission it needs',
};

/** The direct message that tells a subscription's creator it is paused, and how to resume it. */
export function pausedNotice(notice: Notice): { text: string } {
  const jobId = escapeAndTruncate(notice.jobId, 128, { oneLine: true });
  return {
    text:
      `:pause_button: Your subscription of <#${notice.channelId}> to data job \`${jobId}\` is paused: ${PAUSE_REASONS[notice.why]}. ` +
      `Nothing more will be posted there until it is fixed. Invite the bot with \`/invite\` (or unarchive the channel), then run ` +
      `\`/datajob subscribe ${jobId}\` in the channel to resume.`,
  };
}

/** What the bot says in a card's thread about the subscription itself. */
export function subscriptionNoteText(note: SubscriptionNote): string {
  switch (note.kind) {
    case 'unsubscribed':
      return `<@${note.by}> unsubscribed this channel: the card above is no longer updated.`;
  }
}
