import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { RecheckResult } from '../core/ports/job-source.js';
import { onePerTurn } from '../util/one-per-turn.js';
import { longestCallMs, type RecheckThreads, type RemoteBody, type SeekrFlowClientOptions } from './client.js';

/**
 * A poll's rechecks on other threads: each reader thread runs a SeekrFlow client of its own, so an
 * answer's bytes are received, hashed and (when they changed) read there, and never reach the event
 * loop. A read whose answer turns out large where it was made (a look-up's, a subscribe's, a first
 * pass's) sends its bytes to a thread as they arrive (`openBody`), and the thread reads them. A heavy
 * pass receives hundreds of megabytes, whose chunks alone force long scavenges on the event loop, and
 * a changed large answer holds a thread for a while; slash commands need the event loop within 3
 * seconds, and should get it at once (docs/benchmarks.md has the figures).
 */

/** What a reader thread's client is made of: the bot's, without threads of its own. */
export type ThreadClientOptions = Omit<SeekrFlowClientOptions, 'reader'>;

/**
 * The pool the bot runs with: a reader thread for each core but the event loop's, at least one, at
 * most 4: on two cores, two readers made a heavy pass both slower and bigger than one (see
 * docs/benchmarks.md, "Reader threads").
 */
export const botReadPool = (client: ThreadClientOptions): ReadPool =>
  createReadPool({ size: Math.max(1, Math.min(4, availableParallelism() - 1)), client });

export interface ReadPool extends RecheckThreads {
  openBody(): RemoteBody | null;
  /** Starts every thread now, resolving once each is ready (else the first recheck that needs one starts it). */
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface ReadPoolOptions {
  /** Reader threads, started when first needed. 0: every recheck is made where it is called. */
  size: number;
  client: ThreadClientOptions;
  /**
   * A recheck its thread has not answered in this long fails, and the thread is ended (the next
   * recheck starts another). Default: the longest the thread's client can wait on SeekrFlow, and
   * READING_MS more to read the answer.
   */
  deadlineMs?: number;
}

/** What reading the largest answer the client accepts (64 MB) may take on a busy machine, with room to spare. */
const READING_MS = 30_000;

interface Pending {
  resolve: (result: never) => void;
  reject: (error: Error) => void;
  deadline: NodeJS.Timeout;
}

interface Reader {
  worker: Worker;
  pending: Map<number, Pending>;
  /** Resolves when the thread has made its client (or is gone). */
  ready: Promise<void>;
  gone: boolean;
  why: string;
}

/** Answers from the threads settle their callers one a turn of the event loop. */
const inTurn = onePerTurn();

/** A thread gone: what it held fails (the pass logs each job and polls it again next time). */
function lose(readers: Reader[], reader: Reader, why: string): void {
  reader.gone = true;
  reader.why = why;
  const at = readers.indexOf(reader);
  if (at >= 0) readers.splice(at, 1);
  for (const { reject, deadline } of reader.pending.values()) {
    clearTimeout(deadline);
    reject(new Error(`reader thread ${why}`));
  }
  reader.pending.clear();
}

/** A new thread, among `readers`: its answers settle what it holds; dying, it fails them. */
function startReader(client: ThreadClientOptions, readers: Reader[]): Reader {
  const worker = startReaderThread(client);
  let isReady = () => {};
  const ready = new Promise<void>((resolve) => {
    isReady = resolve;
  });
  const reader: Reader = { worker, pending: new Map(), ready, gone: false, why: '' };
  reader.worker.on('message', ({ id, result, error }: { id?: number; result?: never; error?: string }) => {
    // Its first message says it is ready: held by nothing, it does not keep the process alive.
    if (id === undefined) {
      isReady();
      if (reader.pending.size === 0) reader.worker.unref();
      return;
    }
    const waiting = reader.pending.get(id);
    reader.pending.delete(id);
    if (waiting) {
      clearTimeout(waiting.deadline);
      // What waits for the answer runs in a turn of its own (one-per-turn.ts).
      if (result) inTurn(() => waiting.resolve(result));
      else inTurn(() => waiting.reject(new Error(`rechecking a job failed: ${error ?? 'unknown'}`)));
    }
    // An idle thread does not keep the process alive.
    if (reader.pending.size === 0) reader.worker.unref();
  });
  // A thread that dies (out of memory on a hostile answer, say) fails what it held, and is replaced on demand.
  reader.worker.on('error', (error: Error & { code?: string }) => lose(readers, reader, `failed: ${error.code ?? error.name}`));
  reader.worker.on('exit', (code) => {
    isReady(); // gone before it was ready: nothing to wait for
    lose(readers, reader, `exited (${code})`);
  });
  readers.push(reader);
  return reader;
}

export function createReadPool(options: ReadPoolOptions): ReadPool {
  const readers: Reader[] = [];
  let nextId = 0;
  let closed = false;
  const deadlineMs = options.deadlineMs ?? longestCallMs(options.client) + READING_MS;

  /**
   * A thread that has not answered by the deadline is stuck (on an answer it cannot get through,
   * say). Left alone it would hold its rechecks, and so the poll pass, forever: the scheduler skips
   * every tick while a pass runs, and no job would be polled again. It is ended instead.
   */
  const stuck = (reader: Reader) => {
    lose(readers, reader, `did not answer in ${deadlineMs} ms; ended`);
    void reader.worker.terminate();
  };

  const start = (): Reader => startReader(options.client, readers);

  const pick = (): Reader => {
    const least = readers.reduce<Reader | undefined>((best, r) => (best && best.pending.size <= r.pending.size ? best : r), undefined);
    return least && (least.pending.size === 0 || readers.length >= options.size) ? least : start();
  };

  /** Sends `message` to `reader` and waits for its answer, within the deadline. */
  const ask = <T>(reader: Reader, message: number, body: object): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (reader.gone) return reject(new Error(`reader thread ${reader.why}`));
      reader.worker.postMessage({ id: message, ...body });
      // The thread, ref'd while it holds a recheck, keeps the process alive; the deadline need not.
      const deadline = setTimeout(() => stuck(reader), deadlineMs).unref();
      reader.pending.set(message, { resolve: resolve as (result: never) => void, reject, deadline });
      reader.worker.ref();
    });

  return {
    async start() {
      // Each keeps the process alive until it is ready (the message handler lets go of it then).
      while (!closed && readers.length < options.size) start();
      await Promise.all(readers.map((r) => r.ready));
    },
    recheck(id, knownHash) {
      if (closed || options.size <= 0) return null;
      return ask<RecheckResult>(pick(), nextId++, { jobId: id, knownHash });
    },
    openBody() {
      if (closed || options.size <= 0) return null;
      const reader = pick();
      const message = nextId++;
      let open = true;
      const body: RemoteBody = {
        write(chunk) {
          if (!open || reader.gone) return;
          // One copy, handed over whole: the chunk's own memory may be shared with other data.
          const copy = new Uint8Array(chunk);
          reader.worker.postMessage({ id: message, chunk: copy }, [copy.buffer]);
        },
        abort() {
          if (!open) return;
          open = false;
          if (!reader.gone) reader.worker.postMessage({ id: message, abort: true });
        },
        read: ((mode: 'job' | 'reading') => {
          open = false;
          return ask(reader, message, { read: mode });
        }) as RemoteBody['read'],
      };
      return body;
    },
    async close() {
      closed = true;
      const closing = [...readers];
      for (const reader of closing) lose(readers, reader, 'closed');
      await Promise.all(closing.map((r) => r.worker.terminate()));
    },
  };
}

/**
 * A reader thread's young generation, smaller than V8's default: the heavy benchmark's all-changed
 * pass peaks lower and runs faster with it, and a smaller one was slower (see docs/benchmarks.md,
 * "Reader threads"). It bounds nothing else: old space still takes what the largest answer needs.
 */
const READER_YOUNG_GENERATION_MB = 8;

/**
 * The thread runs read-worker.js next to this file. Run from the TypeScript sources (tests, the
 * benchmarks through tsx), a thread does not inherit tsx's loader, so it imports the worker through
 * tsx's API. The client's options (the API key among them) go to the thread in its workerData.
 */
function startReaderThread(client: ThreadClientOptions): Worker {
  const here = new URL(import.meta.url);
  const workerData = { client };
  const resourceLimits = { maxYoungGenerationSizeMb: READER_YOUNG_GENERATION_MB };
  if (!here.pathname.endsWith('.ts')) return new Worker(new URL('./read-worker.js', here), { workerData, resourceLimits });
  const script = new URL('./read-worker.ts', here).href;
  const api = import.meta.resolve('tsx/esm/api');
  return new Worker(
    `import(${JSON.stringify(api)}).then(({ tsImport }) => tsImport(${JSON.stringify(script)}, ${JSON.stringify(here.href)}));`,
    { eval: true, workerData, resourceLimits },
  );
}
