import { startSimulator } from '../simulator/server.js';
import { makeJob } from '../test/support/make-job.js';

/**
 * The simulator in a process of its own for the poll benchmark, so that its work and memory are
 * not counted against the bot's. Serves `BENCH_JOBS` running jobs with `BENCH_LATENCY_MS` latency.
 * Prints one JSON line ({ url, apiKey, teamId, jobIds }); on "status" from stdin prints
 * { requests, listRequests } (list requests are also in `requests`), on "change" moves every job to
 * a new status, on "reset" zeroes the counts. The jobs are the team's, so the list serves them too.
 */

const jobs = Number(process.env.BENCH_JOBS ?? 2000);
const latency = Number(process.env.BENCH_LATENCY_MS ?? 50);
const sim = await startSimulator({ clock: 'manual', requestLogLimit: 1 });
const jobIds = Array.from({ length: jobs }, (_, i) => `dj-bench-${i.toString().padStart(5, '0')}`);
for (const id of jobIds) sim.putJob(makeJob({ id, name: `Bench job ${id}`, status: 'running' }));
sim.setFault({ kind: 'latency', ms: latency });
process.stdout.write(`${JSON.stringify({ url: sim.url, apiKey: sim.apiKey, teamId: sim.teamId, jobIds })}\n`);

process.stdin.setEncoding('utf8');
let buffered = '';
process.stdin.on('data', (chunk: string) => {
  buffered += chunk;
  const lines = buffered.split('\n');
  buffered = lines.pop() ?? '';
  for (const line of lines) {
    if (line === 'status')
      process.stdout.write(`${JSON.stringify({ requests: sim.requestCount(), listRequests: sim.listRequestCount() })}\n`);
    if (line === 'reset') {
      sim.resetRequests();
      process.stdout.write('{"ok":true}\n');
    }
    if (line === 'change') {
      for (const id of jobIds) sim.updateJob(id, (j) => Object.assign(j, { status: 'queued', updated_at: '2026-07-28T15:00:00Z' }));
      process.stdout.write('{"ok":true}\n');
    }
  }
});
process.stdin.on('end', () => void sim.close().then(() => process.exit(0)));
