import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, constants, deflateSync, gzipSync } from 'node:zlib';
import { xxh3 } from '@node-rs/xxhash';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeBusyJob } from '../../test/support/make-job.js';
import type { FetchResult, RecheckResult } from '../core/ports/job-source.js';
import { createSeekrFlowClient } from './client.js';
import { READING_VERSION } from './reading-version.js';
import { type BodySink, createRequester } from './request.js';

/**
 * What the client's requests (request.ts, on got) must do: decode what the server encoded,
 * retry an answer cut off mid-body, and end a redirect loop. Against a loopback server whose next
 * answers each test sets.
 */

const JOB = 'dj-0b6f1f5e-3a43-4c1e-9d59-2f1d8c7a1a01';
const PATH = `/v1/flow/data-jobs/${JOB}`;
const job = makeBusyJob(300, { failedEvery: 7 }, { id: JOB });
const plain = Buffer.from(JSON.stringify(job));
const xxh3Hex = (bytes: Buffer) => xxh3.Xxh3.withSeed().update(bytes).digest().toString(16).padStart(16, '0');

let server: Server;
let baseUrl: string;
let requests: string[] = [];
/** How the server answers request number `n` (from 0). */
let answer: (res: ServerResponse, n: number, req: IncomingMessage) => void;

const client = () => createSeekrFlowClient({ baseUrl, apiKey: 'k', timeoutMs: 2_000, retry: { limit: 2, baseDelayMs: 5, maxDelayMs: 10 } });

const failureOf = (result: FetchResult) => {
  if (result.ok) throw new Error('expected a failure');
  return result.failure;
};

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    answer(res, requests.length - 1, req);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});
beforeEach(() => {
  requests = [];
});

describe("the SeekrFlow client's GET", () => {
  it.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    // Brotli's default (best) quality takes a second for this body; SeekrFlow's edge would not use it.
    ['br', (b: Buffer) => brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } })],
  ] as const)('reads a %s answer as the bytes it encodes, and hashes those bytes', async (encoding, encode) => {
    expect(encode(plain).length).toBeLessThan(plain.length / 2);
    answer = (res, _n, req) => {
      expect(req.headers['accept-encoding']).toContain(encoding);
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': encoding }).end(encode(plain));
    };
    const read = await client().getDataJob(JOB);
    expect(read.ok && read.job).toEqual(job);
    // The hash is the decoded answer's: an answer re-compressed differently is still unchanged.
    const known = `${READING_VERSION}:${xxh3Hex(plain)}.${plain.length}`;
    const recheck: RecheckResult = await client().recheckDataJob(JOB, known);
    expect(recheck).toMatchObject({ ok: true, unchanged: true, bodyHash: known });
  });

  it('retries an answer cut off mid-body, then reads the whole one', async () => {
    answer = (res, n) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(plain.length) });
      if (n > 0) return void res.end(plain);
      // Half the promised bytes, then the connection drops.
      res.write(plain.subarray(0, plain.length >> 1), () => res.destroy());
    };
    const read = await client().getDataJob(JOB);
    expect(read.ok && read.job).toEqual(job);
    expect(read.ok && read.attempts).toBe(2);
    expect(requests).toHaveLength(2);
  });

  it('takes an empty answer marked gzip as empty: a 503 so sent is retried and told with its status', async () => {
    answer = (res) => res.writeHead(503, { 'content-encoding': 'gzip', 'content-length': '0' }).end();
    const failure = failureOf(await client().getDataJob(JOB));
    expect(failure).toMatchObject({ kind: 'unavailable', status: 503, attempts: 3 });
    expect(requests).toHaveLength(3);
  });

  it('tells a corrupt gzip answer as no answer, not as an empty one', async () => {
    answer = (res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end('these bytes are not gzip');
    const failure = failureOf(await client().getDataJob(JOB));
    expect(failure).toMatchObject({ kind: 'unavailable', status: null, attempts: 1 });
    expect(failure.detail).toMatch(/^Z_/);
  });

  it('fails, never throws, when a header cannot be sent (a key pasted with a curly quote), and sends nothing', async () => {
    const key = 'sf-key’';
    const read = createSeekrFlowClient({ baseUrl, apiKey: key, timeoutMs: 2_000, retry: { limit: 2, baseDelayMs: 5 } }).getDataJob(JOB);
    const failure = failureOf(await read);
    expect(failure).toMatchObject({ kind: 'unavailable', status: null, detail: 'ERR_INVALID_CHAR', attempts: 1 });
    expect(JSON.stringify(failure)).not.toContain(key);
    expect(requests).toHaveLength(0);
  });

  it('reads each answer as itself, whatever the one before it: longer, shorter, not ASCII, over 8 MB', async () => {
    const withName = (files: number, name: string) => makeBusyJob(files, { failedEvery: 7 }, { id: JOB, name });
    // In the order served: the memory a multi-chunk answer is joined in is reused by the next.
    const served = [
      withName(150, 'Claims, 150 files'), // 170 KB
      withName(600, 'Claims, 600 files'), // 0.5 MB: longer than what was joined before it
      withName(60, 'Claims, 60 files'), // 90 KB: shorter
      withName(150, 'Réclamations, 150 fichiers'), // not ASCII: decoded as UTF-8
      withName(12_000, 'Claims, 12,000 files'), // 10 MB: joined in memory of its own
      withName(150, 'Claims, 150 files, again'),
    ];
    answer = (res, n) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(served[n]));
    const one = client();
    for (const job of served) {
      const read = await one.getDataJob(JOB);
      expect(read.ok && read.job).toEqual(job);
    }
  });

  it('ends a redirect loop within the origin: unavailable, after 10 hops, not retried', async () => {
    answer = (res) => res.writeHead(302, { location: PATH }).end();
    const failure = failureOf(await client().getDataJob(JOB));
    expect(failure).toMatchObject({ kind: 'unavailable', status: null, attempts: 1 });
    expect(failure.detail).toBe('ERR_TOO_MANY_REDIRECTS');
    expect(requests).toHaveLength(11);
  });

  it.each([
    ['its Content-Length says so: before its body', true],
    ['the bytes read so far say so: those first, then the rest', false],
  ])('sends a 2xx answer that turns out large where it is told, when %s', async (_when, withLength) => {
    const body = Buffer.from(JSON.stringify(makeBusyJob(2_000)));
    const atBytes = 512 * 1024;
    // The server sends 1 KB, then waits until the body is diverted (or 300 ms), then the rest in pieces.
    let sent = 0;
    let release = () => {};
    answer = (res) => {
      res.writeHead(200, { 'content-type': 'application/json', ...(withLength ? { 'content-length': String(body.length) } : {}) });
      const next = (at: number): void => {
        sent = at;
        if (at >= body.length) return void res.end();
        res.write(body.subarray(at, at + 64 * 1024), () => next(at + 64 * 1024));
      };
      res.write(body.subarray(0, 1024), () => {
        sent = 1024;
        let going = false;
        const go = () => {
          if (!going) next(1024);
          going = true;
        };
        release = go;
        setTimeout(go, 300);
      });
    };
    const got: Buffer[] = [];
    let sentAtOpen = -1;
    const sink: BodySink = {
      write: (chunk) => void got.push(Buffer.from(chunk)),
      abort: () => expect.fail('the answer was whole'),
    };
    const policy = { limit: 0, baseDelayMs: 5, maxDelayMs: 5, maxRetryAfterMs: 0, budgetMs: 0 };
    const send = createRequester({ headers: {}, timeoutMs: 5_000, policy, maxBodyBytes: 64 * 2 ** 20 });
    const open = () => {
      sentAtOpen = sent;
      release();
      return sink;
    };
    const outcome = await send('GET', new URL(`${baseUrl}${PATH}`), { hash: true, divert: { atBytes, open } });
    expect(outcome).toMatchObject({ kind: 'answer', status: 200, size: body.length, bodyHash: xxh3Hex(body) });
    expect(outcome.kind === 'answer' && outcome.diverted).toBe(sink);
    expect(outcome.kind === 'answer' && outcome.text()).toBe('');
    expect(Buffer.concat(got).equals(body)).toBe(true);
    if (withLength) expect(sentAtOpen).toBeLessThanOrEqual(1024);
    else expect(sentAtOpen).toBeGreaterThanOrEqual(atBytes);
  });
});
