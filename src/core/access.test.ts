import { describe, expect, it } from 'vitest';
import { type AccessDeps, type AccessSettings, type Action, checkAccess, type Refusal, UserLimiter } from './access.js';
import type { Directory, Installation, Lookup, Person, Place } from './ports.js';

/**
 * The access policy as a table: who, where, what → allowed or the refusal. The directory is plain
 * data here (the Slack one, with its cache, is tested end to end against the fake Slack).
 */

const HOME: Installation = { teamId: 'T_HOME', enterpriseId: null };
const GRID: Installation = { teamId: 'T_HOME', enterpriseId: 'E_ORG' };

const member = (over: Partial<Person> = {}): Person => ({
  userId: 'U_MEMBER',
  teamId: 'T_HOME',
  enterpriseId: null,
  guest: false,
  stranger: false,
  deleted: false,
  ...over,
});

interface World {
  people: Record<string, Person | 'error'>;
  places?: Record<string, Place | 'error'>;
  groups?: Record<string, string[] | 'error'>;
}

function directoryOf(world: World): Directory & { asked: string[] } {
  const asked: string[] = [];
  const answer = <T>(value: T | 'error' | undefined, what: string): Lookup<T> => {
    asked.push(what);
    return value === undefined || value === 'error' ? { ok: false, detail: 'request_failed' } : { ok: true, value };
  };
  return {
    asked,
    person: async (id) => answer(world.people[id], `person ${id}`),
    place: async (id) => answer(world.places?.[id], `place ${id}`),
    groupMembers: async (id) => {
      const members = world.groups?.[id];
      return answer(members === 'error' || members === undefined ? members : new Set(members), `group ${id}`);
    },
  };
}

const SETTINGS: AccessSettings = { allowGuests: false, allowSharedChannels: false, allowedUsergroups: [], lookupsPerUserPerMinute: 20 };
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

function deps(world: World, over: Partial<AccessSettings> = {}, installation = HOME): AccessDeps & { directory: { asked: string[] } } {
  const settings = { ...SETTINGS, ...over };
  return {
    directory: directoryOf(world),
    installation,
    settings,
    limiter: new UserLimiter(settings.lookupsPerUserPerMinute),
    logger: quiet,
  };
}

const PLACES = {
  C_OURS: { channelId: 'C_OURS', sharedWithOtherOrganisation: false, visibleToBot: true },
  C_SHARED: { channelId: 'C_SHARED', sharedWithOtherOrganisation: true, visibleToBot: true },
  C_HIDDEN: { channelId: 'C_HIDDEN', sharedWithOtherOrganisation: false, visibleToBot: false },
};

const decide = async (d: AccessDeps, userId: string, action: Action, channelId = 'C_OURS') => {
  const decision = await checkAccess(d, { userId, channelId, action, jobId: 'dj-1' });
  return decision.allowed ? 'allowed' : decision.refusal;
};

describe('checkAccess', () => {
  it.each<[string, Person | 'error', Partial<AccessSettings>, Installation, Action, string, 'allowed' | Refusal]>([
    ['a member looks a job up', member(), {}, HOME, 'lookup', 'C_OURS', 'allowed'],
    ['a multi-channel guest', member({ guest: true }), {}, HOME, 'lookup', 'C_OURS', 'guest'],
    ['a guest, where guests are allowed', member({ guest: true }), { allowGuests: true }, HOME, 'refresh', 'C_OURS', 'allowed'],
    ['a guest asking for help', member({ guest: true }), {}, HOME, 'help', 'C_OURS', 'guest'],
    ['someone of another team (no Grid)', member({ teamId: 'T_OTHER' }), {}, HOME, 'lookup', 'C_OURS', 'other_organisation'],
    ['someone of a Grid org, here without Grid', member({ enterpriseId: 'E_OTHER' }), {}, HOME, 'lookup', 'C_OURS', 'other_organisation'],
    [
      'another workspace of our own Grid org',
      member({ teamId: 'T_SISTER', enterpriseId: 'E_ORG' }),
      {},
      GRID,
      'lookup',
      'C_OURS',
      'allowed',
    ],
    ['another Grid org', member({ enterpriseId: 'E_OTHER' }), {}, GRID, 'lookup', 'C_OURS', 'other_organisation'],
    ['a stranger met in a shared channel', member({ stranger: true }), {}, HOME, 'lookup', 'C_OURS', 'other_organisation'],
    [
      'other organisations are refused even where guests are allowed',
      member({ teamId: 'T_OTHER' }),
      { allowGuests: true, allowSharedChannels: true },
      HOME,
      'lookup',
      'C_OURS',
      'other_organisation',
    ],
    ['a deactivated account', member({ deleted: true }), {}, HOME, 'lookup', 'C_OURS', 'cannot_check'],
    ['Slack cannot say who it is', 'error', {}, HOME, 'lookup', 'C_OURS', 'cannot_check'],
    ['a look-up in a shared channel stays private, so it is allowed', member(), {}, HOME, 'lookup', 'C_SHARED', 'allowed'],
    ['subscribing a shared channel', member(), {}, HOME, 'subscribe', 'C_SHARED', 'shared_channel'],
    ['sharing a card in a shared channel', member(), {}, HOME, 'share', 'C_SHARED', 'shared_channel'],
    ['resuming (a fresh card) in a shared channel', member(), {}, HOME, 'resume', 'C_SHARED', 'shared_channel'],
    ['subscribing a shared channel, where allowed', member(), { allowSharedChannels: true }, HOME, 'subscribe', 'C_SHARED', 'allowed'],
    ['unsubscribing a shared channel (it stops posting there)', member(), {}, HOME, 'unsubscribe', 'C_SHARED', 'allowed'],
    ['refreshing a card the channel reads, in a shared channel', member(), {}, HOME, 'refresh_in_channel', 'C_SHARED', 'shared_channel'],
    ['refreshing one’s own private card in a shared channel', member(), {}, HOME, 'refresh', 'C_SHARED', 'allowed'],
    ['unfurling a link in a shared channel', member(), {}, HOME, 'unfurl', 'C_SHARED', 'shared_channel'],
    ['unfurling a link in our own channel', member(), {}, HOME, 'unfurl', 'C_OURS', 'allowed'],
    ['a guest’s link', member({ guest: true }), {}, HOME, 'unfurl', 'C_OURS', 'guest'],
    ['opening "Watch this job" in a shared channel', member(), {}, HOME, 'watch', 'C_SHARED', 'shared_channel'],
    ['a guest opening the App Home', member({ guest: true }), {}, HOME, 'home', 'C_OURS', 'guest'],
    ['a member opening the App Home', member(), {}, HOME, 'home', 'C_OURS', 'allowed'],
    ['a channel Slack cannot be asked about just now', member(), {}, HOME, 'subscribe', 'C_UNKNOWN', 'cannot_check'],
    ['a channel hidden from the bot (it cannot post there either, so it may try)', member(), {}, HOME, 'share', 'C_HIDDEN', 'allowed'],
  ])('%s → %s', async (_name, person, settings, installation, action, channel, expected) => {
    const d = deps({ people: { U_MEMBER: person }, places: PLACES }, settings, installation);
    expect(await decide(d, 'U_MEMBER', action, channel)).toBe(expected);
  });

  it.each<[string, Record<string, string[] | 'error'>, 'allowed' | Refusal]>([
    ['in one of the groups', { S_DATA: ['U_X', 'U_MEMBER'], S_ML: [] }, 'allowed'],
    ['in none of them', { S_DATA: ['U_X'], S_ML: ['U_Y'] }, 'not_in_allowed_groups'],
    ['in the second, while the first cannot be read', { S_DATA: 'error', S_ML: ['U_MEMBER'] }, 'allowed'],
    ['not in the one that can be read, the other cannot be', { S_DATA: 'error', S_ML: ['U_Y'] }, 'cannot_check'],
  ])('with an allow-list of user groups: a member %s → %s', async (_name, groups, expected) => {
    const d = deps({ people: { U_MEMBER: member() }, groups }, { allowedUsergroups: ['S_DATA', 'S_ML'] });
    expect(await decide(d, 'U_MEMBER', 'lookup')).toBe(expected);
  });

  it('refuses before it looks further: a guest costs one person lookup, nothing about the channel or groups', async () => {
    const d = deps(
      { people: { U_MEMBER: member({ guest: true }) }, places: PLACES, groups: { S_DATA: ['U_MEMBER'] } },
      { allowedUsergroups: ['S_DATA'] },
    );
    expect(await decide(d, 'U_MEMBER', 'subscribe')).toBe('guest');
    expect(d.directory.asked).toEqual(['person U_MEMBER']);
  });

  it('lets one person make 20 look-ups and clicks a minute, then asks them to wait; others are not held', async () => {
    let now = Date.parse('2026-07-28T14:00:00Z');
    const d = {
      ...deps({ people: { U_MEMBER: member(), U_OTHER: member({ userId: 'U_OTHER' }) }, places: PLACES }),
      now: () => new Date(now),
    };
    const results: string[] = [];
    for (let i = 0; i < 21; i++) results.push(await decide(d, 'U_MEMBER', i % 2 ? 'refresh' : 'lookup'));
    expect(results.slice(0, 20).every((r) => r === 'allowed')).toBe(true);
    expect(results[20]).toBe('too_many_lookups');
    expect(await decide(d, 'U_OTHER', 'lookup')).toBe('allowed');
    // Help and list read nothing from SeekrFlow: never limited.
    expect(await decide(d, 'U_MEMBER', 'list')).toBe('allowed');
    // Nor do the App Home and the shortcut's form; an unfurl reads the jobs, so it waits too.
    expect(await decide(d, 'U_MEMBER', 'home')).toBe('allowed');
    expect(await decide(d, 'U_MEMBER', 'watch')).toBe('allowed');
    expect(await decide(d, 'U_MEMBER', 'unfurl')).toBe('too_many_lookups');
    now += 60_001;
    expect(await decide(d, 'U_MEMBER', 'lookup')).toBe('allowed');
  });
});

describe('UserLimiter', () => {
  it('slides: the 21st action in any 60 seconds waits until the oldest is a minute old', () => {
    const limiter = new UserLimiter(20);
    for (let i = 0; i < 20; i++) expect(limiter.take('U1', i * 1_000)).toBe(true);
    expect(limiter.take('U1', 59_999)).toBe(false);
    expect(limiter.take('U1', 60_001)).toBe(true);
    expect(limiter.take('U1', 60_002)).toBe(false);
  });
});
