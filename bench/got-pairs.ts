import { Agent, get } from 'node:http';
import { xxh3 } from '@node-rs/xxhash';
import { createRequester } from '../src/seekrflow/request.js';
import { mapWithConcurrency } from '../src/util/concurrency.js';
import { printTable, quantile, startSimulatorProcess } from './bench-support.js';

/**
 * What got costs against a GET written on node:http, paired in one process: the heavy pass's 96
 * answers of 2,000 files (2.4 MB each), 16 at a time, each hashed as it arrives (a quiet pass's
 * work), once through the bot's requester (got's stream, src/seekrflow/request.ts) and once through
 * node:http with nothing else, in alternating order. The issue that moved SeekrFlow's calls to got
 * asks for these figures wherever got costs more; they bound what a heavy quiet pass can come to
 * against its floor, "receiving alone", which is the node:http side.
 */

const PAIRS = 8;
const CONCURRENCY = 16;

export async function benchGotPairs(): Promise<void> {
  const sim = await startSimulatorProcess({ BENCH_SIZES: process.env.BENCH_HEAVY_SIZES ?? '96x2000', BENCH_LATENCY_MS: '50' });
  const headers = { authorization: sim.apiKey, ...(sim.teamId ? { 'x-team-id': sim.teamId } : {}) };
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const url = (id: string) => `${sim.url}/v1/flow/data-jobs/${id}`;
  const plain = (id: string) =>
    new Promise<void>((resolve, reject) => {
      get(url(id), { agent, headers }, (res) => {
        const hash = xxh3.Xxh3.withSeed();
        res.on('data', (chunk: Buffer) => hash.update(chunk));
        res.on('end', () => resolve(void hash.digest()));
        res.on('error', reject);
      }).on('error', reject);
    });
  const send = createRequester({
    headers,
    timeoutMs: 30_000,
    policy: { limit: 2, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 5_000, budgetMs: 10_000 },
    maxBodyBytes: 64 * 2 ** 20,
  });
  const viaGot = async (id: string) => {
    const outcome = await send('GET', new URL(url(id)), { hash: true });
    if (outcome.kind !== 'answer' || outcome.status !== 200) throw new Error(`got's GET of ${id} came to ${outcome.kind}`);
  };
  const round = async (read: (id: string) => Promise<void>) => {
    const cpu = process.cpuUsage();
    const started = performance.now();
    await mapWithConcurrency(sim.jobIds, CONCURRENCY, read);
    const used = process.cpuUsage(cpu);
    return { wall: performance.now() - started, cpu: (used.user + used.system) / 1000 };
  };
  try {
    // One round of each first: the simulator's and this process's code warm, the sockets open.
    await round(plain);
    await round(viaGot);
    const pairs: Array<{ plain: { wall: number; cpu: number }; got: { wall: number; cpu: number } }> = [];
    for (let i = 0; i < PAIRS; i++) {
      if (i % 2 === 0) {
        const p = await round(plain);
        pairs.push({ plain: p, got: await round(viaGot) });
      } else {
        const g = await round(viaGot);
        pairs.push({ got: g, plain: await round(plain) });
      }
    }
    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
    const row = (what: string, of: (p: (typeof pairs)[number]) => number) => {
      const values = sorted(pairs.map(of));
      return [what, quantile(values, 0.5).toFixed(2), `${(values[0] as number).toFixed(2)}–${(values.at(-1) as number).toFixed(2)}`];
    };
    printTable(
      `got against node:http: ${sim.jobIds.length} answers of 2.4 MB, ${CONCURRENCY} at a time, hashed as they arrive (xxh3), ${PAIRS} pairs in one process, alternating`,
      ['ratio (got ÷ node:http)', 'median', 'range'],
      [row('wall time', (p) => p.got.wall / p.plain.wall), row('CPU (user + system)', (p) => p.got.cpu / p.plain.cpu)],
      [
        `node:http: ${sorted(pairs.map((p) => Math.round(p.plain.wall))).join(', ')} ms; got: ${sorted(pairs.map((p) => Math.round(p.got.wall))).join(', ')} ms`,
      ],
    );
  } finally {
    agent.destroy();
    await sim.close();
  }
}
