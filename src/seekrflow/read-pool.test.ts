import { afterEach, describe, expect, it } from 'vitest';
import { makeBusyJob } from '../../test/support/make-job.js';
import { readJobBody } from './read-body.js';
import { createReadPool, type ReadPool } from './read-pool.js';

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

let pool: ReadPool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

describe('reading large answers on other threads', () => {
  const big = bodyOf(20_000); // about 15 MB: parsing it holds a thread for over 100 ms here

  it('reads a job as the event loop would, without holding the event loop', async () => {
    pool = createReadPool({ size: 2, minBytes: 1024 * 1024 });
    await pool.read(Buffer.from(big)); // the thread's start (and its first compile) is not what is measured
    let read: unknown;
    // Best of three: a stall this machine causes by itself is not the pool's.
    const stalls: number[] = [];
    for (let i = 0; i < 3; i++) {
      const copy = Buffer.from(big); // the pool takes the bytes it reads on a thread
      stalls.push(await longestStall(async () => (read = await pool?.read(copy))));
    }
    expect(read).toEqual(readJobBody(big));
    expect(Math.min(...stalls)).toBeLessThan(40);
  });

  it('reads a small answer where it arrives, and tells an unreadable one as the event loop would', async () => {
    pool = createReadPool({ size: 1, minBytes: 1024 * 1024 });
    const small = bodyOf(10);
    expect(await pool.read(small)).toEqual(readJobBody(small));
    expect(small.length).toBeGreaterThan(0); // not moved to a thread: read here
    const notJson = big.subarray(0, big.length - 1);
    const unreadable = await pool.read(Buffer.from(notJson));
    expect(unreadable).toEqual(readJobBody(notJson));
    expect(unreadable).toMatchObject({ ok: false, detail: expect.stringMatching(/^response is not JSON/) });
  });

  it('closed, fails what its threads held (never leaves a read waiting), then reads where it is called', async () => {
    pool = createReadPool({ size: 1, minBytes: 1024 });
    // The expectation first: the read fails during close, and must not be an unhandled rejection meanwhile.
    const held = expect(pool.read(Buffer.from(big))).rejects.toThrow(/reader thread closed/);
    await pool.close();
    await held;
    // Over minBytes, yet read here: the bytes stay the caller's.
    const after = bodyOf(10);
    expect(await pool.read(after)).toEqual(readJobBody(after));
    expect(after.length).toBeGreaterThan(1024);
  });

  it('reads an answer given as the chunks it arrived in, moving whole chunks and copying views', async () => {
    pool = createReadPool({ size: 1, minBytes: 1024 });
    const body = bodyOf(300);
    const whole = Array.from({ length: Math.ceil(body.length / 65_536) }, (_, i) =>
      Buffer.from(body.subarray(i * 65_536, (i + 1) * 65_536)),
    );
    expect(await pool.read(whole)).toEqual(readJobBody(body));
    expect(whole.every((c) => c.length === 0)).toBe(true); // moved, each its own buffer
    // Views on one buffer (as a decompressor's output can be) cannot each be moved: they are copied.
    const shared = Buffer.from(body);
    const views = [shared.subarray(0, 1000), shared.subarray(1000)];
    expect(await pool.read(views)).toEqual(readJobBody(body));
    expect(shared.toString()).toBe(body.toString()); // still the caller's
  });

  it('shares many reads between its threads, each answered with its own job', async () => {
    pool = createReadPool({ size: 2, minBytes: 1 });
    const bodies = [10, 20, 30, 40, 50, 60].map((files) => bodyOf(files));
    const reads = await Promise.all(bodies.map((b) => pool?.read(b)));
    expect(bodies.every((b) => b.length === 0)).toBe(true); // moved to the threads, not copied
    expect(reads.map((r) => (r?.ok ? r.reading.summary.fileCount : null))).toEqual([10, 20, 30, 40, 50, 60]);
  });
});
