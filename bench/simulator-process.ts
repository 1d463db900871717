import { startSimulator } from '../simulator/server.js';
import { makeJob } from '../test/support/make-job.js';
import { onStdinLines } from './bench-support.js';
import { realisticJob, spreadSizes } from './job-shape.js';

/**
 * The simulator in a process of its own for the poll benchmarks, so that its work and memory are
 * not counted against the bot's. Serves running jobs with `BENCH_LATENCY_MS` latency:
 * - `BENCH_SIZES` (e.g. `1880x20,100x200,20x2000`, jobs × files): jobs shaped like real ones
 *   (bench/job-shape.ts), spread over the ids; `BENCH_FAILED_EVERY` (default 10) fails one file in
 *   that many (0: none);
 * - without it, `BENCH_JOBS` jobs with no files (the test factory's makeJob).
 * Every body is serialised before the first line is printed, so the first pass does not pay for the
 * simulator's JSON.stringify. Prints one JSON line ({ url, apiKey, teamId, jobIds, files, bytes }:
 * files and body bytes per job, in id order); then, one command a line on stdin, one JSON line back:
 * "status" → { requests, listRequests } (list requests are also in `requests`); "change" moves every
 * job to another status (running ↔ queued) and a new updated_at; "reset" zeroes the counts. The
 * jobs are the team's, so the list serves them too.
 */

const sizes = process.env.BENCH_SIZES ? spreadSizes(process.env.BENCH_SIZES) : null;
const jobs = sizes?.length ?? Number(process.env.BENCH_JOBS ?? 2000);
const latency = Number(process.env.BENCH_LATENCY_MS ?? 50);
const failedEvery = Number(process.env.BENCH_FAILED_EVERY ?? 10);
const sim = await startSimulator({ clock: 'manual', requestLogLimit: 1 });
const jobIds = Array.from({ length: jobs }, (_, i) => `dj-bench-${i.toString().padStart(5, '0')}`);
const bytes: number[] = [];
jobIds.forEach((id, i) => {
  const job = sizes
    ? realisticJob(id, sizes[i] as number, { status: 'running', failedEvery })
    : makeJob({ id, name: `Bench job ${id}`, status: 'running' });
  bytes.push(Buffer.byteLength(JSON.stringify(job)));
  sim.putJob(job);
  // Serialises and caches the body the API will serve (the copy it returns is dropped).
  sim.getJob(id);
});
sim.setFault({ kind: 'latency', ms: latency });
process.stdout.write(
  `${JSON.stringify({ url: sim.url, apiKey: sim.apiKey, teamId: sim.teamId, jobIds, files: sizes ?? jobIds.map(() => 0), bytes })}\n`,
);

let moved = 0;
onStdinLines((line) => {
  if (line === 'status')
    process.stdout.write(`${JSON.stringify({ requests: sim.requestCount(), listRequests: sim.listRequestCount() })}\n`);
  if (line === 'reset') {
    sim.resetRequests();
    process.stdout.write('{"ok":true}\n');
  }
  if (line === 'change') {
    moved += 1;
    const updatedAt = new Date(Date.UTC(2026, 6, 28, 15) + moved * 60_000).toISOString().replace('Z', '000Z');
    // updateJob serialises the new body too, so the pass after a change does not pay for it either.
    for (const id of jobIds)
      sim.updateJob(id, (j) => Object.assign(j, { status: j.status === 'queued' ? 'running' : 'queued', updated_at: updatedAt }));
    process.stdout.write('{"ok":true}\n');
  }
});
process.stdin.on('end', () => void sim.close().then(() => process.exit(0)));
