import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { DataJob } from '../../src/domain/data-job.js';
import { createLogger } from '../../src/logger.js';
import { type RunningBot, startBot } from '../../src/main.js';
import { ALIGNMENT_ACTIONS } from '../../src/slack/blocks/alignment-button.js';
import { HOME_START_ALIGNMENT } from '../../src/slack/blocks/home-waiting.js';
import { dropSchema, newTestSchemaName, testDatabaseUrl } from '../storage/pg-test-schema.js';
import { checkHomeView, checkMessage } from '../support/block-kit-rules.js';
import { clickButton, findAction } from '../support/fake-slack/payloads.js';
import type { SlackMessage } from '../support/fake-slack/types.js';
import { type Harness, SIGNING_SECRET, startHarness, USER, visibleText, waitFor } from '../support/harness.js';
import { makeJob } from '../support/make-job.js';
import { sendBlockActions } from '../support/slack-requests.js';

/**
 * Starting and cancelling a job's alignment from Slack, through the real bot: the living card's
 * confirm-guarded buttons, `/datajob start|cancel`, who may, once however often it is clicked, and
 * what the thread, the owner, the audit log and the metrics say of it. Jobs come from the
 * simulator's planned lifecycle, so that a started job goes on (pending, queued, running, …).
 */

const TEMPLATE = 'https://apps.seekr.com/flow/data-jobs/{id}';
const ANA = 'U_ANA';
const BOB = 'U_BOB';
const OWEN = 'U_OWEN';
const GROUP = 'S0ACTORS';

let names = 0;

describe.each(['http', 'socket'] as const)('actions from Slack (%s)', (mode) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ mode, env: { ACTION_USERGROUPS: GROUP, SEEKRFLOW_JOB_URL_TEMPLATE: TEMPLATE, HOME_REFRESH_SECONDS: '1' } });
    for (const id of [ANA, BOB, OWEN]) h.slack.addUser({ id, name: id.slice(2).toLowerCase() });
    h.slack.addUsergroup({ id: GROUP, users: [ANA] });
    // Owen owns the simulator's jobs in SeekrFlow (the key's user).
    expect(visibleText((await h.ask(`me ${h.sim.userId}`, { user: OWEN })).body as object)).toMatch(/linked/i);
  });
  afterAll(() => h.stop());
  beforeEach(() => {
    h.sim.clearFaults();
    h.sim.resetRequests();
  });

  const posts = (id: string, action: 'start' | 'cancel') =>
    h.sim.requests.filter((r) => r.method === 'POST' && r.rawPath === `/v1/flow/data-jobs/${id}/${action}`).length;
  const told = (pattern: RegExp, what: string) =>
    waitFor(() => h.slack.responsesAll().find((r) => r.effect === 'ephemeral' && pattern.test(visibleText(r.body as object))), what);
  /** The click listener is done with `n` clicks on the job since `since` (its last line, whatever it did). */
  const clicksDone = (since: number, jobId: string, n = 1) =>
    waitFor(
      () =>
        h.logs
          .slice(since)
          .filter((l) => l.includes('"msg":"listener done"') && l.includes(`"jobId":"${jobId}"`) && l.includes('_alignment')).length >= n,
      `${n} click(s) on ${jobId} handled`,
    );
  const auditLines = (since: number, jobId: string) =>
    h.logs.slice(since).filter((l) => l.includes('"audit":true') && l.includes(`"jobId":"${jobId}"`) && l.includes('_alignment"'));

  /** A planned job brought to `status`, with #data-jobs subscribed and its living card posted. */
  async function subscribedJob(status: string): Promise<{ id: string; name: string; card: () => SlackMessage }> {
    const name = `Action job ${++names}`;
    const { id } = h.sim.createJob('happy', { overrides: { name } });
    h.sim.advanceUntil(id, status);
    const answer = await h.ask(`subscribe ${id}`);
    expect(visibleText(answer.body as object)).toMatch(/Subscribed/);
    const card = () => {
      const found = h.slack.topLevel('C_DATA_JOBS').find((m) => m.user === h.slack.botUserId && visibleText(m).includes(name));
      if (!found) throw new Error(`no living card of ${name}`);
      return found;
    };
    return { id, name, card };
  }
  const buttonOf = (message: { blocks?: unknown }, actionId: string) => findAction(message.blocks as unknown[], actionId)?.element;
  const threadOf = (card: SlackMessage) => h.slack.thread('C_DATA_JOBS', card.ts);

  it('a ready job’s card offers Start alignment behind a confirmation naming the job; other states offer none', async () => {
    const ready = await subscribedJob('ready_to_start');
    const card = ready.card();
    expect(checkMessage(card)).toBeNull();
    const start = buttonOf(card, ALIGNMENT_ACTIONS.start) as { confirm?: unknown } | undefined;
    expect(start).toBeDefined();
    expect(visibleText({ blocks: [start?.confirm] })).toContain(`Start the alignment of “${ready.name}”?`);
    expect(buttonOf(card, ALIGNMENT_ACTIONS.cancel)).toBeUndefined();

    const processing = await subscribedJob('file_processing');
    expect(buttonOf(processing.card(), ALIGNMENT_ACTIONS.start)).toBeUndefined();
    expect(buttonOf(processing.card(), ALIGNMENT_ACTIONS.cancel)).toBeUndefined();
    // The look-up card too.
    const lookup = await h.ask(processing.id);
    expect(JSON.stringify(lookup.body)).not.toContain('_alignment');
    const readyLookup = await h.ask(ready.id);
    expect(buttonOf(readyLookup.body as object, ALIGNMENT_ACTIONS.start)).toBeDefined();

    const running = await subscribedJob('running');
    const cancel = buttonOf(running.card(), ALIGNMENT_ACTIONS.cancel) as { style?: string; confirm?: unknown } | undefined;
    expect(cancel?.style).toBe('danger');
    expect(visibleText({ blocks: [cancel?.confirm] })).toMatch(/Cancel the alignment of .*cannot be undone/);
    expect(buttonOf(running.card(), ALIGNMENT_ACTIONS.start)).toBeUndefined();
  });

  it('someone outside the groups is refused in one sentence, and SeekrFlow is not asked', async () => {
    const job = await subscribedJob('ready_to_start');
    h.sim.resetRequests();
    const since = h.logs.length;
    await h.click({ channel: 'C_DATA_JOBS', ts: job.card().ts }, ALIGNMENT_ACTIONS.start, BOB);
    await told(/Only the people whoever runs the bot allows/, 'the refusal');
    await clicksDone(since, job.id);
    // Not even read.
    expect(h.sim.requestCount(job.id)).toBe(0);
    expect(h.sim.getJob(job.id)?.status).toBe('ready_to_start');
    const audits = auditLines(since, job.id);
    expect(audits).toHaveLength(1);
    expect(JSON.parse(audits[0] as string)).toMatchObject({
      user: BOB,
      channel: 'C_DATA_JOBS',
      action: 'start_alignment',
      outcome: 'refused',
    });
  });

  it('an allowed member’s click starts it once: the thread names them, the card moves on, the owner is told', async () => {
    const job = await subscribedJob('ready_to_start');
    // Asked first, she says No: Slack sends nothing, nothing happens.
    expect((await h.click({ channel: 'C_DATA_JOBS', ts: job.card().ts }, ALIGNMENT_ACTIONS.start, ANA, undefined, 'deny')).status).toBe(0);
    expect(h.slack.dialogs.at(-1)).toMatchObject({ user: ANA, actionId: ALIGNMENT_ACTIONS.start, answer: 'deny' });
    expect(visibleText({ blocks: [h.slack.dialogs.at(-1)?.dialog] })).toContain(`“${job.name}”`);
    expect(posts(job.id, 'start')).toBe(0);
    const since = h.logs.length;
    await h.click({ channel: 'C_DATA_JOBS', ts: job.card().ts }, ALIGNMENT_ACTIONS.start, ANA);
    await told(new RegExp(`Alignment started: \\*${job.name}\\* is now`), 'the answer');
    expect(posts(job.id, 'start')).toBe(1);
    // The card is refreshed at once: no pass ran.
    await waitFor(
      () => /Pending|Queued/.test(visibleText(job.card())) && buttonOf(job.card(), ALIGNMENT_ACTIONS.cancel),
      'the card moved on',
    );
    expect(buttonOf(job.card(), ALIGNMENT_ACTIONS.start)).toBeUndefined();
    const named = () => threadOf(job.card()).filter((m) => visibleText(m).includes(`Alignment started by <@${ANA}>`));
    await waitFor(() => named().length === 1, 'the thread to name Ana');
    await waitFor(
      () => h.slack.directMessages(OWEN).some((m) => visibleText(m).includes(`<@${ANA}> started the alignment of your data job`)),
      'Owen told',
    );
    expect(auditLines(since, job.id).map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ user: ANA, channel: 'C_DATA_JOBS', action: 'start_alignment', outcome: 'done', jobId: job.id }),
    ]);
    // The lifecycle goes on from there, and the thread still names her once.
    h.sim.advanceUntil(job.id, 'running');
    await h.bot.pollNow();
    expect(visibleText(job.card())).toMatch(/Running/);
    expect(named()).toHaveLength(1);
    const metrics = await (await fetch(`http://127.0.0.1:${h.bot.metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/datajob_actions_total\{kind="start",outcome="done"\} [1-9]/);
  });

  it('five clicks at once ask SeekrFlow once; the others are told it was asked already', async () => {
    const job = await subscribedJob('ready_to_start');
    h.sim.setFault({ kind: 'latency', ms: 200 }, { jobId: job.id });
    const since = h.logs.length;
    const ts = job.card().ts;
    await Promise.all(Array.from({ length: 5 }, () => h.click({ channel: 'C_DATA_JOBS', ts }, ALIGNMENT_ACTIONS.start, ANA)));
    await clicksDone(since, job.id, 5);
    expect(posts(job.id, 'start')).toBe(1);
    // A later click meets the claim, or (arriving after the first was done) the job's new state.
    await told(/already asked to start the alignment|older than the job/, 'a later click told');
  });

  it('a click on a card older than the job’s state is told so, SeekrFlow not asked, and the card brought up to date', async () => {
    const job = await subscribedJob('ready_to_start');
    const ts = job.card().ts;
    // Someone started it in SeekrFlow itself; no pass has run since.
    h.sim.advanceUntil(job.id, 'queued');
    h.sim.resetRequests();
    await h.click({ channel: 'C_DATA_JOBS', ts }, ALIGNMENT_ACTIONS.start, ANA);
    await told(/This card is older than the job: .* is now .*Queued.*nothing to start/, 'the stale answer');
    expect(posts(job.id, 'start')).toBe(0);
    await waitFor(() => buttonOf(job.card(), ALIGNMENT_ACTIONS.cancel), 'the card with Cancel');
  });

  it('SeekrFlow’s refusal is told with its reason and a link, and a later click may try again', async () => {
    const name = `Action job ${++names}`;
    const id = `dj-act-noprompt-${names}`;
    h.sim.putJob(makeJob({ id, name, job_type: 'principle_files', status: 'ready_to_start', system_prompt: null }));
    const confirm = await h.ask(`start ${id}`, { user: ANA });
    await h.click({ ephemeralTs: confirm.ts as string }, ALIGNMENT_ACTIONS.start, ANA);
    const answer = await told(/A system prompt is required/, 'SeekrFlow’s reason');
    expect(visibleText(answer.body as object)).toContain(`<https://apps.seekr.com/flow/data-jobs/${id}|Open it in SeekrFlow>`);
    expect(posts(id, 'start')).toBe(1);
    // Fixed in SeekrFlow, the same confirmation works: SeekrFlow's no left nothing claimed.
    h.sim.updateJob(id, (job: DataJob) => {
      job.system_prompt = 'Be helpful.';
    });
    await h.click({ ephemeralTs: confirm.ts as string }, ALIGNMENT_ACTIONS.start, ANA);
    await waitFor(() => posts(id, 'start') === 2, 'a second POST');
    await waitFor(() => h.sim.getJob(id)?.status === 'queued', 'the job started');
  });

  it('SeekrFlow’s own words are escaped and shortened: a 409 whose detail holds markup pings nobody', async () => {
    const job = await subscribedJob('ready_to_start');
    const detail = `<!channel> locked by <@U_SOMEONE> *now* ${'x'.repeat(3_000)}`;
    // The look-up before the POST goes through; the POST gets the refusal.
    h.sim.setFault({ kind: 'status', status: 409, body: JSON.stringify({ detail }) }, { jobId: job.id, after: 1, times: 1 });
    await h.click({ channel: 'C_DATA_JOBS', ts: job.card().ts }, ALIGNMENT_ACTIONS.start, ANA);
    const answer = await told(/locked by/, 'the refusal');
    const text = visibleText(answer.body as object);
    expect(text).toContain('&lt;!channel&gt; locked by &lt;@U_SOMEONE&gt;');
    expect(text).not.toContain('<!channel>');
    expect(text.length).toBeLessThan(600);
    expect(posts(job.id, 'start')).toBe(1);
    expect(h.sim.getJob(job.id)?.status).toBe('ready_to_start');
  });

  it('Cancel on a running job ends it cancelled, the thread naming who', async () => {
    const job = await subscribedJob('running');
    await h.click({ channel: 'C_DATA_JOBS', ts: job.card().ts }, ALIGNMENT_ACTIONS.cancel, ANA);
    await told(new RegExp(`Alignment cancelled: \\*${job.name}\\* is now .*Cancelled`), 'the answer');
    expect(posts(job.id, 'cancel')).toBe(1);
    expect(h.sim.getJob(job.id)?.status).toBe('cancelled');
    await waitFor(() => threadOf(job.card()).some((m) => visibleText(m).includes(`Alignment cancelled by <@${ANA}>`)), 'the thread');
    await waitFor(() => /Cancelled/.test(visibleText(job.card())) && !buttonOf(job.card(), ALIGNMENT_ACTIONS.cancel), 'the card');
  });

  it('the Home shows what waits for you: a member may start any ready job from there, an owner sees their own', async () => {
    // Earlier tests' ready jobs move on (and a pass sees it): this one is the only job waiting.
    for (const other of h.sim.jobIds())
      if (h.sim.getJob(other)?.status === 'ready_to_start' && h.sim.remainingSteps(other) > 0) h.sim.advanceUntil(other, 'running');
    const job = await subscribedJob('ready_to_start');
    await h.bot.pollNow();
    // Owners' jobs are the ones discovery read from the team's list: a feed makes it read it.
    expect(visibleText((await h.ask('subscribe team', { channel: 'C_GENERAL' })).body as object)).toMatch(/team/i);
    await h.bot.discoverNow();
    const homeOf = async (user: string) => {
      const before = h.slack.homeView(user)?.publishes ?? 0;
      await h.slack.openHome({ user });
      return waitFor(() => ((h.slack.homeView(user)?.publishes ?? 0) > before ? h.slack.homeView(user) : undefined), `${user}'s Home`);
    };
    const anaHome = await homeOf(ANA);
    expect(checkHomeView(h.slack.callsTo('views.publish').at(-1)?.args.view)).toBeNull();
    expect(visibleText({ blocks: anaHome.blocks })).toMatch(/Waiting for you/);
    const section = (anaHome.blocks as Array<{ block_id: string; text?: { text: string }; accessory?: { action_id: string } }>).find((b) =>
      b.text?.text.includes(job.name),
    );
    expect(section?.accessory).toMatchObject({ action_id: HOME_START_ALIGNMENT, confirm: expect.anything() });
    // Owen owns it but is in no group: he sees it waiting, with no button.
    const owenHome = await homeOf(OWEN);
    expect(visibleText({ blocks: owenHome.blocks })).toContain(job.name);
    expect(JSON.stringify(owenHome.blocks)).not.toContain(HOME_START_ALIGNMENT);
    // Bob owns nothing and may not act: nothing waits for him.
    expect(visibleText({ blocks: (await homeOf(BOB)).blocks })).not.toMatch(/Waiting for you/);

    const before = h.slack.homeView(ANA)?.publishes ?? 0;
    await h.click({ homeOf: ANA }, HOME_START_ALIGNMENT, ANA, section?.block_id);
    await waitFor(() => posts(job.id, 'start') === 1, 'the POST');
    await waitFor(
      () =>
        (h.slack.homeView(ANA)?.publishes ?? 0) > before &&
        /Alignment started/.test(visibleText({ blocks: h.slack.homeView(ANA)?.blocks })),
      'the notice on the Home',
    );
    await waitFor(() => threadOf(job.card()).some((m) => visibleText(m).includes(`Alignment started by <@${ANA}>`)), 'the thread');
  });

  it('/datajob start and cancel answer with the same confirmation; nothing is done before it is clicked', async () => {
    const ready = await subscribedJob('ready_to_start');
    const answer = await h.ask(`start ${ready.id}`, { user: ANA });
    expect(answer.effect).toBe('ephemeral');
    expect(checkMessage(answer.body as object)).toBeNull();
    expect(buttonOf(answer.body as object, ALIGNMENT_ACTIONS.start)).toEqual(buttonOf(ready.card(), ALIGNMENT_ACTIONS.start));
    expect(posts(ready.id, 'start')).toBe(0);
    await h.click({ ephemeralTs: answer.ts as string }, ALIGNMENT_ACTIONS.start, ANA);
    await waitFor(() => posts(ready.id, 'start') === 1, 'the POST');
    // The confirmation becomes the job's card, as it is now.
    const replaced = await waitFor(() => {
      const e = h.slack.ephemeral(answer.ts as string);
      return e && e.replaced > 0 ? e : undefined;
    }, 'the confirmation replaced');
    expect(visibleText(replaced)).toMatch(/Pending|Queued/);
    expect(buttonOf(replaced, ALIGNMENT_ACTIONS.cancel)).toBeDefined();

    const running = await subscribedJob('running');
    const cancel = await h.ask(`cancel ${running.id}`, { user: ANA });
    expect(buttonOf(cancel.body as object, ALIGNMENT_ACTIONS.cancel)).toEqual(buttonOf(running.card(), ALIGNMENT_ACTIONS.cancel));
    expect(visibleText((await h.ask(`start ${running.id}`, { user: ANA })).body as object)).toMatch(/so there is nothing to start/);
    expect(visibleText((await h.ask(`start ${ready.id}`, { user: BOB })).body as object)).toMatch(/Only the people/);
    expect(visibleText((await h.ask('help')).body as object)).toMatch(/`\/datajob start <job id>` and `\/datajob cancel <job id>`/);
    expect(posts(running.id, 'cancel')).toBe(0);
  });
});

describe('with ACTION_OWNERS=true', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { ACTION_USERGROUPS: GROUP, ACTION_OWNERS: 'true' } });
    h.slack.addUser({ id: OWEN, name: 'owen' });
    h.slack.addUsergroup({ id: GROUP, users: [ANA] });
    await h.ask(`me ${h.sim.userId}`, { user: OWEN });
  });
  afterAll(() => h.stop());

  it('a linked owner in no group may start their own job, and only theirs', async () => {
    const mine = h.sim.createJob('happy', { overrides: { name: 'Owen’s job' } });
    const theirs = h.sim.createJob('happy', { userId: 'user-someone-else', overrides: { name: 'Someone else’s job' } });
    for (const { id } of [mine, theirs]) h.sim.advanceUntil(id, 'ready_to_start');
    const posted = (id: string) => h.sim.requests.filter((r) => r.method === 'POST' && r.rawPath.endsWith(`${id}/start`)).length;

    expect(visibleText((await h.ask(`start ${theirs.id}`, { user: OWEN })).body as object)).toMatch(/Only the people/);
    const confirm = await h.ask(`start ${mine.id}`, { user: OWEN });
    await h.click({ ephemeralTs: confirm.ts as string }, ALIGNMENT_ACTIONS.start, OWEN);
    await waitFor(() => posted(mine.id) === 1, 'his job started');
    await waitFor(() => h.sim.getJob(mine.id)?.status === 'pending', 'his job pending');
    expect(posted(theirs.id)).toBe(0);
  });
});

describe.each(['http', 'socket'] as const)('with ACTION_USERGROUPS unset (%s)', (mode) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      mode,
      env: { SEEKRFLOW_JOB_URL_TEMPLATE: TEMPLATE, SEEKRFLOW_UNFURL_DOMAINS: 'seekr.com' },
      slack: { unfurlDomains: ['seekr.com'] },
    });
  });
  afterAll(() => h.stop());

  it('no action button shows on any card, the Home or an unfurl, and the commands say actions are off', async () => {
    const ready = h.sim.createJob('happy', { overrides: { name: 'Ready, no actions' } });
    h.sim.advanceUntil(ready.id, 'ready_to_start');
    const running = h.sim.createJob('happy', { overrides: { name: 'Running, no actions' } });
    h.sim.advanceUntil(running.id, 'running');
    await h.ask(`me ${h.sim.userId}`);
    for (const { id } of [ready, running]) {
      expect(visibleText((await h.ask(`subscribe ${id}`)).body as object)).toMatch(/Subscribed/);
      expect(JSON.stringify((await h.ask(id)).body)).not.toContain('_alignment');
    }
    for (const card of h.slack.topLevel('C_DATA_JOBS')) expect(JSON.stringify(card.blocks)).not.toContain('_alignment');

    const url = TEMPLATE.replace('{id}', ready.id);
    const shared = await h.slack.shareLinks({ channel: 'C_DATA_JOBS', urls: [url], text: `ready? <${url}>` });
    const unfurls = await waitFor(() => h.slack.unfurlsOf('C_DATA_JOBS', shared.message?.ts as string), 'the unfurl');
    expect(JSON.stringify(unfurls)).toContain('Ready, no actions');
    expect(JSON.stringify(unfurls)).not.toContain('_alignment');

    await h.slack.openHome({ user: USER.id });
    const home = await waitFor(() => h.slack.homeView(USER.id), 'the Home');
    expect(JSON.stringify(home.blocks)).not.toContain('_alignment');

    for (const verb of ['start', 'cancel']) {
      expect(visibleText((await h.ask(`${verb} ${ready.id}`)).body as object)).toMatch(/from Slack is off/);
    }
    expect(h.sim.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
  });
});

describe.skipIf(!testDatabaseUrl)('two replicas on one PostgreSQL', () => {
  const schema = newTestSchemaName('datajob_actions');
  let h: Harness;
  let replica: RunningBot;
  beforeAll(async () => {
    h = await startHarness({ env: { ACTION_USERGROUPS: GROUP, DATABASE_URL: testDatabaseUrl as string, DATABASE_SCHEMA: schema } });
    h.slack.addUser({ id: ANA, name: 'ana' });
    h.slack.addUsergroup({ id: GROUP, users: [ANA] });
    replica = await startBot(loadConfig(h.env), { logger: createLogger({ level: 'silent', secrets: [] }) });
  });
  afterAll(async () => {
    await replica?.stop();
    await h.stop();
    await dropSchema(testDatabaseUrl as string, schema);
  });

  it('the same click reaching both replicas at once asks SeekrFlow once', async () => {
    const { id } = h.sim.createJob('happy', { overrides: { name: 'Replicated action' } });
    h.sim.advanceUntil(id, 'ready_to_start');
    expect(visibleText((await h.ask(`subscribe ${id}`)).body as object)).toMatch(/Subscribed/);
    const card = h.slack.topLevel('C_DATA_JOBS').find((m) => visibleText(m).includes('Replicated action'));
    if (!card) throw new Error('no card');
    h.sim.setFault({ kind: 'latency', ms: 200 }, { jobId: id });
    const urls = [h.botUrl, `http://127.0.0.1:${replica.port}/slack/events`];
    // Slack retries a click it thinks timed out, and either replica may get it.
    const sent = await Promise.all(
      [...urls, ...urls].map((url) =>
        sendBlockActions(
          url,
          SIGNING_SECRET,
          clickButton(h.slack, { channel: 'C_DATA_JOBS', ts: card.ts, actionId: ALIGNMENT_ACTIONS.start, user: { id: ANA, name: 'ana' } }),
        ),
      ),
    );
    expect(sent.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    await waitFor(
      () => h.slack.responsesAll().filter((r) => /Alignment started|already asked/.test(visibleText(r.body as object))).length >= 4,
      'four answers',
    );
    expect(h.sim.requests.filter((r) => r.method === 'POST' && r.rawPath.endsWith(`${id}/start`))).toHaveLength(1);
  });
});
