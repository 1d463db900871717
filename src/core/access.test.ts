import { describe, expect, it } from 'vitest';
import type { Installation, Person, Place } from '../domain/people.js';
import type { Subscription } from '../domain/subscription.js';
import { type AccessDeps, type AccessSettings, type Action, checkAccess, deliveryAudience, type Refusal, UserLimiter } from './access.js';
import type { Directory, Lookup } from './ports/directory.js';
import type { AudienceCheck } from './ports/notifier.js';

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

const place = (channelId: string, over: Partial<Place> = {}): Place => ({
  channelId,
  kind: 'public',
  sharedWithOtherOrganisation: false,
  visibleToBot: true,
  botIsMember: true,
  people: null,
  ...over,
});

const PLACES: Record<string, Place> = {
  C_OURS: place('C_OURS'),
  C_SHARED: place('C_SHARED', { sharedWithOtherOrganisation: true }),
  // A private conversation Slack will not describe to the bot: a DM between people, a private channel it is not in.
  C_HIDDEN: place('C_HIDDEN', { kind: 'private', visibleToBot: false, botIsMember: false }),
  C_PUBLIC_NOT_IN: place('C_PUBLIC_NOT_IN', { botIsMember: false }),
  C_PRIVATE_IN: place('C_PRIVATE_IN', { kind: 'private' }),
  D_OURS: place('D_OURS', { kind: 'im', people: ['U_MEMBER'] }),
  G_OURS: place('G_OURS', { kind: 'mpim', people: ['U_MEMBER', 'U_COLLEAGUE'] }),
  G_WITH_STRANGER: place('G_WITH_STRANGER', { kind: 'mpim', people: ['U_MEMBER', 'U_STRANGER'] }),
  G_UNKNOWN_PERSON: place('G_UNKNOWN_PERSON', { kind: 'mpim', people: ['U_MEMBER', 'U_GONE'] }),
};

const PEOPLE: Record<string, Person | 'error'> = {
  U_COLLEAGUE: member({ userId: 'U_COLLEAGUE' }),
  U_STRANGER: member({ userId: 'U_STRANGER', stranger: true }),
  U_GONE: 'error',
};

const decide = async (d: AccessDeps, userId: string, action: Action, channelId = 'C_OURS', botIsMember?: boolean) => {
  const decision = await checkAccess(d, { userId, channelId, action, jobId: 'dj-1', botIsMember });
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
    ['sharing in a group DM with someone of another organisation', member(), {}, HOME, 'share', 'G_WITH_STRANGER', 'shared_channel'],
    ['subscribing a group DM of colleagues', member(), {}, HOME, 'subscribe', 'G_OURS', 'allowed'],
    ['a group DM whose people Slack cannot describe', member(), {}, HOME, 'share', 'G_UNKNOWN_PERSON', 'cannot_check'],
    [
      'unfurling in a conversation the bot cannot see (a DM between people)',
      member(),
      {},
      HOME,
      'unfurl',
      'C_HIDDEN',
      'unseen_conversation',
    ],
    [
      'unfurling in a conversation the bot cannot see, even where shared channels are allowed',
      member(),
      { allowSharedChannels: true },
      HOME,
      'unfurl',
      'C_HIDDEN',
      'unseen_conversation',
    ],
    ['unfurling in a public channel of ours the bot is not in', member(), {}, HOME, 'unfurl', 'C_PUBLIC_NOT_IN', 'allowed'],
    ['unfurling in a private channel the bot is in', member(), {}, HOME, 'unfurl', 'C_PRIVATE_IN', 'allowed'],
    ['unfurling in the bot’s own DM with a member', member(), {}, HOME, 'unfurl', 'D_OURS', 'allowed'],
    ['unfurling in a group DM of colleagues with the bot', member(), {}, HOME, 'unfurl', 'G_OURS', 'allowed'],
    ['unfurling in a group DM with someone of another organisation', member(), {}, HOME, 'unfurl', 'G_WITH_STRANGER', 'shared_channel'],
    ['unfurling where Slack cannot be asked just now', member(), {}, HOME, 'unfurl', 'C_UNKNOWN', 'cannot_check'],
  ])('%s → %s', async (_name, person, settings, installation, action, channel, expected) => {
    const d = deps({ people: { ...PEOPLE, U_MEMBER: person }, places: PLACES }, settings, installation);
    expect(await decide(d, 'U_MEMBER', action, channel)).toBe(expected);
  });

  it('believes the event that the bot is not in a private conversation, whatever the channel look-up says', async () => {
    const d = deps({ people: { U_MEMBER: member() }, places: PLACES });
    expect(await decide(d, 'U_MEMBER', 'unfurl', 'C_PRIVATE_IN', false)).toBe('unseen_conversation');
    // A public channel of the workspace alone is read by its members whoever is in it.
    expect(await decide(d, 'U_MEMBER', 'unfurl', 'C_PUBLIC_NOT_IN', false)).toBe('allowed');
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

describe('deliveryAudience', () => {
  const subscription = (over: Partial<Subscription>): Subscription => ({
    id: 1,
    channelId: 'C_OURS',
    jobId: 'dj-1',
    filter: 'changes',
    createdBy: 'U_MEMBER',
    createdAt: new Date(0),
    cardTs: '1.1',
    state: 'active',
    stateReason: null,
    stateBy: null,
    stateAt: null,
    lastDelivery: null,
    lastDeliveryAt: null,
    kind: 'channel',
    feedId: null,
    waitsForNeed: false,
    ...over,
  });
  const check = (world: World, over: Partial<Subscription>, settings: Partial<AccessSettings> = {}) =>
    deliveryAudience({ directory: directoryOf(world), installation: HOME, settings: { ...SETTINGS, ...settings } })(subscription(over));

  it.each<[string, World, Partial<Subscription>, Partial<AccessSettings>, AudienceCheck['kind']]>([
    ['a channel of ours', { people: {}, places: PLACES }, {}, {}, 'allowed'],
    ['a channel shared since it subscribed', { people: {}, places: PLACES }, { channelId: 'C_SHARED' }, {}, 'refused'],
    [
      'a shared channel, where allowed (nothing asked)',
      { people: {}, places: {} },
      { channelId: 'C_SHARED' },
      { allowSharedChannels: true },
      'allowed',
    ],
    [
      'a channel Slack cannot describe just now: never sent on a guess',
      { people: {}, places: PLACES },
      { channelId: 'C_UNKNOWN' },
      {},
      'unknown',
    ],
    [
      'an owner who is a member',
      { people: { U_OWNER: member({ userId: 'U_OWNER' }) } },
      { kind: 'owner', channelId: 'U_OWNER' },
      {},
      'allowed',
    ],
    [
      'an owner who became a guest',
      { people: { U_OWNER: member({ guest: true }) } },
      { kind: 'owner', channelId: 'U_OWNER' },
      {},
      'refused',
    ],
    [
      'an owner no longer in the allowed groups',
      { people: { U_OWNER: member({ userId: 'U_OWNER' }) }, groups: { S_DATA: ['U_X'] } },
      { kind: 'owner', channelId: 'U_OWNER' },
      { allowedUsergroups: ['S_DATA'] },
      'refused',
    ],
    ['an owner Slack cannot describe just now', { people: { U_OWNER: 'error' } }, { kind: 'owner', channelId: 'U_OWNER' }, {}, 'unknown'],
  ])('%s → %s', async (_name, world, over, settings, expected) => {
    expect((await check(world, over, settings)).kind).toBe(expected);
  });
});
