import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOME_ACTIONS } from '../../src/slack/blocks/home.js';
import { LOOKUP_INPUT } from '../../src/slack/blocks/lookup-modal.js';
import { checkHomeView, checkView } from '../support/block-kit-rules.js';
import { logMark, waitForLines } from '../support/bot-logs.js';
import { type Harness, startHarness, visibleText, waitFor } from '../support/harness.js';
import { makeJobWithFiles } from '../support/make-job.js';

/**
 * The App Home through the real bot: app_home_opened over the Request URL or the Socket Mode
 * connection, views.publish into the fake Slack (which holds it to the Home tab's rules), and the
 * clicks and the modal a person makes there.
 */

const jobId = (n: number) => `dj-40e00000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const REFRESH_MS = 1_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(['http', 'socket'] as const)('App Home (%s)', (mode) => {
  let h: Harness;
  let users = 0;
  /** A person of the workspace no other test used: their Home and their throttle start empty. */
  const newPerson = (spec: { isRestricted?: boolean; isStranger?: boolean } = {}) => {
    const id = `U_HOME${++users}`;
    h.slack.addUser({ id, name: id.toLowerCase(), ...spec });
    return id;
  };
  const homeText = (user: string) => visibleText({ blocks: h.slack.homeView(user)?.blocks });
  const publishes = (user: string) => h.slack.homeView(user)?.publishes ?? 0;
  /** Waits for the Home's next publish after `before`, and returns its text. */
  const nextHome = async (user: string, before: number) => {
    await waitFor(() => publishes(user) > before, `publish ${before + 1} of ${user}'s Home`, 5_000);
    return homeText(user);
  };
  const subscribe = async (user: string, channel: string, n: number, filter = '') => {
    const answer = await h.ask(`subscribe ${jobId(n)} ${filter}`.trim(), { user, channel });
    expect(visibleText(answer.body as object)).toMatch(/Subscribed/);
  };
  const cardOf = (channel: string, n: number) =>
    h.slack.topLevel(channel).find((m) => m.user === h.slack.botUserId && visibleText(m).includes(`Home job ${n}`));

  beforeAll(async () => {
    h = await startHarness({
      mode,
      // Fast pacing for the many cards of the limits test; answers about people and channels kept for 1 s.
      env: { HOME_REFRESH_SECONDS: String(REFRESH_MS / 1000), ACCESS_CACHE_SECONDS: '1', SLACK_RATE_SCALE: '1000' },
    });
    for (let n = 1; n <= 80; n++) {
      h.sim.putJob(
        makeJobWithFiles([{ state: 'done' }, { state: 'processing' }], { id: jobId(n), name: `Home job ${n}`, status: 'running' }),
      );
    }
  });
  afterAll(() => h.stop());

  it('shows the subscriptions the person created, in every channel, live, paused (and why) and ended', async () => {
    const alice = newPerson();
    const bob = newPerson();
    await subscribe(alice, 'C_DATA_JOBS', 1);
    await subscribe(alice, 'C_GENERAL', 2, 'failures');
    await subscribe(alice, 'C_GENERAL', 3);
    await subscribe(bob, 'C_DATA_JOBS', 4);
    await h.ask(`pause ${jobId(2)}`, { user: bob, channel: 'C_GENERAL' });
    h.sim.updateJob(jobId(3), (job) => {
      job.status = 'completed';
    });
    await h.bot.pollNow();
    h.sim.resetRequests();

    const opened = await h.slack.openHome({ user: alice });
    expect(opened.delivery).toMatchObject({ via: mode });
    const seen = await nextHome(alice, 0);
    expect(checkHomeView(h.slack.callsTo('views.publish').findLast((c) => c.args.user_id === alice)?.args.view)).toBeNull();
    expect(seen).toContain('Subscriptions you created* (3)');
    expect(seen).toMatch(
      new RegExp(`Home job 2\\* \`${jobId(2)}\` in <#C_GENERAL>[\\s\\S]*hears: failures[\\s\\S]*Paused\\* by <@${bob}> since`),
    );
    expect(seen).toMatch(new RegExp(`Home job 1\\* \`${jobId(1)}\` in <#C_DATA_JOBS>[\\s\\S]*Live`));
    expect(seen).toMatch(/Home job 3\*[\s\S]*Ended \(Completed\)/);
    expect(seen).not.toContain('Home job 4');
    expect(seen).toContain('Look up a job');
    expect(seen).not.toContain('Jobs you own');
    // The Home reads the bot's own memory: SeekrFlow is not asked.
    expect(h.sim.requestCount()).toBe(0);
  });

  it('publishes at most once per refresh interval, however often the tab is opened', async () => {
    const carol = newPerson();
    await h.slack.openHome({ user: carol });
    await nextHome(carol, 0);
    const since = logMark([h]);
    for (let i = 0; i < 5; i++) await h.slack.openHome({ user: carol });
    await waitForLines(
      [h],
      since,
      (l) => l.msg === 'app_home_opened handled' && l.user === carol,
      5,
      `the bot to handle ${carol}'s openings`,
    );
    expect(publishes(carol)).toBe(1);
    await sleep(REFRESH_MS);
    await h.slack.openHome({ user: carol });
    await nextHome(carol, 1);
    expect(publishes(carol)).toBe(2);
  });

  it('Resume acts as /datajob resume in that channel: the card’s thread says who, and the Home says what happened', async () => {
    const dana = newPerson();
    await subscribe(dana, 'C_DATA_JOBS', 5);
    await h.ask(`pause ${jobId(5)}`, { user: dana, channel: 'C_DATA_JOBS' });
    await h.slack.openHome({ user: dana });
    expect(await nextHome(dana, 0)).toContain('Paused');
    // A click right after the publish waits for the interval: one publish, with the answer.
    await h.click({ homeOf: dana }, HOME_ACTIONS.resume, dana);
    const after = await nextHome(dana, 1);
    expect(after).toMatch(/Resumed the subscription of <#C_DATA_JOBS> to \*Home job 5\*/);
    expect(after).toMatch(/Home job 5[\s\S]*Live/);
    const card = cardOf('C_DATA_JOBS', 5);
    await waitFor(
      () => h.slack.thread('C_DATA_JOBS', card?.ts as string).some((m) => m.text.includes(`Resumed by <@${dana}>`)),
      'the note in the thread',
    );
  });

  it('Unsubscribe acts as /datajob unsubscribe in that channel', async () => {
    const erin = newPerson();
    await subscribe(erin, 'C_GENERAL', 6);
    await h.slack.openHome({ user: erin });
    await nextHome(erin, 0);
    await h.click({ homeOf: erin }, HOME_ACTIONS.unsubscribe, erin);
    const after = await nextHome(erin, 1);
    expect(after).toContain(`Unsubscribed <#C_GENERAL> from \`${jobId(6)}\``);
    expect(after).toContain('None yet');
    const card = cardOf('C_GENERAL', 6);
    await waitFor(
      () => h.slack.thread('C_GENERAL', card?.ts as string).some((m) => m.text.includes(`Unsubscribed by <@${erin}>`)),
      'the note',
    );
  });

  it.each([
    { who: 'a guest', spec: { isRestricted: true }, sentence: /Guests can’t use \/datajob/ },
    { who: 'someone of another organisation', spec: { isStranger: true }, sentence: /only for members of the organisation/ },
  ])('shows $who one sentence and nothing of any job', async ({ spec, sentence }) => {
    const person = newPerson(spec);
    h.sim.resetRequests();
    await h.slack.openHome({ user: person });
    const seen = await nextHome(person, 0);
    expect(seen).toMatch(sentence);
    expect(h.slack.homeView(person)?.blocks).toHaveLength(1);
    expect(seen).not.toContain('Look up');
    expect(h.sim.requestCount()).toBe(0);
  });

  it('acts only on the clicker’s own subscription: a stale button for one someone else made since is refused', async () => {
    const hal = newPerson();
    const ivy = newPerson();
    await subscribe(hal, 'C_RANDOM', 8);
    await h.slack.openHome({ user: hal });
    await nextHome(hal, 0);
    // Hal unsubscribes in the channel; Ivy subscribes it again. Hal's Home still shows his old button.
    await h.ask(`unsubscribe ${jobId(8)}`, { user: hal, channel: 'C_RANDOM' });
    await subscribe(ivy, 'C_RANDOM', 8);
    await h.click({ homeOf: hal }, HOME_ACTIONS.unsubscribe, hal);
    const after = await nextHome(hal, 1);
    expect(after).toContain(`<@${ivy}> subscribed <#C_RANDOM> to \`${jobId(8)}\`, not you`);
    expect(visibleText((await h.ask('list', { user: ivy, channel: 'C_RANDOM' })).body as object)).toContain(jobId(8));
  });

  it('refuses Resume for a channel that is now shared with another organisation, as /datajob resume would', async () => {
    const fay = newPerson();
    h.slack.addChannel({ id: 'C_TURNING', name: 'turning' });
    await subscribe(fay, 'C_TURNING', 7);
    await h.ask(`pause ${jobId(7)}`, { user: fay, channel: 'C_TURNING' });
    h.slack.addChannel({ id: 'C_TURNING', isExtShared: true });
    await sleep(1_100); // the bot's memory of the channel runs out
    await h.slack.openHome({ user: fay });
    await nextHome(fay, 0);
    h.sim.resetRequests();
    await h.click({ homeOf: fay }, HOME_ACTIONS.resume, fay);
    const after = await nextHome(fay, 1);
    expect(after).toMatch(/shared with another organisation/);
    expect(after).toMatch(/Home job 7[\s\S]*Paused/);
    expect(h.sim.requestCount()).toBe(0);
  });

  it('stays within 100 blocks with many subscriptions: a page at a time, saying how many more', async () => {
    const gus = newPerson();
    for (let n = 11; n <= 70; n += 10) {
      await Promise.all(Array.from({ length: 10 }, (_, i) => subscribe(gus, 'C_DATA_JOBS', n + i)));
    }
    await h.slack.openHome({ user: gus });
    const first = await nextHome(gus, 0);
    expect(h.slack.homeView(gus)?.blocks.length).toBeLessThanOrEqual(100);
    expect(first).toContain('Subscriptions you created* (60)');
    expect(first).toContain('Page 1 of 3 · 1–20 of 60 · 40 more subscriptions');
    await sleep(REFRESH_MS);
    await h.click({ homeOf: gus }, HOME_ACTIONS.pageNext, gus);
    expect(await nextHome(gus, 1)).toContain('Page 2 of 3 · 21–40 of 60');
    expect(h.slack.homeView(gus)?.blocks.length).toBeLessThanOrEqual(100);
  });

  it('Look up a job opens a modal that shows the card in the modal, only to the person', async () => {
    const hal = newPerson();
    await h.slack.openHome({ user: hal });
    await nextHome(hal, 0);
    await h.click({ homeOf: hal }, HOME_ACTIONS.lookup, hal);
    const form = await waitFor(() => h.slack.views().find((v) => v.user === hal && v.open), 'the look-up form');

    const bad = await h.slack.submitView({ viewId: form.id, values: { [LOOKUP_INPUT.actionId]: 'not an id!' }, user: hal });
    expect(bad.outcome).toMatchObject({ action: 'errors', errors: { [LOOKUP_INPUT.blockId]: expect.stringMatching(/not a job id/) } });

    const looked = await h.slack.submitView({ viewId: form.id, values: { [LOOKUP_INPUT.actionId]: `\`${jobId(8)}\`` }, user: hal });
    expect(looked.outcome).toMatchObject({ action: 'updated' });
    const card = await waitFor(() => {
      const v = h.slack.view(form.id);
      return v && visibleText({ blocks: v.blocks }).includes('Home job 8') ? v : undefined;
    }, 'the card in the modal');
    expect(checkView(h.slack.callsTo('views.update').findLast((c) => c.args.view_id === card.id)?.args.view)).toBeNull();
    expect(visibleText({ blocks: card.blocks })).toMatch(/Running[\s\S]*1 done/);
    // The card's buttons act on a channel, which a modal has not.
    expect(JSON.stringify(card.blocks)).not.toMatch(/refresh_card|subscribe_channel|share_card|open_failed_files/);
    expect(h.slack.topLevel('C_DATA_JOBS').some((m) => visibleText(m).includes('Home job 8'))).toBe(false);
  });

  it('Look up a job says so when SeekrFlow does not know the job', async () => {
    const ida = newPerson();
    await h.slack.openHome({ user: ida });
    await nextHome(ida, 0);
    await h.click({ homeOf: ida }, HOME_ACTIONS.lookup, ida);
    const form = await waitFor(() => h.slack.views().find((v) => v.user === ida && v.open), 'the look-up form');
    await h.slack.submitView({ viewId: form.id, values: { [LOOKUP_INPUT.actionId]: 'dj-unknown-1' }, user: ida });
    await waitFor(() => /Could not get data job/.test(visibleText({ blocks: h.slack.view(form.id)?.blocks })), 'the note');
  });
});
