import { parentPort, workerData } from 'node:worker_threads';
import { createSeekrFlowClient } from './client.js';
import type { ThreadClientOptions } from './read-pool.js';

/**
 * A reader thread (read-pool.ts): a job id and the hash of its last answer in, the recheck out
 * (unchanged, its reading, or the failure, as the event loop's client would tell it). An exception
 * (a bug in reading) goes back as such, for the pass to log; it must not take the thread down, nor
 * the other rechecks it is making.
 */
const client = createSeekrFlowClient((workerData as { client: ThreadClientOptions }).client);
parentPort?.postMessage({ ready: true });

parentPort?.on('message', ({ id, jobId, knownHash }: { id: number; jobId: string; knownHash: string | null }) => {
  client.recheckDataJob(jobId, knownHash).then(
    (result) => parentPort?.postMessage({ id, result }),
    (error: unknown) => parentPort?.postMessage({ id, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
  );
});
