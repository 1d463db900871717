import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  backoffMs,
  type OwnerEmailDeps,
  OwnerMap,
  RECHECK_FOUND_MS,
  RETRY_FAILED,
  RETRY_UNKNOWN,
  resolveOwnerEmails,
} from '../../src/core/owner-emails.js';
import { parseOwnerMap } from '../../src/core/owners.js';
import { slackEmailLookup } from '../../src/slack/owner-emails.js';
import { Pacer } from '../../src/slack/pacing.js';
import { createSlackClient } from '../../src/slack/web-client.js';
import { openSqliteStore, type SqliteStore } from '../../src/storage/sqlite/store.js';
import { recordingLogger } from '../storage/quiet-logger.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack/server.js';
import { BOT_SCOPES } from '../support/harness.js';

/**
 * The owner mapping file's emails, round by round, against the fake Slack (its real users.lookupByEmail
 * over HTTP, through the real Web API client and a pacer) and a real SQLite store; the rounds' clock
 * is the test's, so that backoffs of hours are crossed at once.
 */

const MINUTE = 60_000;
const T0 = new Date('2026-08-01T09:00:00Z');
const FILE = `
user-bob bob@example.com
user-carol CAROL@Example.com
user-nobody nobody@example.com
user-dan U_DAN
# a second SeekrFlow user for Bob's address: one question for both
user-team bob@example.com
`;

let slack: FakeSlack;
let dir: string;
let store: SqliteStore;
let clock: Date;

beforeEach(async () => {
  slack = await startFakeSlack({
    scopes: BOT_SCOPES,
    users: [
      { id: 'U_BOB', name: 'bob', email: 'bob@example.com' },
      { id: 'U_CAROL', name: 'carol', email: 'carol@example.com' },
    ],
  });
  dir = mkdtempSync(join(tmpdir(), 'datajob-owner-emails-'));
  store = openSqliteStore({ path: join(dir, 'db.sqlite') });
  clock = T0;
});
afterEach(async () => {
  await store.close();
  await slack.close();
  rmSync(dir, { recursive: true, force: true });
});

function deps(map: OwnerMap, over: Partial<OwnerEmailDeps> = {}): OwnerEmailDeps {
  return {
    map,
    store,
    // A pacer a hundred times Slack's rates: the tier's pacing has tests of its own.
    lookup: slackEmailLookup({
      client: createSlackClient({ token: slack.botToken, apiUrl: slack.apiUrl }, 'lookups'),
      pacer: new Pacer({ scale: 100 }),
    }),
    logger: recordingLogger(),
    leads: async () => true,
    now: () => clock,
    ...over,
  };
}

const mapOf = (text: string) => new OwnerMap(parseOwnerMap(text).entries);
const later = (ms: number) => new Date(T0.getTime() + ms);
const asked = () => slack.callsTo('users.lookupByEmail').map((c) => c.args.email);
const stored = async (email: string) => (await store.emailResolutions([email]))[0];

describe('resolveOwnerEmails', () => {
  it('asks Slack once per email, stores each answer with when to ask again, and maps whom it found', async () => {
    const map = mapOf(FILE);
    slack.failNext('users.lookupByEmail', 'internal_error');
    const round = await resolveOwnerEmails(deps(map));
    expect(round).toMatchObject({ led: true, asked: 3, found: 1, notFound: 1, failed: 1, resolved: 1 });
    expect(asked()).toEqual(['bob@example.com', 'carol@example.com', 'nobody@example.com']);
    expect(await stored('bob@example.com')).toMatchObject({
      slackUserId: null,
      lastError: 'internal_error',
      failures: 1,
      nextAttemptAt: later(RETRY_FAILED.firstMs),
    });
    expect(await stored('carol@example.com')).toMatchObject({
      slackUserId: 'U_CAROL',
      resolvedAt: T0,
      nextAttemptAt: later(RECHECK_FOUND_MS),
    });
    expect(await stored('nobody@example.com')).toMatchObject({
      slackUserId: null,
      lastError: 'users_not_found',
      failures: 1,
      nextAttemptAt: later(RETRY_UNKNOWN.firstMs),
    });
    expect(round.nextDueAt).toEqual(later(RETRY_FAILED.firstMs));
    expect(map.slackUsersOf('user-carol')).toEqual(['U_CAROL']);
    expect(map.slackUsersOf('user-bob')).toEqual([]);
    expect(map.slackUsersOf('user-dan')).toEqual(['U_DAN']);

    // Nothing is due half a minute later: Slack is not asked.
    clock = later(30_000);
    expect(await resolveOwnerEmails(deps(map))).toMatchObject({ led: false, asked: 0 });
    expect(asked()).toHaveLength(3);
    // A minute later the failed one is; once found, both SeekrFlow users that name it have Bob.
    clock = later(RETRY_FAILED.firstMs);
    expect(await resolveOwnerEmails(deps(map))).toMatchObject({ asked: 1, found: 1, resolved: 2 });
    expect(asked().slice(3)).toEqual(['bob@example.com']);
    expect(map.slackUsersOf('user-bob')).toEqual(['U_BOB']);
    expect(map.slackUsersOf('user-team')).toEqual(['U_BOB']);
    expect(await stored('bob@example.com')).toMatchObject({ slackUserId: 'U_BOB', lastError: null, failures: 0 });
  });

  it('asks an unknown email again after an hour, then twice as long each time, at most a day', async () => {
    const map = mapOf('user-nobody nobody@example.com');
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      await resolveOwnerEmails(deps(map));
      const r = await stored('nobody@example.com');
      const wait = (r?.nextAttemptAt.getTime() ?? 0) - clock.getTime();
      waits.push(wait);
      // A moment before it is due: not asked.
      clock = new Date(clock.getTime() + wait - 1);
      expect(await resolveOwnerEmails(deps(map))).toMatchObject({ asked: 0 });
      clock = new Date(clock.getTime() + 1);
    }
    expect(waits.map((ms) => ms / 3_600_000)).toEqual([1, 2, 4, 8, 16, 24, 24]);
    expect(asked()).toHaveLength(7);
    expect(backoffMs(RETRY_FAILED, 1)).toBe(MINUTE);
    expect(backoffMs(RETRY_FAILED, 7)).toBe(RETRY_FAILED.maxMs);
  });

  it('takes a 429 for pacing, not for an answer: the same email is asked again at once, nothing counted', async () => {
    const map = mapOf('user-bob bob@example.com');
    slack.rateLimit('users.lookupByEmail', 0, { times: 2 });
    expect(await resolveOwnerEmails(deps(map))).toMatchObject({ asked: 1, found: 1, failed: 0 });
    expect(slack.callsTo('users.lookupByEmail').map((c) => c.status)).toEqual([429, 429, 200]);
    expect(await stored('bob@example.com')).toMatchObject({ slackUserId: 'U_BOB', failures: 0 });
  });

  it('asks about a person again after a week: one who left is no longer told, one Slack could not say of still is', async () => {
    const map = mapOf('user-bob bob@example.com\nuser-carol carol@example.com');
    await resolveOwnerEmails(deps(map));
    expect([map.slackUsersOf('user-bob'), map.slackUsersOf('user-carol')]).toEqual([['U_BOB'], ['U_CAROL']]);
    const carol = slack.user('U_CAROL');
    if (carol) carol.deleted = true;
    slack.failNext('users.lookupByEmail', 'request_timeout');
    clock = later(RECHECK_FOUND_MS);
    expect(await resolveOwnerEmails(deps(map))).toMatchObject({ asked: 2, failed: 1, notFound: 1 });
    // Bob's ask failed: no answer is not an answer, and he is still told.
    expect(map.slackUsersOf('user-bob')).toEqual(['U_BOB']);
    expect(await stored('bob@example.com')).toMatchObject({ slackUserId: 'U_BOB', lastError: 'request_timeout', failures: 1 });
    expect(map.slackUsersOf('user-carol')).toEqual([]);
    expect(await stored('carol@example.com')).toMatchObject({ slackUserId: null, lastError: 'users_not_found' });
  });

  it('asks nothing where this replica does not lead, and learns what the one that leads stored', async () => {
    await resolveOwnerEmails(deps(mapOf(FILE)));
    const calls = asked().length;
    const another = mapOf(`${FILE}\nuser-new new@example.com`);
    expect(await resolveOwnerEmails(deps(another, { leads: async () => false }))).toMatchObject({ led: false, asked: 0, resolved: 2 });
    expect(asked()).toHaveLength(calls);
    expect(another.slackUsersOf('user-carol')).toEqual(['U_CAROL']);
    // Where it leads, only the email it has never heard of (and the failed ones, once due) is asked.
    expect(await resolveOwnerEmails(deps(another))).toMatchObject({ asked: 1 });
    expect(asked().slice(calls)).toEqual(['new@example.com']);
  });
});
