import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { type Simulator, startSimulator } from '../simulator/server.js';
import { discover } from '../src/core/discovery.js';
import type { Store } from '../src/core/ports/store.js';
import { createSeekrFlowClient } from '../src/seekrflow/client.js';
import { openStore } from '../src/storage/open-store.js';
import { makeJob } from '../test/support/make-job.js';

/**
 * Team feed discovery over a team of 10,000 jobs (100 pages of 100), SeekrFlow answering each page in
 * 50 ms: the first discovery (the baseline: every page, until a short one), then one with 20 new jobs
 * at the top. Requests made and time, against the bound: the pages that must be read × the latency.
 */

const TEAM = 10_000;
const NEW = 20;
const PAGE = 100;
const LATENCY_MS = 50;
const silent = pino({ level: 'silent' });

interface DiscoveryFigures {
  engine: string;
  first: { requests: number; ms: number; boundMs: number };
  next: { requests: number; ms: number; boundMs: number; subscribed: number };
}

async function measure(sim: Simulator, store: Store): Promise<{ requests: number; ms: number; subscribed: number }> {
  const lister = createSeekrFlowClient({ baseUrl: sim.url, apiKey: sim.apiKey, teamId: sim.teamId ?? undefined, timeoutMs: 10_000 });
  const before = sim.listRequestCount();
  const started = performance.now();
  const report = await discover({ lister, feeds: store, subscriptions: store, logger: silent, pageSize: PAGE });
  return { requests: sim.listRequestCount() - before, ms: performance.now() - started, subscribed: report.subscribed };
}

async function benchEngine(engine: 'sqlite' | 'postgres', databaseUrl?: string): Promise<DiscoveryFigures> {
  const sim = await startSimulator({ clock: 'manual' });
  const dataDir = mkdtempSync(join(tmpdir(), 'datajob-bench-discovery-'));
  const schema = `bench_discovery_${process.pid}_${Date.now().toString(36)}`;
  const store = await openStore({ dataDir, ...(engine === 'postgres' ? { databaseUrl, postgresSchema: schema } : {}), logger: silent });
  try {
    const old = '2026-01-01T00:00:00Z';
    for (let i = 0; i < TEAM; i++) sim.putJob(makeJob({ id: `dj-${String(i).padStart(6, '0')}`, name: `job-${i}`, created_at: old }));
    await store.saveFeed({
      channelId: 'C_BENCH',
      filter: 'all',
      jobType: null,
      nameGlob: null,
      createdBy: 'U_BENCH',
      createdAt: new Date('2026-06-01T00:00:00Z'),
    });
    sim.setFault({ kind: 'latency', ms: LATENCY_MS }, { list: true });
    const first = await measure(sim, store);
    for (let i = 0; i < NEW; i++)
      sim.putJob(makeJob({ id: `dj-new-${i}`, name: `new-${i}`, created_at: new Date(Date.UTC(2026, 6, 1, 0, i)).toISOString() }));
    const next = await measure(sim, store);
    // A full list is TEAM / PAGE full pages and one short (empty) one; 20 new jobs and the first known one fit on one page.
    const firstPages = Math.floor(TEAM / PAGE) + 1;
    return {
      engine,
      first: { requests: first.requests, ms: first.ms, boundMs: firstPages * LATENCY_MS },
      next: { requests: next.requests, ms: next.ms, boundMs: LATENCY_MS, subscribed: next.subscribed },
    };
  } finally {
    await store.close();
    await sim.close();
    rmSync(dataDir, { recursive: true, force: true });
    if (engine === 'postgres' && databaseUrl) {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
  }
}

export async function benchDiscovery(): Promise<void> {
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  const rows: DiscoveryFigures[] = [await benchEngine('sqlite')];
  if (databaseUrl) rows.push(await benchEngine('postgres', databaseUrl));
  console.log(`\nDiscovery: a team of ${TEAM.toLocaleString('en-US')} jobs, pages of ${PAGE}, SeekrFlow answering in ${LATENCY_MS} ms`);
  console.log('engine      | first: requests  time      bound    × bound | 20 new: requests  time    bound  × bound  cards');
  for (const r of rows) {
    const f = r.first;
    const x = r.next;
    console.log(
      `${r.engine.padEnd(11)} | ${String(f.requests).padStart(15)}  ${f.ms.toFixed(0).padStart(6)} ms  ${String(f.boundMs).padStart(5)} ms  ${(f.ms / f.boundMs).toFixed(2).padStart(6)} | ` +
        `${String(x.requests).padStart(16)}  ${x.ms.toFixed(0).padStart(4)} ms  ${String(x.boundMs).padStart(3)} ms  ${(x.ms / x.boundMs).toFixed(2).padStart(6)}  ${String(x.subscribed).padStart(5)}`,
    );
  }
}
