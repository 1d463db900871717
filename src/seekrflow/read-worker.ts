import { parentPort } from 'node:worker_threads';
import { type Body, readJobBody } from './read-body.js';

/**
 * A reader thread (read-pool.ts): bytes in, a job's reading (or why there is none) out. An exception
 * (a bug in reading) goes back as such, for the pass to log; it must not take the thread down, nor
 * the other answers waiting for it.
 */
parentPort?.on('message', ({ id, body }: { id: number; body: Body }) => {
  try {
    parentPort?.postMessage({ id, outcome: readJobBody(body) });
  } catch (error) {
    parentPort?.postMessage({ id, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  }
});
