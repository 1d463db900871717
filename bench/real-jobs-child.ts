import { readFileSync } from 'node:fs';
import { createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Store } from '../src/core/ports/store.js';
import { mapWithConcurrency } from '../src/util/concurrency.js';
import { onStdinLines, quantile, subscriptionAt } from './bench-support.js';

/**
 * One part of bench/real-jobs.ts in a process of its own, so that its peak RSS
 * (process.resourceUsage().maxRSS) is that part's alone. `BENCH_ROLE` says which:
 * - `seed`: the subscriptions of the benchmark layout (bench-support.ts) on the store, cards posted;
 * - `pass`: one poll pass (runPollPass, as the bot runs it), then with `BENCH_DELIVER=1` a delivery
 *   run against the fake Slack (a quiet pass must leave nothing to send); with `BENCH_REPEAT=n` the
 *   same pass n − 1 times more, as a running bot repeats it (its code compiled, its thread warm), and
 *   with `BENCH_CHANGE_BETWEEN=1` each after every job changed (the parent changes them when asked);
 * - `lookup`: `/datajob <id>`'s path from raw bytes to the posted card, against a loopback server;
 * - `bot`: the whole bot (startBot, as the tests start it): "poll" on stdin runs a pass under its
 *   lease (delivery follows in the background, as scheduled passes do), "rss" answers its maxRSS,
 *   "memory" its VmHWM and VmRSS (/proc/self/status).
 * Each prints its result as one JSON line. Only the bot reads stdin; it ends when stdin does.
 * Each role imports only what it uses (the bot's Bolt app alone is some 20 MB), so that a pass
 * process holds what the poll pass needs and no more. bench/real-jobs.ts runs this file compiled,
 * as `npm start` runs the bot (tsc, into .bench-build/); through tsx (BENCH_TSX=1) every process
 * and reader thread holds some 40 MB more.
 */

const env = process.env;
const role = env.BENCH_ROLE;
const silent = pino({ level: 'silent' });
const out = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
const input = () =>
  JSON.parse(readFileSync(env.BENCH_INPUT as string, 'utf8')) as { jobIds: string[]; subscriptions: number; cards?: string[] };
const sim = () => JSON.parse(env.BENCH_SIM as string) as { url: string; apiKey: string; teamId: string | null };
const maxRssBytes = () => process.resourceUsage().maxRSS * 1024;
/** The process's peak resident memory as the kernel keeps it (VmHWM, every thread's included), and its current (VmRSS). */
function residentMemory(): { hwm: number; rss: number } {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
  return { hwm: kb('VmHWM'), rss: kb('VmRSS') };
}

function storeOptions() {
  return {
    dataDir: env.BENCH_DATA_DIR as string,
    ...(env.BENCH_ENGINE === 'postgres' ? { databaseUrl: env.BENCH_DB_URL as string, postgresSchema: env.BENCH_SCHEMA as string } : {}),
  };
}

async function seed(): Promise<void> {
  const { openStore } = await import('../src/storage/open-store.js');
  const { jobIds, subscriptions, cards } = input();
  const store = await openStore(storeOptions());
  const started = performance.now();
  let created = 0;
  const now = new Date();
  // SQLite writes one at a time whatever we do; PostgreSQL takes a few round trips at once.
  await mapWithConcurrency(
    Array.from({ length: subscriptions }, (_, i) => i),
    env.BENCH_ENGINE === 'postgres' ? 8 : 1,
    async (i) => {
      const { subscription, created: isNew } = await store.addSubscription({
        ...subscriptionAt(i, jobIds),
        filter: 'changes',
        createdBy: 'U_BENCH',
        createdAt: now,
      });
      await store.setCardTs(subscription.id, cards?.[i] ?? `1700000000.${i.toString().padStart(6, '0')}`);
      if (isNew) created += 1;
    },
  );
  await store.close();
  if (created !== subscriptions) throw new Error(`expected ${subscriptions} subscriptions, made ${created}`);
  out({ subscriptions: created, ms: Math.round(performance.now() - started) });
}

async function pass(): Promise<void> {
  const { openStore } = await import('../src/storage/open-store.js');
  const { runPollPass } = await import('../src/core/poll-pass.js');
  const { createSeekrFlowClient, MB } = await import('../src/seekrflow/client.js');
  const { botReadPool } = await import('../src/seekrflow/read-pool.js');
  let store: Store | undefined;
  const s = sim();
  const seekrflow = { baseUrl: s.url, apiKey: s.apiKey, teamId: s.teamId ?? undefined, timeoutMs: 10_000, maxBodyBytes: 64 * MB };
  // As the bot makes a poll's rechecks: on its reader threads (their memory counts in the RSS).
  const reader = botReadPool(seekrflow);
  try {
    const opened = await openStore(storeOptions());
    store = opened;
    const jobs = createSeekrFlowClient({ ...seekrflow, reader });
    // A running bot's reader thread is up before its passes; this process is new.
    await reader.start();
    const settings = { stallAfterMinutes: 600, unreachableAfterMinutes: 10, concurrency: Number(env.BENCH_CONCURRENCY ?? 16) };
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const timedPass = async () => {
      const loop = monitorEventLoopDelay({ resolution: 10 });
      loop.enable();
      const report = await runPollPass({ watches: opened, subscriptions: opened, jobs, settings, logger: silent });
      loop.disable();
      return { report, loop };
    };
    const { report, loop } = await timedPass();
    // The same pass again, each after a second's rest; with BENCH_CHANGE_BETWEEN=1, after the parent
    // has changed every job (it answers a {"change":true} line with one of its own on stdin).
    const again: Array<{ ms: number; loopMaxMs: number }> = [];
    const changes = env.BENCH_CHANGE_BETWEEN === '1' ? changeRequests() : null;
    for (let i = 1; i < Number(env.BENCH_REPEAT ?? 1); i++) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await changes?.();
      const repeat = await timedPass();
      again.push({ ms: repeat.report.ms, loopMaxMs: repeat.loop.max / 1e6 });
    }
    const rssAfterPass = maxRssBytes();
    let delivered = false;
    if (env.BENCH_DELIVER === '1') {
      // Loaded after the pass's peak is read: delivery is not part of it.
      const { deliverPending } = await import('../src/core/delivery.js');
      const { createSlackNotifier } = await import('../src/slack/notifier.js');
      const { createSlackPoster } = await import('../src/slack/poster.js');
      const slack = JSON.parse(env.BENCH_SLACK as string) as { apiUrl: string; botToken: string };
      const notifier = createSlackNotifier({
        poster: createSlackPoster(slack.botToken, { slackApiUrl: slack.apiUrl }),
        jobUrl: () => undefined,
      });
      await deliverPending({ outbox: store, subscriptions: store, notifier, owner: 'bench', logger: silent });
      delivered = true;
    }
    out({ report, again, rssBefore, maxRss: rssAfterPass, loopMaxMs: loop.max / 1e6, loopP99Ms: loop.percentile(99) / 1e6, delivered });
  } finally {
    await reader.close();
    await store?.close();
  }
}

/** Asks the parent to change every job, and resolves once it says it did. */
function changeRequests(): () => Promise<void> {
  const answered: Array<() => void> = [];
  onStdinLines(() => answered.shift()?.());
  return () =>
    new Promise<void>((resolve) => {
      answered.push(resolve);
      out({ change: true });
    });
}

/** A plain GET of the same body: node's http, read to a Buffer, nothing parsed. */
function plainGet(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).length));
      res.on('error', reject);
    }).on('error', reject);
  });
}

async function lookup(): Promise<void> {
  const { createSeekrFlowClient, MB } = await import('../src/seekrflow/client.js');
  const { botReadPool } = await import('../src/seekrflow/read-pool.js');
  const { renderCard } = await import('../src/slack/blocks/card.js');
  const { realisticJob } = await import('./job-shape.js');
  // "10:100,2000:50,20000:12": files and runs.
  const plan = (env.BENCH_LOOKUP ?? '10:100,2000:50,20000:12').split(',').map((p) => p.split(':').map(Number) as [number, number]);
  const results = [];
  for (const [files, runs] of plan) {
    const id = `dj-bench-lookup-${files}`;
    const body = Buffer.from(JSON.stringify(realisticJob(id, files)));
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length, 'cf-ray': '0123456789abcdef-IAD' });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const seekrflow = { baseUrl: base, apiKey: 'sf-bench-key', timeoutMs: 30_000, maxBodyBytes: 64 * MB };
    // As the bot reads: a large answer goes to its reader thread (BENCH_LOOKUP_READER=0: on the event loop).
    const reader = env.BENCH_LOOKUP_READER === '0' ? undefined : botReadPool(seekrflow);
    await reader?.start();
    const client = createSeekrFlowClient({ ...seekrflow, ...(reader ? { reader } : {}) });
    const plainUrl = `${base}/v1/flow/data-jobs/${id}`;
    const jobUrl = `https://apps.seekr.com/data-jobs/${id}`;
    // As the slash command does it (src/slack/listeners/command.ts): fetch, render, then the card is posted as JSON.
    const lookUp = async () => {
      const t0 = performance.now();
      const result = await client.getDataJob(id);
      const t1 = performance.now();
      if (!result.ok) throw new Error(`look-up failed: ${result.failure.detail}`);
      const card = renderCard(result.job, { fetchedAt: new Date(), mode: 'ephemeral', jobUrl });
      JSON.stringify({ response_type: 'ephemeral', ...card });
      const t2 = performance.now();
      return { total: t2 - t0, fetch: t1 - t0, render: t2 - t1 };
    };
    const plain = async () => {
      const t0 = performance.now();
      const n = await plainGet(plainUrl);
      if (n !== body.length) throw new Error(`plain GET read ${n} bytes of ${body.length}`);
      return performance.now() - t0;
    };
    for (let i = 0; i < Math.min(5, runs); i++) {
      await plain();
      await lookUp();
    }
    const plainMs: number[] = [];
    const samples: { total: number; fetch: number; render: number }[] = [];
    for (let i = 0; i < runs; i++) {
      // Alternate the order, and start each from a collected heap, so neither side inherits the other's garbage.
      global.gc?.();
      if (i % 2) samples.push(await lookUp());
      else plainMs.push(await plain());
      global.gc?.();
      if (i % 2) plainMs.push(await plain());
      else samples.push(await lookUp());
    }
    await reader?.close();
    server.close();
    server.closeAllConnections();
    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
    const plainMedian = quantile(sorted(plainMs), 0.5);
    const overhead = sorted(samples.map((s) => s.total - plainMedian));
    results.push({
      files,
      bytes: body.length,
      runs,
      plainMedian,
      totalMedian: quantile(sorted(samples.map((s) => s.total)), 0.5),
      fetchOverMedian: quantile(sorted(samples.map((s) => s.fetch)), 0.5) - plainMedian,
      renderMedian: quantile(sorted(samples.map((s) => s.render)), 0.5),
      overheadMedian: quantile(overhead, 0.5),
      overheadP90: quantile(overhead, 0.9),
    });
  }
  out({ results, maxRss: maxRssBytes() });
}

/** The bot as it runs in production, in HTTP mode; "poll" runs one pass under its lease and answers when it is done. */
async function bot(): Promise<void> {
  const { loadConfig } = await import('../src/config.js');
  const { createLogger } = await import('../src/logger.js');
  const { startBot } = await import('../src/main.js');
  const passes: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) {
        if (!line.includes('"poll pass done"')) continue;
        passes.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  const config = loadConfig(JSON.parse(env.BENCH_BOT_ENV as string) as Record<string, string>);
  const running = await startBot(config, { logger: createLogger({ level: 'info', secrets: [], destination }) });
  out({ port: running.port });
  let queue = Promise.resolve();
  onStdinLines((line) => {
    if (line === 'rss') queue = queue.then(() => void out({ maxRss: maxRssBytes() }));
    if (line === 'memory') queue = queue.then(() => void out(residentMemory()));
    if (line !== 'poll') return;
    queue = queue.then(async () => {
      const loop = monitorEventLoopDelay({ resolution: 10 });
      loop.enable();
      const t0 = performance.now();
      await running.pollNow({ waitForDelivery: false });
      const wall = performance.now() - t0;
      loop.disable();
      const report = passes.at(-1) ?? {};
      out({ ms: report.ms, jobs: report.jobs, deliveries: report.deliveries, wallMs: wall, loopMaxMs: loop.max / 1e6 });
    });
  });
  process.stdin.on('end', () => {
    void queue.then(async () => {
      // Delivery may be paced for minutes: stop what can be stopped, then go.
      await Promise.race([running.stop(), new Promise((r) => setTimeout(r, 3_000))]);
      process.exit(0);
    });
  });
}

/**
 * What receiving the answers costs by itself: every job's GET, `BENCH_CONCURRENCY` at a time, with
 * node:http on kept-alive connections (no got). Three ways, three rounds each: each body counted and
 * dropped; hashed as it arrives (SHA-256, what telling an unchanged answer needs at least); joined
 * and JSON.parse'd (what reading a changed answer needs at least). A pass cannot be faster than the
 * matching one on the machine that runs it.
 */
async function receive(): Promise<void> {
  const { Agent } = await import('node:http');
  const { xxh3 } = await import('@node-rs/xxhash');
  const s = sim();
  const agent = new Agent({ keepAlive: true, maxSockets: Number(env.BENCH_CONCURRENCY ?? 16) });
  const headers = { authorization: s.apiKey, ...(s.teamId ? { 'x-team-id': s.teamId } : {}) };
  type Way = 'drop' | 'hash' | 'parse';
  const fetchOne = (id: string, way: Way) =>
    new Promise<void>((resolve, reject) => {
      get(`${s.url}/v1/flow/data-jobs/${id}`, { agent, headers }, (res) => {
        const hash = way === 'hash' ? xxh3.Xxh3.withSeed() : null;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => {
          hash?.update(chunk);
          if (way === 'parse') chunks.push(chunk);
        });
        res.on('end', () => {
          hash?.digest();
          if (way === 'parse') JSON.parse(Buffer.concat(chunks).toString('latin1'));
          resolve();
        });
        res.on('error', reject);
      }).on('error', reject);
    });
  const { jobIds } = input();
  const rounds: Record<Way, number[]> = { drop: [], hash: [], parse: [] };
  for (const way of ['drop', 'hash', 'parse'] as const) {
    for (let round = 0; round < 3; round++) {
      const started = performance.now();
      await mapWithConcurrency(jobIds, Number(env.BENCH_CONCURRENCY ?? 16), (id) => fetchOne(id, way));
      rounds[way].push(performance.now() - started);
    }
  }
  agent.destroy();
  out({ rounds: rounds.drop, hashed: rounds.hash, parsed: rounds.parse });
}

if (role === 'seed') await seed();
else if (role === 'receive') await receive();
else if (role === 'pass') await pass();
else if (role === 'lookup') await lookup();
else if (role === 'bot') await bot();
else throw new Error(`BENCH_ROLE must be seed, pass, lookup or bot (got ${role})`);
