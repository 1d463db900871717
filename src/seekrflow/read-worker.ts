import { parentPort } from 'node:worker_threads';
import { readJobBody } from './read-body.js';

/** A reader thread (read-pool.ts): bytes in, a job's reading (or why there is none) out. */
parentPort?.on('message', ({ id, body }: { id: number; body: Uint8Array }) => {
  parentPort?.postMessage({ id, outcome: readJobBody(body) });
});
