import { WebClient } from '@slack/web-api';
import type { Directory, Lookup, Person, Place } from '../core/ports.js';
import { ttlCache } from '../util/ttl-cache.js';
import type { Pacer } from './pacing.js';
import { pacedCall, slackFailure } from './poster.js';

/**
 * The core's directory, from Slack: `users.info`, `conversations.info` and `usergroups.users.list`,
 * each answer remembered for at most `ttlMs` (five minutes by default, so a member turned guest loses
 * access within five minutes) and shared among concurrent askers, so a busy person costs one
 * `users.info` per five minutes. Failures are not remembered: the next ask tries Slack again.
 */

export interface SlackDirectoryOptions {
  client: WebClient;
  ttlMs: number;
  now?: () => number;
  /**
   * The process's pacer: look-ups wait their turn with delivery's calls (twelve channels subscribed
   * at once would otherwise run past tier 3's burst into 429s and "try again" answers).
   */
  pacer?: Pacer;
  onCall?: (method: string, outcome: string) => void;
}

interface SlackUser {
  id?: string;
  team_id?: string;
  deleted?: boolean;
  is_restricted?: boolean;
  is_ultra_restricted?: boolean;
  is_stranger?: boolean;
  enterprise_user?: { enterprise_id?: string };
}

interface SlackChannel {
  id?: string;
  is_ext_shared?: boolean;
  is_pending_ext_shared?: boolean;
}

const failed = (error: unknown): { ok: false; detail: string } => ({ ok: false, detail: slackFailure(error).error });

export function createSlackDirectory({ client, ttlMs, now, pacer, onCall }: SlackDirectoryOptions): Directory {
  const paced = <T>(method: string, send: () => Promise<T>) => pacedCall(pacer, method, undefined, send, onCall);
  const cache = <V>(load: (key: string) => Promise<Lookup<V>>) => ttlCache(load, { ttlMs, keep: (v) => v.ok, ...(now ? { now } : {}) });

  const person = cache<Person>(async (userId) => {
    try {
      const { user } = (await paced('users.info', () => client.users.info({ user: userId }))) as { user?: SlackUser };
      if (!user?.id) return { ok: false, detail: 'no_user' };
      return {
        ok: true,
        value: {
          userId: user.id,
          teamId: user.team_id ?? null,
          enterpriseId: user.enterprise_user?.enterprise_id ?? null,
          guest: user.is_restricted === true || user.is_ultra_restricted === true,
          stranger: user.is_stranger === true,
          deleted: user.deleted === true,
        },
      };
    } catch (error) {
      return failed(error);
    }
  });

  const place = cache<Place>(async (channelId) => {
    try {
      const { channel } = (await paced('conversations.info', () => client.conversations.info({ channel: channelId }))) as {
        channel?: SlackChannel;
      };
      if (!channel?.id) return { ok: false, detail: 'no_channel' };
      // A share still pending counts as shared: the other organisation may accept it any moment.
      const shared = channel.is_ext_shared === true || channel.is_pending_ext_shared === true;
      return { ok: true, value: { channelId: channel.id, sharedWithOtherOrganisation: shared, visibleToBot: true } };
    } catch (error) {
      const failure = failed(error);
      // Slack will not describe it to the bot, so the bot cannot post there either: a try leaks nothing.
      if (failure.detail === 'channel_not_found') {
        return { ok: true, value: { channelId, sharedWithOtherOrganisation: false, visibleToBot: false } };
      }
      return failure;
    }
  });

  const groupMembers = cache<ReadonlySet<string>>(async (groupId) => {
    try {
      const { users } = await paced('usergroups.users.list', () => client.usergroups.users.list({ usergroup: groupId }));
      return { ok: true, value: new Set(users ?? []) };
    } catch (error) {
      return failed(error);
    }
  });

  return { person, place, groupMembers };
}

/**
 * Whether a channel is shared with another organisation, for delivery's guard: its own client and
 * cache (delivery runs in one replica; the listeners' directory lives in the app). A channel Slack
 * will not describe is not refused here: posting there fails on its own, with its own reason.
 */
export function sharedChannelGuard(slack: {
  token: string;
  apiUrl?: string | undefined;
  ttlMs: number;
  pacer?: Pacer;
  onCall?: SlackDirectoryOptions['onCall'];
}): (channelId: string) => Promise<boolean> {
  const client = new WebClient(slack.token, {
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 1, factor: 1, minTimeout: 200, maxTimeout: 200 },
    ...(slack.apiUrl ? { slackApiUrl: slack.apiUrl } : {}),
  });
  const directory = createSlackDirectory({
    client,
    ttlMs: slack.ttlMs,
    ...(slack.pacer ? { pacer: slack.pacer } : {}),
    ...(slack.onCall ? { onCall: slack.onCall } : {}),
  });
  return async (channelId) => {
    // A user's direct messages (an owner's notices) are never shared with another organisation.
    if (/^[UW]/.test(channelId)) return false;
    const place = await directory.place(channelId);
    return place.ok && place.value.visibleToBot && place.value.sharedWithOtherOrganisation;
  };
}
