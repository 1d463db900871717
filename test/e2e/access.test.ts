import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DataJob } from '../../src/domain/data-job.js';
import { ACTIONS } from '../../src/slack/blocks/card.js';
import { FAILED_FILES_ACTIONS } from '../../src/slack/blocks/failed-files-modal.js';
import { waitForLines } from '../support/bot-logs.js';
import type { ActionTarget } from '../support/fake-slack/payloads.js';
import type { EphemeralMessage, ResponseRecord } from '../support/fake-slack.js';
import { type Harness, type HarnessOptions, startHarness, USER, visibleText, waitFor } from '../support/harness.js';
import { makeJobWithFiles, wordFor } from '../support/make-job.js';

/**
 * The access policy end to end (README, "Who can use it"): the real bot against the fake Slack and
 * the simulator. Every refusal is checked for what the person sees (one sentence, only to them,
 * nothing of the job) and for what it cost SeekrFlow (nothing: the simulator counts every request).
 */

// -- the job, named so that a leak is easy to spot -------------------------------------------------

const JOB_NAME = 'Payroll claims Q3';
const FILE_STEM = 'payroll-scan-';
const FILE_ERROR = 'No extractable text';
const fileName = (i: number) => `${FILE_STEM}${i}.pdf`;

let serial = 0;
const newJobId = () => `dj-access-${Date.now().toString(36)}-${++serial}`;

/** By default 7 failed files: more than the card shows (5), so the card has "Show all failed files". */
/** `causes`: how many ways the files fail (the modal pages over causes, 10 a page). */
function accessJob(id: string, status = 'needs_review', failed = 7, causes = 1): DataJob {
  return makeJobWithFiles(
    [
      ...Array.from({ length: failed }, (_, i) => ({
        state: 'failed' as const,
        name: fileName(i),
        error: causes > 1 ? `${FILE_ERROR} (${wordFor(i % causes)})` : FILE_ERROR,
        fix: 'Run OCR and upload it again',
      })),
      { state: 'done', name: 'cover-letter.pdf' },
    ],
    { id, name: JOB_NAME, status },
  );
}

/** A new job in the simulator; its id. */
function newJob(h: Harness, status?: string): string {
  const id = newJobId();
  h.sim.putJob(accessJob(id, status));
  return id;
}

// -- what people see -------------------------------------------------------------------------------

const GUEST = /Guests can’t use \/datajob/;
const OTHER_ORGANISATION = /only for members of the organisation that runs it/;
const SHARED_CHANNEL = /This channel is shared with another organisation, so job data is not posted here/;
const NOT_IN_GROUPS = /limited to members of certain user groups, and you are not in one/;
const TRY_AGAIN = /couldn’t check with Slack who you are or where this is\. Try again/;
const WAIT = /wait a minute, then try again/;

const said = (answer: ResponseRecord) => visibleText(answer.body as object);

function expectNothingOfTheJob(text: string): void {
  expect(text).not.toContain(JOB_NAME);
  expect(text).not.toContain(FILE_STEM);
  expect(text).not.toContain(FILE_ERROR);
}

/** A refusal: one line of our own words, no blocks, nothing of the job. */
function expectRefusal(message: { text?: unknown; blocks?: unknown } | undefined, sentence: RegExp): void {
  expect(message?.blocks ?? []).toEqual([]);
  const text = String(message?.text ?? '');
  expect(text).toMatch(/^:no_entry: [^\n]+$/);
  expect(text).toMatch(sentence);
  expectNothingOfTheJob(text);
}

/** A slash command's refusal: through the response_url, only to the asker. */
function expectRefused(answer: ResponseRecord, sentence: RegExp): void {
  expect(answer.effect).toBe('ephemeral');
  expectRefusal(answer.body as object, sentence);
}

/** The job's card: its name and its failed files. */
function expectCard(answer: ResponseRecord): void {
  expect(answer.effect).toBe('ephemeral');
  const text = said(answer);
  expect(text).toContain(JOB_NAME);
  expect(text).toContain(fileName(0));
}

/** Clicks as `user`, and returns the next thing the bot says only to them. */
async function clickAndHear(h: Harness, target: ActionTarget, actionId: string, user: string): Promise<EphemeralMessage> {
  const before = h.slack.ephemerals({ user, includeDeleted: true }).length;
  await h.click(target, actionId, user);
  return waitFor(() => h.slack.ephemerals({ user, includeDeleted: true })[before], `an answer to ${user}’s click on ${actionId}`);
}

/** A member looks the job up in `channel` and shares the card there; the shared card. */
async function shareCard(h: Harness, jobId: string, channel: string, user = USER.id) {
  const card = await h.ask(jobId, { channel, user });
  const before = h.slack.topLevel(channel).length;
  await h.click({ ephemeralTs: card.ts as string }, ACTIONS.share, user);
  return waitFor(() => h.slack.topLevel(channel)[before], 'the shared card');
}

/** The living card of `jobId` in `channel` (its buttons carry the job id). */
const livingCard = (h: Harness, channel: string, jobId: string) =>
  h.slack.topLevel(channel).find((m) => JSON.stringify(m.blocks ?? []).includes(jobId) && /Subscribed by/.test(visibleText(m)));

/** Someone subscribes `channel` to the job; its living card. */
async function subscribeChannel(h: Harness, jobId: string, channel: string, user = USER.id) {
  expect(said(await h.ask(`subscribe ${jobId}`, { channel, user }))).toMatch(/Subscribed/);
  const card = livingCard(h, channel, jobId);
  if (!card) throw new Error(`no living card of ${jobId} in ${channel}`);
  return card;
}

const usersInfoCalls = (h: Harness, user: string) => h.slack.callsTo('users.info').filter((c) => c.args.user === user).length;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Past ACCESS_CACHE_SECONDS=1: Slack's answers about people, channels and groups are forgotten. */
const forgetSlackAnswers = () => sleep(1_200);

interface AuditLine {
  msg: string;
  action: string;
  outcome: string;
  user: string;
  channel?: string;
  jobId?: string;
  reason?: string;
  raw: string;
}

/** The audit lines the bot logged from line `from` on. */
function auditLines(h: Harness, from = 0): AuditLine[] {
  return h.logs.slice(from).flatMap((raw) => {
    try {
      const line = JSON.parse(raw) as Omit<AuditLine, 'raw'>;
      return line.msg === 'audit' ? [{ ...line, raw }] : [];
    } catch {
      return [];
    }
  });
}

const GUESTS = [
  ['a multi-channel guest', { id: 'U_GUEST', name: 'guest', isRestricted: true }],
  ['a single-channel guest', { id: 'U_SINGLE', name: 'single', isUltraRestricted: true }],
] as const;

/** The bot, with two guests (U_GUEST, U_SINGLE) and a channel shared with another organisation (C_SHARED). */
async function harness(options: HarnessOptions): Promise<Harness> {
  const h = await startHarness(options);
  for (const [, guest] of GUESTS) h.slack.addUser(guest);
  h.slack.addChannel({ id: 'C_SHARED', name: 'with-partner', isExtShared: true });
  return h;
}

// -- the rules -------------------------------------------------------------------------------------

describe.each(['http', 'socket'] as const)('in %s mode', (mode) => {
  let h: Harness;
  beforeAll(async () => {
    // Some tests turn a member into a guest, or a channel into a shared one, and wait for the bot to notice.
    h = await harness({ mode, env: { ACCESS_CACHE_SECONDS: '1' } });
  });
  afterAll(() => h.stop());
  beforeEach(() => h.sim.resetRequests());

  describe('guests are refused', () => {
    it.each(GUESTS)('%s asking for a job gets one sentence, nothing of the job, and SeekrFlow is not asked', async (_kind, guest) => {
      const jobId = newJob(h);
      expectRefused(await h.ask(jobId, { user: guest.id }), GUEST);
      expect(h.sim.requestCount()).toBe(0);
    });

    it.each(
      GUESTS.flatMap(([kind, guest]) =>
        ['subscribe {id}', 'subscribe {id} all', 'unsubscribe {id}', 'pause {id}', 'resume {id}', 'list', 'help'].map(
          (command) => [kind, command, guest] as const,
        ),
      ),
    )('%s: `/datajob %s` is refused too, and nothing is posted', async (_kind, command, guest) => {
      const jobId = newJob(h);
      const before = h.slack.callsTo('chat.postMessage').length;
      expectRefused(await h.ask(command.replace('{id}', jobId), { user: guest.id }), GUEST);
      expect(h.sim.requestCount()).toBe(0);
      expect(h.slack.callsTo('chat.postMessage')).toHaveLength(before);
    });

    it('a guest’s clicks on a card a member shared (Refresh, Show all failed files) are refused: no request, no modal', async () => {
      const jobId = newJob(h);
      const shared = await shareCard(h, jobId, 'C_GENERAL');
      expect(JSON.stringify(shared.blocks)).toContain(ACTIONS.openFailedFiles);
      h.sim.resetRequests();
      const opened = h.slack.callsTo('views.open').length;
      for (const action of [ACTIONS.refresh, ACTIONS.openFailedFiles]) {
        expectRefusal(await clickAndHear(h, { channel: 'C_GENERAL', ts: shared.ts }, action, 'U_GUEST'), GUEST);
      }
      expect(h.sim.requestCount()).toBe(0);
      expect(h.slack.callsTo('views.open')).toHaveLength(opened);
      // The shared card was not refreshed for them either.
      expect(h.slack.message('C_GENERAL', shared.ts)?.edited).toBeUndefined();
    });

    it('a guest’s clicks on a living card (Refresh, Unsubscribe, Show all failed files) are refused, and the subscription stays', async () => {
      const jobId = newJob(h);
      const card = await subscribeChannel(h, jobId, 'C_DATA_JOBS');
      h.sim.resetRequests();
      const opened = h.slack.callsTo('views.open').length;
      for (const action of [ACTIONS.refresh, ACTIONS.unsubscribe, ACTIONS.openFailedFiles]) {
        expectRefusal(await clickAndHear(h, { channel: 'C_DATA_JOBS', ts: card.ts }, action, 'U_SINGLE'), GUEST);
      }
      expect(h.sim.requestCount()).toBe(0);
      expect(h.slack.callsTo('views.open')).toHaveLength(opened);
      expect(h.slack.thread('C_DATA_JOBS', card.ts)).toHaveLength(0);
      expect(visibleText((await h.ask('list')).body as object)).toContain(jobId);
    });

    it('a member turned guest: Share, Subscribe, Refresh and Show all failed files on the card they got before are refused', async () => {
      // An ephemeral card is seen only by whoever asked for it, so a guest can hold one (with Share and
      // Subscribe) only if they asked while still a member.
      const jobId = newJob(h);
      h.slack.addUser({ id: 'U_DEMOTED', name: 'demoted' });
      const card = await h.ask(jobId, { channel: 'C_GENERAL', user: 'U_DEMOTED' });
      expectCard(card);
      h.slack.addUser({ id: 'U_DEMOTED', name: 'demoted', isRestricted: true });
      await forgetSlackAnswers();
      h.sim.resetRequests();
      const posts = h.slack.callsTo('chat.postMessage').length;
      const opened = h.slack.callsTo('views.open').length;
      for (const action of [ACTIONS.share, ACTIONS.subscribe, ACTIONS.refresh, ACTIONS.openFailedFiles]) {
        expectRefusal(await clickAndHear(h, { ephemeralTs: card.ts as string }, action, 'U_DEMOTED'), GUEST);
      }
      expect(h.sim.requestCount()).toBe(0);
      expect(h.slack.callsTo('chat.postMessage')).toHaveLength(posts);
      expect(h.slack.callsTo('views.open')).toHaveLength(opened);
      expect(h.slack.ephemeral(card.ts as string)?.replaced).toBe(0);
      expect(visibleText((await h.ask('list', { channel: 'C_GENERAL' })).body as object)).not.toContain(jobId);
    });
    it('a member turned guest paging the failed-files modal they opened is refused in the modal, SeekrFlow not asked', async () => {
      const jobId = newJobId();
      h.sim.putJob(accessJob(jobId, 'needs_review', 30, 30));
      h.slack.addUser({ id: 'U_PAGER', name: 'pager' });
      const card = await h.ask(jobId, { user: 'U_PAGER' });
      const before = h.slack.views().length;
      await h.click({ ephemeralTs: card.ts as string }, ACTIONS.openFailedFiles, 'U_PAGER');
      const view = await waitFor(
        () => h.slack.views().find((v, i) => i >= before && v.updates > 0 && /Page 1 of/.test(visibleText({ blocks: v.blocks }))),
        'page 1 of the modal',
      );
      h.slack.addUser({ id: 'U_PAGER', name: 'pager', isRestricted: true });
      await forgetSlackAnswers();
      h.sim.resetRequests();
      const updates = view.updates;
      await h.click({ viewId: view.id }, FAILED_FILES_ACTIONS.next, 'U_PAGER');
      await waitFor(() => (h.slack.view(view.id)?.updates ?? 0) > updates, 'the modal to change');
      const shown = visibleText({ blocks: h.slack.view(view.id)?.blocks });
      expect(shown).toMatch(GUEST);
      expectNothingOfTheJob(shown);
      expect(h.sim.requestCount()).toBe(0);
    });
  });

  describe('a channel shared with another organisation', () => {
    it('subscribe is refused with the sentence about shared channels: nothing posted there, SeekrFlow not asked', async () => {
      const jobId = newJob(h);
      expectRefused(await h.ask(`subscribe ${jobId}`, { channel: 'C_SHARED' }), SHARED_CHANNEL);
      expect(h.sim.requestCount()).toBe(0);
      expect(h.slack.messages('C_SHARED')).toHaveLength(0);
      expect(h.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === 'C_SHARED')).toHaveLength(0);
    });

    it('a look-up there is allowed: the card, only for the asker; its Share and Subscribe buttons are refused', async () => {
      const jobId = newJob(h);
      const card = await h.ask(jobId, { channel: 'C_SHARED' });
      expectCard(card);
      h.sim.resetRequests();
      for (const action of [ACTIONS.share, ACTIONS.subscribe]) {
        expectRefusal(await clickAndHear(h, { ephemeralTs: card.ts as string }, action, USER.id), SHARED_CHANNEL);
      }
      expect(h.sim.requestCount()).toBe(0);
      expect(h.slack.messages('C_SHARED')).toHaveLength(0);
    });

    it('a share still pending counts as shared', async () => {
      h.slack.addChannel({ id: 'C_INVITED', name: 'invited-partner', isPendingExtShared: true });
      const jobId = newJob(h);
      expectRefused(await h.ask(`subscribe ${jobId}`, { channel: 'C_INVITED' }), SHARED_CHANNEL);
      expect(h.sim.requestCount()).toBe(0);
      expect(h.slack.messages('C_INVITED')).toHaveLength(0);
    });

    it('a channel shared between workspaces of one organisation is not: subscribe works there', async () => {
      h.slack.addChannel({ id: 'C_ORG_WIDE', name: 'org-wide', isOrgShared: true });
      const jobId = newJob(h);
      await subscribeChannel(h, jobId, 'C_ORG_WIDE');
    });

    it('resume is refused in a channel that became shared while its subscription was paused', async () => {
      h.slack.addChannel({ id: 'C_LATER', name: 'later-shared' });
      const jobId = newJob(h);
      const card = await subscribeChannel(h, jobId, 'C_LATER');
      expect(said(await h.ask(`pause ${jobId}`, { channel: 'C_LATER' }))).toMatch(/Paused/);
      await waitFor(() => h.slack.thread('C_LATER', card.ts).length === 1, 'the pause note');
      h.slack.addChannel({ id: 'C_LATER', isExtShared: true });
      await forgetSlackAnswers();
      h.sim.resetRequests();
      expectRefused(await h.ask(`resume ${jobId}`, { channel: 'C_LATER' }), SHARED_CHANNEL);
      expect(h.sim.requestCount()).toBe(0);
      expect(h.slack.thread('C_LATER', card.ts)).toHaveLength(1);
      expect(visibleText((await h.ask('list', { channel: 'C_LATER' })).body as object)).toMatch(/paused/);
    });
  });
});

describe('ALLOW_GUESTS=true and ALLOW_SHARED_CHANNELS=true', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness({ env: { ALLOW_GUESTS: 'true', ALLOW_SHARED_CHANNELS: 'true' } });
  });
  afterAll(() => h.stop());
  beforeEach(() => h.sim.resetRequests());

  it.each(GUESTS)('%s gets the card', async (_kind, guest) => {
    const jobId = newJob(h);
    expectCard(await h.ask(jobId, { user: guest.id }));
    expect(h.sim.requestCount(jobId)).toBe(1);
  });

  it('subscribe and Share work in a channel shared with another organisation', async () => {
    const jobId = newJob(h);
    const living = await subscribeChannel(h, jobId, 'C_SHARED');
    const shared = await shareCard(h, jobId, 'C_SHARED');
    expect(visibleText(living)).toContain(JOB_NAME);
    expect(visibleText(shared)).toContain(JOB_NAME);
  });
});

describe.each([
  ['a workspace', undefined],
  ['an Enterprise Grid organisation', 'E_HOME'],
] as const)('people of another organisation, bot installed in %s', (_kind, enterpriseId) => {
  let h: Harness;
  beforeAll(async () => {
    // Even with everything else allowed.
    h = await harness({
      env: { ALLOW_GUESTS: 'true', ALLOW_SHARED_CHANNELS: 'true' },
      slack: enterpriseId ? { enterpriseId } : {},
    });
    h.slack.addUser({ id: 'U_OTHER_TEAM', name: 'otherteam', teamId: 'T_ELSEWHERE' });
    h.slack.addUser({ id: 'U_OTHER_GRID', name: 'othergrid', teamId: 'T_ELSEWHERE', enterpriseId: 'E_ELSEWHERE' });
    h.slack.addUser({ id: 'U_STRANGER', name: 'stranger', isStranger: true });
    h.slack.addUser({ id: 'U_STRANGE_GUEST', name: 'strangeguest', isStranger: true, isRestricted: true });
    // The stranger flag alone refuses, whatever team and organisation Slack files them under.
    h.slack.addUser({
      id: 'U_STRANGE_HERE',
      name: 'strangehere',
      isStranger: true,
      teamId: h.slack.teamId,
      ...(enterpriseId ? { enterpriseId } : {}),
    });
  });
  afterAll(() => h.stop());
  beforeEach(() => h.sim.resetRequests());

  const outsiders = enterpriseId
    ? [
        ['a user of another enterprise', 'U_OTHER_GRID'],
        ['a stranger met in a shared channel', 'U_STRANGER'],
        ['a stranger who is a guest', 'U_STRANGE_GUEST'],
        ['a stranger with this team and organisation', 'U_STRANGE_HERE'],
      ]
    : [
        ['a user of another workspace', 'U_OTHER_TEAM'],
        ['a user of an enterprise', 'U_OTHER_GRID'],
        ['a stranger met in a shared channel', 'U_STRANGER'],
        ['a stranger who is a guest', 'U_STRANGE_GUEST'],
        ['a stranger with this team', 'U_STRANGE_HERE'],
      ];

  it.each(outsiders)('%s is always refused: look-up, subscribe, help', async (_who, user) => {
    const jobId = newJob(h);
    for (const command of [jobId, `subscribe ${jobId}`, 'help']) {
      expectRefused(await h.ask(command, { user, channel: 'C_SHARED' }), OTHER_ORGANISATION);
    }
    expect(h.sim.requestCount()).toBe(0);
    expect(h.slack.messages('C_SHARED').filter((m) => JSON.stringify(m.blocks ?? []).includes(jobId))).toHaveLength(0);
  });

  it.each(outsiders)('%s clicking a card shared in a shared channel is refused: no request, no modal', async (_who, user) => {
    const jobId = newJob(h);
    const shared = await shareCard(h, jobId, 'C_SHARED');
    h.sim.resetRequests();
    const opened = h.slack.callsTo('views.open').length;
    for (const action of [ACTIONS.refresh, ACTIONS.openFailedFiles]) {
      expectRefusal(await clickAndHear(h, { channel: 'C_SHARED', ts: shared.ts }, action, user), OTHER_ORGANISATION);
    }
    expect(h.sim.requestCount()).toBe(0);
    expect(h.slack.callsTo('views.open')).toHaveLength(opened);
  });

  if (enterpriseId) {
    it('a user of another workspace of the same enterprise is allowed', async () => {
      h.slack.addUser({ id: 'U_SISTER', name: 'sister', teamId: 'T_SISTER' });
      expect(h.slack.user('U_SISTER')?.enterpriseId).toBe(enterpriseId);
      const jobId = newJob(h);
      expectCard(await h.ask(jobId, { user: 'U_SISTER' }));
    });
  }
});

describe('any allowed member may pause, resume or unsubscribe a channel, never silently', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness({});
    for (const id of ['U_BOB', 'U_CAROL', 'U_DAVE', 'U_ERIN']) h.slack.addUser({ id, name: id.slice(2).toLowerCase() });
  });
  afterAll(() => h.stop());

  const cardText = (ts: string) => visibleText(h.slack.message('C_DATA_JOBS', ts));
  const notes = (ts: string) => h.slack.thread('C_DATA_JOBS', ts).map((m) => m.text);
  /** A job U_ALICE subscribed #data-jobs to; its living card. */
  async function aliceSubscribed() {
    const jobId = newJob(h, 'file_processing');
    return { jobId, card: await subscribeChannel(h, jobId, 'C_DATA_JOBS') };
  }
  async function pausedByBob(jobId: string, ts: string) {
    expect(said(await h.ask(`pause ${jobId}`, { user: 'U_BOB' }))).toMatch(/Paused <#C_DATA_JOBS>/);
    await waitFor(() => notes(ts).length === 1, 'the pause note');
  }

  it('pause: the thread says who, the card says who and since when, list says who', async () => {
    const { jobId, card } = await aliceSubscribed();
    await pausedByBob(jobId, card.ts);
    expect(notes(card.ts)).toEqual([expect.stringMatching(/^:double_vertical_bar: Paused by <@U_BOB>:/)]);
    await waitFor(
      () => /Updates paused by <@U_BOB> since <!date\^\d+/.test(cardText(card.ts)),
      'the card to say who paused it and since when',
    );
    const listed = visibleText((await h.ask('list', { user: 'U_ERIN' })).body as object);
    expect(listed).toMatch(new RegExp(`${jobId}[\\s\\S]*paused\\* by <@U_BOB> since <!date\\^\\d+`));
  });

  it('resume: the thread says who, the card is live again, and the next change is delivered', async () => {
    const { jobId, card } = await aliceSubscribed();
    await pausedByBob(jobId, card.ts);
    expect(said(await h.ask(`resume ${jobId}`, { user: 'U_CAROL' }))).toMatch(/Resumed the subscription of <#C_DATA_JOBS>/);
    await waitFor(() => notes(card.ts).length === 2, 'the resume note');
    expect(notes(card.ts)[1]).toMatch(/^:arrow_forward: Resumed by <@U_CAROL>:/);
    await waitFor(() => /Live: updated automatically/.test(cardText(card.ts)), 'the card to be live again');

    h.sim.putJob(accessJob(jobId, 'ready_to_start'));
    await h.bot.pollNow();
    await waitFor(() => notes(card.ts).length === 3, 'the change after the resume');
    expect(visibleText(h.slack.thread('C_DATA_JOBS', card.ts)[2])).toMatch(/Ready to start/);
    await waitFor(() => /Ready to start/.test(cardText(card.ts)), 'the card to show the change');
  });

  it('unsubscribe: the thread says who, the card says who and when', async () => {
    const { jobId, card } = await aliceSubscribed();
    expect(said(await h.ask(`unsubscribe ${jobId}`, { user: 'U_DAVE' }))).toMatch(/Unsubscribed <#C_DATA_JOBS>/);
    await waitFor(() => notes(card.ts).length === 1, 'the unsubscribe note');
    expect(notes(card.ts)).toEqual([expect.stringMatching(/^:no_bell: Unsubscribed by <@U_DAVE>:/)]);
    await waitFor(
      () => /No longer updated: unsubscribed by <@U_DAVE> <!date\^\d+/.test(cardText(card.ts)),
      'the card to say who stopped it and when',
    );
    expect(visibleText((await h.ask('list', { user: 'U_ERIN' })).body as object)).not.toContain(jobId);
  });
});

// Slack's ids have no underscore, and the configuration checks it: S_DATA would not start the bot.
describe('ALLOWED_USERGROUPS=SDATA,SML', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness({ env: { ALLOWED_USERGROUPS: 'SDATA,SML', ACCESS_CACHE_SECONDS: '1' } });
    h.slack.addUser({ id: 'U_DATA', name: 'data' });
    h.slack.addUser({ id: 'U_ML', name: 'ml' });
    h.slack.addUser({ id: 'U_OUTSIDER', name: 'outsider' });
    h.slack.addUsergroup({ id: 'SDATA', users: ['U_DATA'] });
    h.slack.addUsergroup({ id: 'SML', users: ['U_ML'] });
    h.slack.addUsergroup({ id: 'SOTHER', users: ['U_OUTSIDER'] });
  });
  afterAll(() => h.stop());
  beforeEach(() => h.sim.resetRequests());

  it.each([
    ['SDATA', 'U_DATA'],
    ['SML', 'U_ML'],
  ])('a member of %s is allowed', async (_group, user) => {
    expectCard(await h.ask(newJob(h), { user }));
  });

  it('a member of neither is refused, SeekrFlow not asked', async () => {
    expectRefused(await h.ask(newJob(h), { user: 'U_OUTSIDER' }), NOT_IN_GROUPS);
    expect(h.sim.requestCount()).toBe(0);
  });

  it('when Slack cannot list a group’s members: “try again”, never let through; the next ask is answered again', async () => {
    await forgetSlackAnswers();
    h.slack.failNext('usergroups.users.list', 'internal_error');
    const jobId = newJob(h);
    expectRefused(await h.ask(jobId, { user: 'U_OUTSIDER' }), TRY_AGAIN);
    expect(h.sim.requestCount()).toBe(0);
    // The failure is not remembered.
    expectRefused(await h.ask(jobId, { user: 'U_OUTSIDER' }), NOT_IN_GROUPS);
    expect(h.sim.requestCount()).toBe(0);
  });
});

describe('when Slack cannot say who is asking', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness({});
  });
  afterAll(() => h.stop());
  beforeEach(() => h.sim.resetRequests());

  it('users.info failing: “try again”, SeekrFlow not asked; the failure is not remembered', async () => {
    h.slack.addUser({ id: 'U_FLAKY', name: 'flaky' });
    h.slack.failNext('users.info', 'internal_error');
    const jobId = newJob(h);
    expectRefused(await h.ask(jobId, { user: 'U_FLAKY' }), TRY_AGAIN);
    expect(h.sim.requestCount()).toBe(0);
    expectCard(await h.ask(jobId, { user: 'U_FLAKY' }));
  });

  it.each([
    ['a user Slack does not know', 'U_NOBODY', undefined],
    ['a deactivated user', 'U_GONE', true],
  ] as const)('%s: “try again”, SeekrFlow not asked', async (_who, user, deleted) => {
    if (deleted) h.slack.addUser({ id: user, name: 'gone', deleted });
    expectRefused(await h.ask(newJob(h), { user }), TRY_AGAIN);
    expect(h.sim.requestCount()).toBe(0);
  });

  it('a click by a user Slack cannot describe is refused the same way', async () => {
    const jobId = newJob(h);
    const shared = await shareCard(h, jobId, 'C_GENERAL');
    h.sim.resetRequests();
    h.slack.addUser({ id: 'U_CLICKER', name: 'clicker' });
    h.slack.failNext('users.info', 'internal_error');
    expectRefusal(await clickAndHear(h, { channel: 'C_GENERAL', ts: shared.ts }, ACTIONS.refresh, 'U_CLICKER'), TRY_AGAIN);
    expect(h.sim.requestCount()).toBe(0);
  });

  it('conversations.info failing on subscribe: “try again”, nothing posted', async () => {
    h.slack.addChannel({ id: 'C_UNSURE', name: 'unsure' });
    h.slack.failNext('conversations.info', 'internal_error');
    expectRefused(await h.ask(`subscribe ${newJob(h)}`, { channel: 'C_UNSURE' }), TRY_AGAIN);
    expect(h.sim.requestCount()).toBe(0);
    expect(h.slack.messages('C_UNSURE')).toHaveLength(0);
  });
});

describe('Slack’s answers about people are remembered for ACCESS_CACHE_SECONDS', () => {
  describe('ACCESS_CACHE_SECONDS=1', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await harness({ env: { ACCESS_CACHE_SECONDS: '1' } });
    });
    afterAll(() => h.stop());

    it('a member turned guest keeps access while the answer is remembered, and is refused once it expires', async () => {
      const jobId = newJob(h);
      h.slack.addUser({ id: 'U_HANK', name: 'hank' });
      expectCard(await h.ask(jobId, { user: 'U_HANK' }));
      h.slack.addUser({ id: 'U_HANK', name: 'hank', isRestricted: true });
      expectCard(await h.ask(jobId, { user: 'U_HANK' }));
      expect(usersInfoCalls(h, 'U_HANK')).toBe(1);

      await forgetSlackAnswers();
      h.sim.resetRequests();
      expectRefused(await h.ask(jobId, { user: 'U_HANK' }), GUEST);
      expect(h.sim.requestCount()).toBe(0);
      expect(usersInfoCalls(h, 'U_HANK')).toBe(2);
    });
  });

  describe('under load', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await harness({});
    });
    afterAll(() => h.stop());

    it('30 look-ups and clicks at once by one person cost one users.info', async () => {
      const jobId = newJob(h);
      const shared = await shareCard(h, jobId, 'C_GENERAL');
      h.slack.addUser({ id: 'U_BUSY', name: 'busy' });
      const asks = Array.from({ length: 15 }, () => h.ask(jobId, { user: 'U_BUSY', channel: 'C_GENERAL' }));
      const clicks = Array.from({ length: 15 }, () => h.click({ channel: 'C_GENERAL', ts: shared.ts }, ACTIONS.refresh, 'U_BUSY'));
      const [answers] = await Promise.all([Promise.all(asks), Promise.all(clicks)]);
      for (const answer of answers) expectCard(answer);
      const refreshed = () => h.slack.responsesAll().filter((r) => r.effect === 'replaced' && r.ts === shared.ts);
      await waitFor(() => refreshed().length === 15, 'fifteen refreshes of the shared card');
      expect(visibleText(h.slack.message('C_GENERAL', shared.ts))).toContain('Refreshed by <@U_BUSY>');
      expect(usersInfoCalls(h, 'U_BUSY')).toBe(1);
    });
  });
});

describe('LOOKUPS_PER_USER_PER_MINUTE=5', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness({ env: { LOOKUPS_PER_USER_PER_MINUTE: '5' } });
    for (const id of ['U_IVY', 'U_JACK', 'U_K1', 'U_K2', 'U_K3', 'U_K4', 'U_K5']) h.slack.addUser({ id, name: id.slice(2).toLowerCase() });
  });
  afterAll(() => h.stop());
  beforeEach(() => {
    h.sim.clearFaults();
    h.sim.resetRequests();
  });

  it('the 6th look-up or click in a minute is refused with the wait sentence and asks SeekrFlow nothing; others are not held back', async () => {
    const jobId = newJob(h);
    const first = await h.ask(jobId, { user: 'U_IVY' });
    expectCard(first);
    for (let i = 2; i <= 4; i++) expectCard(await h.ask(jobId, { user: 'U_IVY' }));
    await h.click({ ephemeralTs: first.ts as string }, ACTIONS.refresh, 'U_IVY');
    await waitFor(() => (h.slack.ephemeral(first.ts as string)?.replaced ?? 0) === 1, 'the 5th: a refresh');
    expect(h.sim.requestCount(jobId)).toBe(5);

    h.sim.resetRequests();
    expectRefused(await h.ask(jobId, { user: 'U_IVY' }), WAIT);
    expectRefusal(await clickAndHear(h, { ephemeralTs: first.ts as string }, ACTIONS.refresh, 'U_IVY'), WAIT);
    expect(h.sim.requestCount()).toBe(0);
    // What asks SeekrFlow nothing is not counted.
    expect(said(await h.ask('help', { user: 'U_IVY' }))).toMatch(/subscribe <job id>/);

    expectCard(await h.ask(jobId, { user: 'U_JACK' }));
    expect(h.sim.requestCount(jobId)).toBe(1);
  });

  it('concurrent look-ups of one job by different people still cost one SeekrFlow request', async () => {
    const people = ['U_K1', 'U_K2', 'U_K3', 'U_K4', 'U_K5'];
    // Who they are is asked first (help asks SeekrFlow nothing), so the look-ups below start together.
    for (const user of people) await h.ask('help', { user });
    const jobId = newJob(h);
    h.sim.setFault({ kind: 'latency', ms: 500 }, { jobId });
    const answers = await Promise.all(people.map((user) => h.ask(jobId, { user })));
    for (const answer of answers) expectCard(answer);
    expect(h.sim.requestCount(jobId)).toBe(1);
  });
});

describe('audit lines', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness({});
    h.slack.addUser({ id: 'U_BOB', name: 'bob' });
  });
  afterAll(() => h.stop());

  /** Exactly one audit line since `from`, for this action; it names no job contents. */
  async function oneAuditLine(from: number, action: string): Promise<AuditLine> {
    const line = await waitFor(() => auditLines(h, from).find((l) => l.action === action), `the audit line of ${action}`);
    // The listener that wrote it ends after it (and says so): a second line would be there by then.
    await waitForLines(
      [h],
      [h.logs.indexOf(line.raw) + 1],
      (l) => l.msg === 'listener done' && l.user === line.user,
      1,
      `the end of ${action}`,
    );
    expect(auditLines(h, from).filter((l) => l.action === action)).toHaveLength(1);
    expectNothingOfTheJob(line.raw);
    return line;
  }

  it('a refusal: one line with who, where, which job, what and why; nothing of the job', async () => {
    const jobId = newJob(h);
    const from = h.logs.length;
    expectRefused(await h.ask(jobId, { user: 'U_GUEST', channel: 'C_GENERAL' }), GUEST);
    const line = await oneAuditLine(from, 'lookup');
    expect(line).toMatchObject({ outcome: 'refused', user: 'U_GUEST', channel: 'C_GENERAL', jobId, reason: 'guest' });
    expect(auditLines(h, from)).toHaveLength(1);
  });

  it('a refused click: one line, with the click’s channel and job', async () => {
    const jobId = newJob(h);
    const shared = await shareCard(h, jobId, 'C_GENERAL');
    const from = h.logs.length;
    await clickAndHear(h, { channel: 'C_GENERAL', ts: shared.ts }, ACTIONS.refresh, 'U_SINGLE');
    const line = await oneAuditLine(from, 'refresh_in_channel');
    expect(line).toMatchObject({ outcome: 'refused', user: 'U_SINGLE', channel: 'C_GENERAL', jobId, reason: 'guest' });
  });

  it('subscribe, share, pause, resume and unsubscribe: one line each, with who, where and which job', async () => {
    const jobId = newJob(h);
    const done = { outcome: 'done', channel: 'C_DATA_JOBS', jobId };
    const expectDone = async (from: number, action: string, user: string) => {
      const line = await oneAuditLine(from, action);
      expect(line).toMatchObject({ ...done, action, user });
      expect(line.reason).toBeUndefined();
    };

    let from = h.logs.length;
    await subscribeChannel(h, jobId, 'C_DATA_JOBS');
    await expectDone(from, 'subscribe', USER.id);

    from = h.logs.length;
    await shareCard(h, jobId, 'C_DATA_JOBS', 'U_BOB');
    await expectDone(from, 'share', 'U_BOB');

    from = h.logs.length;
    expect(said(await h.ask(`pause ${jobId}`, { user: 'U_BOB' }))).toMatch(/Paused/);
    await expectDone(from, 'pause', 'U_BOB');

    from = h.logs.length;
    expect(said(await h.ask(`resume ${jobId}`))).toMatch(/Resumed/);
    await expectDone(from, 'resume', USER.id);

    from = h.logs.length;
    expect(said(await h.ask(`unsubscribe ${jobId}`, { user: 'U_BOB' }))).toMatch(/Unsubscribed/);
    await expectDone(from, 'unsubscribe', 'U_BOB');
  });
});
