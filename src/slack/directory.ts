import type { WebClient } from '@slack/web-api';
import { LRUCache } from 'lru-cache';
import type { Directory, Lookup } from '../core/ports/directory.js';
import type { Person, Place } from '../domain/people.js';
import { type Pacer, type TurnOptions, TurnTimeout } from './pacing.js';
import { pacedCall, slackFailure } from './poster.js';

/**
 * The core's directory, from Slack: `users.info`, `conversations.info` (with `conversations.members`
 * for a group DM) and `usergroups.users.list`, each answer remembered for at most `ttlMs` (five
 * minutes by default, so a member turned guest loses access within five minutes). Failures are not
 * remembered: the next ask tries Slack again.
 *
 * One directory serves two kinds of askers, sharing what they learn: people (a command's or a click's
 * access check) and delivery (whether a channel may still get job data). A person goes first at the
 * pacer and waits there a few seconds at most, so that a click never queues behind a backlog of
 * delivery's look-ups; concurrent asks of one kind share one call.
 */

export interface SlackDirectoryOptions {
  client: WebClient;
  ttlMs: number;
  now?: () => number;
  /** The process's pacer: look-ups wait their turn with delivery's calls, under Slack's tiers. */
  pacer?: Pacer;
  onCall?: (method: string, outcome: string) => void;
  /** How long a person's look-up may wait for its turn at the pacer before it is "try again". */
  urgentWaitMs?: number;
}

export interface SlackDirectory {
  /** For a person waiting for an answer: first in line, and never waiting long. */
  forPeople: Directory;
  /** For delivery's checks: in line behind people. */
  forDelivery: Directory;
}

interface SlackUser {
  id?: string;
  team_id?: string;
  deleted?: boolean;
  is_restricted?: boolean;
  is_ultra_restricted?: boolean;
  is_stranger?: boolean;
  enterprise_user?: { enterprise_id?: string };
  tz?: string;
}

interface SlackChannel {
  id?: string;
  is_im?: boolean;
  is_mpim?: boolean;
  is_private?: boolean;
  is_member?: boolean;
  is_ext_shared?: boolean;
  is_pending_ext_shared?: boolean;
  user?: string;
}

/** A group DM holds at most nine people; more than this many members is not a group DM to trust. */
const MAX_PEOPLE = 50;
/** Longer than one turn of the slowest tier a person waits at (tier 2: one every 3.2 s), far shorter than a hold. */
const URGENT_WAIT_MS = 5_000;

const failed = (error: unknown): { ok: false; detail: string } =>
  error instanceof TurnTimeout ? { ok: false, detail: 'paced_out' } : { ok: false, detail: slackFailure(error).error };

type Lane = 'people' | 'delivery';

/**
 * One kind of answer: remembered for both lanes, each lane's concurrent asks sharing one load. A
 * person's ask does not join delivery's load (it may be queued behind many others at the pacer).
 */
function lookup<V>(ttlMs: number, now: (() => number) | undefined, load: (key: string, turn: TurnOptions) => Promise<Lookup<V>>) {
  const remembered = new LRUCache<string, { value: Lookup<V> }>({ max: 10_000, ttl: ttlMs, ...(now ? { perf: { now } } : {}) });
  const loading: Record<Lane, Map<string, Promise<Lookup<V>>>> = { people: new Map(), delivery: new Map() };
  return (lane: Lane, turn: TurnOptions) =>
    (key: string): Promise<Lookup<V>> => {
      const hit = remembered.get(key);
      if (hit) return Promise.resolve(hit.value);
      const pending = loading[lane].get(key);
      if (pending) return pending;
      const request = load(key, turn)
        .then((value) => {
          if (value.ok) remembered.set(key, { value });
          return value;
        })
        .finally(() => loading[lane].delete(key));
      loading[lane].set(key, request);
      return request;
    };
}

export function createSlackDirectory({ client, ttlMs, now, pacer, onCall, urgentWaitMs }: SlackDirectoryOptions): SlackDirectory {
  const paced = <T>(method: string, turn: TurnOptions, send: () => Promise<T>) => pacedCall(pacer, method, undefined, send, onCall, turn);

  const person = lookup<Person>(ttlMs, now, async (userId, turn) => {
    try {
      const { user } = (await paced('users.info', turn, () => client.users.info({ user: userId }))) as { user?: SlackUser };
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
          tz: typeof user.tz === 'string' ? user.tz.slice(0, 64) : null,
        },
      };
    } catch (error) {
      return failed(error);
    }
  });

  const place = lookup<Place>(ttlMs, now, async (channelId, turn) => {
    try {
      const { channel } = (await paced('conversations.info', turn, () => client.conversations.info({ channel: channelId }))) as {
        channel?: SlackChannel;
      };
      if (!channel?.id) return { ok: false, detail: 'no_channel' };
      // A share still pending counts as shared: the other organisation may accept it any moment.
      const shared = channel.is_ext_shared === true || channel.is_pending_ext_shared === true;
      const base = { channelId: channel.id, sharedWithOtherOrganisation: shared, visibleToBot: true };
      // The bot sees a direct message only if it is its own, and a group DM only if it is in it.
      if (channel.is_im) return { ok: true, value: { ...base, kind: 'im', botIsMember: true, people: channel.user ? [channel.user] : [] } };
      if (channel.is_mpim) {
        const people = await members(channel.id, turn);
        return people.ok ? { ok: true, value: { ...base, kind: 'mpim', botIsMember: true, people: people.value } } : people;
      }
      const kind = channel.is_private ? 'private' : 'public';
      return { ok: true, value: { ...base, kind, botIsMember: channel.is_member === true, people: null } };
    } catch (error) {
      const failure = failed(error);
      // Slack will not describe it to the bot: a private conversation it is not in, whoever is there.
      if (failure.detail === 'channel_not_found') {
        return {
          ok: true,
          value: { channelId, kind: 'private', sharedWithOtherOrganisation: false, visibleToBot: false, botIsMember: false, people: null },
        };
      }
      return failure;
    }
  });

  const members = async (channelId: string, turn: TurnOptions): Promise<Lookup<string[]>> => {
    try {
      const answer = await paced('conversations.members', turn, () =>
        client.conversations.members({ channel: channelId, limit: MAX_PEOPLE }),
      );
      const people = answer.members ?? [];
      if (answer.response_metadata?.next_cursor || people.length >= MAX_PEOPLE) return { ok: false, detail: 'too_many_members' };
      return { ok: true, value: people };
    } catch (error) {
      return failed(error);
    }
  };

  const groupMembers = lookup<ReadonlySet<string>>(ttlMs, now, async (groupId, turn) => {
    try {
      const { users } = await paced('usergroups.users.list', turn, () => client.usergroups.users.list({ usergroup: groupId }));
      return { ok: true, value: new Set(users ?? []) };
    } catch (error) {
      return failed(error);
    }
  });

  const lane = (which: Lane, turn: TurnOptions): Directory => ({
    person: person(which, turn),
    place: place(which, turn),
    groupMembers: groupMembers(which, turn),
  });
  return {
    forPeople: lane('people', { urgent: true, maxWaitMs: urgentWaitMs ?? URGENT_WAIT_MS }),
    forDelivery: lane('delivery', {}),
  };
}
