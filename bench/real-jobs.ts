import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startFakeSlack } from '../test/support/fake-slack/server.js';
import { BOT_SCOPES, SIGNING_SECRET } from '../test/support/harness.js';
import { sendSlashCommand } from '../test/support/slack-requests.js';
import {
  against,
  buildBotChild,
  dirSize,
  dropSchema,
  int,
  mb,
  ms,
  pgSize,
  printTable,
  quantile,
  runChild,
  type SimulatorProcess,
  startLineChild,
  startSimulatorProcess,
  subscriptionAt,
} from './bench-support.js';
import { describeSizes } from './job-shape.js';

/**
 * Benchmarks that look like real use (issue 13), each part in processes of its own so that its
 * peak RSS is its own (bench/real-jobs-child.ts), SeekrFlow being the simulator in another
 * (bench/simulator-process.ts) answering in 50 ms:
 * - realistic: 2,000 jobs (1,880 × 20 files, 100 × 200, 20 × 2,000), 10,000 subscriptions (500
 *   channels, 5 per job, cards posted), concurrency 16; ideal = 2,000 × 50 ms / 16 = 6,250 ms;
 * - heavy: 96 jobs × 2,000 files (2.4 MB of JSON apiece), 480 subscriptions; ideal = 300 ms.
 *   For both, a first pass records what the bot remembers (whatever that is in the code under
 *   test), then a quiet pass (nothing changed) is measured, then one where every job changed status
 *   (in a new process, its reader thread cold), then that again three times in one process, each
 *   after every job changed, the last two timed (warm, as a running bot meets a change);
 * - lookup: `/datajob <id>` from raw bytes to the posted card (getDataJob, renderCard, the JSON),
 *   minus a plain GET of the same body, for 10, 2,000 and 20,000 files;
 * - ack: the whole bot (startBot) in one process and 20 signed `/datajob help` a second from
 *   another, timed to the HTTP ack, during heavy passes (quiet, then all changed);
 * - memory: the whole bot's VmHWM while the heavy jobs are subscribed to one after another, then
 *   polled (first, quiet, all changed twice); target 300 MB.
 * The heavy passes are judged against floors the same run measures (bench/real-jobs-child.ts,
 * `receive`): a warm quiet pass ≤ 1.15 × receiving alone, an all-changed one ≤ 1.5 × receiving and
 * JSON.parse; the realistic ones against the ideal, as before.
 * Both engines: SQLite always, PostgreSQL when BENCH_DATABASE_URL or TEST_DATABASE_URL is set.
 *
 * Alone: `node --expose-gc --import tsx bench/real-jobs.ts`. Subsets: BENCH_ONLY=realistic,heavy,
 * lookup,ack,memory (any of them), BENCH_ENGINES=sqlite,postgres; sizes: BENCH_REALISTIC_SIZES,
 * BENCH_HEAVY_SIZES (jobs×files groups), BENCH_LOOKUP (files:runs pairs), BENCH_ACK_PASSES (passes
 * of each kind during which commands are timed, default 5), BENCH_ACK_RATE (commands a second, 20).
 */

const LATENCY_MS = 50;
const CONCURRENCY = 16;
const SUBSCRIPTIONS_PER_JOB = 5;
/**
 * The bot's processes: built by benchRealJobs as `npm start` builds the bot (buildBotChild), or with
 * BENCH_TSX=1 the sources through tsx (some 40 MB more in every process and reader thread).
 */
let CHILD = 'bench/real-jobs-child.ts';
const RSS_TARGET = 250 * 2 ** 20;
/**
 * A running bot repeats its quiet pass with its code compiled and its reader thread warm; a pass
 * process of its own pays for both. The "warm" row is the passes after the first in one process.
 */
const WARM_PASSES = 2;

const env = process.env;
const REALISTIC_SIZES = env.BENCH_REALISTIC_SIZES ?? '1880x20,100x200,20x2000';
const HEAVY_SIZES = env.BENCH_HEAVY_SIZES ?? '96x2000';
const LOOKUP_PLAN = env.BENCH_LOOKUP ?? '10:100,2000:50,20000:12';
const ACK_PASSES = Number(env.BENCH_ACK_PASSES ?? 5);
const ACK_RATE = Number(env.BENCH_ACK_RATE ?? 20);

type Engine = 'sqlite' | 'postgres';

interface PassResult {
  report: { jobs: number; fetchFailures: number; changedJobs: number; deliveries: number; conflicts: number; ms: number };
  /** The same pass made again in the same process (BENCH_REPEAT). */
  again: Array<{ ms: number; loopMaxMs: number }>;
  rssBefore: number;
  maxRss: number;
  loopMaxMs: number;
  loopP99Ms: number;
}

interface PassRow {
  pass: 'first' | 'quiet' | 'warm' | 'changed' | 'changedWarm';
  result: PassResult;
  requests: number;
  slackCalls: number | null;
  dbBytes: number;
}

interface ScenarioResult {
  engine: Engine;
  seeded: { subscriptions: number; ms: number };
  rows: PassRow[];
  /** Receiving every answer and nothing else (the child's `receive`), three rounds; then hashing each, then parsing each. */
  receiveMs: number[];
  hashedMs: number[];
  parsedMs: number[];
}

/** A store of its own for one scenario: a data directory (SQLite), or a schema (PostgreSQL). */
function scratchStore(engine: Engine, url: string | undefined) {
  const dataDir = mkdtempSync(join(tmpdir(), 'datajob-bot-bench-'));
  const schema = `bench_${process.pid}_${Date.now().toString(36)}`;
  return {
    dataDir,
    schema,
    env: {
      BENCH_ENGINE: engine,
      BENCH_DATA_DIR: dataDir,
      BENCH_SCHEMA: schema,
      ...(engine === 'postgres' ? { BENCH_DB_URL: url as string } : {}),
    },
    size: () => (engine === 'sqlite' ? Promise.resolve(dirSize(dataDir)) : pgSize(url as string, schema)),
    async remove() {
      rmSync(dataDir, { recursive: true, force: true });
      if (engine === 'postgres' && url) await dropSchema(url, schema);
    },
  };
}

function simEnv(sim: SimulatorProcess) {
  return JSON.stringify({ url: sim.url, apiKey: sim.apiKey, teamId: sim.teamId });
}

/** Seeds, then the first, quiet and all-changed passes, each in a child of its own. */
async function passScenario(sim: SimulatorProcess, engine: Engine, url: string | undefined): Promise<ScenarioResult> {
  const slack = await startFakeSlack();
  const store = scratchStore(engine, url);
  try {
    const inputFile = join(store.dataDir, 'bench-input.json');
    writeFileSync(inputFile, JSON.stringify({ jobIds: sim.jobIds, subscriptions: sim.jobIds.length * SUBSCRIPTIONS_PER_JOB }));
    const common = {
      ...store.env,
      BENCH_INPUT: inputFile,
      BENCH_SIM: simEnv(sim),
      BENCH_CONCURRENCY: String(CONCURRENCY),
      BENCH_SLACK: JSON.stringify({ apiUrl: slack.apiUrl, botToken: slack.botToken }),
    };
    const seeded = await runChild<{ subscriptions: number; ms: number }>(CHILD, { ...common, BENCH_ROLE: 'seed' });
    const {
      rounds: receiveMs,
      hashed: hashedMs,
      parsed: parsedMs,
    } = await runChild<{ rounds: number[]; hashed: number[]; parsed: number[] }>(CHILD, { ...common, BENCH_ROLE: 'receive' });
    const rows: PassRow[] = [];
    const runPass = async (pass: PassRow['pass'], deliver: boolean) => {
      await sim.resetRequests();
      const callsBefore = slack.calls.length;
      const warm = pass === 'warm' || pass === 'changedWarm';
      const result = await runChild<PassResult>(
        CHILD,
        {
          ...common,
          BENCH_ROLE: 'pass',
          BENCH_DELIVER: deliver ? '1' : '0',
          BENCH_REPEAT: warm ? String(1 + WARM_PASSES) : '1',
          BENCH_CHANGE_BETWEEN: pass === 'changedWarm' ? '1' : '0',
        },
        // A warm all-changed pass asks for every job to change before each of its passes.
        async (line) => {
          if (line.change !== true) return null;
          await sim.changeAll();
          return 'changed';
        },
      );
      rows.push({
        pass,
        result,
        requests: await sim.requestCount(),
        slackCalls: deliver ? slack.calls.length - callsBefore : null,
        dbBytes: await store.size(),
      });
    };
    await runPass('first', false);
    await runPass('quiet', true);
    await runPass('warm', false);
    await sim.changeAll();
    await runPass('changed', false);
    await sim.changeAll();
    await runPass('changedWarm', false);
    return { engine, seeded, rows, receiveMs, hashedMs, parsedMs };
  } finally {
    await slack.close();
    await store.remove();
  }
}

const PASS_NAME = {
  first: 'first (baseline)',
  quiet: 'quiet',
  warm: `quiet, warm (${1 + WARM_PASSES} in a process: the last ${WARM_PASSES})`,
  changed: 'all changed (a new process: its thread cold)',
  changedWarm: `all changed, warm (${1 + WARM_PASSES} in a process, each after a change: the last ${WARM_PASSES})`,
} as const;

/**
 * What a pass is judged against. Realistic passes: the ideal (jobs × latency / concurrency). Heavy
 * passes, where the bytes dominate: a floor measured in the same run, the fastest of its three
 * rounds (receiving alone for a warm quiet pass, receiving and JSON.parse for an all-changed one).
 */
interface Judge {
  floor: 'ideal' | 'receiving alone' | 'receiving and JSON.parse';
  target: number;
}

function judgeOf(kind: 'realistic' | 'heavy', pass: PassRow['pass']): Judge | null {
  if (kind === 'realistic') {
    if (pass === 'quiet' || pass === 'warm') return { floor: 'ideal', target: 1.1 };
    return pass === 'changed' || pass === 'changedWarm' ? { floor: 'ideal', target: 2 } : null;
  }
  if (pass === 'warm') return { floor: 'receiving alone', target: 1.15 };
  return pass === 'changed' || pass === 'changedWarm' ? { floor: 'receiving and JSON.parse', target: 1.5 } : null;
}

function floorMs(r: ScenarioResult, floor: Judge['floor'], ideal: number): number {
  if (floor === 'ideal') return ideal;
  return Math.min(...(floor === 'receiving alone' ? r.receiveMs : r.parsedMs));
}

function printPassTable(title: string, notes: string[], results: ScenarioResult[], ideal: number, kind: 'realistic' | 'heavy'): void {
  const rows = results.flatMap((r) =>
    r.rows.map((row) => {
      // A warm row shows its repeated passes (not the first, which warmed up), and is judged by its slowest.
      const { report, again, loopMaxMs: firstLoopMaxMs } = row.result;
      const timed = again.length > 0 ? again : [{ ms: report.ms, loopMaxMs: firstLoopMaxMs }];
      const times = timed.map((t) => t.ms);
      const slowest = Math.max(...times);
      const judge = judgeOf(kind, row.pass);
      const ratio = judge ? slowest / floorMs(r, judge.floor, ideal) : null;
      const loopMaxMs = Math.max(...timed.map((t) => t.loopMaxMs));
      return [
        r.engine,
        PASS_NAME[row.pass],
        range(times),
        (slowest / ideal).toFixed(2),
        judge && ratio !== null ? `${against(ratio.toFixed(2), ratio <= judge.target)} × ${judge.floor}` : '',
        judge ? `≤ ${judge.target}` : '',
        // Per pass (a warm row's process made 1 + WARM_PASSES).
        int(row.requests / (1 + again.length)),
        row.slackCalls === null ? '' : against(String(row.slackCalls), row.slackCalls === 0),
        int(report.changedJobs),
        int(report.deliveries),
        `${mb(row.result.rssBefore)} → ${against(mb(row.result.maxRss), row.result.maxRss <= RSS_TARGET)}`,
        ms(loopMaxMs),
        mb(row.dbBytes),
      ];
    }),
  );
  printTable(
    title,
    [
      'engine',
      'pass',
      'time',
      '× ideal',
      'ratio to its floor',
      'target',
      'requests',
      'Slack calls',
      'jobs changed',
      'deliveries queued',
      'RSS at start → peak (≤ 250 MB)',
      'longest loop delay',
      'database after',
    ],
    rows,
    [
      ...notes,
      ...results.map(
        (r) =>
          `${r.engine}: ${int(r.seeded.subscriptions)} subscriptions seeded in ${ms(r.seeded.ms)}; floors, three rounds each (the fastest is the floor): receiving the answers alone (node:http, no got): ${floor(r.receiveMs, ideal)}; receiving and hashing each (xxh3, the least a quiet pass does): ${floor(r.hashedMs, ideal)}; receiving and JSON.parse of each (the least a changed pass does): ${floor(r.parsedMs, ideal)}`,
      ),
    ],
  );
}

/** Three rounds of a floor: their times, and as multiples of the ideal. */
function floor(rounds: number[], ideal: number): string {
  return `${range(rounds.map(Math.round))} = ${(Math.min(...rounds) / ideal).toFixed(2)}–${(Math.max(...rounds) / ideal).toFixed(2)} × ideal`;
}

function bodySummary(sim: SimulatorProcess): string {
  const bySize = new Map<number, number[]>();
  sim.files.forEach((f, i) => {
    const list = bySize.get(f) ?? [];
    list.push(sim.bytes[i] as number);
    bySize.set(f, list);
  });
  const parts = [...bySize.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([files, bytes]) => {
      const mean = bytes.reduce((a, b) => a + b, 0) / bytes.length;
      return `${int(files)} files ≈ ${int(mean)} bytes (${mb(mean)})`;
    });
  return `bodies (MB = 2^20 bytes): ${parts.join(', ')}; ${mb(sim.bytes.reduce((a, b) => a + b, 0))} in all`;
}

async function benchPasses(kind: 'realistic' | 'heavy', engines: Array<[Engine, string | undefined]>): Promise<void> {
  const sizes = kind === 'realistic' ? REALISTIC_SIZES : HEAVY_SIZES;
  const sim = await startSimulatorProcess({ BENCH_SIZES: sizes, BENCH_LATENCY_MS: String(LATENCY_MS) });
  const results: ScenarioResult[] = [];
  try {
    for (const [engine, url] of engines) results.push(await passScenario(sim, engine, url));
  } finally {
    await sim.close();
  }
  const jobs = sim.jobIds.length;
  const ideal = (jobs * LATENCY_MS) / CONCURRENCY;
  printPassTable(
    `${kind === 'realistic' ? 'Realistic' : 'Heavy'} poll pass: ${int(jobs)} jobs (${describeSizes(sizes)}), ${int(jobs * SUBSCRIPTIONS_PER_JOB)} subscriptions (5 a job, cards posted), ${LATENCY_MS} ms latency, concurrency ${CONCURRENCY}`,
    [
      bodySummary(sim),
      kind === 'realistic'
        ? `ideal = ${int(jobs)} × ${LATENCY_MS} ms / ${CONCURRENCY} = ${ms(ideal)}; targets: quiet ≤ 1.1 × ideal, all changed ≤ 2 × ideal, ${int(jobs)} requests, 0 Slack calls when quiet, peak RSS ≤ 250 MB`
        : `ideal = ${int(jobs)} × ${LATENCY_MS} ms / ${CONCURRENCY} = ${ms(ideal)}; targets: quiet, warm ≤ 1.15 × receiving alone, all changed ≤ 1.5 × receiving and JSON.parse (floors below, this run's), ${int(jobs)} requests, 0 Slack calls when quiet, peak RSS ≤ 250 MB`,
      'each pass in a process of its own: RSS at start is that process before the pass, peak its maxRSS; the first pass records what the bot remembers;',
      `"quiet, warm": the quiet pass ${1 + WARM_PASSES} times in one process, a second apart, timed after the first (its peak is theirs); "all changed, warm": likewise, every job changed before each; requests are per pass;`,
      'longest loop delay: the most an event-loop turn was late during the pass (monitorEventLoopDelay), what a slash command could have waited',
    ],
    results,
    ideal,
    kind,
  );
}

interface LookupRow {
  files: number;
  bytes: number;
  runs: number;
  plainMedian: number;
  totalMedian: number;
  fetchOverMedian: number;
  renderMedian: number;
  overheadMedian: number;
  overheadP90: number;
}

async function benchLookup(): Promise<void> {
  const ways: Array<[string, string]> = [
    ['as the bot reads (a large answer on its reader thread)', '1'],
    ['all on the event loop (no reader thread)', '0'],
  ];
  const measured: Array<{ way: string; results: LookupRow[]; maxRss: number }> = [];
  for (const [way, reader] of ways) {
    const { results, maxRss } = await runChild<{ results: LookupRow[]; maxRss: number }>(CHILD, {
      BENCH_ROLE: 'lookup',
      BENCH_LOOKUP: LOOKUP_PLAN,
      BENCH_LOOKUP_READER: reader,
    });
    measured.push({ way, results, maxRss });
  }
  const target = (files: number) => (files <= 10 ? 5 : files <= 2_000 ? 15 : null);
  printTable(
    '/datajob <id>: from raw bytes to the posted card (createSeekrFlowClient().getDataJob → renderCard → JSON), loopback server answering at once',
    [
      'read',
      'files',
      'body',
      'runs',
      'plain GET',
      'look-up',
      'overhead median',
      'target',
      'overhead p90',
      'of which fetch+parse',
      'render+JSON',
    ],
    measured.flatMap(({ way, results }) =>
      results.map((r) => {
        const t = target(r.files);
        return [
          way,
          int(r.files),
          mb(r.bytes),
          String(r.runs),
          ms(r.plainMedian, 2),
          ms(r.totalMedian, 2),
          t === null ? ms(r.overheadMedian, 2) : against(ms(r.overheadMedian, 2), r.overheadMedian <= t),
          t === null ? '' : `≤ ${t} ms`,
          ms(r.overheadP90, 2),
          ms(r.fetchOverMedian, 2),
          ms(r.renderMedian, 2),
        ];
      }),
    ),
    [
      'overhead = look-up − the median plain GET of the same body (node:http read to a Buffer); medians and p90 over the runs (alternating, heap collected before each)',
      ...measured.map(({ way, maxRss }) => `peak RSS of the look-up process, ${way}: ${mb(maxRss)}`),
    ],
  );
}

interface AckPhase {
  engine: Engine;
  phase: 'quiet' | 'changed' | 'between';
  passMs: number[];
  loopMaxMs: number;
  acks: number[];
  failed: number;
}

/** A fake Slack whose channels all have the bot in them, and a scratch store, for a bot process of its own. */
async function slackAndStore(channels: string[], engine: Engine, url: string | undefined) {
  const slack = await startFakeSlack({
    scopes: BOT_SCOPES,
    channels: channels.map((id) => ({ id, name: id.toLowerCase(), botIsMember: true })),
  });
  return { slack, store: scratchStore(engine, url) };
}

/** The bot in a child process, heavy passes on demand; signed `/datajob help` at ACK_RATE a second from here. */
async function ackScenario(
  sim: SimulatorProcess,
  engine: Engine,
  url: string | undefined,
): Promise<{ phases: AckPhase[]; maxRss: number }> {
  const subscriptions = sim.jobIds.length * SUBSCRIPTIONS_PER_JOB;
  const layout = Array.from({ length: subscriptions }, (_, i) => subscriptionAt(i, sim.jobIds));
  const channels = [...new Set(layout.map((s) => s.channelId))];
  const { slack, store } = await slackAndStore(channels, engine, url);
  let bot: ReturnType<typeof startLineChild> | undefined;
  try {
    // Living cards the bot really posted, so that the deliveries after a changed pass succeed as in production.
    const cards: string[] = [];
    for (const { channelId } of layout) {
      const res = await fetch(`${slack.apiUrl}chat.postMessage`, {
        method: 'POST',
        headers: { authorization: `Bearer ${slack.botToken}`, 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify({ channel: channelId, text: 'Bench job card' }),
      });
      const answer = (await res.json()) as { ok: boolean; ts?: string; error?: string };
      if (!answer.ok || !answer.ts) throw new Error(`fake Slack refused a card: ${answer.error}`);
      cards.push(answer.ts);
    }
    const inputFile = join(store.dataDir, 'bench-input.json');
    writeFileSync(inputFile, JSON.stringify({ jobIds: sim.jobIds, subscriptions, cards }));
    await runChild(CHILD, { ...store.env, BENCH_INPUT: inputFile, BENCH_ROLE: 'seed' });

    const botEnv = botEnvironment(slack, sim, store, engine, url);
    bot = startLineChild(CHILD, { BENCH_ROLE: 'bot', BENCH_BOT_ENV: JSON.stringify(botEnv) });
    const { port } = (await bot.next()) as { port: number };
    const botUrl = `http://127.0.0.1:${port}/slack/events`;
    const running = bot;
    await running.ask('poll'); // the first pass: what the bot remembers

    const samples: { at: number; ms: number; ok: boolean }[] = [];
    const inflight = new Set<Promise<void>>();
    const fire = () => {
      const at = performance.now();
      const channelId = channels[0] as string;
      const sent = sendSlashCommand(
        botUrl,
        SIGNING_SECRET,
        { text: 'help', channelId, userId: 'U_ALICE', responseUrl: slack.responseUrl({ channel: channelId, user: 'U_ALICE' }) },
        { fake: slack },
      )
        .then((r) => void samples.push({ at, ms: r.ms, ok: r.status === 200 }))
        .catch(() => void samples.push({ at, ms: Number.NaN, ok: false }))
        .finally(() => inflight.delete(sent));
      inflight.add(sent);
    };
    const timer = setInterval(fire, 1000 / ACK_RATE);
    await new Promise((r) => setTimeout(r, 1_000)); // the first commands warm the access cache
    const windows: Array<{ phase: 'quiet' | 'changed'; from: number; to: number; ms: number; loopMaxMs: number }> = [];
    for (const phase of ['quiet', 'changed'] as const) {
      for (let k = 0; k < ACK_PASSES; k++) {
        if (phase === 'changed') await sim.changeAll();
        const from = performance.now();
        const done = (await running.ask('poll')) as { ms: number; loopMaxMs: number };
        windows.push({ phase, from, to: performance.now(), ms: done.ms, loopMaxMs: done.loopMaxMs });
      }
    }
    await new Promise((r) => setTimeout(r, 500));
    clearInterval(timer);
    await Promise.all(inflight);
    const { maxRss } = (await running.ask('rss')) as { maxRss: number };
    // Every command acked must also have been answered (help, at its response_url), or the figures measure refusals.
    await new Promise((r) => setTimeout(r, 1_000));
    const answered = slack.responsesAll().filter((r) => JSON.stringify(r.body).includes('subscribe')).length;
    if (answered < samples.length) console.warn(`ack bench (${engine}): ${answered} of ${samples.length} commands answered with help`);

    const phaseOf = (at: number) => windows.find((w) => at >= w.from && at <= w.to)?.phase ?? 'between';
    const phases: AckPhase[] = (['quiet', 'changed', 'between'] as const).map((phase) => {
      const inPhase = samples.filter((s) => phaseOf(s.at) === phase);
      const ws = windows.filter((w) => w.phase === phase);
      return {
        engine,
        phase,
        passMs: ws.map((w) => w.ms),
        loopMaxMs: Math.max(0, ...ws.map((w) => w.loopMaxMs)),
        acks: inPhase.filter((s) => s.ok).map((s) => s.ms),
        failed: inPhase.filter((s) => !s.ok).length,
      };
    });
    return { phases, maxRss };
  } finally {
    await bot?.close();
    await slack.close();
    await store.remove();
  }
}

/** "1,200–1,450 ms", or one figure when there is one. */
function range(values: number[]): string {
  const [low, high] = [Math.min(...values), Math.max(...values)];
  return low === high ? ms(low) : `${int(low)}–${ms(high)}`;
}

async function benchAck(engines: Array<[Engine, string | undefined]>): Promise<void> {
  const sim = await startSimulatorProcess({ BENCH_SIZES: HEAVY_SIZES, BENCH_LATENCY_MS: String(LATENCY_MS) });
  const results: Array<{ phases: AckPhase[]; maxRss: number; engine: Engine }> = [];
  try {
    for (const [engine, url] of engines) results.push({ ...(await ackScenario(sim, engine, url)), engine });
  } finally {
    await sim.close();
  }
  const name = { quiet: 'quiet heavy passes', changed: 'all-changed heavy passes', between: 'between passes (reference)' } as const;
  printTable(
    `Slash-command ack while heavy passes run (${describeSizes(HEAVY_SIZES)}): the bot (startBot, HTTP mode) in one process, ${ACK_RATE} signed \`/datajob help\` a second from another`,
    [
      'engine',
      'during',
      'passes',
      'pass time',
      'commands',
      'failed',
      'ack p50',
      'ack p99',
      'target',
      'ack max',
      'longest loop delay',
      'bot peak RSS',
    ],
    results.flatMap((r) =>
      r.phases.map((p) => {
        const sorted = [...p.acks].sort((a, b) => a - b);
        const p99 = quantile(sorted, 0.99);
        const during = p.phase !== 'between';
        return [
          r.engine,
          name[p.phase],
          during ? String(p.passMs.length) : '',
          during ? range(p.passMs) : '',
          String(p.acks.length),
          String(p.failed),
          ms(quantile(sorted, 0.5), 1),
          during ? against(ms(p99, 1), p99 <= 100) : ms(p99, 1),
          during ? '≤ 100 ms' : '',
          ms(sorted.at(-1) ?? Number.NaN, 1),
          during ? ms(p.loopMaxMs) : '',
          p.phase === 'quiet' ? mb(r.maxRss) : '',
        ];
      }),
    ),
    [
      'a command counts for a pass when it was sent while the pass ran; time = request sent → HTTP ack read; each changed pass follows a change of every job (running ↔ queued), and the deliveries it queues go out, paced, in the background',
    ],
  );
}

interface MemoryResult {
  engine: Engine;
  subscribeMs: number[];
  afterSubscribes: { hwm: number; rss: number };
  passMs: number[];
  end: { hwm: number; rss: number };
}

/** The bot's own environment for a bench: HTTP mode, schedules that never fire, the simulator as SeekrFlow. */
function botEnvironment(
  slack: { botToken: string; apiUrl: string },
  sim: SimulatorProcess,
  store: ReturnType<typeof scratchStore>,
  engine: Engine,
  url: string | undefined,
) {
  return {
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    PORT: '0',
    METRICS_PORT: '0',
    SLACK_API_URL: slack.apiUrl,
    SEEKRFLOW_API_KEY: sim.apiKey,
    ...(sim.teamId ? { SEEKRFLOW_TEAM_ID: sim.teamId } : {}),
    SEEKRFLOW_BASE_URL: sim.url,
    SEEKRFLOW_TIMEOUT_MS: '10000',
    POLL_SCHEDULE: '0 0 1 1 *',
    DISCOVERY_SCHEDULE: '0 0 1 1 *',
    POLL_CONCURRENCY: String(CONCURRENCY),
    STALL_AFTER_MINUTES: '600',
    LOOKUPS_PER_USER_PER_MINUTE: '10000',
    LOG_LEVEL: 'info',
    DATA_DIR: store.dataDir,
    ...(engine === 'postgres' ? { DATABASE_URL: url as string, DATABASE_SCHEMA: store.schema } : {}),
  };
}

/**
 * The whole bot's memory (its VmHWM: Bolt, delivery and the reader threads included) while every
 * heavy job is subscribed to, one `/datajob subscribe` after another (each answered before the next
 * is sent), then polled: the first pass, a quiet one, then MEMORY_CHANGED_PASSES after every job
 * changed (each card updated and a reply posted, delivery running in the background as scheduled).
 */
const MEMORY_TARGET = 300 * 2 ** 20;
const MEMORY_CHANGED_PASSES = 2;

async function memoryScenario(sim: SimulatorProcess, engine: Engine, url: string | undefined): Promise<MemoryResult> {
  const channels = sim.jobIds.map((_, i) => `C_MEM_${String(i).padStart(3, '0')}`);
  const { slack, store } = await slackAndStore(channels, engine, url);
  let bot: ReturnType<typeof startLineChild> | undefined;
  try {
    bot = startLineChild(CHILD, { BENCH_ROLE: 'bot', BENCH_BOT_ENV: JSON.stringify(botEnvironment(slack, sim, store, engine, url)) });
    const { port } = (await bot.next()) as { port: number };
    const botUrl = `http://127.0.0.1:${port}/slack/events`;
    const subscribeMs: number[] = [];
    for (const [i, jobId] of sim.jobIds.entries()) {
      const channelId = channels[i] as string;
      const responseUrl = slack.responseUrl({ channel: channelId, user: 'U_ALICE' });
      const started = performance.now();
      const sent = await sendSlashCommand(
        botUrl,
        SIGNING_SECRET,
        { text: `subscribe ${jobId}`, channelId, userId: 'U_ALICE', responseUrl },
        { fake: slack },
      );
      if (sent.status !== 200) throw new Error(`subscribe ${jobId}: HTTP ${sent.status}`);
      const answer = await waitUntil(() => slack.responses(responseUrl)[0], 60_000);
      if (!JSON.stringify(answer.body).includes('Subscribed'))
        throw new Error(`subscribe ${jobId}: ${JSON.stringify(answer.body).slice(0, 300)}`);
      subscribeMs.push(performance.now() - started);
    }
    const running = bot;
    const afterSubscribes = (await running.ask('memory')) as { hwm: number; rss: number };
    const passMs: number[] = [];
    const poll = async () => void passMs.push(((await running.ask('poll')) as { ms: number }).ms);
    await poll();
    await poll();
    for (let k = 0; k < MEMORY_CHANGED_PASSES; k++) {
      await sim.changeAll();
      await poll();
    }
    // Their deliveries, paced, go on after the passes: a few seconds of them count too.
    await new Promise((r) => setTimeout(r, 5_000));
    const end = (await running.ask('memory')) as { hwm: number; rss: number };
    return { engine, subscribeMs, afterSubscribes, passMs, end };
  } finally {
    await bot?.close();
    await slack.close();
    await store.remove();
  }
}

async function waitUntil<T>(probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function benchMemory(engines: Array<[Engine, string | undefined]>): Promise<void> {
  const sim = await startSimulatorProcess({ BENCH_SIZES: HEAVY_SIZES, BENCH_LATENCY_MS: String(LATENCY_MS) });
  const results: MemoryResult[] = [];
  try {
    for (const [engine, url] of engines) results.push(await memoryScenario(sim, engine, url));
  } finally {
    await sim.close();
  }
  printTable(
    `The whole bot's peak memory (VmHWM, Bolt, delivery and reader threads included): ${int(sim.jobIds.length)} jobs (${describeSizes(HEAVY_SIZES)}) subscribed one after another, then polled: first, quiet, ${MEMORY_CHANGED_PASSES} × all changed`,
    [
      'engine',
      'subscribes',
      'subscribe p50',
      'subscribe max',
      'VmHWM after subscribes',
      'passes',
      'VmHWM at the end',
      'target',
      'VmRSS at the end',
    ],
    results.map((r) => {
      const sorted = [...r.subscribeMs].sort((a, b) => a - b);
      return [
        r.engine,
        String(r.subscribeMs.length),
        ms(quantile(sorted, 0.5)),
        ms(sorted.at(-1) ?? Number.NaN),
        mb(r.afterSubscribes.hwm),
        r.passMs.map((p) => ms(p)).join(', '),
        against(mb(r.end.hwm), r.end.hwm <= MEMORY_TARGET),
        `≤ ${mb(MEMORY_TARGET)}`,
        mb(r.end.rss),
      ];
    }),
    [
      'each subscribe is a signed `/datajob subscribe <id>` in a channel of its own, timed from sending to its answer at the response_url; then the first pass, a quiet one, and passes after every job changed, their deliveries going out in the background (5 s of them after the last pass count too)',
    ],
  );
}

export async function benchRealJobs(): Promise<void> {
  const url = env.BENCH_DATABASE_URL ?? env.TEST_DATABASE_URL;
  const wanted = (env.BENCH_ENGINES ?? 'sqlite,postgres').split(',').map((e) => e.trim());
  const engines: Array<[Engine, string | undefined]> = [];
  if (wanted.includes('sqlite')) engines.push(['sqlite', undefined]);
  if (wanted.includes('postgres') && url) engines.push(['postgres', url]);
  const only = new Set((env.BENCH_ONLY ?? 'realistic,heavy,lookup,ack,memory').split(',').map((p) => p.trim()));
  if (env.BENCH_TSX !== '1') CHILD = buildBotChild();
  if (only.has('realistic')) await benchPasses('realistic', engines);
  if (only.has('heavy')) await benchPasses('heavy', engines);
  if (only.has('lookup')) await benchLookup();
  if (only.has('ack')) await benchAck(engines);
  if (only.has('memory')) await benchMemory(engines);
  if (wanted.includes('postgres') && !url) console.log('\n(PostgreSQL skipped: set BENCH_DATABASE_URL or TEST_DATABASE_URL to include it)');
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await benchRealJobs();
