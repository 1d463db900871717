import type { DigestResult, QuietResult } from '../core/digest.js';
import type { ChannelSettings, DigestSchedule, QuietSetting } from '../core/ports/digest.js';
import { formatClock } from '../domain/local-time.js';
import { type Block, blockIds, mrkdwn } from './blocks/block-kit.js';
import { dateToken } from './blocks/format.js';

/** The answers to `digest` and `quiet`, and what `list` says of them. Time zones are Intl's canonical names: safe text. */

export interface Reply {
  text: string;
  blocks?: Block[];
}

const zoneProblem = (r: { kind: 'bad_tz'; tz: string } | { kind: 'no_tz' }): Reply =>
  r.kind === 'bad_tz'
    ? { text: ':warning: That is not a time zone I know: use an IANA name like `Europe/Berlin` or `America/New_York`.' }
    : { text: ':warning: I could not read your time zone from your Slack profile: add one, like `Europe/Berlin`, after the time.' };

export const digestText = (d: DigestSchedule): string =>
  `${d.days === 'daily' ? 'every day' : 'on weekdays'} at ${formatClock(d.minutes)} (${d.tz})${d.skipEmpty ? ', nothing on a day with nothing to say' : ''}`;

export const quietText = (q: QuietSetting): string =>
  `${formatClock(q.start)}–${formatClock(q.end)} (${q.tz})${q.all ? ', everything waits' : ', what needs a person still goes at once'}`;

export function digestReply(result: DigestResult, channelId: string): Reply {
  if (result.kind === 'off') return { text: `:newspaper: <#${channelId}> gets no digest any more.` };
  if (result.kind !== 'set') return zoneProblem(result);
  return {
    text: `:newspaper: <#${channelId}> gets a digest of its data jobs ${digestText(result.digest)}. The next: ${dateToken(result.dueAt)}.`,
  };
}

export function quietReply(result: QuietResult, channelId: string): Reply {
  if (result.kind === 'off') return { text: `:bell: <#${channelId}> has no quiet hours any more.` };
  if (result.kind !== 'set') return zoneProblem(result);
  return {
    text: `:crescent_moon: Quiet hours in <#${channelId}>: ${quietText(result.quiet)}. Cards still update; replies that waited go as one per card when the hours end.`,
  };
}

/** `list`'s lines about the digest and quiet hours, after the subscriptions. */
export function settingsBlocks(settings: ChannelSettings | null): Block[] {
  const id = blockIds('settings');
  const digest = settings?.digest
    ? `:newspaper: *Digest* ${digestText(settings.digest)} · next ${settings.digestDueAt ? dateToken(settings.digestDueAt) : 'not planned'} · by <@${settings.digest.setBy}>`
    : ':newspaper: *Digest*: none (`/datajob digest daily 09:00`)';
  const quiet = settings?.quiet
    ? `:crescent_moon: *Quiet hours* ${quietText(settings.quiet)} · by <@${settings.quiet.setBy}>`
    : ':crescent_moon: *Quiet hours*: none (`/datajob quiet 19:00-08:00`)';
  return [{ type: 'context', block_id: id('digest'), elements: [mrkdwn(digest), mrkdwn(quiet)] }];
}
