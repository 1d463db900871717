import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { DataJob } from '../src/domain/data-job.js';
import { boundStrings } from '../src/seekrflow/bounded-json.js';
import { compileCheck } from '../src/seekrflow/compile-check.js';
import { makeBusyJob } from '../test/support/make-job.js';
import { realisticJob } from './job-shape.js';

/**
 * What reading a job's answer costs, step by step: JSON.parse, boundStrings, then validation by zod
 * over the DataJob schema and by the check compiled from it (compile-check.ts, what the bot runs).
 * Busy jobs of 20, 2,000 and 20,000 files (every tenth failed, 120-character names, 200 timeline
 * events), and a 2,000-file job shaped like SeekrFlow's answers (bench/job-shape.ts, with the fields
 * the schema does not name). Each step is timed on its own fresh JSON.parse of the body (the check
 * fills in defaults in place), the median of several runs after warm-up. zod is read alone when it
 * costs at most a quarter of JSON.parse at 2,000 files; the ratio is printed beside that bound.
 */
const ZOD_ALONE_BOUND = 0.25;

export async function benchValidate(): Promise<void> {
  const rows: string[][] = [];
  const fitsDataJob = compileCheck(DataJob);
  for (const [label, job, runs] of [
    ['20', makeBusyJob(20), 200],
    ['2,000', makeBusyJob(2_000), 30],
    ['2,000 (API shape)', realisticJob('dj-bench-validate', 2_000), 30],
    ['20,000', makeBusyJob(20_000), 9],
  ] as const) {
    const body = JSON.stringify(job);
    // The same verdict both ways, or the figures mean nothing.
    if (!DataJob.safeParse(JSON.parse(body)).success || !fitsDataJob(JSON.parse(body))) {
      throw new Error(`bench/validate: the job of ${label} files does not validate`);
    }

    // A collection before each run of a large body (with --expose-gc, as npm run bench runs), so that
    // one left by the previous run is not timed; for a small one the collections would cost more than the runs.
    const gc = body.length > 2 ** 20 ? (globalThis as { gc?: () => void }).gc : undefined;
    const median = (fn: () => number) => medianOf(runs, fn, gc);
    const parse = median(() => time(() => JSON.parse(body)));
    const bound = median(() => {
      const json: unknown = JSON.parse(body);
      return time(() => boundStrings(json));
    });
    const zodMs = median(() => {
      const json = boundStrings(JSON.parse(body));
      return time(() => DataJob.safeParse(json));
    });
    const fastMs = median(() => {
      const json = boundStrings(JSON.parse(body));
      return time(() => fitsDataJob(json));
    });
    rows.push([
      label,
      (body.length / 2 ** 20).toFixed(2),
      String(runs),
      parse.toFixed(3),
      bound.toFixed(3),
      zodMs.toFixed(3),
      fastMs.toFixed(3),
      `${(zodMs / parse).toFixed(2)}${label.startsWith('2,000') ? ` (≤ ${ZOD_ALONE_BOUND}${zodMs / parse <= ZOD_ALONE_BOUND ? '' : ' ✗'})` : ''}`,
      (fastMs / parse).toFixed(3),
      (parse + bound + zodMs).toFixed(3),
      (parse + bound + fastMs).toFixed(3),
    ]);
  }
  printTable(
    [
      'files',
      'MB',
      'runs',
      'JSON.parse ms',
      'boundStrings ms',
      'zod ms',
      'compiled check ms',
      'zod / parse',
      'compiled / parse',
      'read with zod ms',
      'read, compiled ms',
    ],
    rows,
  );
}

/** Calls `fn` (which times one run) `runs` times after a few warm-up runs; returns the median. */
function medianOf(runs: number, fn: () => number, gc: (() => void) | undefined): number {
  for (let i = 0; i < Math.min(runs, 5); i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    gc?.();
    samples.push(fn());
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] ?? Number.NaN;
}

function time(fn: () => unknown): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i] ?? 0)).join('  ');
  console.log('Reading a job: parse, bound, validate (zod over the DataJob schema, and the check compiled from it)');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

// `npx tsx bench/validate.ts` runs it alone; bench/run.ts imports it.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await benchValidate();
}
