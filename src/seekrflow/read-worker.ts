import { parentPort, workerData } from 'node:worker_threads';
import { createSeekrFlowClient } from './client.js';
import { parseJobBody, readJobBody } from './read-body.js';
import type { ThreadClientOptions } from './read-pool.js';
import { textDecoder } from './request.js';

/**
 * A reader thread (read-pool.ts): a job id and the hash of its last answer in, the recheck out
 * (unchanged, its reading, or the failure, as the event loop's client would tell it); or an answer's
 * bytes, chunk by chunk, then the word to read them (as a job, or as a poll's reading) or to drop
 * them. An exception (a bug in reading) goes back as such, for the caller to log; it must not take
 * the thread down, nor the other reads it is making.
 */
const client = createSeekrFlowClient((workerData as { client: ThreadClientOptions }).client);
const bodies = new Map<number, Buffer[]>();
const decode = textDecoder();
parentPort?.postMessage({ ready: true });

type Message =
  | { id: number; jobId: string; knownHash: string | null }
  | { id: number; chunk: Uint8Array }
  | { id: number; abort: true }
  | { id: number; read: 'job' | 'reading' };

const failed = (id: number, error: unknown) =>
  parentPort?.postMessage({ id, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });

parentPort?.on('message', (message: Message) => {
  const { id } = message;
  if ('chunk' in message) {
    const chunks = bodies.get(id) ?? [];
    chunks.push(Buffer.from(message.chunk.buffer, message.chunk.byteOffset, message.chunk.byteLength));
    bodies.set(id, chunks);
  } else if ('abort' in message) {
    bodies.delete(id);
  } else if ('read' in message) {
    const chunks = bodies.get(id) ?? [];
    bodies.delete(id);
    try {
      const text = decode(
        chunks,
        chunks.reduce((sum, chunk) => sum + chunk.length, 0),
      );
      parentPort?.postMessage({ id, result: message.read === 'job' ? parseJobBody(text) : readJobBody(text) });
    } catch (error) {
      failed(id, error);
    }
  } else {
    client.recheckDataJob(message.jobId, message.knownHash).then(
      (result) => parentPort?.postMessage({ id, result }),
      (error: unknown) => failed(id, error),
    );
  }
});
