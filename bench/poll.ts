import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { pino } from 'pino';
import { deliverPending } from '../src/core/delivery.js';
import { planJob } from '../src/core/planner.js';
import { runPollPass } from '../src/core/poll-pass.js';
import type { Store } from '../src/core/ports.js';
import { summarizeJob } from '../src/domain/job-summary.js';
import { createSeekrFlowClient } from '../src/seekrflow/client.js';
import { createSlackNotifier } from '../src/slack/notifier.js';
import { createSlackPoster } from '../src/slack/poster.js';
import { openStore } from '../src/storage/open-store.js';
import { startFakeSlack } from '../test/support/fake-slack/server.js';
import { makeJob } from '../test/support/make-job.js';

/** The simulator as a child process (bench/simulator-process.ts), driven line by line. */
async function startSimulatorProcess() {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/simulator-process.ts'], {
    env: { ...process.env, BENCH_JOBS: String(JOBS), BENCH_LATENCY_MS: String(LATENCY_MS) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  const waiters: Array<(line: string) => void> = [];
  let buffered = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const line of parts) {
      const waiter = waiters.shift();
      if (waiter) waiter(line);
      else lines.push(line);
    }
  });
  const next = () => new Promise<string>((resolve) => (lines.length ? resolve(lines.shift() as string) : waiters.push(resolve)));
  const ask = async (command: string) => {
    child.stdin.write(`${command}\n`);
    return JSON.parse(await next()) as Record<string, unknown>;
  };
  const info = JSON.parse(await next()) as { url: string; apiKey: string; teamId: string | null; jobIds: string[] };
  return {
    ...info,
    requestCount: async () => Number((await ask('status')).requests),
    resetRequests: () => ask('reset'),
    changeAll: () => ask('change'),
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.stdin.end();
      }),
  };
}
/**
 * The poll pass at scale: 10,000 subscriptions over 2,000 distinct jobs, SeekrFlow answering in
 * 50 ms, 16 requests at a time. The ideal pass is 2,000 × 50 ms / 16 = 6.25 s; the target is
 * within 10 % of it, with one request per job, no Slack call when nothing changed, and RSS under
 * 200 MB. Runs on SQLite, and on PostgreSQL when BENCH_DATABASE_URL (or TEST_DATABASE_URL) is set.
 */

const JOBS = 2_000;
const SUBSCRIPTIONS = 10_000;
const LATENCY_MS = 50;
const CONCURRENCY = 16;
const IDEAL_MS = (JOBS * LATENCY_MS) / CONCURRENCY;

interface PollFigures {
  engine: string;
  passMs: number;
  ratio: number;
  requests: number;
  slackCalls: number;
  changedPassMs: number;
  changedDeliveries: number;
  peakRssMb: number;
  changedRssMb: number;
  dbMb: number | null;
  quietDbMb: number;
}

const silent = pino({ level: 'silent' });

function dirSize(dir: string): number {
  return readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
}

async function pgSize(url: string, schema: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query<{ size: string }>(
    `SELECT coalesce(sum(pg_total_relation_size(format('%I.%I', schemaname, tablename))), 0)::bigint AS size FROM pg_tables WHERE schemaname = $1`,
    [schema],
  );
  await client.end();
  return Number(rows[0]?.size ?? 0);
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
}

export async function benchPollEngine(engine: 'sqlite' | 'postgres', databaseUrl?: string): Promise<PollFigures> {
  const sim = await startSimulatorProcess();
  const slack = await startFakeSlack();
  const dataDir = mkdtempSync(join(tmpdir(), 'datajob-bot-bench-'));
  const schema = `bench_${process.pid}_${Date.now().toString(36)}`;
  let peakRss = 0;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 20);
  let store: Store | undefined;
  try {
    store = await openStore({ dataDir, ...(engine === 'postgres' ? { databaseUrl, postgresSchema: schema } : {}) });
    const jobIds = sim.jobIds;
    const settings = { stallAfterMinutes: 600, unreachableAfterMinutes: 10, concurrency: CONCURRENCY };
    const now = new Date();
    for (const id of jobIds) {
      // The same payload the simulator serves, so the first pass sees no change.
      const job = makeJob({ id, name: `Bench job ${id}`, status: 'running' });
      const baseline = planJob({
        jobId: id,
        previous: null,
        observation: { kind: 'seen', summary: summarizeJob(job) },
        listeners: [],
        settings,
        now,
        version: '0',
      });
      await store.initWatch(id, baseline.watch);
    }
    let created = 0;
    for (let i = 0; i < SUBSCRIPTIONS; i++) {
      // 500 channels, each job watched by 5 of them: every (channel, job) pair distinct.
      const channel = Math.floor(i / JOBS) * 100 + (i % 100);
      const { subscription, created: isNew } = await store.addSubscription({
        channelId: `C${channel.toString().padStart(5, '0')}`,
        jobId: jobIds[i % JOBS] as string,
        filter: 'changes',
        createdBy: 'U_BENCH',
        createdAt: now,
      });
      await store.setCardTs(subscription.id, `1700000000.${i.toString().padStart(6, '0')}`);
      if (isNew) created += 1;
    }
    if (created !== SUBSCRIPTIONS) throw new Error(`expected ${SUBSCRIPTIONS} subscriptions, made ${created}`);

    const jobs = createSeekrFlowClient({ baseUrl: sim.url, apiKey: sim.apiKey, teamId: sim.teamId ?? undefined, timeoutMs: 5_000 });
    const notifier = createSlackNotifier({
      poster: createSlackPoster(slack.botToken, { slackApiUrl: slack.apiUrl }),
      jobUrl: () => undefined,
    });
    const deps = { watches: store, subscriptions: store, jobs, settings, logger: silent };

    await sim.resetRequests();
    const callsBefore = slack.calls.length;
    global.gc?.();
    peakRss = 0;
    const quiet = await runPollPass(deps);
    await deliverPending({ outbox: store, subscriptions: store, notifier, owner: 'bench', logger: silent });
    const quietRss = peakRss;
    const quietDbBytes = engine === 'sqlite' ? dirSize(dataDir) : await pgSize(databaseUrl as string, schema);
    const requests = await sim.requestCount();
    const slackCalls = slack.calls.length - callsBefore;

    // Every job moves (a status change): the pass enqueues a card and a reply per subscription.
    await sim.changeAll();
    const changed = await runPollPass(deps);

    const dbBytes = engine === 'sqlite' ? dirSize(dataDir) : await pgSize(databaseUrl as string, schema);
    return {
      engine,
      passMs: quiet.ms,
      ratio: quiet.ms / IDEAL_MS,
      requests,
      slackCalls,
      changedPassMs: changed.ms,
      changedDeliveries: changed.deliveries,
      peakRssMb: quietRss / 2 ** 20,
      changedRssMb: peakRss / 2 ** 20,
      dbMb: dbBytes / 2 ** 20,
      quietDbMb: quietDbBytes / 2 ** 20,
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

export async function benchPoll(): Promise<void> {
  const url = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  const results = [await benchPollEngine('sqlite')];
  if (url) results.push(await benchPollEngine('postgres', url));
  console.log(
    `\nPoll pass: ${SUBSCRIPTIONS.toLocaleString('en')} subscriptions, ${JOBS.toLocaleString('en')} jobs, ${LATENCY_MS} ms latency, concurrency ${CONCURRENCY}`,
  );
  console.log(
    `ideal pass = ${JOBS} × ${LATENCY_MS} ms / ${CONCURRENCY} = ${IDEAL_MS} ms; targets: ≤ 1.1 × ideal, ${JOBS} requests, 0 Slack calls, RSS ≤ 200 MB\n`,
  );
  const rows = [
    [
      'engine',
      'quiet pass',
      '× ideal',
      'requests',
      'Slack calls',
      'peak RSS',
      'database',
      'pass, all changed',
      'deliveries queued',
      'peak RSS',
      'database',
    ],
    ...results.map((r) => [
      r.engine,
      `${r.passMs} ms`,
      r.ratio.toFixed(3),
      String(r.requests),
      String(r.slackCalls),
      `${r.peakRssMb.toFixed(0)} MB`,
      `${r.quietDbMb.toFixed(1)} MB`,
      `${r.changedPassMs} ms`,
      String(r.changedDeliveries),
      `${r.changedRssMb.toFixed(0)} MB`,
      r.dbMb === null ? '—' : `${r.dbMb.toFixed(1)} MB`,
    ]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  '));
  if (!url) console.log('\n(PostgreSQL skipped: set BENCH_DATABASE_URL or TEST_DATABASE_URL to include it)');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await benchPoll();
