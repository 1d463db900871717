import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { pino } from 'pino';
import { startSimulator } from '../simulator/server.js';
import { Completions } from '../src/core/completions.js';
import { deliverPending } from '../src/core/delivery.js';
import { createDeliveryRunner } from '../src/core/delivery-runner.js';
import { planJob } from '../src/core/planner.js';
import { runPollPass } from '../src/core/poll-pass.js';
import type { Store } from '../src/core/ports/store.js';
import type { DataJob } from '../src/domain/data-job.js';
import { readJob } from '../src/domain/job-reading.js';
import { createSeekrFlowClient } from '../src/seekrflow/client.js';
import { createSlackNotifier } from '../src/slack/notifier.js';
import { Pacer } from '../src/slack/pacing.js';
import { createSlackPoster } from '../src/slack/poster.js';
import { openStore } from '../src/storage/open-store.js';
import { DEFAULT_RATE_LIMITS } from '../test/support/fake-slack/faults.js';
import type { Rate } from '../test/support/fake-slack/types.js';
import { makeJobWithFiles } from '../test/support/make-job.js';
import { startLineChild } from './bench-support.js';

/**
 * Delivery under Slack's limits: 1,000 subscriptions (100 channels × 10 jobs), every job changing
 * twice, two poll passes back to back, then delivery drains: 1,000 card updates (each card changed
 * twice: coalesced, it needs one) and 2,000 thread replies. The real store, core delivery (the
 * runner main.ts uses), Slack notifier, poster and pacer, against the fake Slack enforcing Slack's
 * limits (in a process of its own: Slack's work is not the bot's CPU). 1,000 card updates at tier 3's 50 a minute would take 20 minutes, so the fake's rates and
 * the pacer's are both multiplied by SCALE (bursts unchanged): the shape of the problem is Slack's,
 * only faster. The bound is the fewest calls at the allowed rates: the largest of
 * chat.update (cards − burst) / rate, each channel's (replies − burst) / rate, and the workspace's.
 * Goals: ≤ 1 % of calls answered 429, drain ≤ 1.2 × the bound, on both engines. BENCH_DEBUG=1 also
 * prints the calls of each 2 s (card updates, replies, 429s), to see which lane fell behind when.
 */

const CHANNELS = 100;
const JOBS = 10;
const SCALE = 60;

interface DeliveryFigures {
  engine: string;
  calls: number;
  limited: number;
  cardUpdates: number;
  replies: number;
  drainMs: number;
  boundMs: number;
  peakRssMb: number;
}

const silent = pino({ level: 'silent' });

/** One call as the fake Slack saw it (bench/fake-slack-process.ts). */
type Call = [
  method: string,
  at: number,
  status: number,
  ok: boolean,
  channel: string | null,
  rateLimited: boolean,
  threadTs: string | null,
];

/** The fake Slack as a child process (bench/fake-slack-process.ts), spoken to as every benchmark child is. */
async function startFakeSlackProcess() {
  const child = startLineChild('bench/fake-slack-process.ts', { BENCH_CHANNELS: String(CHANNELS) });
  const info = (await child.next()) as unknown as { apiUrl: string; botToken: string };
  return {
    ...info,
    enforce: (scale: number) => child.ask(`enforce ${scale}`),
    count: async () => (await child.ask('count')).calls as number,
    calls: async (from: number) => (await child.ask(`calls ${from}`)).rows as Call[],
    close: async () => {
      await child.close();
    },
  };
}

/** A job's three states: processing; a file failed; waiting for review. Each change is a reply. */
function states(id: string): [DataJob, DataJob, DataJob] {
  const name = `Bench delivery ${id}`;
  const failed = { state: 'failed', name: 'scan.pdf', error: 'No text', fix: 'Run OCR' } as const;
  const job = (files: Parameters<typeof makeJobWithFiles>[0], status: string, minute: number) =>
    makeJobWithFiles(files, { id, name, status, updated_at: `2026-07-28T14:0${minute}:00Z` });
  return [
    job(
      [
        { state: 'processing', name: 'scan.pdf' },
        { state: 'processing', name: 'b.pdf' },
      ],
      'file_processing',
      0,
    ),
    job([failed, { state: 'processing', name: 'b.pdf' }], 'file_processing', 1),
    job([failed, { state: 'done', name: 'b.pdf' }], 'needs_review', 2),
  ];
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
}

/** How long `count` calls take at `rate` beyond its burst, in ms. */
const timeFor = (count: number, rate: Rate) => (Math.max(0, count - rate.burst) / (rate.perMinute * SCALE)) * 60_000;

export async function benchDeliveryEngine(engine: 'sqlite' | 'postgres', databaseUrl?: string): Promise<DeliveryFigures> {
  const channels = Array.from({ length: CHANNELS }, (_, i) => `C_BENCH_${String(i).padStart(3, '0')}`);
  const sim = await startSimulator({ clock: 'manual' });
  const slack = await startFakeSlackProcess();
  const dataDir = mkdtempSync(join(tmpdir(), 'datajob-bot-bench-delivery-'));
  const schema = `bench_delivery_${process.pid}_${Date.now().toString(36)}`;
  let peakRss = 0;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 100);
  let store: Store | undefined;
  try {
    store = await openStore({ dataDir, ...(engine === 'postgres' ? { databaseUrl, postgresSchema: schema } : {}) });
    const settings = { stallAfterMinutes: 600, unreachableAfterMinutes: 10, concurrency: 8 };
    const jobs = Array.from({ length: JOBS }, (_, i) => ({ id: `dj-bench-delivery-${i}`, states: states(`dj-bench-delivery-${i}`) }));
    const now = new Date();
    for (const job of jobs) {
      sim.putJob(job.states[0]);
      const baseline = planJob({
        jobId: job.id,
        previous: null,
        observation: { kind: 'seen', reading: readJob(job.states[0]) },
        listeners: [],
        settings,
        now,
        version: '0',
      });
      await store.initWatch(job.id, baseline.watch);
    }
    // Every (channel, job) subscribed, its living card posted (before the limits are on: set-up, not measured).
    const setup = createSlackPoster(slack.botToken, { slackApiUrl: slack.apiUrl });
    const subscriptions = channels.flatMap((channel) => jobs.map((job) => ({ channel, job: job.id })));
    for (let i = 0; i < subscriptions.length; i += 50) {
      await Promise.all(
        subscriptions.slice(i, i + 50).map(async ({ channel, job }) => {
          const { subscription } = await (store as Store).addSubscription({
            channelId: channel,
            jobId: job,
            filter: 'changes',
            createdBy: 'U_BENCH',
            createdAt: now,
          });
          const card = await setup.post(channel, { text: `living card of ${job}` });
          if (!card.ok) throw new Error(card.error);
          await (store as Store).setCardTs(subscription.id, card.ts);
        }),
      );
    }
    await slack.enforce(SCALE);

    // The bot's delivery, wired as main.ts wires it.
    const pacer = new Pacer({ scale: SCALE });
    const poster = createSlackPoster(slack.botToken, { slackApiUrl: slack.apiUrl, pacer });
    const notifier = createSlackNotifier({ poster, pacer, jobUrl: () => undefined });
    const completions = new Completions(store, store);
    const deliveryStore = store;
    const runner = createDeliveryRunner({
      run: async (kind, signal) => {
        await deliverPending({
          outbox: deliveryStore,
          subscriptions: deliveryStore,
          notifier,
          completions,
          owner: 'bench',
          logger: silent,
          kinds: [kind],
          signal,
        });
      },
    });
    const source = createSeekrFlowClient({ baseUrl: sim.url, apiKey: sim.apiKey, teamId: sim.teamId ?? undefined, timeoutMs: 5_000 });
    const pass = { watches: store, subscriptions: store, jobs: source, settings, logger: silent };

    const from = await slack.count();
    global.gc?.();
    peakRss = 0;
    const t0 = Date.now();
    for (const change of [1, 2] as const) {
      for (const job of jobs) sim.putJob(job.states[change]);
      await runPollPass(pass);
      runner.passed();
    }
    const deadline = Date.now() + 180_000;
    while ((await store.pendingDeliveries()) > 0) {
      if (Date.now() > deadline) throw new Error('delivery did not drain in 3 minutes');
      await new Promise((r) => setTimeout(r, 50));
    }
    await runner.stop();

    const calls = await slack.calls(from);
    const ok = (c: Call) => c[2] === 200 && c[3];
    const updates = calls.filter((c) => c[0] === 'chat.update' && ok(c));
    const posts = calls.filter((c) => c[0] === 'chat.postMessage' && ok(c));
    const drainMs = Math.max(...[...updates, ...posts].map((c) => c[1])) - t0;
    if (process.env.BENCH_DEBUG) {
      const byS = new Map<number, string>();
      for (const c of calls) {
        const s = Math.floor((c[1] - t0) / 2000) * 2;
        byS.set(s, `${byS.get(s) ?? ''}${c[0] === 'chat.update' ? 'u' : 'p'}${c[5] ? '!' : ''}`);
      }
      for (const [s, v] of byS)
        console.log(s, 'u', [...v.matchAll(/u/g)].length, 'p', [...v.matchAll(/p/g)].length, '429', [...v.matchAll(/!/g)].length);
      console.log('last reply', Math.max(...posts.map((c) => c[1])) - t0, 'last card', Math.max(...updates.map((c) => c[1])) - t0);
    }
    // Every thread got both replies, once, and every card one update.
    const perChannel = new Map<string, number>();
    const perThread = new Map<string, number>();
    for (const c of posts) {
      perChannel.set(String(c[4]), (perChannel.get(String(c[4])) ?? 0) + 1);
      perThread.set(`${c[4]} ${c[6]}`, (perThread.get(`${c[4]} ${c[6]}`) ?? 0) + 1);
    }
    if (perThread.size !== subscriptions.length || [...perThread.values()].some((n) => n !== 2))
      throw new Error(`expected 2 replies in each of ${subscriptions.length} threads`);
    const update = DEFAULT_RATE_LIMITS.methods['chat.update'] as Rate;
    const post = DEFAULT_RATE_LIMITS.methods['chat.postMessage'] as Rate;
    const channelPost = DEFAULT_RATE_LIMITS.perChannel['chat.postMessage'] as Rate;
    const boundMs = Math.max(
      timeFor(subscriptions.length, update),
      ...[...perChannel.values()].map((n) => timeFor(n, channelPost)),
      timeFor(posts.length, post),
    );
    return {
      engine,
      calls: calls.length,
      limited: calls.filter((c) => c[5]).length,
      cardUpdates: updates.length,
      replies: posts.length,
      drainMs,
      boundMs,
      peakRssMb: peakRss / 2 ** 20,
    };
  } finally {
    clearInterval(sampler);
    await store?.close();
    await slack.close();
    await sim.close();
    rmSync(dataDir, { recursive: true, force: true });
    if (engine === 'postgres' && databaseUrl) await dropSchema(databaseUrl, schema);
  }
}

export async function benchDelivery(): Promise<void> {
  const url = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  const results = [await benchDeliveryEngine('sqlite')];
  if (url) results.push(await benchDeliveryEngine('postgres', url));
  console.log(
    `\nDelivery under Slack's limits: ${(CHANNELS * JOBS).toLocaleString('en')} subscriptions (${CHANNELS} channels × ${JOBS} jobs), every job changing twice`,
  );
  console.log(
    `Slack's limits and the bot's pacer both × ${SCALE} (bursts unchanged): chat.update ${50 * SCALE}/min burst 10, chat.postMessage ${60 * SCALE}/min burst 2 per channel, ${300 * SCALE}/min burst 300 per workspace`,
  );
  console.log('goals: ≤ 1 % of calls answered 429, drain ≤ 1.2 × bound\n');
  const rows = [
    ['engine', 'calls', 'card updates', 'replies', '429s', 'drain', 'bound', 'drain / bound', 'peak RSS'],
    ...results.map((r) => [
      r.engine,
      r.calls.toLocaleString('en'),
      r.cardUpdates.toLocaleString('en'),
      r.replies.toLocaleString('en'),
      `${r.limited} (${((r.limited / r.calls) * 100).toFixed(2)} %)`,
      `${(r.drainMs / 1000).toFixed(2)} s`,
      `${(r.boundMs / 1000).toFixed(2)} s`,
      (r.drainMs / r.boundMs).toFixed(3),
      `${r.peakRssMb.toFixed(0)} MB`,
    ]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  '));
  if (!url) console.log('\n(PostgreSQL skipped: set BENCH_DATABASE_URL or TEST_DATABASE_URL to include it)');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await benchDelivery();
