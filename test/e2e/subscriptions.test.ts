import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DataJob } from '../../src/domain/data-job.js';
import { ACTIONS } from '../../src/slack/blocks/card.js';
import { checkMessage } from '../support/block-kit-rules.js';
import { deliveryRunsSince, logMark } from '../support/bot-logs.js';
import { type Harness, startHarness, USER, visibleText, waitFor } from '../support/harness.js';
import { makeAlignment, makeFailedRecord, makeIngestionJob, makeJobWithFiles } from '../support/make-job.js';

/**
 * Subscriptions end to end: the bot, the fake Slack, the simulator and a real SQLite file. Jobs are
 * put in the simulator state by state, and each poll pass is run when the test says, so the exact
 * sequence of card updates and thread replies can be asserted.
 */

let n = 0;
const newJobId = () => `dj-sub-${Date.now().toString(36)}-${++n}`;

/** The states of a job from ingestion to the end, as SeekrFlow would show them. */
function lifecycle(id: string): DataJob[] {
  const name = 'Claims handbook';
  const processing = makeJobWithFiles(
    [
      { state: 'processing', name: 'a.pdf' },
      { state: 'processing', name: 'b.pdf' },
      { state: 'queued', name: 'c.pdf' },
    ],
    {
      id,
      name,
      status: 'file_processing',
      updated_at: '2026-07-28T14:00:00Z',
    },
  );
  const oneFailed = makeJobWithFiles(
    [
      { state: 'failed', name: 'a.pdf', error: 'No extractable text', fix: 'Run OCR and upload it again' },
      { state: 'processing', name: 'b.pdf' },
      { state: 'processing', name: 'c.pdf' },
    ],
    { id, name, status: 'file_processing', updated_at: '2026-07-28T14:01:00Z' },
  );
  const review = makeJobWithFiles(
    [
      { state: 'failed', name: 'a.pdf', error: 'No extractable text', fix: 'Run OCR and upload it again' },
      { state: 'done', name: 'b.pdf' },
      { state: 'done', name: 'c.pdf' },
    ],
    { id, name, status: 'needs_review', updated_at: '2026-07-28T14:02:00Z' },
  );
  // The failed file is removed (its record soft-deleted) and the job can start.
  const ready = makeJobWithFiles(
    [
      { state: 'done', name: 'b.pdf' },
      { state: 'done', name: 'c.pdf' },
    ],
    { id, name, status: 'ready_to_start', updated_at: '2026-07-28T14:03:00Z' },
  );
  ready.ingestion_jobs.push(
    makeIngestionJob({ records: [makeFailedRecord({ record_id: 'rec-000000', alignment_file_id: 'file-000000', deleted: true })] }),
  );
  const at = (status: string, alignment: DataJob['alignment_job'], minute: number): DataJob => ({
    ...ready,
    status,
    alignment_job: alignment,
    updated_at: `2026-07-28T14:${minute}:00Z`,
  });
  return [
    processing,
    oneFailed,
    review,
    ready,
    at('queued', makeAlignment({ status: 'queued', progress: 0, current_step: null }), 10),
    at('running', makeAlignment({ status: 'running', progress: 40 }), 20),
    at('running', makeAlignment({ status: 'running', progress: 80 }), 30),
    at('completed', makeAlignment({ status: 'completed', progress: 100 }), 40),
  ];
}

describe('subscriptions', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { UNREACHABLE_AFTER_MINUTES: '0', STALL_AFTER_MINUTES: '600' } });
  });
  afterAll(() => h.stop());
  beforeEach(() => {
    h.sim.clearFaults();
    h.sim.resetRequests();
  });
  afterEach(() => h.slack.reset());

  async function subscribe(jobId: string, channel: string, filter = '') {
    const answer = await h.ask(`subscribe ${jobId} ${filter}`.trim(), { channel });
    return visibleText(answer.body as object);
  }

  /** A new job at its first state, with #data-jobs subscribed, and the living card posted there. */
  async function subscribedJob() {
    const id = newJobId();
    const states = lifecycle(id);
    h.sim.putJob(states[0] as DataJob);
    await subscribe(id, 'C_DATA_JOBS');
    const card = h.slack.topLevel('C_DATA_JOBS')[0];
    if (!card) throw new Error('no card');
    return { id, states, card };
  }

  it('runs a job from ingestion to the end: one living card, each event once in its thread, loud ones broadcast', async () => {
    const id = newJobId();
    const states = lifecycle(id);
    h.sim.putJob(states[0] as DataJob);
    expect(await subscribe(id, 'C_DATA_JOBS')).toMatch(/Subscribed <#C_DATA_JOBS> to \*Claims handbook\*/);
    expect(await subscribe(id, 'C_GENERAL', 'all')).toMatch(/Subscribed/);
    expect(await subscribe(id, 'C_RANDOM', 'failures')).toMatch(/Subscribed/);
    expect(await subscribe(id, 'C_DATA_JOBS')).toMatch(/already subscribed/);

    const [card] = h.slack.topLevel('C_DATA_JOBS');
    expect(card && visibleText(card)).toMatch(/Live: updated automatically/);
    h.sim.resetRequests();

    for (const state of states.slice(1)) {
      h.sim.putJob(state);
      await h.bot.pollNow();
      // Three channels watch the job: one request per pass.
      expect(h.sim.requestCount(id)).toBe(1);
      h.sim.resetRequests();
    }
    // A pass after the end: the subscription ended, so the job is not polled any more.
    await h.bot.pollNow();
    expect(h.sim.requestCount(id)).toBe(0);

    for (const [channel, expectedReplies] of [
      [
        'C_DATA_JOBS',
        [
          /1 file failed to process[\s\S]*a\.pdf[\s\S]*No extractable text[\s\S]*Run OCR/,
          /needs review.*1 file failed/i,
          /Status changed from .*Needs review.* to .*Ready to start/,
          /Alignment started/,
          /Status changed from .*Queued.* to .*Running/,
          /The job ended: .*Completed/,
        ],
      ],
      // `failures` hears only what needs a person.
      ['C_RANDOM', [/1 file failed to process/, /needs review/i, /The job ended: .*Completed/]],
      [
        'C_GENERAL',
        [
          /1 file failed to process/,
          /needs review/i,
          /Status changed from .*Needs review.* to .*Ready to start/,
          /Alignment started/,
          /Status changed from .*Queued.* to .*Running/,
          /The job ended: .*Completed/,
        ],
      ],
    ] as const) {
      const top = h.slack.topLevel(channel);
      expect(top, channel).toHaveLength(1);
      const living = top[0];
      if (!living) throw new Error('no card');
      // The card was updated once per change (7 changes), in place, and shows the final state.
      const updates = h.slack.callsTo('chat.update').filter((c) => c.args.channel === channel && c.args.ts === living.ts);
      expect(updates, channel).toHaveLength(7);
      expect(checkMessage(living)).toBeNull();
      expect(visibleText(living)).toMatch(/Completed/);
      expect(visibleText(living)).toMatch(/Final state, no longer updated/);
      expect(JSON.stringify(living.blocks)).not.toContain(ACTIONS.unsubscribe);

      const replies = h.slack.thread(channel, living.ts);
      expect(
        replies.map((r) => visibleText(r).split('\n')[0]),
        channel,
      ).toHaveLength(expectedReplies.length);
      replies.forEach((reply, i) => {
        expect(visibleText(reply), `${channel} reply ${i}`).toMatch(expectedReplies[i] as RegExp);
        expect(checkMessage(reply)).toBeNull();
      });
      // Failures, review and the end are also shown in the channel; the rest stays in the thread.
      const broadcast = replies.filter((r) => r.reply_broadcast).map((r) => visibleText(r));
      expect(broadcast, channel).toHaveLength(3);
      expect(broadcast.join('\n')).toMatch(/failed to process[\s\S]*needs review[\s\S]*ended/i);
    }
  });

  it('two channels on one job: one SeekrFlow request per pass, and nothing is sent when nothing changed', async () => {
    const id = newJobId();
    h.sim.putJob(lifecycle(id)[0] as DataJob);
    await subscribe(id, 'C_DATA_JOBS');
    await subscribe(id, 'C_GENERAL');
    h.sim.resetRequests();
    const callsBefore = h.slack.calls.length;
    await h.bot.pollNow();
    await h.bot.pollNow();
    expect(h.sim.requestCount(id)).toBe(2);
    expect(h.slack.calls.length).toBe(callsBefore);
  });

  it('one job failing to load never stops the others in the pass', async () => {
    const broken = await subscribedJob();
    const healthy = newJobId();
    const healthyStates = lifecycle(healthy);
    h.sim.putJob(healthyStates[0] as DataJob);
    await subscribe(healthy, 'C_GENERAL');
    const healthyCard = h.slack.topLevel('C_GENERAL')[0];
    if (!healthyCard) throw new Error('no card');
    h.sim.setFault({ kind: 'wrong-shape' }, { jobId: broken.id });
    h.sim.putJob(healthyStates[1] as DataJob);
    await h.bot.pollNow();
    expect(h.slack.thread('C_GENERAL', healthyCard.ts).map((m) => visibleText(m))).toEqual([expect.stringMatching(/1 file failed/)]);
  });

  it('refuses to subscribe to a job that has ended, or cannot be read', async () => {
    const id = newJobId();
    h.sim.putJob(lifecycle(id).at(-1) as DataJob);
    expect(await subscribe(id, 'C_DATA_JOBS')).toMatch(/has already ended \(Completed\)/);
    expect(await subscribe('dj-nope', 'C_DATA_JOBS')).toMatch(/No data job with that id was found/);
    expect(h.slack.topLevel('C_DATA_JOBS')).toHaveLength(0);
  });

  it('says how to fix it when the bot cannot post in the channel, and stores nothing', async () => {
    const id = newJobId();
    h.sim.putJob(lifecycle(id)[0] as DataJob);
    expect(await subscribe(id, 'C_SECRET')).toMatch(/\/invite/);
    expect(visibleText((await h.ask('list', { channel: 'C_SECRET' })).body as object)).toMatch(/no subscriptions/);
  });

  it('list shows each subscription with job, status, who, since when and the last delivery', async () => {
    const id = newJobId();
    const states = lifecycle(id);
    h.sim.putJob(states[0] as DataJob);
    await subscribe(id, 'C_RANDOM', 'failures');
    h.sim.putJob(states[1] as DataJob);
    await h.bot.pollNow();
    const listed = visibleText((await h.ask('list', { channel: 'C_RANDOM' })).body as object);
    expect(listed).toContain('Claims handbook');
    expect(listed).toContain(id);
    expect(listed).toMatch(/Processing files/);
    expect(listed).toContain(`<@${USER.id}>`);
    expect(listed).toMatch(/hears: failures/);
    expect(listed).toMatch(/delivery: ok/);
  });

  it('unsubscribe stops updates and says who stopped it, on the card and in its thread; the button does the same', async () => {
    const { id, states, card } = await subscribedJob();
    h.slack.addUser({ id: 'U_CAROL', name: 'carol' });
    await h.click({ channel: 'C_DATA_JOBS', ts: card.ts }, ACTIONS.unsubscribe, 'U_CAROL');
    await waitFor(
      () => /No longer updated: unsubscribed by <@U_CAROL> <!date\^\d+/.test(visibleText(h.slack.message('C_DATA_JOBS', card.ts))),
      'the card to say who stopped it and when',
    );
    h.sim.putJob(states[1] as DataJob);
    h.sim.resetRequests();
    await h.bot.pollNow();
    expect(h.sim.requestCount(id)).toBe(0);
    // The only thing said in the thread since: who unsubscribed (not by the person who subscribed).
    await waitFor(() => h.slack.thread('C_DATA_JOBS', card.ts).length > 0, 'the note in the thread');
    expect(h.slack.thread('C_DATA_JOBS', card.ts).map((m) => m.text)).toEqual([
      expect.stringMatching(/^:no_bell: Unsubscribed by <@U_CAROL>/),
    ]);
    expect(visibleText((await h.ask(`unsubscribe ${id}`)).body as object)).toMatch(/not subscribed/);
  });

  it('the Subscribe button on a card subscribes the channel it was clicked in', async () => {
    const id = newJobId();
    h.sim.putJob(lifecycle(id)[0] as DataJob);
    const card = await h.ask(id, { channel: 'C_GENERAL' });
    await h.click({ ephemeralTs: card.ts as string }, ACTIONS.subscribe);
    const living = await waitFor(() => h.slack.topLevel('C_GENERAL')[0], 'the living card');
    expect(visibleText(living)).toMatch(/Live: updated automatically/);
    expect(visibleText((await h.ask('list', { channel: 'C_GENERAL' })).body as object)).toContain(id);
  });

  it('a transient Slack error is retried with backoff and delivered once', async () => {
    const { states, card } = await subscribedJob();
    h.slack.failNext('chat.postMessage', 'internal_error', { times: 1 });
    h.sim.putJob(states[1] as DataJob);
    await h.bot.pollNow();
    expect(h.slack.thread('C_DATA_JOBS', card.ts)).toHaveLength(0);
    await waitFor(() => h.slack.thread('C_DATA_JOBS', card.ts).length === 1, 'the retried reply', 10_000);
    // Delivery runs after it (the timer's): they find nothing more to send.
    await deliveryRunsSince([h], logMark([h]));
    expect(h.slack.thread('C_DATA_JOBS', card.ts)).toHaveLength(1);
  });

  it('a SeekrFlow outage gives one "unknown" note and one "back" note, never "failed"', async () => {
    const { id, card } = await subscribedJob();
    const updates = () => h.slack.callsTo('chat.update').filter((c) => c.args.ts === card.ts).length;
    h.sim.setFault({ kind: 'status', status: 503 }, { jobId: id });
    await h.bot.pollNow();
    await h.bot.pollNow();
    await h.bot.pollNow();
    // During the outage the card keeps the last known state: nothing rewrites it as failed.
    expect(updates()).toBe(0);
    expect(visibleText(h.slack.message('C_DATA_JOBS', card.ts))).toMatch(/Processing files/);
    h.sim.clearFaults();
    await h.bot.pollNow();
    await h.bot.pollNow();
    const replies = h.slack.thread('C_DATA_JOBS', card.ts).map((r) => visibleText(r));
    expect(replies).toHaveLength(2);
    expect(replies[0]).toMatch(/state is \*unknown\* \(not failed\)/);
    expect(replies[1]).toMatch(/SeekrFlow is answering again/);
    expect(replies.join('\n')).not.toMatch(/:x:|\*Failed\*/);
  });

  it('Slack 429: waits Retry-After and posts the reply exactly once', async () => {
    // Delivery's own backoff after a 429 would retry within seconds; a Retry-After longer than that
    // backoff's longest wait tells the two apart. Only the lower bound is asserted: a busy machine
    // makes the reply later, never earlier, so the test holds under load and still fails for a client
    // that ignores Retry-After.
    const RETRY_AFTER_MS = 5_000;
    const { states, card } = await subscribedJob();
    h.slack.rateLimit('chat.postMessage', RETRY_AFTER_MS / 1000, { times: 1 });
    h.sim.putJob(states[1] as DataJob);
    await h.bot.pollNow();
    const limited = await waitFor(
      () => h.slack.callsTo('chat.postMessage').find((c) => c.status === 429 && c.args.thread_ts === card.ts),
      'the reply rate limited',
      30_000,
    );

    const reply = await waitFor(() => h.slack.thread('C_DATA_JOBS', card.ts)[0], 'the reply after Retry-After', 20_000);
    const posted = h.slack.callsTo('chat.postMessage').find((c) => c.status === 200 && c.response.ts === reply.ts);
    if (!posted) throw new Error('no call record for the reply');
    expect(posted.at - limited.at).toBeGreaterThanOrEqual(RETRY_AFTER_MS);

    // Exactly once: after the delivery runs that follow (the timer's) there is still one reply, and one successful post of it.
    await deliveryRunsSince([h], logMark([h]));
    expect(h.slack.thread('C_DATA_JOBS', card.ts)).toHaveLength(1);
    expect(h.slack.callsTo('chat.postMessage').filter((c) => c.status === 200 && c.args.thread_ts === card.ts)).toHaveLength(1);
  });

  it('a paused subscription to a job that ended meanwhile is not resumed but cleared', async () => {
    const { id, states } = await subscribedJob();
    h.slack.failNext('chat.update', 'is_archived', { times: 1 });
    h.sim.putJob(states[1] as DataJob);
    await h.bot.pollNow();
    expect(visibleText((await h.ask('list')).body as object)).toMatch(/paused/);
    h.sim.putJob(states.at(-1) as DataJob);
    await h.bot.pollNow();
    expect(await subscribe(id, 'C_DATA_JOBS')).toMatch(/has already ended/);
    expect(visibleText((await h.ask('list')).body as object)).not.toContain(id);
  });

  it('a deleted living card is replaced by a fresh one, whose ts is kept for later updates', async () => {
    const { states, card } = await subscribedJob();
    h.slack.deleteMessage('C_DATA_JOBS', card.ts);
    h.sim.putJob(states[1] as DataJob);
    await h.bot.pollNow();
    const cards = h.slack.topLevel('C_DATA_JOBS');
    expect(cards).toHaveLength(1);
    const fresh = cards[0];
    if (!fresh) throw new Error('no fresh card');
    // The reply could not go under the deleted card; it follows the fresh one, once.
    await waitFor(() => h.slack.thread('C_DATA_JOBS', fresh.ts).length > 0, 'the reply under the fresh card');
    expect(h.slack.thread('C_DATA_JOBS', fresh.ts).map((r) => visibleText(r))).toEqual([expect.stringMatching(/1 file failed/)]);
    h.sim.putJob(states[2] as DataJob);
    await h.bot.pollNow();
    expect(h.slack.callsTo('chat.update').at(-1)?.args.ts).toBe(fresh.ts);
  });

  /** This job's entry in the channel's `/datajob list` (one section per subscription), not the whole list. */
  async function listed(jobId: string, channel = 'C_DATA_JOBS') {
    const body = (await h.ask('list', { channel })).body as { blocks?: { text?: { text?: string } }[] };
    return body.blocks?.map((b) => b.text?.text ?? '').find((t) => t.includes(jobId)) ?? '';
  }

  it.each(['channel_not_found', 'is_archived', 'not_in_channel'] as const)(
    'a permanent Slack error (%s) pauses the subscription and tells its creator once',
    async (error) => {
      const { id, states } = await subscribedJob();
      // One failure: the channel is fixed by the time the subscription is resumed. (The paused
      // subscription sends nothing, so the second pass makes no call that could fail.)
      h.slack.failNext('chat.update', error, { times: 1 });
      h.sim.putJob(states[1] as DataJob);
      await h.bot.pollNow();
      h.sim.putJob(states[2] as DataJob);
      await h.bot.pollNow();
      const dms = h.slack.directMessages(USER.id);
      expect(dms).toHaveLength(1);
      expect(visibleText(dms[0])).toMatch(/paused/);
      const why = {
        channel_not_found: /the channel is gone/,
        is_archived: /the channel was archived/,
        not_in_channel: /the bot is not in the channel/,
      };
      expect(await listed(id)).toMatch(new RegExp(`paused\\*: ${why[error].source}`));
      // Resuming with subscribe posts a fresh card and delivers again.
      expect(await subscribe(id, 'C_DATA_JOBS')).toMatch(/Resumed/);
      h.sim.putJob(states[3] as DataJob);
      await h.bot.pollNow();
      expect(await listed(id)).toMatch(/delivery: ok/);
    },
  );

  it('a missing scope pauses only that subscription, and its creator and `list` are told which scope to add', async () => {
    const { id, states } = await subscribedJob();
    h.slack.failNext('chat.update', 'missing_scope', { times: 1 });
    h.sim.putJob(states[1] as DataJob);
    await h.bot.pollNow();
    const dms = h.slack.directMessages(USER.id);
    expect(dms).toHaveLength(1);
    expect(visibleText(dms[0])).toMatch(/paused: the bot lacks the `chat:write` permission/);
    expect(await listed(id)).toMatch(/paused\*: the bot lacks the `chat:write` permission \(add it to the app, then reinstall\)/);
    // Not the whole bot's problem: Slack still takes the token, so nothing else waits.
    const health = await fetch(`http://127.0.0.1:${h.bot.port}/healthz`);
    expect(health.status).toBe(200);
  });
});

describe('a stalled job', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { STALL_AFTER_MINUTES: '0' } });
  });
  afterAll(() => h.stop());

  it('is said once to look stalled, and not again until it moves and stalls anew', async () => {
    const id = newJobId();
    const states = lifecycle(id);
    h.sim.putJob(states[5] as DataJob);
    await h.ask(`subscribe ${id}`);
    const card = h.slack.topLevel('C_DATA_JOBS')[0];
    if (!card) throw new Error('no card');
    await h.bot.pollNow();
    await h.bot.pollNow();
    await h.bot.pollNow();
    expect(h.slack.thread('C_DATA_JOBS', card.ts).map((m) => visibleText(m))).toEqual([
      expect.stringMatching(/No change for .* The job may be stuck/),
    ]);
    h.sim.putJob(states[6] as DataJob);
    await h.bot.pollNow();
    await h.bot.pollNow();
    expect(h.slack.thread('C_DATA_JOBS', card.ts)).toHaveLength(2);
    expect(h.slack.callsTo('chat.update').filter((c) => c.args.ts === card.ts)).toHaveLength(1);
  });
});
