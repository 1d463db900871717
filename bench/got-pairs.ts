import { Agent, get } from 'node:http';
import { xxh3 } from '@node-rs/xxhash';
import { createSeekrFlowClient, MB } from '../src/seekrflow/client.js';
import { mapWithConcurrency } from '../src/util/concurrency.js';
import { printTable, quantile, startSimulatorProcess } from './bench-support.js';

/**
 * What got costs against a GET written on node:http, paired in one process: the heavy pass's 96
 * answers of 2,000 files (2.4 MB each), 16 at a time, each hashed as it arrives (a quiet pass's
 * work), once through the bot's SeekrFlow client as a quiet recheck makes it on the event loop (got's
 * stream, src/seekrflow/request.ts; the answer known, so never joined or parsed) and once through
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
  const client = createSeekrFlowClient({
    baseUrl: sim.url,
    apiKey: sim.apiKey,
    teamId: sim.teamId ?? undefined,
    timeoutMs: 30_000,
    maxBodyBytes: 64 * MB,
  });
  // Each job's last answer, as a poll knows it: read once in full, then only rechecked.
  const known = new Map<string, string>();
  const viaGot = async (id: string) => {
    const result = await client.recheckDataJob(id, known.get(id) ?? null);
    if (!result.ok) throw new Error(`the client's recheck of ${id} failed: ${result.failure.detail}`);
    if (known.has(id) && !('unchanged' in result)) throw new Error(`${id} was read again: the benchmark's answers must not change`);
    known.set(id, result.bodyHash);
  };
  const round = async (read: (id: string) => Promise<void>) => {
    const cpu = process.cpuUsage();
    const started = performance.now();
    await mapWithConcurrency(sim.jobIds, CONCURRENCY, read);
    const used = process.cpuUsage(cpu);
    return { wall: performance.now() - started, cpu: (used.user + used.system) / 1000 };
  };
  try {
    // One round of each first: the simulator's and this process's code warm, the sockets open, the answers known.
    await round(plain);
    await round(viaGot);
    // The full reads that made the answers known leave garbage: collected now, not during the pairs.
    global.gc?.();
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
