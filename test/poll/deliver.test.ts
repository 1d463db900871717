import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChannelPoster } from '../../src/poll/channel-poster.js';
import { deliverPending } from '../../src/poll/deliver.js';
import { createChannelPoster } from '../../src/slack/poster.js';
import { openSqliteStore, type SqliteStore } from '../../src/storage/sqlite-store.js';
import type { Subscription } from '../../src/storage/store.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack/server.js';
import { BOT_SCOPES } from '../support/harness.js';

/**
 * The outbox sender against a real SQLite store and the fake Slack, with the Slack client wrapped
 * where a test needs Slack to be slow or to lose an answer.
 */

const logger = pino({ level: 'silent' });
let dir: string;
let store: SqliteStore;
let slack: FakeSlack;
let poster: ChannelPoster;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'datajob-deliver-'));
  store = openSqliteStore({ path: join(dir, 'db.sqlite') });
  slack = await startFakeSlack({ scopes: BOT_SCOPES });
  poster = createChannelPoster(slack.botToken, { slackApiUrl: slack.apiUrl });
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
  const posted = await poster.post(channel, { text: 'the living card' });
  if (!posted.ok) throw new Error(posted.error);
  await store.setCardTs(subscription.id, posted.ts);
  return { ...subscription, cardTs: posted.ts };
}

const replies = (n: number, subscriptionId: number) =>
  Array.from({ length: n }, (_, i) => ({ subscriptionId, key: `event:${i}`, kind: 'reply' as const, payload: { text: `reply ${i}` } }));

describe('deliverPending', () => {
  it('two processes whose claims run out while Slack is slow still send each reply once', async () => {
    const s = await subscriptionWithCard();
    await store.enqueue(replies(6, s.id));
    const slow: ChannelPoster = {
      ...poster,
      post: async (channel, message) => {
        await new Promise((r) => setTimeout(r, 150));
        return poster.post(channel, message);
      },
    };
    // A claims all six with a 600 ms lease but needs ~900 ms to send them; B starts at 650 ms, when
    // the claims A has not renewed yet have run out. (A lease always outlasts one send: in production
    // 60 s against Slack's 15 s timeout.)
    await Promise.all([
      deliverPending({ store, poster: slow, owner: 'A', logger, leaseMs: 600 }),
      new Promise((r) => setTimeout(r, 650)).then(() => deliverPending({ store, poster: slow, owner: 'B', logger, leaseMs: 600 })),
    ]);
    await deliverPending({ store, poster, owner: 'C', logger });
    const texts = slack.thread('C_DATA_JOBS', s.cardTs as string).map((m) => m.text);
    expect(texts.sort()).toEqual(['reply 0', 'reply 1', 'reply 2', 'reply 3', 'reply 4', 'reply 5']);
  });

  it('a reply whose answer was lost (Slack took it, the client timed out) is not sent again', async () => {
    const s = await subscriptionWithCard();
    await store.enqueue(replies(1, s.id));
    let lost = false;
    const losesOneAnswer: ChannelPoster = {
      ...poster,
      post: async (channel, message) => {
        const result = await poster.post(channel, message);
        if (lost) return result;
        lost = true;
        return { ok: false, error: 'request_failed' };
      },
    };
    await deliverPending({ store, poster: losesOneAnswer, owner: 'A', logger, backoff: { baseMs: 1, maxMs: 1 } });
    await new Promise((r) => setTimeout(r, 20));
    await deliverPending({ store, poster: losesOneAnswer, owner: 'A', logger });
    expect(slack.thread('C_DATA_JOBS', s.cardTs as string).map((m) => m.text)).toEqual(['reply 0']);
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
    const report = await deliverPending({ store, poster, owner: 'A', logger });
    await deliverPending({ store, poster, owner: 'A', logger });
    expect(report).toMatchObject({ sent: 0, dropped: 1 });
    expect(slack.callsTo('chat.postMessage').filter((c) => c.args.thread_ts === s.cardTs)).toHaveLength(1);
    expect(await store.pendingDeliveries()).toBe(0);
  });

  it('never gives a delivery up for rate limits, however many', async () => {
    const s = await subscriptionWithCard();
    await store.enqueue(replies(1, s.id));
    slack.rateLimit('chat.postMessage', 0, { times: 3 });
    for (let i = 0; i < 4; i++) await deliverPending({ store, poster, owner: 'A', logger, maxAttempts: 2 });
    expect(slack.thread('C_DATA_JOBS', s.cardTs as string).map((m) => m.text)).toEqual(['reply 0']);
  });
});
