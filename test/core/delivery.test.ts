import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliverPending } from '../../src/core/delivery.js';
import type { Notifier } from '../../src/core/ports/notifier.js';
import type { Subscription } from '../../src/domain/subscription.js';
import { createSlackNotifier } from '../../src/slack/notifier.js';
import { createSlackPoster } from '../../src/slack/poster.js';
import { openSqliteStore, type SqliteStore } from '../../src/storage/sqlite/store.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack/server.js';
import { BOT_SCOPES, visibleText, waitFor } from '../support/harness.js';
import { replyItem } from '../support/outbox-items.js';

/**
 * The outbox sender against a real SQLite store, the real Slack notifier and the fake Slack, with
 * the notifier wrapped where a test needs Slack to be slow or to lose an answer.
 */

const logger = pino({ level: 'silent' });
let dir: string;
let store: SqliteStore;
let slack: FakeSlack;
let notifier: Notifier;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'datajob-deliver-'));
  store = openSqliteStore({ path: join(dir, 'db.sqlite') });
  slack = await startFakeSlack({ scopes: BOT_SCOPES });
  notifier = createSlackNotifier({ poster: createSlackPoster(slack.botToken, { slackApiUrl: slack.apiUrl }), jobUrl: () => undefined });
});
afterEach(async () => {
  await store.close();
  await slack.close();
  rmSync(dir, { recursive: true, force: true });
});

async function subscriptionWithCard(channel = 'C_DATA_JOBS'): Promise<Subscription> {
  const { subscription } = await store.addSubscription({
    channelId: channel,
    jobId: 'dj-1',
    filter: 'all',
    createdBy: 'U_ALICE',
    createdAt: new Date(),
  });
  const posted = createSlackPoster(slack.botToken, { slackApiUrl: slack.apiUrl });
  const card = await posted.post(channel, { text: 'the living card' });
  if (!card.ok) throw new Error(card.error);
  await store.setCardTs(subscription.id, card.ts);
  return { ...subscription, cardTs: card.ts };
}

const replies = (n: number, subscriptionId: number) =>
  Array.from({ length: n }, (_, i) => ({ subscriptionId, key: `event:${i}`, item: replyItem(`reply ${i}`) }));

/** The job name each reply in the thread names (replies say "<job name>: status changed"). */
const threadNames = (cardTs: string) => slack.thread('C_DATA_JOBS', cardTs).map((m) => visibleText(m).split(':')[0]);

describe('deliverPending', () => {
  it('a process frozen after Slack took a reply is taken over: the rest go out once, from the other process', async () => {
    const s = await subscriptionWithCard();
    await store.enqueue(replies(6, s.id));
    // A sends "reply 1", Slack takes it, and A freezes (a long GC pause, a stuck disk) before it
    // can record that: its claims run out while it is frozen.
    let thaw: () => void = () => {};
    const frozen = new Promise<void>((resolve) => {
      thaw = resolve;
    });
    const sentBy = { A: [] as string[], B: [] as string[] };
    const recording = (who: 'A' | 'B', freezeAfter?: string): Notifier => ({
      ...notifier,
      async postReply(channel, threadRef, reply, key) {
        const outcome = await notifier.postReply(channel, threadRef, reply, key);
        const name = 'job' in reply ? reply.job.name : '?';
        sentBy[who].push(name);
        if (name === freezeAfter) await frozen;
        return outcome;
      },
    });
    // The processes' clock, moved past the lease once A is frozen: nothing depends on how long A takes to get there.
    let at = Date.now();
    const now = () => new Date(at);
    const leaseMs = 60_000;
    const deps = { outbox: store, subscriptions: store, logger, leaseMs, now };
    const a = deliverPending({ ...deps, notifier: recording('A', 'reply 1'), owner: 'A' });
    await waitFor(() => sentBy.A.includes('reply 1'), 'A to send "reply 1" and freeze');
    at += leaseMs + 1;
    // B finds A's claims expired: it checks the thread for the reply A may have sent (it did), and sends the rest.
    const b = await deliverPending({ ...deps, notifier: recording('B'), owner: 'B' });
    thaw();
    await a;

    expect(sentBy.A).toEqual(['reply 0', 'reply 1']);
    expect(sentBy.B).toEqual(['reply 2', 'reply 3', 'reply 4', 'reply 5']);
    // "reply 0" and "reply 1" went out from A, whose completions were not yet written (they are
    // written in batches): B found both in the thread instead of sending them again.
    expect(b.sent).toBe(6);
    expect(threadNames(s.cardTs as string)).toEqual(['reply 0', 'reply 1', 'reply 2', 'reply 3', 'reply 4', 'reply 5']);
    expect(await store.pendingDeliveries()).toBe(0);
  });

  it('a reply whose answer was lost (Slack took it, the client timed out) is not sent again', async () => {
    const s = await subscriptionWithCard();
    await store.enqueue(replies(1, s.id));
    let lost = false;
    const losesOneAnswer: Notifier = {
      ...notifier,
      async postReply(...args) {
        const outcome = await notifier.postReply(...args);
        if (lost) return outcome;
        lost = true;
        return { kind: 'retry', afterMs: null, rateLimited: false, maybeDelivered: true, detail: 'request_failed' };
      },
    };
    let at = Date.now();
    const deps = { outbox: store, subscriptions: store, notifier: losesOneAnswer, owner: 'A', logger, now: () => new Date(at) };
    await deliverPending({ ...deps, backoff: { baseMs: 1, maxMs: 1 } });
    // The retry falls due.
    at += 1_000;
    await deliverPending(deps);
    expect(threadNames(s.cardTs as string)).toEqual(['reply 0']);
    expect(await store.pendingDeliveries()).toBe(0);
  });

  it('drops, rather than retrying forever, what an ended subscription’s channel refuses', async () => {
    const s = await subscriptionWithCard();
    await store.enqueue(replies(1, s.id));
    await store.commitPass('dj-1', {
      expectedVersion: null,
      watch: {
        snapshot: null,
        lastChangeAt: new Date().toISOString(),
        stallNotified: false,
        unreachableSince: null,
        unreachableNotified: false,
      },
      deliveries: [],
      endSubscriptions: { ids: [s.id], reason: 'completed' },
    });
    slack.failNext('chat.postMessage', 'is_archived', { times: 100 });
    const deps = { outbox: store, subscriptions: store, notifier, owner: 'A', logger };
    const report = await deliverPending(deps);
    await deliverPending(deps);
    expect(report).toMatchObject({ sent: 0, dropped: 1 });
    expect(slack.callsTo('chat.postMessage').filter((c) => c.args.thread_ts === s.cardTs)).toHaveLength(1);
    expect(await store.pendingDeliveries()).toBe(0);
  });

  it('never gives a delivery up for rate limits, however many', async () => {
    const s = await subscriptionWithCard();
    await store.enqueue(replies(1, s.id));
    slack.rateLimit('chat.postMessage', 0, { times: 3 });
    for (let i = 0; i < 4; i++) await deliverPending({ outbox: store, subscriptions: store, notifier, owner: 'A', logger, maxAttempts: 2 });
    expect(threadNames(s.cardTs as string)).toEqual(['reply 0']);
  });

  it('a run told to stop ends after what is being sent and releases the rest at once, for whoever delivers next', async () => {
    const s = await subscriptionWithCard();
    await store.enqueue(replies(6, s.id));
    const stopping = new AbortController();
    const stopsAfterOne: Notifier = {
      ...notifier,
      async postReply(...args) {
        const outcome = await notifier.postReply(...args);
        stopping.abort();
        return outcome;
      },
    };
    const report = await deliverPending({
      outbox: store,
      subscriptions: store,
      notifier: stopsAfterOne,
      owner: 'A',
      logger,
      signal: stopping.signal,
    });
    expect(report.sent).toBe(1);
    expect(await store.pendingDeliveries()).toBe(5);
    // Released, not left claimed until the lease runs out: another owner takes them now, in order.
    await deliverPending({ outbox: store, subscriptions: store, notifier, owner: 'B', logger });
    expect(threadNames(s.cardTs as string)).toEqual(['reply 0', 'reply 1', 'reply 2', 'reply 3', 'reply 4', 'reply 5']);
  });
});
