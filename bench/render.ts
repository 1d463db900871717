import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { toJobCard } from '../src/domain/job-card.js';
import { summarizeJob } from '../src/domain/job-summary.js';
import { renderCard, renderJobCard } from '../src/slack/blocks/card.js';
import { codePointLength } from '../src/slack/blocks/escape.js';
import { blocksTextLength } from '../src/slack/blocks/text-length.js';
import { makeBusyJob } from '../test/support/make-job.js';

/**
 * How long the card takes to render and how big it is, for jobs of 10, 2,000 and 20,000 files
 * (every tenth failed, 120-character names, 200 timeline events). "render" is what a caller pays
 * (summarizeJob + blocks); "blocks only" is the renderer without the summary, to show where the
 * time goes. Targets: p99 < 2 ms at 2,000 files, < 20 ms at 20,000, on two slow cores.
 */
export async function benchRender(): Promise<void> {
  const fetchedAt = new Date('2026-07-28T15:45:00Z');
  const rows: string[][] = [];
  for (const files of [10, 2_000, 20_000]) {
    const job = makeBusyJob(files, { failedEvery: 10, nameLength: 120, events: 200 });
    const options = { fetchedAt, mode: 'ephemeral' as const, refreshedBy: 'U0123ABCD', jobUrl: 'https://apps.seekr.com/data-jobs/x' };
    const full = measure(() => renderCard(job, options));
    const summary = summarizeJob(job);
    const blocksOnly = measure(() => renderJobCard(toJobCard(summary), options));
    const payload = renderCard(job, options);
    rows.push([
      formatInt(files),
      formatInt(summary.failed.length),
      formatInt(full.iterations),
      full.median.toFixed(3),
      full.p99.toFixed(3),
      blocksOnly.median.toFixed(3),
      blocksOnly.p99.toFixed(3),
      formatInt(Buffer.byteLength(JSON.stringify(payload))),
      String(payload.blocks.length),
      formatInt(blocksTextLength(payload.blocks)),
      formatInt(codePointLength(payload.text)),
    ]);
  }
  printTable(
    [
      'files',
      'failed',
      'iterations',
      'render median ms',
      'render p99 ms',
      'blocks-only median ms',
      'blocks-only p99 ms',
      'JSON bytes',
      'blocks',
      'block text',
      'fallback text',
    ],
    rows,
  );
}

/**
 * Warms up (so the JIT has compiled the hot paths), then runs for about a second and at least 200
 * times, so that the p99 is a real percentile and not the single worst sample.
 */
function measure(fn: () => unknown): { median: number; p99: number; iterations: number } {
  const warmUpUntil = performance.now() + 300;
  let warmUps = 0;
  while (warmUps < 20 || performance.now() < warmUpUntil) {
    fn();
    warmUps++;
  }
  const samples: number[] = [];
  const until = performance.now() + 1_000;
  while (samples.length < 200 || (performance.now() < until && samples.length < 5_000)) {
    const start = performance.now();
    fn();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.ceil(q * samples.length) - 1)] ?? Number.NaN;
  return { median: at(0.5), p99: at(0.99), iterations: samples.length };
}

const formatInt = (n: number) => n.toLocaleString('en-US');

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i] ?? 0)).join('  ');
  console.log('Card render (src/slack/blocks/card.ts)');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

// `npx tsx bench/render.ts` runs it alone; bench/run.ts imports it.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await benchRender();
}
