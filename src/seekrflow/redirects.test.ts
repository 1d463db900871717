import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeJob } from '../../test/support/make-job.js';
import type { FetchResult } from '../core/ports/job-source.js';
import { createSeekrFlowClient } from './client.js';

/**
 * Redirects: the API key and the team id go to SEEKRFLOW_BASE_URL's origin (scheme, host and port)
 * and nowhere else. Two loopback servers on different ports are two origins.
 */

const JOB = 'dj-0b6f1f5e-3a43-4c1e-9d59-2f1d8c7a1a01';
const API_KEY = 'sf-redirect-test-key-0123456789';
const PATH = `/v1/flow/data-jobs/${JOB}`;

interface Recorder {
  server: Server;
  url: string;
  requests: { path: string; headers: IncomingHttpHeaders }[];
  /** Bytes that were not HTTP (a TLS hello, say). */
  clientErrors: number;
  /** Where the first request is sent, or null to answer the job. */
  redirectTo: ((self: string) => string) | null;
}

async function startRecorder(): Promise<Recorder> {
  const recorder: Recorder = { server: createServer(), url: '', requests: [], clientErrors: 0, redirectTo: null };
  recorder.server.on('request', (req, res) => {
    recorder.requests.push({ path: req.url ?? '', headers: req.headers });
    if (recorder.redirectTo && req.url === PATH) {
      res.writeHead(302, { location: recorder.redirectTo(recorder.url) }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(makeJob({ id: JOB, name: 'moved job' })));
  });
  recorder.server.on('clientError', (_error, socket) => {
    recorder.clientErrors += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => recorder.server.listen(0, '127.0.0.1', resolve));
  recorder.url = `http://127.0.0.1:${(recorder.server.address() as AddressInfo).port}`;
  return recorder;
}

const failureOf = (result: FetchResult) => {
  if (result.ok) throw new Error('expected a failure');
  return result.failure;
};

let base: Recorder;
let elsewhere: Recorder;
const fetchJob = () =>
  createSeekrFlowClient({ baseUrl: base.url, apiKey: API_KEY, teamId: 'team-1', timeoutMs: 2_000, retry: { limit: 2 } }).getDataJob(JOB);

beforeAll(async () => {
  base = await startRecorder();
  elsewhere = await startRecorder();
});
afterAll(() => {
  base.server.close();
  elsewhere.server.close();
});
beforeEach(() => {
  for (const r of [base, elsewhere]) {
    r.requests.length = 0;
    r.clientErrors = 0;
    r.redirectTo = null;
  }
});

describe('SeekrFlow redirects', () => {
  it.each([
    ['another port', () => `${elsewhere.url}${PATH}`],
    ['another host name for the same server', (self: string) => `${self.replace('127.0.0.1', 'localhost')}${PATH}`],
    ['the same host and port over another scheme', (self: string) => `${self.replace('http:', 'https:')}${PATH}`],
  ])('refuses a redirect to %s: nothing is sent there, not retried, the key goes nowhere', async (_name, target) => {
    base.redirectTo = target;
    const result = await fetchJob();
    // Checked first: what the other origin would have received.
    expect(elsewhere.requests.map((r) => r.headers.authorization ?? '(no key)')).toEqual([]);
    expect(elsewhere.clientErrors).toBe(0);
    expect(base.requests).toHaveLength(1);
    expect(base.clientErrors).toBe(0); // no TLS hello either
    const failure = failureOf(result);
    expect(failure).toMatchObject({ kind: 'invalid_response', status: 302, attempts: 1 });
    expect(failure.message).toMatch(/redirect to another site.*refused to follow it/);
    expect(failure.message).toContain('SEEKRFLOW_BASE_URL');
    expect(failure.detail).toMatch(/redirect to \S+ refused/);
    expect(JSON.stringify(failure)).not.toContain(API_KEY);
  });

  it('follows a redirect within the same origin, with the key', async () => {
    base.redirectTo = () => `/v1/flow/data-jobs/${JOB}?moved=1`;
    const result = await fetchJob();
    expect(result.ok && result.job.name).toBe('moved job');
    expect(base.requests.map((r) => r.path)).toEqual([PATH, `${PATH}?moved=1`]);
    expect(base.requests[1]?.headers.authorization).toBe(API_KEY);
    expect(elsewhere.requests).toHaveLength(0);
  });
});
