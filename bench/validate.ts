import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { boundStrings } from '../src/seekrflow/bounded-json.js';
import { DataJob } from '../src/seekrflow/data-job.js';
import { validateDataJob } from '../src/seekrflow/validate-job.js';
import { makeBusyJob } from '../test/support/make-job.js';

/**
 * What reading a job's answer costs, step by step, for jobs of 20, 2,000 and 20,000 files (busy
 * jobs: every tenth failed, 120-character names, 200 timeline events): JSON.parse, boundStrings,
 * then validation by the zod schema (before) and by validateDataJob (after). Each step is timed on
 * its own fresh JSON.parse of the body (validateDataJob fills in defaults in place), the median of
 * several runs after warm-up. Target: validation ≤ JSON.parse at 2,000 files, ideally far below.
 */
export async function benchValidate(): Promise<void> {
  const rows: string[][] = [];
  for (const [files, runs] of [
    [20, 200],
    [2_000, 30],
    [20_000, 9],
  ] as const) {
    const body = JSON.stringify(makeBusyJob(files));
    // The same verdict both ways, or the figures mean nothing.
    const zod = DataJob.safeParse(JSON.parse(body));
    const fast = validateDataJob(JSON.parse(body));
    if (!zod.success || !fast.success) throw new Error(`bench/validate: the job of ${files} files does not validate`);

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
      return time(() => validateDataJob(json));
    });
    rows.push([
      files.toLocaleString('en-US'),
      (body.length / 2 ** 20).toFixed(2),
      String(runs),
      parse.toFixed(3),
      bound.toFixed(3),
      zodMs.toFixed(3),
      fastMs.toFixed(3),
      (zodMs / fastMs).toFixed(1),
      (fastMs / parse).toFixed(2),
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
      'zod ms (before)',
      'validateDataJob ms (after)',
      'speed-up',
      'validate / parse',
      'read before ms',
      'read after ms',
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
  console.log('Reading a job: parse, bound, validate (src/seekrflow/validate-job.ts against the zod schema)');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

// `npx tsx bench/validate.ts` runs it alone; bench/run.ts imports it.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await benchValidate();
}
