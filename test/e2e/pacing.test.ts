import { afterEach, describe, expect, it } from 'vitest';
import type { DataJob } from '../../src/domain/data-job.js';
import { deliveryRunsSince, logMark } from '../support/bot-logs.js';
import { DEFAULT_RATE_LIMITS } from '../support/fake-slack/faults.js';
import type { CallRecord } from '../support/fake-slack/types.js';
import { type Harness, startHarness, visibleText, waitFor } from '../support/harness.js';
import { makeJobWithFiles } from '../support/make-job.js';

/**
 * Delivery under Slack's limits, end to end: the bot against the fake Slack enforcing Slack-shaped
 * limits (chat.postMessage 60/min burst 2 per channel under 300/min for the workspace, chat.update
 * 50/min burst 10). Many channels, jobs that change three times in quick succession: the bot must
 * bring every card and thread up to date close to the fastest Slack allows, without being answered
 * 429, replies never waiting behind card updates.
 */

const CHANNELS = Array.from({ length: 12 }, (_, i) => `C_PACE_${String(i + 1).padStart(2, '0')}`);
const JOBS = 2;

let n = 0;
/** A job's states: a file fails, another fails, it waits for review. Each change is told in the thread. */
function states(id: string): [DataJob, DataJob, DataJob, DataJob] {
  const name = `Pacing ${id}`;
  const job = (files: Parameters<typeof makeJobWithFiles>[0], status: string, minute: number) =>
    makeJobWithFiles(files, { id, name, status, updated_at: `2026-07-28T14:0${minute}:00Z` });
  const failedA = { state: 'failed', name: 'a.pdf', error: 'No text', fix: 'Run OCR' } as const;
  const failedB = { state: 'failed', name: 'b.pdf', error: 'Encrypted', fix: 'Remove the password' } as const;
  return [
    job(
      [
        { state: 'processing', name: 'a.pdf' },
        { state: 'processing', name: 'b.pdf' },
        { state: 'processing', name: 'c.pdf' },
      ],
      'file_processing',
      0,
    ),
    job([failedA, { state: 'processing', name: 'b.pdf' }, { state: 'processing', name: 'c.pdf' }], 'file_processing', 1),
    job([failedA, failedB, { state: 'processing', name: 'c.pdf' }], 'file_processing', 2),
    job([failedA, failedB, { state: 'done', name: 'c.pdf' }], 'needs_review', 3),
  ];
}

const delivered = (c: CallRecord) => c.status === 200 && c.response.ok === true;

describe('delivery under Slack’s limits', () => {
  let h: Harness;
  afterEach(async () => h?.stop());

  it('12 channels × 2 jobs changing 3 times: every card and thread up to date near the bound, no 429s to speak of', async () => {
    h = await startHarness({
      slack: {
        // Every limit on, the access check's conversations.info too (one per channel at subscribe: 12
        // at once, past tier 3's burst of 10): it waits at the same pacer, so no subscribe is refused.
        enforceRateLimits: true,
        channels: CHANNELS.map((id) => ({ id, name: id.toLowerCase(), botIsMember: true })),
      },
    });
    const jobs = Array.from({ length: JOBS }, () => {
      const id = `dj-pace-${Date.now().toString(36)}-${++n}`;
      return { id, states: states(id) };
    });
    for (const job of jobs) h.sim.putJob(job.states[0]);
    for (const channel of CHANNELS) for (const job of jobs) await h.ask(`subscribe ${job.id}`, { channel });
    const cards = CHANNELS.flatMap((channel) => h.slack.topLevel(channel).map((m) => ({ channel, ts: m.ts })));
    expect(cards).toHaveLength(CHANNELS.length * JOBS);

    const from = h.slack.calls.length;
    const t0 = h.slack.clock.now();
    for (const change of [1, 2, 3] as const) {
      for (const job of jobs) h.sim.putJob(job.states[change]);
      // As a scheduled pass: delivery starts, the next pass does not wait for it.
      await h.bot.pollNow({ waitForDelivery: false });
    }
    const passesMs = h.slack.clock.now() - t0;

    const upToDate = () =>
      cards.every(({ channel, ts }) => {
        const card = visibleText(h.slack.message(channel, ts));
        return /needs review/i.test(card) && h.slack.thread(channel, ts).length >= 3;
      });
    await waitFor(upToDate, 'every card and thread up to date', 60_000);
    // Anything still to come would go out in the delivery runs that follow.
    await deliveryRunsSince([h], logMark([h]));

    const calls = h.slack.calls.slice(from);
    const limited = calls.filter((c) => c.rateLimited).length;
    const updates = calls.filter((c) => c.method === 'chat.update' && delivered(c));
    const posts = calls.filter((c) => c.method === 'chat.postMessage' && delivered(c));
    const lastUpdate = Math.max(...updates.map((c) => c.at)) - t0;
    const lastReply = Math.max(...posts.map((c) => c.at)) - t0;
    const drain = Math.max(lastUpdate, lastReply);

    // The bound: one update per card, every reply, at Slack's rates (the burst free).
    const update = DEFAULT_RATE_LIMITS.methods['chat.update'] as { perMinute: number; burst: number };
    const perChannel = DEFAULT_RATE_LIMITS.perChannel['chat.postMessage'] as { perMinute: number; burst: number };
    const workspace = DEFAULT_RATE_LIMITS.methods['chat.postMessage'] as { perMinute: number; burst: number };
    const replies = CHANNELS.map((channel) =>
      cards.filter((c) => c.channel === channel).reduce((s, c) => s + h.slack.thread(channel, c.ts).length, 0),
    );
    const totalReplies = replies.reduce((a, b) => a + b, 0);
    const timeFor = (count: number, rate: { perMinute: number; burst: number }) =>
      (Math.max(0, count - rate.burst) / rate.perMinute) * 60_000;
    const bound = Math.max(timeFor(cards.length, update), ...replies.map((r) => timeFor(r, perChannel)), timeFor(totalReplies, workspace));

    console.log(
      `pacing: ${calls.length} calls (${updates.length} chat.update, ${posts.length} chat.postMessage), ${limited} answered 429 (${((limited / calls.length) * 100).toFixed(1)} %), ` +
        `passes ${passesMs} ms, last reply ${lastReply} ms, last card ${lastUpdate} ms, drain ${drain} ms, bound ${Math.round(bound)} ms, drain / bound ${(drain / bound).toFixed(3)}`,
    );
    expect(limited / calls.length, '429s').toBeLessThanOrEqual(0.01);
    expect(drain, 'drain').toBeLessThanOrEqual(1.2 * bound);
    // Coalescing: each card updated once, with its latest state.
    expect(updates).toHaveLength(cards.length);
    for (const { channel, ts } of cards) {
      const card = visibleText(h.slack.message(channel, ts));
      expect(card, channel).toMatch(/needs review/i);
      expect(card, channel).toMatch(/a\.pdf[\s\S]*Run OCR/);
      expect(card, channel).toMatch(/b\.pdf[\s\S]*Remove the password/);
      // Each change told once, in order, each carrying its own delivery key.
      const thread = h.slack.thread(channel, ts);
      expect(
        thread.map((m) => visibleText(m)),
        channel,
      ).toEqual([
        expect.stringMatching(/1 file failed[\s\S]*a\.pdf/),
        expect.stringMatching(/1 file failed[\s\S]*b\.pdf/),
        expect.stringMatching(/needs review/i),
      ]);
      const keys = thread.map((m) => JSON.stringify(m.metadata));
      expect(new Set(keys).size, channel).toBe(thread.length);
    }
    // Replies never waited behind the cards: the last one landed long before the last card update.
    expect(lastReply, 'last reply').toBeLessThan(lastUpdate / 2);
  }, 120_000);
});

/**
 * What goes first and what waits: replies never wait for cards, a card that changes while it
 * waits is sent once at its latest, and a 429 holds exactly what Slack said (the method for
 * chat.update, the channel for chat.postMessage) for its Retry-After, for every caller.
 */
describe('priority, coalescing and holds', () => {
  let h: Harness;
  afterEach(async () => h?.stop());

  const start = (channels: string[]) =>
    startHarness({ slack: { channels: channels.map((id) => ({ id, name: id.toLowerCase(), botIsMember: true })) } });

  /** A new job at its first state, subscribed in each of `channels`; its cards. */
  async function subscribed(channels: string[]) {
    const id = `dj-prio-${Date.now().toString(36)}-${++n}`;
    const job = { id, states: states(id) };
    h.sim.putJob(job.states[0]);
    const cards: { channel: string; ts: string }[] = [];
    for (const channel of channels) {
      await h.ask(`subscribe ${id}`, { channel });
      const card = h.slack.topLevel(channel).find((m) => visibleText(m).includes(id) || visibleText(m).includes(`Pacing ${id}`));
      if (!card) throw new Error(`no card in ${channel}`);
      cards.push({ channel, ts: card.ts });
    }
    return { ...job, cards };
  }

  const updatesOf = (card: { channel: string; ts: string }) =>
    h.slack.callsTo('chat.update').filter((c) => c.args.channel === card.channel && c.args.ts === card.ts);

  it('a card that changes 3 times while chat.update is held is updated once, with its latest state; its replies go meanwhile', async () => {
    h = await start(['C_HELD']);
    const job = await subscribed(['C_HELD']);
    const card = job.cards[0] as { channel: string; ts: string };
    h.slack.rateLimit('chat.update', 5, { times: 1 });
    h.sim.putJob(job.states[1]);
    await h.bot.pollNow();
    const limited = h.slack.callsTo('chat.update').find((c) => c.rateLimited);
    if (!limited) throw new Error('chat.update was never answered 429');
    for (const change of [2, 3] as const) {
      h.sim.putJob(job.states[change]);
      await h.bot.pollNow({ waitForDelivery: false });
    }
    // Every reply goes while the card waits: the failure notices first of all.
    await waitFor(() => h.slack.thread(card.channel, card.ts).length === 3, 'the three replies', 4_000);
    const repliedBy = Math.max(
      ...h.slack
        .callsTo('chat.postMessage')
        .filter(delivered)
        .map((c) => c.at),
    );
    expect(repliedBy).toBeLessThan(limited.at + 5_000);
    expect(updatesOf(card).filter(delivered)).toHaveLength(0);

    await waitFor(() => /needs review/i.test(visibleText(h.slack.message(card.channel, card.ts))), 'the card at its latest', 10_000);
    await deliveryRunsSince([h], logMark([h]));
    const updates = updatesOf(card);
    // The one refused (the first state), then one update, after the hold, with the third state.
    expect(updates.map((c) => c.status)).toEqual([429, 200]);
    const [, sent] = updates as [CallRecord, CallRecord];
    expect(sent.at).toBeGreaterThanOrEqual(limited.at + 5_000);
    expect(visibleText(sent.args)).toMatch(/needs review/i);
    expect(visibleText(sent.args)).toMatch(/b\.pdf/);
    expect(h.slack.thread(card.channel, card.ts).map((m) => visibleText(m))).toEqual([
      expect.stringMatching(/a\.pdf/),
      expect.stringMatching(/b\.pdf/),
      expect.stringMatching(/needs review/i),
    ]);
  });

  it('a failure reply goes out at once while a backlog of card updates waits at the gate', async () => {
    const channels = Array.from({ length: 16 }, (_, i) => `C_BACKLOG_${i}`);
    h = await start(['C_URGENT', ...channels]);
    const busy = await subscribed(channels);
    const urgent = await subscribed(['C_URGENT']);
    // 16 cards: 10 go in the burst, the other 6 wait at the chat.update gate, one every 1.25 s.
    h.sim.putJob(busy.states[3]);
    await h.bot.pollNow({ waitForDelivery: false });
    await waitFor(() => busy.cards.filter((c) => updatesOf(c).length > 0).length >= 10, 'the burst of card updates', 5_000);
    const t = h.slack.clock.now();
    h.sim.putJob(urgent.states[1]);
    await h.bot.pollNow({ waitForDelivery: false });
    const [card] = urgent.cards as [{ channel: string; ts: string }];
    const reply = await waitFor(() => h.slack.thread(card.channel, card.ts)[0], 'the failure reply', 5_000);
    expect(visibleText(reply)).toMatch(/1 file failed[\s\S]*a\.pdf/);
    const posted = h.slack.callsTo('chat.postMessage').find((c) => c.response.ts === reply.ts);
    if (!posted) throw new Error('no call for the reply');
    // It did not wait for the cards ahead of it (their last goes some 7 s after the burst).
    expect(posted.at - t).toBeLessThan(1_000);
    const pendingCards = busy.cards.filter((c) => updatesOf(c).filter(delivered).length === 0);
    expect(pendingCards.length, 'cards still waiting when the reply went').toBeGreaterThan(0);
    // 17 subscribes first: their access look-ups (conversations.info, tier 3) wait at the pacer too.
  }, 60_000);

  it('a 429 on chat.update holds every chat.update for its Retry-After, whichever card', async () => {
    h = await start(['C_FIRST', 'C_OTHER_1', 'C_OTHER_2', 'C_OTHER_3']);
    const first = await subscribed(['C_FIRST']);
    const others = await subscribed(['C_OTHER_1', 'C_OTHER_2', 'C_OTHER_3']);
    h.slack.rateLimit('chat.update', 3, { times: 1 });
    h.sim.putJob(first.states[1]);
    await h.bot.pollNow();
    const limited = h.slack.callsTo('chat.update').find((c) => c.rateLimited);
    if (!limited) throw new Error('chat.update was never answered 429');
    // Other cards change during the hold: none of them may be updated before it ends.
    h.sim.putJob(others.states[1]);
    await h.bot.pollNow({ waitForDelivery: false });
    const all = [...first.cards, ...others.cards];
    await waitFor(() => all.every((c) => updatesOf(c).some(delivered)), 'every card updated after the hold', 15_000);
    const after = h.slack.callsTo('chat.update').filter((c) => c.at > limited.at);
    expect(after).toHaveLength(4);
    for (const call of after) expect(call.at, String(call.args.channel)).toBeGreaterThanOrEqual(limited.at + 3_000);
  });

  it('a 429 on chat.postMessage in one channel holds that channel only', async () => {
    h = await start(['C_HOT', 'C_COOL']);
    const hot = await subscribed(['C_HOT']);
    const hotToo = await subscribed(['C_HOT']);
    const cool = await subscribed(['C_COOL']);
    // Posting tokens spent by the subscriptions come back first: the test is about the hold alone.
    await new Promise((r) => setTimeout(r, 2_500));
    h.slack.rateLimit('chat.postMessage', 3, { times: 1 });
    h.sim.putJob(hot.states[1]);
    await h.bot.pollNow();
    const limited = h.slack.callsTo('chat.postMessage').find((c) => c.rateLimited);
    if (!limited) throw new Error('chat.postMessage was never answered 429');
    expect(limited.args.channel).toBe('C_HOT');
    // During the hold: another job's reply in the same channel waits; one in another channel does not.
    h.sim.putJob(hotToo.states[1]);
    h.sim.putJob(cool.states[1]);
    await h.bot.pollNow({ waitForDelivery: false });
    const [coolCard] = cool.cards as [{ channel: string; ts: string }];
    const coolReply = await waitFor(() => h.slack.thread(coolCard.channel, coolCard.ts)[0], 'the reply in C_COOL', 2_000);
    const coolCall = h.slack.callsTo('chat.postMessage').find((c) => c.response.ts === coolReply.ts) as CallRecord;
    expect(coolCall.at).toBeLessThan(limited.at + 3_000);

    const hotCards = [...hot.cards, ...hotToo.cards];
    await waitFor(() => hotCards.every((c) => h.slack.thread(c.channel, c.ts).length === 1), 'both replies in C_HOT', 10_000);
    const hotAfter = h.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === 'C_HOT' && c.at > limited.at);
    expect(hotAfter).toHaveLength(2);
    for (const call of hotAfter) expect(call.at).toBeGreaterThanOrEqual(limited.at + 3_000);
  });
});
