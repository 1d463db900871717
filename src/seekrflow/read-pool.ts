import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type Body, type BodyReading, bodyLength, isChunks, readJobBody } from './read-body.js';

/**
 * Reads large answers on other threads. JSON.parse of a 2,000-file job (2.4 MB) holds the event loop
 * for about 12 ms and one of 20,000 files for over 100 ms; a poll pass reading dozens of them back
 * to back would keep slash commands from their 3-second ack. A small answer is read where it
 * arrives: below `minBytes` the hop to a thread costs more than it saves.
 */

/** About a 400-file job: JSON.parse takes some 3 ms for it here, what a hop to a thread costs in all. */
const READ_OFF_LOOP_BYTES = 512 * 1024;

/**
 * The pool the bot runs with: a reader thread for each core but the event loop's, at least one, at
 * most 4. On two cores, two readers made a heavy pass slower than one (2.2 s against 1.9 s for 96
 * changed jobs of 2,000 files) and bigger (414 MB against 311 MB at the peak).
 */
export const botReadPool = (): ReadPool =>
  createReadPool({ size: Math.max(1, Math.min(4, availableParallelism() - 1)), minBytes: READ_OFF_LOOP_BYTES });

export interface ReadPool {
  /**
   * Takes the bytes: a body read on a thread (`minBytes` and up) is moved there, and the caller's
   * buffers are empty after. Chunks are joined on the thread: a join of 2.4 MB into fresh memory
   * cost the event loop 3 ms or more here. Rejects when reading throws (our bug) or the thread is
   * lost; after `close`, reads where it is called.
   */
  read(body: Body): Promise<BodyReading>;
  close(): Promise<void>;
}

export interface ReadPoolOptions {
  /** Reader threads, started when first needed. 0: everything is read on the event loop. */
  size: number;
  minBytes: number;
}

interface Pending {
  resolve: (outcome: BodyReading) => void;
  reject: (error: Error) => void;
}

interface Reader {
  worker: Worker;
  pending: Map<number, Pending>;
}

export function createReadPool(options: ReadPoolOptions): ReadPool {
  const readers: Reader[] = [];
  let nextId = 0;
  let closed = false;

  /** A thread gone: what it held fails (the pass logs each job and polls it again next time). */
  const lost = (reader: Reader, why: string) => {
    const at = readers.indexOf(reader);
    if (at >= 0) readers.splice(at, 1);
    for (const { reject } of reader.pending.values()) reject(new Error(`reader thread ${why}`));
    reader.pending.clear();
  };

  const start = (): Reader => {
    const reader: Reader = { worker: startReaderThread(), pending: new Map() };
    reader.worker.on('message', ({ id, outcome, error }: { id: number; outcome?: BodyReading; error?: string }) => {
      const waiting = reader.pending.get(id);
      reader.pending.delete(id);
      if (outcome) waiting?.resolve(outcome);
      else waiting?.reject(new Error(`reading a job failed: ${error ?? 'unknown'}`));
      // An idle thread does not keep the process alive.
      if (reader.pending.size === 0) reader.worker.unref();
    });
    // A thread that dies (out of memory on a hostile answer, say) fails what it held, and is replaced on demand.
    reader.worker.on('error', (error: Error & { code?: string }) => lost(reader, `failed: ${error.code ?? error.name}`));
    reader.worker.on('exit', (code) => lost(reader, `exited (${code})`));
    readers.push(reader);
    return reader;
  };

  const pick = (): Reader => {
    const least = readers.reduce<Reader | undefined>((best, r) => (best && best.pending.size <= r.pending.size ? best : r), undefined);
    return least && (least.pending.size === 0 || readers.length >= options.size) ? least : start();
  };

  return {
    read(body) {
      if (closed || options.size <= 0 || bodyLength(body) < options.minBytes) return Promise.resolve(readJobBody(body));
      const reader = pick();
      const id = nextId++;
      return new Promise<BodyReading>((resolve, reject) => {
        const moved = movable(isChunks(body) ? body : [body]);
        reader.worker.postMessage(
          { id, body: isChunks(body) ? moved : moved[0] },
          moved.map((b) => b.buffer as ArrayBuffer),
        );
        reader.pending.set(id, { resolve, reject });
        reader.worker.ref();
      });
    },
    async close() {
      closed = true;
      const closing = [...readers];
      for (const reader of closing) lost(reader, 'closed');
      await Promise.all(closing.map((r) => r.worker.terminate()));
    },
  };
}

/**
 * The bytes as they can be moved (not copied) to a thread. A view on part of a buffer would move
 * all of it, so such a chunk is copied first; the chunks of an HTTP answer are each a whole buffer
 * of their own, as read from the socket, and move as they are.
 */
function movable(chunks: readonly Uint8Array[]): Uint8Array[] {
  // `new Uint8Array(view)` copies into a buffer of its own (Buffer.from may share Node's pool).
  return chunks.map((c) => (c.byteOffset === 0 && c.byteLength === c.buffer.byteLength ? c : new Uint8Array(c)));
}

/**
 * The thread runs read-worker.js next to this file. Run from the TypeScript sources (tests, the
 * benchmarks), a thread does not inherit tsx's loader, so it imports the worker through tsx's API.
 */
function startReaderThread(): Worker {
  const here = new URL(import.meta.url);
  if (!here.pathname.endsWith('.ts')) return new Worker(new URL('./read-worker.js', here));
  const script = new URL('./read-worker.ts', here).href;
  const api = import.meta.resolve('tsx/esm/api');
  return new Worker(
    `import(${JSON.stringify(api)}).then(({ tsImport }) => tsImport(${JSON.stringify(script)}, ${JSON.stringify(here.href)}));`,
    {
      eval: true,
    },
  );
}
