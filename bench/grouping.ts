import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type FailedFileInput, groupFailures } from '../src/domain/failure-groups.js';

/**
 * How long `groupFailures` takes for 20,000 failed files (and 2,000), by the kind of texts they
 * carry: every character of an error and a fix is read once, up to 1,000 of each, so the time is
 * the characters read; texts that repeat (exactly, or but for the file's name) are read once.
 * Reported as CPU time (user + system) of one call, the median and the worst of the runs: on a
 * shared VM, wall time also measures the neighbours.
 */

const filler = (length: number) =>
  'The document appears to contain only scanned images without a text layer. '.repeat(Math.ceil(length / 75)).slice(0, length);
/** A word for each number, without digits (a number would be set aside as varying). */
const word = (i: number) => i.toString(26).replace(/[0-9]/g, (d) => 'qrstuvwxyz'[Number(d)] ?? 'q');
/** A fresh string, as JSON.parse gives each file's own: no two files share a string object. */
const fresh = (s: string) => JSON.parse(JSON.stringify(s)) as string;

const CASES: [string, number, (i: number) => FailedFileInput][] = [
  [
    '~100-char texts naming the file, its pages and its record (one cause)',
    20_000,
    (i) => ({
      fileId: `f${i}`,
      name: `scan-${i}.pdf`,
      error: fresh(`No extractable text layer in scan-${i}.pdf (${i % 40} pages), record rec-${i}.`),
      fix: fresh(`Export scan-${i}.pdf again with OCR.`),
    }),
  ],
  [
    '~1,000-char texts that differ only by the file name (one cause)',
    20_000,
    (i) => ({
      fileId: `f${i}`,
      name: `Claims section ${i}.pdf`,
      error: fresh(`${filler(920)} No text layer in Claims section ${i}.pdf.`),
      fix: fresh(`${filler(950)} Export Claims section ${i}.pdf again.`),
    }),
  ],
  [
    '~1,000-char texts with the file name, numbers and ids (one cause)',
    20_000,
    (i) => ({
      fileId: `f${i}`,
      name: `Claims section ${i}.pdf`,
      error: fresh(`${filler(920)} No text layer in Claims section ${i}.pdf (${i % 40} pages, rec-${i}).`),
      fix: fresh(`${filler(950)} Export rec-${i} again.`),
    }),
  ],
  [
    '~1,000-char texts, 20,000 different causes',
    20_000,
    (i) => ({
      fileId: `f${i}`,
      name: `f${i}.pdf`,
      error: fresh(`Cause ${word(i)} ${filler(980)}`),
      fix: fresh(filler(1_000)),
    }),
  ],
  [
    '~1,000-char texts with the file name, numbers and ids (one cause)',
    2_000,
    (i) => ({
      fileId: `f${i}`,
      name: `Claims section ${i}.pdf`,
      error: fresh(`${filler(920)} No text layer in Claims section ${i}.pdf (${i % 40} pages, rec-${i}).`),
      fix: fresh(`${filler(950)} Export rec-${i} again.`),
    }),
  ],
];

export async function benchGrouping(): Promise<void> {
  console.log('Failure grouping (src/domain/failure-groups.ts), CPU ms of one call');
  const rows: string[][] = [];
  for (const [label, n, make] of CASES) {
    const files = Array.from({ length: n }, (_, i) => make(i));
    const chars = files.reduce((sum, f) => sum + Math.min(1_000, f.error?.length ?? 0) + Math.min(1_000, f.fix?.length ?? 0), 0);
    for (let i = 0; i < 3; i++) groupFailures(files, { groups: 5 });
    const samples: number[] = [];
    let causes = 0;
    for (let i = 0; i < 15; i++) {
      const before = process.cpuUsage();
      causes = groupFailures(files, { groups: 5 }).causes;
      const used = process.cpuUsage(before);
      samples.push((used.user + used.system) / 1_000);
    }
    samples.sort((a, b) => a - b);
    rows.push([
      n.toLocaleString('en-US'),
      label,
      (chars / 1e6).toFixed(1),
      causes.toLocaleString('en-US'),
      (samples[7] ?? 0).toFixed(1),
      (samples.at(-1) ?? 0).toFixed(1),
    ]);
  }
  const header = ['files', 'texts', 'M chars read', 'causes', 'median ms', 'worst ms'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 1 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

// `npx tsx bench/grouping.ts` runs it alone; bench/run.ts imports it.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await benchGrouping();
}
