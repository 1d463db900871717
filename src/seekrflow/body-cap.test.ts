import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline, Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createGzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FetchResult } from '../core/ports/job-source.js';
import { createSeekrFlowClient, MB } from './client.js';

/**
 * SEEKRFLOW_MAX_BODY_MB: a faulty or hostile SeekrFlow sends 100 MB. The client must stop reading at
 * the cap, fail clearly, not retry, and the process must not grow by more than the cap costs.
 *
 * The figures: Node holds the bytes it has read from a socket at about 1.4 times their size (a plain
 * `http.get` that keeps 32 MB of chunks grows RSS by ~50 MB, got adds nothing), so reading up to a
 * cap of C MB costs up to ~1.4·C MB. The assertion allows 1.5·C + 16 MB (heap and sampling noise):
 * 112 MB for 64 MB, 23.5 MB for 5 MB. Reading the whole 100 MB body instead costs well over 300 MB
 * (the chunks, their concatenation and the string), so a client without the cap fails every bound.
 */

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const BODY_BYTES = 100 * MB;
const JOB = 'dj-0b6f1f5e-3a43-4c1e-9d59-2f1d8c7a1a01';
const allowedGrowth = (capMb: number) => (1.5 * capMb + 16) * MB;

interface Streamer {
  url: string;
  requests: number;
  /** What the next answers look like. */
  answer: { status: number; contentLength: boolean; gzip?: boolean };
  close(): Promise<void>;
}

/** Streams 100 MB of JSON-ish bytes in 64 KB chunks, honouring backpressure: the test never holds the body. */
async function startStreamer(): Promise<Streamer> {
  const chunk = Buffer.alloc(64 * 1024, 'a');
  const state: Streamer = { url: '', requests: 0, answer: { status: 200, contentLength: false }, close: async () => {} };
  const server: Server = createServer((_req, res) => {
    state.requests += 1;
    if (state.answer.gzip) return void sendGzipBomb(res);
    res.writeHead(state.answer.status, {
      'content-type': 'application/json',
      ...(state.answer.contentLength ? { 'content-length': String(BODY_BYTES) } : {}),
    });
    let sent = 0;
    const pump = () => {
      while (sent < BODY_BYTES && !res.destroyed) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    res.write('{"detail":"');
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

/** 100 MB of zeros, gzipped on the fly (about 100 KB on the wire). */
function sendGzipBomb(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
  const zeros = Buffer.alloc(64 * 1024);
  let produced = 0;
  const source = new Readable({
    read() {
      produced += zeros.length;
      this.push(produced <= BODY_BYTES ? zeros : null);
    },
  });
  pipeline(source, createGzip(), res, () => {});
}

/** The fetch's result and how much RSS grew above the baseline at its peak (sampled every millisecond). */
async function measured(fetch: () => Promise<FetchResult>): Promise<{ result: FetchResult; growth: number }> {
  gc();
  gc();
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const sample = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 1);
  try {
    const result = await fetch();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, growth: peak - baseline };
  } finally {
    clearInterval(sample);
  }
}

const failureOf = (result: FetchResult) => {
  if (result.ok) throw new Error('expected a failure');
  return result.failure;
};

let server: Streamer;
const client = (maxBodyMb: number) =>
  createSeekrFlowClient({
    baseUrl: server.url,
    apiKey: 'k',
    timeoutMs: 30_000,
    maxBodyBytes: maxBodyMb * MB,
    retry: { limit: 3, baseDelayMs: 5, maxDelayMs: 20 },
  });

beforeAll(async () => {
  server = await startStreamer();
});
afterAll(() => server.close());

// Smallest growth first: memory freed by a bigger read would hide a smaller one's.
describe('SeekrFlow answer size cap', () => {
  it('refuses a 100 MB answer from its Content-Length, before reading it (5 MB cap)', async () => {
    server.answer = { status: 200, contentLength: true };
    server.requests = 0;
    const { result, growth } = await measured(() => client(5).getDataJob(JOB));
    const failure = failureOf(result);
    expect(failure).toMatchObject({ kind: 'too_large', status: 200, attempts: 1 });
    expect(failure.detail).toContain(`content-length ${BODY_BYTES}`);
    expect(failure.message).toMatch(/^SeekrFlow's answer for this job is too large \(over 5 MB\)/);
    expect(growth).toBeLessThan(16 * MB);
    expect(server.requests).toBe(1);
  });

  it('stops a 100 MB answer without Content-Length at a 5 MB cap: RSS grows < 23.5 MB', async () => {
    server.answer = { status: 200, contentLength: false };
    server.requests = 0;
    const { result, growth } = await measured(() => client(5).getDataJob(JOB));
    const failure = failureOf(result);
    expect(failure).toMatchObject({ kind: 'too_large', attempts: 1 });
    expect(failure.detail).toMatch(/bytes read/);
    expect(growth).toBeLessThan(allowedGrowth(5));
    expect(server.requests).toBe(1);
  });

  it('counts a gzipped answer at its decompressed size: 100 MB of zeros in ~100 KB stop at 5 MB', async () => {
    server.answer = { status: 200, contentLength: false, gzip: true };
    server.requests = 0;
    const { result, growth } = await measured(() => client(5).getDataJob(JOB));
    expect(failureOf(result)).toMatchObject({ kind: 'too_large', attempts: 1 });
    expect(growth).toBeLessThan(allowedGrowth(5));
    expect(server.requests).toBe(1);
  });

  it('does not retry an over-large 503 either (5 MB cap)', async () => {
    server.answer = { status: 503, contentLength: false };
    server.requests = 0;
    const { result, growth } = await measured(() => client(5).getDataJob(JOB));
    expect(failureOf(result)).toMatchObject({ kind: 'too_large', status: 503, attempts: 1 });
    expect(growth).toBeLessThan(allowedGrowth(5));
    expect(server.requests).toBe(1);
  });

  it('stops a 100 MB answer without Content-Length at the default 64 MB cap: RSS grows < 112 MB', async () => {
    server.answer = { status: 200, contentLength: false };
    server.requests = 0;
    const { result, growth } = await measured(() =>
      createSeekrFlowClient({ baseUrl: server.url, apiKey: 'k', timeoutMs: 30_000 }).getDataJob(JOB),
    );
    const failure = failureOf(result);
    expect(failure).toMatchObject({ kind: 'too_large', attempts: 1 });
    expect(failure.message).toContain('(over 64 MB)');
    expect(growth).toBeLessThan(allowedGrowth(64));
    expect(server.requests).toBe(1);
  });
});
