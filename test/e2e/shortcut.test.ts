import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WATCH_INPUT, WATCH_SHORTCUT_ID } from '../../src/slack/blocks/watch-modal.js';
import { checkView } from '../support/block-kit-rules.js';
import { type Harness, startHarness, USER, visibleText, waitFor } from '../support/harness.js';
import { makeJobWithFiles } from '../support/make-job.js';

/**
 * "Watch this job" through the real bot: the message shortcut's payload over the Request URL or the
 * Socket Mode connection, the modal it opens, and its submission, as a person makes them.
 */

const TEMPLATE = 'https://apps.seekr.com/flow/data-jobs/{id}';
const jobId = (n: number) => `dj-3a7c0000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(['http', 'socket'] as const)('the "Watch this job" shortcut (%s)', (mode) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ mode, env: { SEEKRFLOW_JOB_URL_TEMPLATE: TEMPLATE, ACCESS_CACHE_SECONDS: '1' } });
    h.slack.addUser({ id: 'U_GUEST', name: 'guest', isUltraRestricted: true });
    h.slack.addUser({ id: 'U_STRANGER', name: 'stranger', isStranger: true });
    h.slack.addChannel({ id: 'C_SHARED', name: 'with-partner', isExtShared: true });
    for (let n = 1; n <= 9; n++) {
      h.sim.putJob(
        makeJobWithFiles([{ state: 'done' }, { state: 'processing' }], { id: jobId(n), name: `Watched job ${n}`, status: 'running' }),
      );
    }
  });
  afterAll(() => h.stop());

  /** A person posts `text` in `channel` and runs the shortcut on it; resolves once the bot acked. */
  const runShortcut = async (text: string, opts: { channel?: string; user?: string } = {}) => {
    const channel = opts.channel ?? 'C_DATA_JOBS';
    const user = opts.user ?? USER.id;
    const message = h.slack.addUserMessage(channel, { user, text });
    const views = h.slack.views().length;
    const run = await h.slack.messageShortcut({ channel, ts: message.ts, callbackId: WATCH_SHORTCUT_ID, user });
    expect(run.delivery).toMatchObject({ via: mode });
    return { run, views, responseUrl: run.payload.response_url as string };
  };
  const modalOf = (user: string) => waitFor(() => h.slack.views().find((v) => v.user === user && v.open && v.submit), 'the modal');
  const noteIn = (viewId: string, pattern: RegExp) =>
    waitFor(() => {
      const text = visibleText({ blocks: h.slack.view(viewId)?.blocks });
      return pattern.test(text) ? text : undefined;
    }, `a note matching ${pattern}`);
  const livingCard = (channel: string, n: number) =>
    h.slack.topLevel(channel).find((m) => m.user === h.slack.botUserId && visibleText(m).includes(`Watched job ${n}`));

  it('on a message with a job link: asks what to hear, then subscribes the channel with that choice', async () => {
    await runShortcut(`this one keeps failing <${TEMPLATE.replace('{id}', jobId(1))}|the job>`);
    const modal = await modalOf(USER.id);
    expect(checkView(h.slack.callsTo('views.open').at(-1)?.args.view)).toBeNull();
    expect(visibleText({ blocks: modal.blocks })).toContain(`\`${jobId(1)}\` in <#C_DATA_JOBS>`);

    const submitted = await h.slack.submitView({ viewId: modal.id, values: { [WATCH_INPUT.actionId]: 'failures' } });
    expect(submitted.outcome).toMatchObject({ action: 'updated' });
    await noteIn(modal.id, /Subscribed <#C_DATA_JOBS> to \*Watched job 1\*/);
    const card = await waitFor(() => livingCard('C_DATA_JOBS', 1), 'the living card');
    expect(visibleText(card)).toContain(`Subscribed by <@${USER.id}> (failures)`);
  });

  it('on a message that names a job by its id: the default filter is changes', async () => {
    await runShortcut(`${jobId(2)} looks stuck`, { channel: 'C_GENERAL' });
    const modal = await modalOf(USER.id);
    await h.slack.submitView({ viewId: modal.id });
    await noteIn(modal.id, /Subscribed <#C_GENERAL>/);
    expect(visibleText(await waitFor(() => livingCard('C_GENERAL', 2), 'the card'))).toContain('(changes)');
  });

  it('says so, in the modal, when the channel already follows the job', async () => {
    await runShortcut(`\`${jobId(3)}\``);
    await h.slack.submitView({ viewId: (await modalOf(USER.id)).id });
    await waitFor(() => livingCard('C_DATA_JOBS', 3), 'the card');
    await runShortcut(`again \`${jobId(3)}\``);
    const again = await modalOf(USER.id);
    await h.slack.submitView({ viewId: again.id });
    await noteIn(again.id, /already subscribed/);
  });

  it('answers a message without a job in one ephemeral sentence, and opens nothing', async () => {
    const { responseUrl, views } = await runShortcut('lunch at noon?');
    const answer = await waitFor(() => h.slack.responses(responseUrl)[0], 'the answer');
    expect(answer.effect).toBe('ephemeral');
    expect(visibleText(answer.body as object)).toMatch(/names no data job/);
    expect(h.slack.views()).toHaveLength(views);
  });

  it.each([
    { who: 'a guest', user: 'U_GUEST', channel: 'C_DATA_JOBS', sentence: /Guests can’t use/ },
    {
      who: 'someone of another organisation',
      user: 'U_STRANGER',
      channel: 'C_DATA_JOBS',
      sentence: /only for members of the organisation/,
    },
    {
      who: 'a member, in a channel shared with another organisation',
      user: USER.id,
      channel: 'C_SHARED',
      sentence: /shared with another organisation/,
    },
  ])('refuses $who in one ephemeral sentence: no modal, nothing asked of SeekrFlow', async ({ user, channel, sentence }) => {
    h.sim.resetRequests();
    const { responseUrl, views } = await runShortcut(`${jobId(4)} please`, { user, channel });
    const answer = await waitFor(() => h.slack.responses(responseUrl)[0], 'the refusal');
    expect(answer.effect).toBe('ephemeral');
    expect(visibleText(answer.body as object)).toMatch(sentence);
    expect(h.slack.views()).toHaveLength(views);
    expect(h.sim.requestCount()).toBe(0);
  });

  it('refuses at submission, in the modal, a channel that became shared with another organisation meanwhile', async () => {
    h.slack.addChannel({ id: 'C_SOON_SHARED', name: 'soon-shared' });
    await runShortcut(`${jobId(5)}`, { channel: 'C_SOON_SHARED' });
    const modal = await modalOf(USER.id);
    h.slack.addChannel({ id: 'C_SOON_SHARED', isExtShared: true });
    await sleep(1_100); // the bot's memory of the channel runs out
    h.sim.resetRequests();
    await h.slack.submitView({ viewId: modal.id });
    await noteIn(modal.id, /shared with another organisation/);
    expect(h.sim.requestCount()).toBe(0);
    expect(livingCard('C_SOON_SHARED', 5)).toBeUndefined();
  });
});
