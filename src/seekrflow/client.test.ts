import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../simulator/server.js';
import { makeJob } from '../../test/support/make-job.js';
import type { FetchResult } from '../core/ports/job-source.js';
import { createSeekrFlowClient, longestCallMs, type SeekrFlowClientOptions } from './client.js';
import { coalesceFetches } from './coalesce.js';

/** The client against the simulator over real HTTP: every outcome, retries as the simulator counted them, the header rules. */

let sim: Simulator;
const JOB = 'dj-0b6f1f5e-3a43-4c1e-9d59-2f1d8c7a1a01';
const fastRetry = { limit: 3, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 5_000, budgetMs: 10_000 };

const client = (overrides: Partial<SeekrFlowClientOptions> = {}) =>
  createSeekrFlowClient({
    baseUrl: sim.url,
    apiKey: sim.apiKey,
    teamId: sim.teamId ?? undefined,
    timeoutMs: 2_000,
    retry: fastRetry,
    ...overrides,
  });

const failureOf = (result: FetchResult) => {
  if (result.ok) throw new Error('expected a failure');
  return result.failure;
};

beforeAll(async () => {
  sim = await startSimulator({ clock: 'manual' });
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.clearFaults();
  sim.resetRequests();
  sim.putJob(makeJob({ id: JOB, status: 'running', extra_field_from_the_future: { nested: true } }));
});

describe('SeekrFlow client', () => {
  it('reads a job, keeps unknown fields, and sends the raw key, the team and an encoded id', async () => {
    const result = await client().getDataJob(JOB);
    expect(result.ok && result.job.status).toBe('running');
    expect(result.ok && result.job.extra_field_from_the_future).toEqual({ nested: true });
    expect(result.ok && result.requestId).toMatch(/^[0-9a-f]+-IAD$/);
    const [request] = sim.requests;
    expect(request?.headers.authorization).toBe(sim.apiKey);
    expect(request?.headers['x-team-id']).toBe(sim.teamId);
    expect(request?.rawPath).toBe(`/v1/flow/data-jobs/${JOB}`);
  });

  it('URL-encodes ids with characters that mean something in a path', async () => {
    const id = 'job:1.a_b';
    sim.putJob(makeJob({ id }));
    const result = await client().getDataJob(id);
    expect(result.ok).toBe(true);
    expect(sim.requests.at(-1)?.rawPath).toBe('/v1/flow/data-jobs/job%3A1.a_b');
  });

  it('refuses an implausible id without sending anything', async () => {
    for (const id of ['', '.', '..', '../x', 'a/b', 'x'.repeat(129), 'dj 1', '%2F']) {
      expect(failureOf(await client().getDataJob(id)).kind).toBe('invalid_id');
    }
    expect(sim.requestCount()).toBe(0);
  });

  it('accepts `stopped` and unknown statuses as they are', async () => {
    for (const status of ['stopped', 'brand_new_status']) {
      sim.putJob(makeJob({ id: JOB, status }));
      const result = await client().getDataJob(JOB);
      expect(result.ok && result.job.status).toBe(status);
    }
  });

  it.each([
    ['not_found', { id: 'dj-unknown' }, /No data job with that id was found.*SEEKRFLOW_TEAM_ID/, 404],
    ['unauthorized', { apiKey: 'wrong-key' }, /refused the bot’s API key/, 401],
    ['unauthorized', { bearer: true }, /refused the bot’s API key/, 401],
    ['forbidden', { teamId: 'another-team' }, /SEEKRFLOW_TEAM_ID/, 403],
  ] as const)('%s: %j', async (kind, setup, message, status) => {
    const options: Partial<SeekrFlowClientOptions> = {};
    if ('apiKey' in setup) options.apiKey = setup.apiKey;
    if ('bearer' in setup) options.apiKey = `Bearer ${sim.apiKey}`;
    if ('teamId' in setup) options.teamId = setup.teamId;
    const failure = failureOf(await client(options).getDataJob('id' in setup ? setup.id : JOB));
    expect(failure).toMatchObject({ kind, status, attempts: 1 });
    expect(failure.message).toMatch(message);
    expect(failure.requestId).toMatch(/-IAD$/);
    expect(sim.requestCount()).toBe(1); // never retried
  });

  it('a team job without the team header is not found (the personal workspace is searched)', async () => {
    const failure = failureOf(await client({ teamId: undefined }).getDataJob(JOB));
    expect(failure.kind).toBe('not_found');
    expect(sim.requests[0]?.headers['x-team-id']).toBeUndefined();
  });

  it('invalid_request: 422 carries the API’s message and is not retried', async () => {
    // The simulator refuses the same ids our client does, so a 422 for an id we send needs a server of its own.
    let requests = 0;
    const server = createServer((_req, res) => {
      requests += 1;
      res.writeHead(422, { 'content-type': 'application/json', 'cf-ray': 'abc123-IAD' });
      res.end(JSON.stringify({ detail: [{ loc: ['path', 'data_job_id'], msg: 'value is not a valid data job id', type: 'value_error' }] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const failure = failureOf(await client({ baseUrl: `http://127.0.0.1:${port}` }).getDataJob(JOB));
      expect(failure).toMatchObject({ kind: 'invalid_request', status: 422, requestId: 'abc123-IAD', attempts: 1 });
      expect(failure.message).toContain('path.data_job_id: value is not a valid data job id');
      expect(requests).toBe(1);
    } finally {
      server.close();
    }
  });

  it('retries 5xx and succeeds, counting attempts as the simulator saw them', async () => {
    sim.setFault({ kind: 'status', status: 503 }, { jobId: JOB, times: 2 });
    const result = await client().getDataJob(JOB);
    expect(result.ok && result.attempts).toBe(3);
    expect(sim.requestCount(JOB)).toBe(3);
  });

  it('unavailable: 5xx after every retry, bounded in count', async () => {
    sim.setFault({ kind: 'status', status: 500 });
    const failure = failureOf(await client().getDataJob(JOB));
    expect(failure).toMatchObject({ kind: 'unavailable', status: 500, attempts: 4 });
    expect(failure.message).toMatch(/not answering/);
    expect(sim.requestCount(JOB)).toBe(4);
  });

  it.each([502, 503] as const)('unavailable: %i with a plain-text or message body', async (status) => {
    sim.setFault({ kind: 'status', status });
    const failure = failureOf(await client({ retry: { ...fastRetry, limit: 0 } }).getDataJob(JOB));
    expect(failure.kind).toBe('unavailable');
    expect(failure.detail).toMatch(new RegExp(`HTTP ${status}`));
  });

  it('honours Retry-After (seconds) on 429, then succeeds', async () => {
    sim.setFault({ kind: 'rate-limit', retryAfter: '1' }, { jobId: JOB, times: 1 });
    const started = Date.now();
    const result = await client().getDataJob(JOB);
    expect(result.ok).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(sim.requestCount(JOB)).toBe(2);
  });

  it('honours Retry-After given as an HTTP date', async () => {
    // An HTTP date has whole seconds: 2.5 s ahead becomes a date 1.5–2.5 s ahead, far longer than
    // the 5–20 ms backoff, so a client that ignored the date would retry much sooner.
    const retryAt = new Date(Date.now() + 2_500).toUTCString();
    sim.setFault({ kind: 'rate-limit', retryAfter: retryAt }, { jobId: JOB, times: 1 });
    const started = Date.now();
    const result = await client().getDataJob(JOB);
    const finished = Date.now();
    expect(result.ok).toBe(true);
    expect(sim.requestCount(JOB)).toBe(2);
    // The retry (and so the answer) comes no sooner than the date, and not long after it.
    const dueIn = Date.parse(retryAt) - started;
    expect(dueIn).toBeGreaterThanOrEqual(1_400);
    expect(finished - started).toBeGreaterThanOrEqual(dueIn - 20);
    expect(finished - started).toBeLessThan(dueIn + 1_000);
  });

  it('rate_limited: gives up at once when Retry-After is longer than it will wait', async () => {
    sim.setFault({ kind: 'rate-limit', retryAfter: '3600' });
    const started = Date.now();
    const failure = failureOf(await client().getDataJob(JOB));
    expect(failure.kind).toBe('rate_limited');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(sim.requestCount(JOB)).toBe(1);
  });

  it('rate_limited: after the retries run out', async () => {
    sim.setFault({ kind: 'rate-limit', retryAfter: '0' });
    const failure = failureOf(await client({ retry: { ...fastRetry, limit: 2 } }).getDataJob(JOB));
    expect(failure).toMatchObject({ kind: 'rate_limited', attempts: 3 });
    expect(sim.requestCount(JOB)).toBe(3);
  });

  it('stops retrying when the time budget is spent', async () => {
    // Each backoff is 100–200 ms (jittered between half and all of the 200 ms ceiling), so a 1 s budget
    // allows about 5–10 retries: clearly more than none, clearly fewer than the limit of 20.
    sim.setFault({ kind: 'status', status: 503 });
    const budgetMs = 1_000;
    const started = Date.now();
    const failure = failureOf(
      await client({ retry: { limit: 20, baseDelayMs: 200, maxDelayMs: 200, maxRetryAfterMs: 1000, budgetMs } }).getDataJob(JOB),
    );
    const elapsed = Date.now() - started;
    expect(failure.kind).toBe('unavailable');
    const requests = sim.requestCount(JOB);
    expect(failure.attempts).toBe(requests);
    expect(requests).toBeGreaterThanOrEqual(4); // it kept retrying while within budget…
    expect(requests).toBeLessThanOrEqual(12); // …and stopped well short of 21 attempts
    // It gives up only when the next wait would overrun the budget (so within one 200 ms backoff
    // of it), and never starts a retry after it.
    expect(elapsed).toBeGreaterThanOrEqual(budgetMs - 200);
    expect(elapsed).toBeLessThan(budgetMs + 500);
  });

  it('unavailable: a connection that hangs times out, is retried, and gives up', async () => {
    sim.setFault({ kind: 'hang' }, { jobId: JOB });
    const failure = failureOf(await client({ timeoutMs: 200, retry: { ...fastRetry, limit: 1 } }).getDataJob(JOB));
    expect(failure).toMatchObject({ kind: 'unavailable', status: null, attempts: 2 });
    expect(failure.detail).toMatch(/ETIMEDOUT|timed out/);
    expect(sim.requestCount(JOB)).toBe(2);
  });

  it('unavailable: nothing listening', async () => {
    const failure = failureOf(
      await createSeekrFlowClient({
        baseUrl: 'http://127.0.0.1:9',
        apiKey: 'k',
        timeoutMs: 500,
        retry: { ...fastRetry, limit: 1 },
      }).getDataJob(JOB),
    );
    expect(failure).toMatchObject({ kind: 'unavailable', attempts: 2 });
  });

  it('invalid_response: malformed JSON', async () => {
    sim.setFault({ kind: 'malformed-json' }, { jobId: JOB });
    const failure = failureOf(await client().getDataJob(JOB));
    expect(failure.kind).toBe('invalid_response');
    expect(failure.detail).toMatch(/not JSON/);
    expect(sim.requestCount(JOB)).toBe(1);
  });

  it('invalid_response: JSON that does not fit names the field', async () => {
    sim.setFault({ kind: 'wrong-shape' }, { jobId: JOB });
    const failure = failureOf(await client().getDataJob(JOB));
    expect(failure.kind).toBe('invalid_response');
    expect(failure.message).toMatch(/field `\w+/);
    expect(failure.detail).toMatch(/at \w+/);
  });

  it('never puts the API key in a failure, whatever the failure', async () => {
    const secretClient = client();
    const failures = [];
    for (const fault of [{ kind: 'malformed-json' }, { kind: 'wrong-shape' }, { kind: 'status', status: 500 }] as const) {
      sim.clearFaults();
      sim.setFault(fault, { jobId: JOB });
      failures.push(failureOf(await secretClient.getDataJob(JOB)));
    }
    failures.push(failureOf(await client({ apiKey: `${sim.apiKey}-wrong` }).getDataJob(JOB)));
    expect(JSON.stringify(failures)).not.toContain(sim.apiKey);
  });

  it('coalesces concurrent reads of one job into one request', async () => {
    sim.setFault({ kind: 'latency', ms: 100 }, { jobId: JOB });
    const shared = coalesceFetches(client());
    const results = await Promise.all(Array.from({ length: 5 }, () => shared.getDataJob(JOB)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(sim.requestCount(JOB)).toBe(1);
    await shared.getDataJob(JOB); // after the answer, a new read asks again
    expect(sim.requestCount(JOB)).toBe(2);
  });

  it('reckons the longest a call can wait on SeekrFlow (where a reader thread is deemed stuck): the budget, then 11 hops', () => {
    // 45 s of retries, then an attempt that follows 10 redirects, each hop up to the timeout: 155 s.
    expect(longestCallMs({ timeoutMs: 10_000 })).toBe(155_000);
    expect(longestCallMs({ timeoutMs: 1_000, retry: { budgetMs: 5_000 } })).toBe(16_000);
  });

  it("passes a poll's recheck on whole, with the job's last answer (which says where a large one is read)", async () => {
    const asked: unknown[][] = [];
    const plain = client();
    const shared = coalesceFetches({
      getDataJob: plain.getDataJob,
      recheckDataJob: (...args) => {
        asked.push(args);
        return plain.recheckDataJob(...args);
      },
    });
    expect(await shared.recheckDataJob(JOB, null, 'last-answer.600000')).toMatchObject({ ok: true, reading: { summary: {} } });
    expect(asked).toEqual([[JOB, null, 'last-answer.600000']]);
  });
});

describe('SeekrFlow actions (POST …/start, …/cancel, no body)', () => {
  it('starts a job that is ready: one POST with no body, the job as SeekrFlow then answers it', async () => {
    sim.putJob(makeJob({ id: JOB, status: 'ready_to_start' }));
    const result = await client().startAlignment(JOB);
    expect(result).toMatchObject({ ok: true, job: { id: JOB, status: 'queued', alignment_job: { status: 'queued' } }, attempts: 1 });
    const [request] = sim.requests;
    expect(request).toMatchObject({ method: 'POST', rawPath: `/v1/flow/data-jobs/${JOB}/start` });
    expect(request?.headers['content-length']).toBe('0');
    expect(request?.headers.authorization).toBe(sim.apiKey);
    expect(request?.headers['x-team-id']).toBe(sim.teamId);
    expect(sim.requestCount()).toBe(1);
    // SeekrFlow keeps it: the next read sees it.
    expect(await client().getDataJob(JOB)).toMatchObject({ ok: true, job: { status: 'queued' } });
  });

  it('cancels a running job: it ends cancelled', async () => {
    const result = await client().cancelAlignment(JOB);
    expect(result).toMatchObject({ ok: true, job: { status: 'cancelled' } });
    expect(sim.requests[0]).toMatchObject({ method: 'POST', rawPath: `/v1/flow/data-jobs/${JOB}/cancel` });
  });

  it.each([
    [
      'start, a job already running (400)',
      'start',
      { status: 'running' },
      400,
      /did not start the job’s alignment: Data job cannot be started: its status is running/,
    ],
    [
      'start, a principle_files job with no system prompt (400)',
      'start',
      { status: 'ready_to_start', system_prompt: null },
      400,
      /did not start the job’s alignment: A system prompt is required/,
    ],
    [
      'cancel, a job that has ended (409, detail a list)',
      'cancel',
      { status: 'completed' },
      409,
      /did not cancel the job’s alignment: path\.data_job_id: Data job has no alignment to cancel/,
    ],
  ] as const)('tells SeekrFlow’s reason for a refusal, sent once: %s', async (_name, action, job, status, message) => {
    sim.putJob(makeJob({ id: JOB, ...job }));
    const act = action === 'start' ? client().startAlignment : client().cancelAlignment;
    const failure = failureOf(await act(JOB));
    expect(failure).toMatchObject({ kind: 'invalid_request', status, attempts: 1 });
    expect(failure.message).toMatch(message);
    expect(failure.requestId).toMatch(/-IAD$/);
    expect(sim.requestCount()).toBe(1);
  });

  it('does not send a POST twice when SeekrFlow may have acted on it (a 503), and does when it said it did not (a 429)', async () => {
    sim.putJob(makeJob({ id: JOB, status: 'ready_to_start' }));
    sim.setFault({ kind: 'status', status: 503 }, { jobId: JOB, times: 1 });
    expect(failureOf(await client().startAlignment(JOB))).toMatchObject({ kind: 'unavailable', status: 503, attempts: 1 });
    expect(sim.requestCount(JOB)).toBe(1);
    sim.resetRequests();
    sim.setFault({ kind: 'rate-limit', retryAfter: '0' }, { jobId: JOB, times: 1 });
    expect(await client().startAlignment(JOB)).toMatchObject({ ok: true, job: { status: 'queued' }, attempts: 2 });
    expect(sim.requestCount(JOB)).toBe(2);
  });

  it('refuses an implausible id without sending anything', async () => {
    expect(failureOf(await client().startAlignment('../x')).kind).toBe('invalid_id');
    expect(failureOf(await client().cancelAlignment('a/b')).kind).toBe('invalid_id');
    expect(sim.requestCount()).toBe(0);
  });
});
