import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

/** What the benchmarks of real-sized jobs share: child processes spoken to line by line, sizes, tables. */

export interface LineChild {
  child: ChildProcess;
  /** The next JSON line the child prints (lines that are not JSON objects go to stderr). */
  next(): Promise<Record<string, unknown>>;
  /** Writes one command line and reads the child's one-line answer. */
  ask(command: string): Promise<Record<string, unknown>>;
  /** Ends stdin and waits for the child to exit; kills it (by its pid) after `graceMs`. */
  close(graceMs?: number): Promise<number | null>;
}

/**
 * `node --expose-gc <script>` with `env` added, stdout read as JSON lines; a TypeScript script runs
 * through tsx, a built one (.js, see buildBotChild) as the bot runs in production.
 */
export function startLineChild(script: string, env: Record<string, string>): LineChild {
  // BENCH_NODE_ARGS (say `--cpu-prof --cpu-prof-dir=/tmp/prof`) goes to every child: to see where a pass's time goes.
  const extra = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const loader = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child = spawn(process.execPath, ['--expose-gc', ...extra, ...loader, script], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines: Record<string, unknown>[] = [];
  const waiters: Array<{ resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }> = [];
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code;
      for (const w of waiters.splice(0)) w.reject(new Error(`${script} exited with code ${code} before answering`));
      resolve(code);
    }),
  );
  let buffered = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const line of parts) {
      if (!line.startsWith('{')) {
        if (line.trim()) process.stderr.write(`[${script}] ${line}\n`);
        continue;
      }
      const value = JSON.parse(line) as Record<string, unknown>;
      const waiter = waiters.shift();
      if (waiter) waiter.resolve(value);
      else lines.push(value);
    }
  });
  const next = () =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const ready = lines.shift();
      if (ready) resolve(ready);
      else if (exitCode !== undefined) reject(new Error(`${script} exited with code ${exitCode} before answering`));
      else waiters.push({ resolve, reject });
    });
  return {
    child,
    next,
    async ask(command) {
      child.stdin?.write(`${command}\n`);
      return next();
    },
    async close(graceMs = 10_000) {
      if (exitCode !== undefined) return exitCode;
      child.stdin?.end();
      const timer = setTimeout(() => {
        if (exitCode === undefined && child.pid) process.kill(child.pid, 'SIGKILL');
      }, graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/**
 * Runs a child to its end and returns the JSON line it printed as its result. `answer`, when given,
 * sees each line first: a line it answers (with the command to write back) is a request of the
 * child's, not its result.
 */
export async function runChild<T>(
  script: string,
  env: Record<string, string>,
  answer: (line: Record<string, unknown>) => Promise<string | null> = async () => null,
): Promise<T> {
  const c = startLineChild(script, env);
  try {
    for (;;) {
      const line = await c.next();
      const reply = await answer(line);
      if (reply === null) return line as T;
      c.child.stdin?.write(`${reply}\n`);
    }
  } finally {
    await c.close();
  }
}

/**
 * The bot's side of the benchmarks compiled as `npm start` compiles the bot (tsc, into .bench-build/),
 * so that its processes run what production runs: under tsx each process, and each reader thread,
 * also holds tsx and its loader thread (some 40 MB apiece) and loads the sources through it.
 * Returns the built script's path.
 */
export function buildBotChild(): string {
  const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.bench.json'], { stdio: 'inherit' });
  if (tsc.status !== 0) throw new Error(`tsc -p tsconfig.bench.json failed (${tsc.status ?? tsc.signal})`);
  return '.bench-build/bench/real-jobs-child.js';
}

/** The simulator process (bench/simulator-process.ts) and its commands. */
export interface SimulatorProcess {
  url: string;
  apiKey: string;
  teamId: string | null;
  jobIds: string[];
  files: number[];
  bytes: number[];
  requestCount(): Promise<number>;
  resetRequests(): Promise<unknown>;
  changeAll(): Promise<unknown>;
  close(): Promise<unknown>;
}

export async function startSimulatorProcess(env: Record<string, string>): Promise<SimulatorProcess> {
  const c = startLineChild('bench/simulator-process.ts', env);
  const info = (await c.next()) as unknown as Pick<SimulatorProcess, 'url' | 'apiKey' | 'teamId' | 'jobIds' | 'files' | 'bytes'>;
  return {
    ...info,
    requestCount: async () => Number((await c.ask('status')).requests),
    resetRequests: () => c.ask('reset'),
    changeAll: () => c.ask('change'),
    close: () => c.close(),
  };
}

/** Subscription `i` of the benchmark layout: 5 per job, each (channel, job) distinct; 2,000 jobs → 500 channels. */
export function subscriptionAt(i: number, jobIds: readonly string[]): { channelId: string; jobId: string } {
  const channel = Math.floor(i / jobIds.length) * 100 + (i % 100);
  return { channelId: `C${channel.toString().padStart(5, '0')}`, jobId: jobIds[i % jobIds.length] as string };
}

export function dirSize(dir: string): number {
  return readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
}

export async function withPg<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export function pgSize(url: string, schema: string): Promise<number> {
  return withPg(url, async (client) => {
    const { rows } = await client.query<{ size: string }>(
      `SELECT coalesce(sum(pg_total_relation_size(format('%I.%I', schemaname, tablename))), 0)::bigint AS size FROM pg_tables WHERE schemaname = $1`,
      [schema],
    );
    return Number(rows[0]?.size ?? 0);
  });
}

export function dropSchema(url: string, schema: string): Promise<void> {
  return withPg(url, async (client) => {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });
}

/** The q-quantile of sorted samples (nearest rank). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

export const int = (n: number) => Math.round(n).toLocaleString('en');
export const mb = (bytes: number) =>
  bytes < 2 ** 20 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 2 ** 20).toFixed(bytes < 10 * 2 ** 20 ? 2 : 1)} MB`;
export const ms = (n: number, digits = 0) =>
  `${n.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits })} ms`;
/** A figure against its target: "1.23 ✓" when it meets it, "1.23 ✗" when it does not. */
export const against = (text: string, met: boolean) => `${text} ${met ? '✓' : '✗'}`;

export function printTable(title: string, header: string[], rows: string[][], notes: string[] = []): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  console.log(`\n${title}`);
  for (const note of notes) console.log(note);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

/** The child's side of startLineChild: `handle` gets each line read from stdin. */
export function onStdinLines(handle: (line: string) => void): void {
  process.stdin.setEncoding('utf8');
  let buffered = '';
  process.stdin.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) handle(line);
  });
}
