import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MessageChannel } from 'node:worker_threads';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeBusyJob } from '../../test/support/make-job.js';
import type { RecheckResult } from '../core/ports/job-source.js';
import { createSeekrFlowClient, LARGE_JOB_BYTES } from './client.js';
import { createReadPool, type ReadPool, type ThreadClientOptions } from './read-pool.js';

/** The longest the event loop went without running a 1 ms timer while `work` ran. */
async function longestStall(work: () => Promise<unknown>): Promise<number> {
  let last = performance.now();
  let longest = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 1);
  try {
    await work();
    return Math.max(longest, performance.now() - last);
  } finally {
    clearInterval(ticker);
  }
}

const bodyOf = (files: number) => Buffer.from(JSON.stringify(makeBusyJob(files, { failedEvery: 10, nameLength: 60, events: 50 })));

/** A SeekrFlow of prebuilt answers (`/v1/flow/data-jobs/{id}` → bodies[id], else 404), `delayMs` late. */
const bodies = new Map<string, Buffer>();
let delayMs = 0;
/** Requests whose asker went away before the answer was sent. */
const dropped: string[] = [];
/** Ids answered without a Content-Length (the body written, then ended). */
const chunked = new Set<string>();
let server: Server;
let options: ThreadClientOptions;

beforeAll(async () => {
  server = createServer((req, res) => {
    const id = decodeURIComponent(req.url?.split('/').at(-1) ?? '');
    const body = bodies.get(id);
    res.on('close', () => res.writableFinished || dropped.push(id));
    setTimeout(() => {
      if (body === undefined) return void res.writeHead(404, { 'cf-ray': 'f00-IAD' }).end('{"detail":"Not found"}');
      const length = chunked.has(id) ? {} : { 'content-length': String(body.length) };
      res.writeHead(200, { 'content-type': 'application/json', 'cf-ray': 'f00-IAD', ...length }).end(body);
    }, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  options = { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, apiKey: 'k', timeoutMs: 10_000 };
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

let pool: ReadPool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
  delayMs = 0;
  dropped.length = 0;
  chunked.clear();
});

/** The same recheck made on the event loop, by a client without threads. */
const inline = (id: string, knownHash: string | null) => createSeekrFlowClient(options).recheckDataJob(id, knownHash);

describe("a poll's rechecks on reader threads", () => {
  it('rechecks a 15 MB job as the event loop would, without holding the event loop', async () => {
    bodies.set('dj-big', bodyOf(20_000)); // about 15 MB: parsing it holds a thread for over 100 ms here
    pool = createReadPool({ size: 1, client: options });
    await pool.recheck('dj-big', null); // the thread's start (and its first compile) is not what is measured
    let read: RecheckResult | undefined;
    // Best of three: a stall this machine causes by itself is not the pool's.
    const stalls: number[] = [];
    for (let i = 0; i < 3; i++) stalls.push(await longestStall(async () => (read = (await pool?.recheck('dj-big', null)) ?? undefined)));
    const here = await inline('dj-big', null);
    expect(read).toEqual(here);
    expect(read).toMatchObject({ ok: true, reading: { summary: { fileCount: 20_000 } }, requestId: 'f00-IAD', attempts: 1 });
    expect(Math.min(...stalls)).toBeLessThan(40);
  });

  it('tells an unchanged answer and a failure as the event loop would', async () => {
    bodies.set('dj-small', bodyOf(10));
    pool = createReadPool({ size: 1, client: options });
    const first = await pool.recheck('dj-small', null);
    const hash = first?.ok ? first.bodyHash : 'none';
    expect(await pool.recheck('dj-small', hash)).toEqual({ ok: true, unchanged: true, bodyHash: hash, requestId: 'f00-IAD', attempts: 1 });
    const missing = await pool.recheck('dj-missing', hash);
    expect(missing).toEqual(await inline('dj-missing', hash));
    expect(missing).toMatchObject({ ok: false, failure: { kind: 'not_found', status: 404 } });
  });

  it('hands answers that arrived together to their callers one a turn of the event loop', async () => {
    bodies.set('dj-small', bodyOf(10));
    pool = createReadPool({ size: 1, client: options });
    await pool.start();
    let answered = 0;
    const order: string[] = [];
    // I/O the loop serves when it polls, as it serves a slash command's request: a message on a port.
    const { port1, port2 } = new MessageChannel();
    port2.on('message', (i: number) => order.push(`I/O after ${i}`));
    const rechecks = [0, 1, 2, 3].map((i) =>
      pool?.recheck('dj-small', null)?.then(() => {
        order.push(`answer ${i}`);
        port1.postMessage(i);
      }),
    );
    const sent = (_req: unknown, res: ServerResponse) => res.on('finish', () => answered++);
    server.on('request', sent);
    while (answered < 4) await new Promise((resolve) => setTimeout(resolve, 5));
    server.off('request', sent);
    // The loop held while the thread reads the four answers and posts them: they arrive at once.
    const until = Date.now() + 200;
    while (Date.now() < until) {
      // busy, as a long commit would be
    }
    await Promise.all(rechecks);
    while (order.length < 8) await new Promise((resolve) => setTimeout(resolve, 5));
    port1.close();
    expect(order).toEqual(['answer 0', 'I/O after 0', 'answer 1', 'I/O after 1', 'answer 2', 'I/O after 2', 'answer 3', 'I/O after 3']);
  });

  it('closed, fails what its threads held (never leaves a recheck waiting), then leaves rechecks to the client', async () => {
    bodies.set('dj-small', bodyOf(10));
    pool = createReadPool({ size: 1, client: options });
    delayMs = 500;
    // The expectation first: the recheck fails during close, and must not be an unhandled rejection meanwhile.
    const held = expect(pool.recheck('dj-small', null)).rejects.toThrow(/reader thread closed/);
    await new Promise((resolve) => setTimeout(resolve, 100)); // on its way
    await pool.close();
    await held;
    expect(pool.recheck('dj-small', null)).toBeNull();
    // The client then makes it itself.
    delayMs = 0;
    const client = createSeekrFlowClient({ ...options, reader: pool });
    expect(await client.recheckDataJob('dj-small', null)).toMatchObject({ ok: true, reading: { summary: { fileCount: 10 } } });
  });

  it('fails a recheck its thread has not answered by the deadline, ends the thread, and starts another', async () => {
    bodies.set('dj-small', bodyOf(10));
    pool = createReadPool({ size: 1, client: options, deadlineMs: 400 });
    await pool.start();
    delayMs = 1_500; // the thread's client would wait for it (its timeout is 10 s); the pool does not
    const started = performance.now();
    await expect(pool.recheck('dj-small', null)).rejects.toThrow(/reader thread did not answer in 400 ms/);
    expect(performance.now() - started).toBeLessThan(1_200);
    // The thread is ended, and the request it was waiting on with it.
    await expect.poll(() => dropped, { timeout: 1_000 }).toEqual(['dj-small']);
    delayMs = 0;
    await pool.start(); // another thread (its start is not what the deadline is for)
    expect(await pool.recheck('dj-small', null)).toMatchObject({ ok: true, reading: { summary: { fileCount: 10 } } });
  });

  it('starts its threads when asked, so that the first recheck does not wait for one', async () => {
    bodies.set('dj-small', bodyOf(10));
    const timed = async (work: () => Promise<unknown>) => {
      const started = performance.now();
      await work();
      return performance.now() - started;
    };
    pool = createReadPool({ size: 1, client: options });
    const starting = await timed(() => pool?.start() ?? Promise.resolve());
    const first = await timed(() => pool?.recheck('dj-small', null) ?? Promise.resolve());
    // A thread's start (loading the client, through tsx here) is several times a small recheck.
    expect(first).toBeLessThan(starting / 2);
  });

  it('shares many rechecks between its threads, each answered with its own job', async () => {
    const files = [10, 20, 30, 40, 50, 60];
    for (const n of files) bodies.set(`dj-${n}`, bodyOf(n));
    pool = createReadPool({ size: 2, client: options });
    const reads = await Promise.all(files.map((n) => pool?.recheck(`dj-${n}`, null)));
    expect(reads.map((r) => (r?.ok && 'reading' in r ? r.reading.summary.fileCount : null))).toEqual(files);
  });

  it('sends the rechecks of jobs seen large to its threads, whole, and nothing else', async () => {
    bodies.set('dj-small', bodyOf(10));
    bodies.set('dj-large', bodyOf(1_000)); // over 512 KB
    const asked: string[] = [];
    const threads = createReadPool({ size: 1, client: options });
    pool = threads;
    const client = createSeekrFlowClient({
      ...options,
      reader: {
        recheck(id, knownHash) {
          asked.push(id);
          return threads.recheck(id, knownHash);
        },
      },
    });
    const ids = ['dj-small', 'dj-large'];
    const first = await Promise.all(ids.map((id) => client.recheckDataJob(id, null))); // sizes not known yet: here
    expect(asked).toEqual([]);
    const known = first.map((r) => (r.ok ? r.bodyHash : ''));
    bodies.set('dj-large', bodyOf(1_001));
    const again = await Promise.all(ids.map((id, i) => client.recheckDataJob(id, known[i] ?? null)));
    expect(asked).toEqual(['dj-large']);
    expect(again[0]).toMatchObject({ ok: true, unchanged: true });
    expect(again[1]).toMatchObject({ ok: true, reading: { summary: { fileCount: 1_001 } } });
    // A recheck that must read in full (after an outage, say) goes where the last answer's size says.
    const whole = await client.recheckDataJob('dj-large', null, known[1]);
    expect(whole).toMatchObject({ ok: true, reading: { summary: { fileCount: 1_001 } } });
    expect(asked).toEqual(['dj-large', 'dj-large']);
    await client.recheckDataJob('dj-small', null, known[0]);
    expect(asked).toEqual(['dj-large', 'dj-large']);
  });
});

describe('a read whose answer turns out large where it is made', () => {
  /** A client on `threads` that counts the bytes each answer sent to them. */
  const countingClient = (threads: ReadPool) => {
    const sent: number[] = [];
    const client = createSeekrFlowClient({
      ...options,
      reader: {
        recheck: (id, knownHash) => threads.recheck(id, knownHash),
        openBody() {
          const body = threads.openBody();
          if (!body) return null;
          const at = sent.push(0) - 1;
          return {
            write(chunk) {
              sent[at] = (sent[at] ?? 0) + chunk.length;
              body.write(chunk);
            },
            abort: () => body.abort(),
            read: body.read,
          };
        },
      },
    });
    return { client, sent };
  };

  it.each([
    ['its Content-Length', false],
    ['the bytes read so far', true],
  ])(
    'a look-up sends every byte of a very large answer to a reader thread (known by %s), and gets the same job',
    async (_how, noLength) => {
      const body = bodyOf(12_000);
      expect(body.length).toBeGreaterThan(LARGE_JOB_BYTES);
      bodies.set('dj-huge', body);
      if (noLength) chunked.add('dj-huge');
      bodies.set('dj-big', bodyOf(2_000));
      pool = createReadPool({ size: 1, client: options });
      const { client, sent } = countingClient(pool);
      const read = await client.getDataJob('dj-huge');
      expect(sent).toEqual([body.length]);
      expect(read).toEqual(await createSeekrFlowClient(options).getDataJob('dj-huge'));
      expect(read).toMatchObject({ ok: true, job: { id: expect.any(String) }, attempts: 1 });
      // An answer below LARGE_JOB_BYTES (here 2,000 files, large for a recheck) is read where it arrives.
      expect(await client.getDataJob('dj-big')).toMatchObject({ ok: true });
      expect(sent).toHaveLength(1);
    },
  );

  it("a first pass's recheck (no size known yet) of a large job: read on the thread, the same reading; then unchanged", async () => {
    bodies.set('dj-big', bodyOf(2_000));
    pool = createReadPool({ size: 1, client: options });
    const { client, sent } = countingClient(pool);
    const first = await client.recheckDataJob('dj-big', null);
    expect(sent).toHaveLength(1);
    expect(first).toEqual(await inline('dj-big', null));
    expect(first).toMatchObject({ ok: true, reading: { summary: { fileCount: 2_000 } } });
    // Its size is known now: the next recheck is made on the thread, whole.
    const hash = first.ok ? first.bodyHash : '';
    expect(await client.recheckDataJob('dj-big', hash)).toMatchObject({ ok: true, unchanged: true, bodyHash: hash });
    expect(sent).toHaveLength(1);
  });

  it('a look-up whose thread is gone tells a failure; it never throws', async () => {
    bodies.set('dj-huge', bodyOf(12_000));
    const threads = createReadPool({ size: 1, client: options });
    pool = threads;
    await threads.start();
    const client = createSeekrFlowClient({
      ...options,
      reader: {
        recheck: (id, knownHash) => threads.recheck(id, knownHash),
        openBody() {
          const body = threads.openBody();
          // The thread is lost while the answer is on its way.
          void threads.close();
          return body;
        },
      },
    });
    const read = await client.getDataJob('dj-huge');
    expect(read).toMatchObject({ ok: false, failure: { kind: 'invalid_response', message: expect.stringMatching(/could not read/) } });
    // Closed, or gone with the exit code terminate() gives it: whichever the pool hears first on a busy machine.
    expect(read.ok || read.failure.detail).toMatch(/reader thread (closed|exited)/);
  });
});
