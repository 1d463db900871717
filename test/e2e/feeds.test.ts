import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DataJob } from '../../src/domain/data-job.js';
import { type Harness, startHarness, USER, visibleText, waitFor } from '../support/harness.js';
import { makeAlignment, makeJobWithFiles } from '../support/make-job.js';

/**
 * Team feeds and owners end to end: the simulator serves the team's job list with its real paging
 * rules, discovery runs when the test says (discoverNow), and the fake Slack shows what a channel
 * and an owner would see.
 */

let n = 0;
/** A team job created now (after any feed started), or at `createdAt`. */
function teamJob(over: Partial<DataJob> & { state?: 'processing' | 'failed' | 'done' } = {}): DataJob {
  const { state = 'processing', ...rest } = over;
  const id = rest.id ?? `dj-feed-${Date.now().toString(36)}-${++n}`;
  return makeJobWithFiles(
    [
      state === 'failed'
        ? { state: 'failed', name: 'scan.pdf', error: 'No extractable text', fix: 'Run OCR' }
        : { state: state === 'done' ? 'done' : 'processing', name: 'scan.pdf' },
    ],
    {
      id,
      name: `prod-claims-${n}`,
      job_type: 'principle_files',
      status: state === 'failed' ? 'needs_review' : 'file_processing',
      created_at: new Date().toISOString(),
      updated_at: `2026-07-28T14:${String(n % 60).padStart(2, '0')}:00Z`,
      user_id: 'user-carol',
      ...rest,
    },
  );
}

const cardsIn = (h: Harness, channel: string) => h.slack.topLevel(channel);
const text = (answer: Promise<{ body: unknown }>) => answer.then((a) => visibleText(a.body as object));

describe('team feeds', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.stop());
  afterEach(() => h.slack.reset());

  it('follows a job created after the feed started: its card once, then its thread; older jobs are covered, not announced', async () => {
    const before = teamJob({ created_at: '2026-01-01T00:00:00Z' });
    h.sim.putJob(before);
    expect(await text(h.ask('subscribe team', { channel: 'C_DATA_JOBS' }))).toMatch(/Following the team's data jobs in <#C_DATA_JOBS>/);
    await h.bot.discoverNow();
    await h.bot.pollNow();
    expect(cardsIn(h, 'C_DATA_JOBS')).toHaveLength(0);

    const fresh = teamJob();
    h.sim.putJob(fresh);
    await h.bot.discoverNow();
    await h.bot.pollNow();
    await h.bot.discoverNow();
    await h.bot.pollNow();
    const cards = cardsIn(h, 'C_DATA_JOBS');
    expect(cards).toHaveLength(1);
    expect(visibleText(cards[0])).toContain(fresh.name);

    h.sim.putJob({ ...teamJob({ id: fresh.id, name: fresh.name, state: 'failed', created_at: fresh.created_at }) });
    await h.bot.pollNow();
    expect(cardsIn(h, 'C_DATA_JOBS')).toHaveLength(1);
    expect(h.slack.thread('C_DATA_JOBS', cards[0]?.ts ?? '').map((m) => visibleText(m))).toEqual([
      expect.stringMatching(/1 file failed/),
      expect.stringMatching(/needs review/i),
    ]);
    const listed = await text(h.ask('list', { channel: 'C_DATA_JOBS' }));
    expect(listed).toMatch(/Team feed.*covers \d+ jobs of the team, 1 followed here/);
    expect(await text(h.ask('unsubscribe team', { channel: 'C_DATA_JOBS' }))).toMatch(/Stopped the team feed .*1 card/);
  });

  it('failures: quiet while a job goes well, the card and the failure once another needs a person', async () => {
    await h.ask('subscribe team failures', { channel: 'C_GENERAL' });
    const calm = teamJob();
    const troubled = teamJob();
    h.sim.putJob(calm);
    h.sim.putJob(troubled);
    await h.bot.discoverNow();
    await h.bot.pollNow();
    expect(cardsIn(h, 'C_GENERAL')).toHaveLength(0);

    h.sim.putJob({
      ...calm,
      status: 'completed',
      alignment_job: makeAlignment({ status: 'completed', progress: 100 }),
      updated_at: 'later',
    });
    h.sim.putJob(teamJob({ id: troubled.id, name: troubled.name, state: 'failed', created_at: troubled.created_at }));
    await h.bot.pollNow();
    const cards = cardsIn(h, 'C_GENERAL');
    expect(cards).toHaveLength(1);
    expect(visibleText(cards[0])).toContain(troubled.name);
    expect(visibleText(cards[0])).not.toContain(calm.name);
    // The card goes first, then what needs a person in its thread.
    await waitFor(() => h.slack.thread('C_GENERAL', cards[0]?.ts ?? '').length === 2, 'the replies under the card');
    expect(h.slack.thread('C_GENERAL', cards[0]?.ts ?? '').map((m) => visibleText(m))).toEqual([
      expect.stringMatching(/1 file failed/),
      expect.stringMatching(/needs review/i),
    ]);
    await h.ask('unsubscribe team', { channel: 'C_GENERAL' });
  });

  it('filters by job type and by name', async () => {
    await h.ask('subscribe team all type:principle_files name:prod-*', { channel: 'C_PRIVATE' });
    const wanted = teamJob({ name: 'prod-router-1' });
    const otherType = teamJob({ name: 'prod-router-2', job_type: 'context_grounded_files' });
    const otherName = teamJob({ name: 'nightly-eval-3' });
    for (const j of [wanted, otherType, otherName]) h.sim.putJob(j);
    await h.bot.discoverNow();
    await h.bot.pollNow();
    const cards = cardsIn(h, 'C_PRIVATE').map((c) => visibleText(c));
    expect(cards).toHaveLength(1);
    expect(cards[0]).toContain('prod-router-1');
    expect(await text(h.ask('list', { channel: 'C_PRIVATE' }))).toMatch(/`all` · `type:principle_files` · `name:prod-\*`/);
    await h.ask('unsubscribe team', { channel: 'C_PRIVATE' });
  });

  it('a job followed both by the feed and directly in the same channel has one card', async () => {
    const both = teamJob();
    h.sim.putJob(both);
    await h.ask(`subscribe ${both.id}`, { channel: 'C_RANDOM' });
    await h.ask('subscribe team', { channel: 'C_RANDOM' });
    await h.bot.discoverNow();
    await h.bot.pollNow();
    expect(await text(h.ask(`subscribe ${both.id}`, { channel: 'C_RANDOM' }))).toMatch(/already subscribed/);
    h.sim.putJob(teamJob({ id: both.id, name: both.name, state: 'failed', created_at: both.created_at }));
    await h.bot.pollNow();
    expect(cardsIn(h, 'C_RANDOM')).toHaveLength(1);
    expect(h.slack.thread('C_RANDOM', cardsIn(h, 'C_RANDOM')[0]?.ts ?? '')).toHaveLength(2);
    await h.ask('unsubscribe team', { channel: 'C_RANDOM' });
  });

  it('refuses a feed in a channel shared with another organisation, like any subscription', async () => {
    h.slack.addChannel({ id: 'C_CONNECT', name: 'partners', botIsMember: true, isExtShared: true });
    expect(await text(h.ask('subscribe team', { channel: 'C_CONNECT' }))).toMatch(/shared with another organisation/);
    expect(await text(h.ask('list', { channel: 'C_CONNECT' }))).toMatch(/no subscriptions/);
  });
});

describe('owners told directly', () => {
  let h: Harness;
  const dir = mkdtempSync(join(tmpdir(), 'datajob-owners-'));
  beforeAll(async () => {
    const map = join(dir, 'owners.txt');
    writeFileSync(
      map,
      '# SeekrFlow user, Slack user or email\nuser-bob bob@example.com\nuser-dan U_DAN\nnot a valid line here\nuser-fay U_FAY\n',
    );
    h = await startHarness({
      env: { OWNER_MAP_FILE: map },
      slack: {
        users: [
          { id: 'U_BOB', name: 'bob', email: 'bob@example.com' },
          { id: 'U_DAN', name: 'dan' },
          // Mapped by an admin, but a guest: the access policy, asked at delivery, tells her nothing.
          { id: 'U_FAY', name: 'fay', isRestricted: true },
        ],
      },
    });
  });
  afterAll(async () => {
    await h.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A job of `owner`, subscribed in #data-jobs, that then fails a file, needs review, and completes. */
  async function ownedJobThroughItsLife(owner: string) {
    const job = teamJob({ user_id: owner });
    h.sim.putJob(job);
    await h.ask(`subscribe ${job.id}`, { channel: 'C_DATA_JOBS' });
    await h.ask(`subscribe ${job.id} all`, { channel: 'C_GENERAL' });
    h.sim.putJob(teamJob({ id: job.id, name: job.name, user_id: owner, state: 'failed', created_at: job.created_at }));
    await h.bot.pollNow();
    await h.bot.pollNow();
    h.sim.putJob({ ...job, status: 'completed', files: [], ingestion_jobs: [], updated_at: 'done' });
    await h.bot.pollNow();
    return job;
  }

  it('through /datajob me: one direct message per event, however many channels follow the job', async () => {
    expect(await text(h.ask('me user-alice'))).toMatch(/Linked to SeekrFlow user `user-alice`/);
    expect(await text(h.ask('me'))).toMatch(/You are linked to SeekrFlow user `user-alice`/);
    const job = await ownedJobThroughItsLife('user-alice');
    const dms = h.slack.directMessages(USER.id).map((m) => visibleText(m));
    expect(dms).toEqual([
      expect.stringMatching(new RegExp(`Your data job \\*${job.name}\\*[\\s\\S]*1 file failed`)),
      expect.stringMatching(/needs review/i),
      expect.stringMatching(/The job ended: .*Completed/),
    ]);
  });

  it('me quiet: no notice of a clean completion; me off: no notices at all', async () => {
    h.slack.addUser({ id: 'U_ERIN', name: 'erin' });
    await h.ask('me user-erin', { user: 'U_ERIN' });
    expect(await text(h.ask('me quiet', { user: 'U_ERIN' }))).toMatch(/Quiet/);
    await ownedJobThroughItsLife('user-erin');
    expect(h.slack.directMessages('U_ERIN').map((m) => visibleText(m))).toEqual([
      expect.stringMatching(/1 file failed/),
      expect.stringMatching(/needs review/i),
    ]);
    expect(await text(h.ask('me off', { user: 'U_ERIN' }))).toMatch(/Unlinked/);
    await ownedJobThroughItsLife('user-erin');
    expect(h.slack.directMessages('U_ERIN')).toHaveLength(2);
  });

  it("the owner's direct message tells failed files by cause: four scans one line, the odd one its own", async () => {
    h.slack.addUser({ id: 'U_GUS', name: 'gus' });
    await h.ask('me user-gus', { user: 'U_GUS' });
    const scan = (i: number) => ({
      state: 'failed' as const,
      name: `scan-00${i}.pdf`,
      error: `No extractable text layer in scan-00${i}.pdf (${10 + i} pages)`,
      fix: `Export scan-00${i}.pdf again with OCR.`,
    });
    const job = teamJob({ user_id: 'user-gus' });
    h.sim.putJob(job);
    await h.ask(`subscribe ${job.id}`, { channel: 'C_DATA_JOBS' });
    const failing = makeJobWithFiles(
      [
        scan(1),
        scan(2),
        scan(3),
        scan(4),
        { state: 'failed', name: 'minutes.docx', error: 'Password protected', fix: 'Ask for an unprotected copy.' },
      ],
      { id: job.id, name: job.name, user_id: 'user-gus', status: 'needs_review', created_at: job.created_at, updated_at: 'failed' },
    );
    h.sim.putJob(failing);
    await h.bot.pollNow();
    const [dm] = h.slack.directMessages('U_GUS').map((m) => visibleText(m));
    expect(dm).toMatch(/5 files failed/);
    expect(dm).toMatch(/4 files:.*scan-00/);
    expect(dm?.match(/No extractable text layer in/g)).toHaveLength(1);
    expect(dm).toContain('minutes.docx');
    expect(dm).toContain('Password protected');
    await h.ask('me off', { user: 'U_GUS' });
  });

  it('the App Home lists the jobs you own once you linked yourself', async () => {
    h.slack.addUser({ id: 'U_FRAN', name: 'fran' });
    await h.ask('me user-fran', { user: 'U_FRAN' });
    await h.ask('subscribe team failures', { channel: 'C_RANDOM' });
    const mine = teamJob({ user_id: 'user-fran', name: 'fran-eval-1' });
    h.sim.putJob(mine);
    h.sim.putJob(teamJob({ user_id: 'user-other', name: 'not-frans' }));
    await h.bot.discoverNow();
    await h.slack.openHome({ user: 'U_FRAN' });
    const home = await waitFor(() => h.slack.homeView('U_FRAN'), 'the Home to be published');
    const shown = visibleText(home as object);
    expect(shown).toMatch(/Jobs you own\* \(1\)/);
    expect(shown).toContain('fran-eval-1');
    expect(shown).not.toContain('not-frans');
    await h.ask('unsubscribe team', { channel: 'C_RANDOM' });
  });

  it('through the mapping file, by email and by user id', async () => {
    // The file names Bob by email (resolved with users.lookupByEmail in the background) and Dan by id.
    await waitFor(() => h.logs.some((l) => l.includes('owner map emails asked')), 'the emails to be resolved');
    await ownedJobThroughItsLife('user-bob');
    await ownedJobThroughItsLife('user-dan');
    expect(h.slack.directMessages('U_BOB')).toHaveLength(3);
    expect(h.slack.directMessages('U_DAN')).toHaveLength(3);
    expect(h.slack.callsTo('users.lookupByEmail').map((c) => c.args.email)).toEqual(['bob@example.com']);
    expect(h.logs.some((l) => l.includes('owner map line skipped') && l.includes('line 4'))).toBe(true);
  });

  it('an owner the access policy no longer allows (a guest) is told nothing; the channels still are', async () => {
    const logged = h.logs.length;
    const job = await ownedJobThroughItsLife('user-fay');
    await waitFor(
      () => h.logs.slice(logged).find((l) => l.includes("owner's notices paused") && l.includes('"user":"U_FAY"')),
      'the refusal of the guest owner',
    );
    expect(h.slack.directMessages('U_FAY')).toEqual([]);
    const card = h.slack.topLevel('C_DATA_JOBS').find((m) => visibleText(m).includes(job.name));
    expect(h.slack.thread('C_DATA_JOBS', card?.ts as string).some((m) => /1 file failed/.test(visibleText(m)))).toBe(true);
  });
});
