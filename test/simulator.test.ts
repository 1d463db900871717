import { networkInterfaces } from 'node:os';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedJob } from '../simulator/lifecycle.js';
import { ListIndex, type ListQuery } from '../simulator/listing.js';
import { type ScenarioName, type ScenarioSpec, type Simulator, startSimulator } from '../simulator/server.js';
import type { DataJob as DomainJob } from '../src/domain/data-job.js';
import { DataJob } from '../src/domain/data-job.js';
import { summarizeJob } from '../src/domain/job-summary.js';
import { makeJob } from './support/make-job.js';

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ clock: 'manual', seed: 42, startTime: Date.parse('2026-07-28T14:00:00Z') });
});
afterAll(async () => {
  await sim.close();
});
afterEach(() => {
  sim.clearFaults();
  sim.resetRequests();
});

interface GetOptions {
  /** undefined: the right key; null: no Authorization header. */
  key?: string | null;
  /** undefined: the simulator's team; null: no x-team-id header. */
  team?: string | null;
  signal?: AbortSignal;
  method?: string;
  on?: Simulator;
}

const CF_RAY = /^[0-9a-f]{16}-IAD$/;

async function request(path: string, opts: GetOptions = {}): Promise<Response> {
  const target = opts.on ?? sim;
  const headers: Record<string, string> = {};
  const key = opts.key === undefined ? target.apiKey : opts.key;
  const team = opts.team === undefined ? target.teamId : opts.team;
  if (key !== null) headers.authorization = key;
  if (team !== null) headers['x-team-id'] = team;
  const res = await fetch(`${target.url}${path}`, { headers, method: opts.method ?? 'GET', ...(opts.signal && { signal: opts.signal }) });
  // Every answer, whatever it is, carries a Cloudflare ray id.
  expect(res.headers.get('cf-ray')).toMatch(CF_RAY);
  return res;
}

const get = (id: string, opts?: GetOptions) => request(`/v1/flow/data-jobs/${encodeURIComponent(id)}`, opts);

/** Fetches a job over HTTP and parses it the way the bot does. */
async function fetchJob(id: string, opts?: GetOptions): Promise<DataJob> {
  const res = await get(id, opts);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/json');
  return DataJob.parse(await res.json());
}

async function expectDetail(res: Response, status: number, detail: unknown): Promise<void> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/json');
  expect(await res.json()).toEqual({ detail });
}

describe('serving jobs', () => {
  it('listens on 127.0.0.1 only', async () => {
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // Nothing may answer on the machine's other addresses.
    const external = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal);
    if (external) {
      await expect(fetch(`http://${external.address}:${sim.port}/`, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
    }
  });

  it('serves a created job as the contract shapes it, with the fields the live API adds', async () => {
    const created = sim.createJob('happy');
    expect(created.id).toMatch(/^dj-[0-9a-f-]{36}$/);
    const job = await fetchJob(created.id);
    expect(job).toEqual(DataJob.parse(created));
    expect(job.status).toBe('file_processing');
    expect(job.user_id).toBe(sim.userId);
    expect(job).toMatchObject({ origin_data_job_id: null, deleted: false });
    expect(job.status_message).toEqual(expect.any(String));
    expect(job.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const markdown = job.files.find((f) => f.type === 'md');
    expect(markdown).toMatchObject({ record_id: null, status: null });
    expect(job.additional_alignment_file_ids).toContain(markdown?.file_id);
    const records = job.ingestion_jobs.flatMap((run) => run.records);
    expect(records.length).toBeGreaterThan(0);
    expect(records.every((r) => r.status === 'queued' && r.queue_position !== null)).toBe(true);
    expect(job.timeline.map((e) => e.event_type)).toEqual(['job_created', 'files_added']);
  });

  it('serves exactly what putJob was given, and follows updateJob and deleteJob', async () => {
    const payload = makeJob({ id: 'dj-put-1', status: 'some_future_status', name: 'Exact payload' });
    sim.putJob(payload);
    const res = await get('dj-put-1');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(payload);

    sim.updateJob('dj-put-1', (job) => {
      job.status = 'running';
    });
    expect((await fetchJob('dj-put-1')).status).toBe('running');

    expect(sim.deleteJob('dj-put-1')).toBe(true);
    await expectDetail(await get('dj-put-1'), 404, 'Data job not found');
  });

  it('hands out copies: changing what getJob returned changes nothing served', async () => {
    const { id } = sim.createJob('happy');
    const copy = sim.getJob(id) as DomainJob;
    copy.status = 'tampered';
    copy.files.length = 0;
    expect(sim.getJob(id)?.status).toBe('file_processing');
    sim.updateJob(id, () => {});
    const served = await fetchJob(id);
    expect(served.status).toBe('file_processing');
    expect(served.files.length).toBeGreaterThan(0);
  });

  it('decodes URL-encoded ids', async () => {
    sim.putJob(makeJob({ id: 'dj:odd.id_1-x' }));
    expect((await fetchJob('dj:odd.id_1-x')).id).toBe('dj:odd.id_1-x');
    const raw = await request('/v1/flow/data-jobs/dj%3Aodd%2Eid_1-x');
    expect(raw.status).toBe(200);
  });

  it('creates jobs with a chosen id, name, workspace and start time', async () => {
    const old = sim.createJob('happy', {
      id: 'dj-custom',
      teamId: null,
      startAt: sim.now() - 3_600_000,
      overrides: { name: 'Renamed' },
    });
    expect(old).toMatchObject({ id: 'dj-custom', name: 'Renamed', status: 'completed' });
    const job = await fetchJob('dj-custom', { team: null });
    expect(job.status).toBe('completed');
    expect(sim.remainingSteps('dj-custom')).toBe(0);
  });
});

describe('keys and teams', () => {
  it.each([
    ['no key', null, 'Not authenticated'],
    ['a wrong key', 'not-the-key', 'Invalid API key'],
    ['a Bearer prefix', 'Bearer <key>', 'Invalid API key'],
  ])('answers 401 to %s', async (_what, key, detail) => {
    const { id } = sim.createJob('happy');
    const sent = key === 'Bearer <key>' ? `Bearer ${sim.apiKey}` : key;
    await expectDetail(await get(id, { key: sent }), 401, detail);
  });

  it('answers 403 when x-team-id names another team', async () => {
    const { id } = sim.createJob('happy');
    await expectDetail(await get(id, { team: '11111111-2222-4333-8444-555555555555' }), 403, 'You do not have access to this team');
  });

  it('hides team jobs without the team header, and personal jobs with it', async () => {
    const team = sim.createJob('happy');
    const personal = sim.createJob('happy', { teamId: null });
    expect((await fetchJob(team.id)).id).toBe(team.id);
    await expectDetail(await get(team.id, { team: null }), 404, 'Data job not found');
    expect((await fetchJob(personal.id, { team: null })).id).toBe(personal.id);
    await expectDetail(await get(personal.id), 404, 'Data job not found');
  });

  it('refuses any team header when the key has no team', async () => {
    const solo = await startSimulator({ clock: 'manual', teamId: null });
    try {
      const { id } = solo.createJob('happy');
      expect(solo.teamId).toBeNull();
      expect((await fetchJob(id, { on: solo })).id).toBe(id);
      expect((await get(id, { on: solo, team: '11111111-2222-4333-8444-555555555555' })).status).toBe(403);
    } finally {
      await solo.close();
    }
  });
});

describe('paths and ids', () => {
  // `/v1/flow/data-jobs` itself is the list (see 'listing jobs').
  it.each([
    '/',
    '/v1/flow/data-job',
    '/v1/flow/data-jobs/dj-1/clone',
    '/v1/flow/data-jobs/dj-1/start/x',
    '/v1/flow/datajobs/dj-1',
    '/v2/flow/data-jobs/dj-1',
  ])('answers 404 Not Found to %s', async (path) => {
    await expectDetail(await request(path), 404, 'Not Found');
  });

  it('answers 404 to an unknown but plausible id, even 128 characters long', async () => {
    await expectDetail(await get('dj-00000000-0000-4000-8000-000000000000'), 404, 'Data job not found');
    await expectDetail(await get('a'.repeat(128)), 404, 'Data job not found');
  });

  it.each([
    ['empty', '/v1/flow/data-jobs/'],
    ['129 characters', `/v1/flow/data-jobs/${'a'.repeat(129)}`],
    ['a space', '/v1/flow/data-jobs/dj%201'],
    ['an encoded slash', '/v1/flow/data-jobs/dj%2F1'],
    ['broken percent-encoding', '/v1/flow/data-jobs/dj%E0%A4%A'],
    ['unicode', '/v1/flow/data-jobs/dj-%C3%A9'],
  ])('answers 422 to an id that cannot be valid: %s', async (_what, path) => {
    const res = await request(path);
    expect(res.status).toBe(422);
    const body = (await res.json()) as { detail: { loc: unknown[]; msg: string; type: string }[] };
    expect(body.detail).toHaveLength(1);
    expect(body.detail[0]).toMatchObject({ loc: ['path', 'data_job_id'], msg: expect.any(String), type: 'value_error' });
  });

  it('answers 405 to other methods on the route', async () => {
    const { id } = sim.createJob('happy');
    const res = await get(id, { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
  });

  it('answers 405 to any method but POST on an action, and changes nothing', async () => {
    const { id } = sim.createJob('happy');
    const before = sim.getJob(id);
    for (const action of ['start', 'cancel']) {
      const res = await request(`/v1/flow/data-jobs/${id}/${action}`);
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
    }
    expect(sim.getJob(id)).toEqual(before);
  });
});

describe('acting on a job (POST …/start, …/cancel)', () => {
  const post = (id: string, action: string) => request(`/v1/flow/data-jobs/${id}/${action}`, { method: 'POST' });

  it('starts a ready job only: 400 with a detail otherwise, and the job is left as it was', async () => {
    const { id } = sim.createJob('happy');
    const before = sim.getJob(id);
    await expectDetail(
      await post(id, 'start'),
      400,
      'Data job cannot be started: its status is file_processing (it must be ready_to_start)',
    );
    expect(sim.getJob(id)).toEqual(before);
  });

  it('a planned job started goes on from there: pending, queued, running, completed', async () => {
    const { id } = sim.createJob('happy');
    sim.advanceUntil(id, 'ready_to_start');
    const res = await post(id, 'start');
    expect(res.status).toBe(200);
    const started = (await res.json()) as DataJob;
    expect(started).toMatchObject({ status: 'pending', alignment_job: { status: 'pending' } });
    expect(started.alignment_job_id).toBe(started.alignment_job?.id);
    const seen = [started.status];
    while (sim.remainingSteps(id) > 0) {
      const job = sim.advance(id);
      if (seen.at(-1) !== job.status) seen.push(job.status);
    }
    expect(seen).toEqual(['pending', 'queued', 'running', 'completed']);
  });

  it('a cancelled alignment ends the job cancelled, and nothing of its plan comes any more', async () => {
    const { id } = sim.createJob('happy');
    sim.advanceUntil(id, 'running');
    const res = await post(id, 'cancel');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'cancelled', alignment_job: { status: 'cancelled' } });
    expect(sim.remainingSteps(id)).toBe(0);
    sim.advanceTime(10 * 60_000);
    expect(sim.getJob(id)?.status).toBe('cancelled');
  });

  it('cancels only a pending, queued or running alignment', async () => {
    const { id } = sim.createJob('happy');
    sim.advanceUntil(id, 'ready_to_start');
    const res = await post(id, 'cancel');
    expect(res.status).toBe(409);
    expect(sim.getJob(id)?.status).toBe('ready_to_start');
  });
});

describe('faults', () => {
  async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
    const start = performance.now();
    const result = await work();
    return [result, performance.now() - start];
  }

  it('adds latency to one job only, and latency adds up with other faults', async () => {
    const slow = sim.createJob('happy');
    const fast = sim.createJob('happy');
    sim.setFault({ kind: 'latency', ms: 300 }, { jobId: slow.id });
    const [slowRes, slowMs] = await timed(() => get(slow.id));
    expect(slowRes.status).toBe(200);
    expect(slowMs).toBeGreaterThanOrEqual(280);
    const [fastRes, fastMs] = await timed(() => get(fast.id));
    expect(fastRes.status).toBe(200);
    expect(fastMs).toBeLessThan(250);

    sim.setFault({ kind: 'status', status: 500 }, { jobId: slow.id });
    const [failed, failedMs] = await timed(() => get(slow.id));
    expect(failed.status).toBe(500);
    expect(failedMs).toBeGreaterThanOrEqual(280);
  });

  it.each([
    [401, undefined, 'application/json', { detail: 'Invalid API key' }],
    [403, undefined, 'application/json', { detail: 'You do not have access to this team' }],
    [404, undefined, 'application/json', { detail: 'Data job not found' }],
    [500, undefined, 'application/json', { detail: 'Internal Server Error' }],
    [502, undefined, 'text/plain; charset=utf-8', 'error code: 502'],
    [503, undefined, 'application/json', { message: expect.stringContaining('maintenance') }],
    [
      503,
      'upstream connect error or disconnect/reset before headers',
      'text/plain; charset=utf-8',
      'upstream connect error or disconnect/reset before headers',
    ],
    [502, '{"message":"Bad gateway"}', 'application/json', { message: 'Bad gateway' }],
  ] as const)('answers %i with body %s', async (status, body, contentType, expected) => {
    const { id } = sim.createJob('happy');
    sim.setFault({ kind: 'status', status, ...(body !== undefined && { body }) });
    const res = await get(id);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe(contentType);
    const text = await res.text();
    expect(typeof expected === 'string' ? text : JSON.parse(text)).toEqual(expected);
  });

  it.each(['2', 'Wed, 21 Oct 2026 07:28:00 GMT'])('answers 429 with Retry-After: %s', async (retryAfter) => {
    const { id } = sim.createJob('happy');
    sim.setFault({ kind: 'rate-limit', retryAfter });
    const res = await get(id);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe(retryAfter);
    expect(await res.json()).toEqual({ detail: 'Too Many Requests' });
  });

  it('serves malformed JSON with status 200', async () => {
    const { id } = sim.createJob('happy');
    sim.setFault({ kind: 'malformed-json' }, { jobId: id });
    const res = await get(id);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const text = await res.text();
    expect(text.length).toBeGreaterThan(0);
    expect(() => JSON.parse(text)).toThrow();
  });

  it('serves JSON of the wrong shape with status 200', async () => {
    const { id } = sim.createJob('happy');
    sim.setFault({ kind: 'wrong-shape' }, { jobId: id });
    const res = await get(id);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ id, status: 42, files: 'x' });
    expect(DataJob.safeParse(body).success).toBe(false);
  });

  it('hangs until the client aborts, then serves the next request', async () => {
    const { id } = sim.createJob('happy');
    sim.setFault({ kind: 'hang' }, { jobId: id, times: 1 });
    const started = performance.now();
    await expect(get(id, { signal: AbortSignal.timeout(300) })).rejects.toThrow(/abort|timeout/i);
    expect(performance.now() - started).toBeGreaterThanOrEqual(280);
    expect(sim.requests.at(-1)).toMatchObject({ jobId: id, status: 0 });
    expect((await fetchJob(id)).id).toBe(id);
    expect(sim.requestCount(id)).toBe(2);
  });

  it('applies a global fault to every request, a job fault to its job only', async () => {
    const a = sim.createJob('happy');
    const b = sim.createJob('happy');
    sim.setFault({ kind: 'status', status: 503 }, { jobId: a.id });
    expect((await get(a.id)).status).toBe(503);
    expect((await get(b.id)).status).toBe(200);

    sim.setFault({ kind: 'status', status: 500 });
    expect((await get(a.id)).status).toBe(503);
    expect((await get(b.id)).status).toBe(500);
    expect((await request('/elsewhere')).status).toBe(500);

    sim.clearFaults();
    expect((await get(a.id)).status).toBe(200);
    expect((await get(b.id)).status).toBe(200);
  });

  it('uses a fault only `times` times, and plays limited faults in the order they were set', async () => {
    const { id } = sim.createJob('happy');
    sim.setFault({ kind: 'status', status: 503 }, { jobId: id, times: 2 });
    sim.setFault({ kind: 'rate-limit', retryAfter: '1' }, { jobId: id, times: 1 });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await get(id)).status);
    expect(statuses).toEqual([503, 503, 429, 200]);

    sim.setFault({ kind: 'malformed-json' }, { times: 1 });
    const first = await get(id);
    await first.text();
    expect((await get(id)).status).toBe(200);
  });

  it('refuses faults that make no sense', () => {
    expect(() => sim.setFault({ kind: 'latency', ms: -1 })).toThrow(RangeError);
    expect(() => sim.setFault({ kind: 'status', status: 418 as 500 })).toThrow(RangeError);
    expect(() => sim.setFault({ kind: 'rate-limit', retryAfter: '' })).toThrow(RangeError);
    expect(() => sim.setFault({ kind: 'hang' }, { times: 0 })).toThrow(RangeError);
  });

  it('close() ends hanging connections', async () => {
    const other = await startSimulator({ clock: 'manual' });
    const { id } = other.createJob('happy');
    other.setFault({ kind: 'hang' });
    const pending = fetch(`${other.url}/v1/flow/data-jobs/${id}`, { headers: { authorization: other.apiKey } });
    const settled = pending.then(
      () => 'answered',
      () => 'failed',
    );
    while (other.requestCount() === 0) await new Promise((r) => setTimeout(r, 10));
    const closing = other.close().then(() => 'closed');
    const deadline = new Promise((r) => setTimeout(() => r('still open after 2 s'), 2_000));
    expect(await Promise.race([closing, deadline])).toBe('closed');
    expect(await settled).toBe('failed');
  });
});

describe('lifecycles', () => {
  interface Walk {
    statuses: string[];
    jobs: DataJob[];
  }

  /** Steps a job to its end, fetching it over HTTP after every change and checking what must always hold. */
  async function walk(id: string): Promise<Walk> {
    const jobs = [await fetchJob(id)];
    while (sim.remainingSteps(id) > 0) {
      sim.advance(id);
      const next = await fetchJob(id);
      const prev = jobs.at(-1) as DataJob;
      // Something changes on each step, and updated_at moves with it.
      expect(Date.parse(next.updated_at)).toBeGreaterThan(Date.parse(prev.updated_at));
      // The timeline is only appended to, in time order.
      expect(next.timeline.slice(0, prev.timeline.length)).toEqual(prev.timeline);
      const times = next.timeline.map((e) => Date.parse(e.timestamp));
      expect(times).toEqual([...times].sort((a, b) => a - b));
      if (prev.alignment_job?.progress != null && next.alignment_job?.progress != null) {
        expect(next.alignment_job.progress).toBeGreaterThanOrEqual(prev.alignment_job.progress);
      }
      jobs.push(next);
    }
    const statuses: string[] = [];
    for (const job of jobs) if (statuses.at(-1) !== job.status) statuses.push(job.status);
    return { statuses, jobs };
  }

  const ALIGNMENT = ['ready_to_start', 'pending', 'queued', 'running'];
  const expected: Record<ScenarioName, string[]> = {
    happy: ['file_processing', ...ALIGNMENT, 'completed'],
    'file-failures': ['file_processing', 'needs_review', 'file_processing', ...ALIGNMENT, 'completed'],
    'needs-review': ['file_processing', 'needs_review'],
    'missing-prompt': ['file_processing', 'needs_review', ...ALIGNMENT, 'completed'],
    'alignment-fails': ['file_processing', ...ALIGNMENT, 'failed'],
    cancelled: ['file_processing', ...ALIGNMENT, 'cancelled'],
    stopped: ['file_processing', ...ALIGNMENT, 'stopped'],
    stalls: ['file_processing', ...ALIGNMENT],
  };

  it.each(Object.entries(expected))('walks %s through %j', async (name, statuses) => {
    const { id } = sim.createJob(name as ScenarioName);
    const result = await walk(id);
    expect(result.statuses).toEqual(statuses);
    const last = result.jobs.at(-1) as DataJob;
    const events = last.timeline.map((e) => e.event_type);
    expect(events.slice(0, 2)).toEqual(['job_created', 'files_added']);
    if (statuses.includes('running')) expect(events).toContain('alignment_started');
    const endEvent = {
      completed: 'alignment_completed',
      failed: 'alignment_failed',
      cancelled: 'alignment_cancelled',
      stopped: 'alignment_stopped',
    }[last.status];
    if (endEvent) expect(events.at(-2)).toBe(endEvent);
    if (endEvent) expect(events.at(-1)).toBe('status_changed');
  });

  it('runs on the clock: advanceTime moves every job', async () => {
    const a = sim.createJob('happy');
    const b = sim.createJob('alignment-fails');
    const seen = new Map<string, string[]>([
      [a.id, []],
      [b.id, []],
    ]);
    for (let second = 0; second <= 240; second += 1) {
      for (const [id, statuses] of seen) {
        const { status } = await fetchJob(id);
        if (statuses.at(-1) !== status) statuses.push(status);
      }
      sim.advanceTime(1_000);
    }
    expect(seen.get(a.id)).toEqual(expected.happy);
    expect(seen.get(b.id)).toEqual(expected['alignment-fails']);
  });

  it('honours stage durations, and takes about two minutes by default', async () => {
    const durations = { queuedMs: 1_000, fileMs: 2_000, reviewMs: 1_000, readyMs: 1_000, alignmentQueueMs: 1_000, alignmentMs: 10_000 };
    const quick = sim.createJob({ files: 2, durations });
    const normal = sim.createJob('happy');
    sim.advanceTime(500);
    expect((await fetchJob(quick.id)).status).toBe('file_processing');
    sim.advanceTime(4_500);
    expect(['ready_to_start', 'pending', 'queued']).toContain((await fetchJob(quick.id)).status);
    sim.advanceTime(15_000);
    expect((await fetchJob(quick.id)).status).toBe('completed');
    expect(['file_processing', 'ready_to_start']).toContain((await fetchJob(normal.id)).status);
    sim.advanceTime(40_000);
    expect((await fetchJob(normal.id)).status).toBe('running');
    sim.advanceTime(90_000);
    expect((await fetchJob(normal.id)).status).toBe('completed');
  });

  it('fails files with the error, fix and time, then replaces them', async () => {
    const { id } = sim.createJob('file-failures');
    sim.advanceUntil(id, 'needs_review');
    const review = await fetchJob(id);
    const failed = review.ingestion_jobs.flatMap((r) => r.records).filter((r) => r.status === 'failed');
    expect(failed).toHaveLength(2);
    for (const record of failed) {
      expect(record).toMatchObject({ error_message: expect.any(String), suggested_fix: expect.any(String), failed_at: expect.any(String) });
      expect(review.files.find((f) => f.file_id === record.alignment_file_id)).toMatchObject({
        status: 'failed',
        suggested_fix: record.suggested_fix,
      });
    }
    expect(review.timeline.filter((e) => e.event_type === 'ingestion_file_failed')).toHaveLength(2);
    expect(summarizeJob(review).failed).toHaveLength(2);
    expect(summarizeJob(review).reviewReason).toBe('2 files failed to process');

    sim.advanceUntil(id, 'completed');
    const done = await fetchJob(id);
    const records = done.ingestion_jobs.flatMap((r) => r.records);
    expect(done.ingestion_jobs).toHaveLength(2);
    expect(records.filter((r) => r.deleted).map((r) => r.record_id)).toEqual(failed.map((r) => r.record_id));
    expect(done.files.some((f) => failed.some((r) => r.alignment_file_id === f.file_id))).toBe(false);
    expect(summarizeJob(done).counts).toMatchObject({ failed: 0, processing: 0, queued: 0 });
    expect(done.timeline.map((e) => e.event_type)).toEqual(expect.arrayContaining(['files_removed', 'files_added', 'ingestion_completed']));
  });

  it('waits for a system prompt when the job has none', async () => {
    const { id } = sim.createJob('missing-prompt');
    const review = sim.advanceUntil(id, 'needs_review');
    expect(review.system_prompt).toBeNull();
    expect(summarizeJob(DataJob.parse(review)).reviewReason).toBe('the job has no system prompt');
    const ready = sim.advanceUntil(id, 'ready_to_start');
    expect(ready.system_prompt).toEqual(expect.any(String));
    expect(ready.timeline.map((e) => e.event_type)).toContain('system_prompt_updated');
  });

  it('reports alignment progress the loose way the live API does', async () => {
    const { id } = sim.createJob('happy');
    const { jobs } = await walk(id);
    const running = jobs.filter((j) => j.status === 'running').map((j) => j.alignment_job);
    expect(running.length).toBeGreaterThan(3);
    for (const a of running) {
      expect(a).toMatchObject({
        current_step: expect.any(String),
        eta_minutes: expect.any(Number),
        estimated_completion_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/),
        status_message: expect.any(String),
      });
      expect(Number.isInteger(a?.eta_minutes)).toBe(true);
    }
    expect(running.some((a) => typeof a?.step_progress === 'string' && /^\d+\/\d+$/.test(a.step_progress))).toBe(true);
    expect(running.some((a) => typeof a?.step_progress === 'number')).toBe(true);
    expect(running.some((a) => (a?.progress ?? 0) > 1)).toBe(true);
    expect(new Set(running.map((a) => a?.current_step)).size).toBeGreaterThan(2);

    const done = jobs.at(-1) as DataJob;
    expect(done.alignment_job_id).toBe(done.alignment_job?.id);
    expect(done.alignment_job).toMatchObject({ status: 'completed', progress: 100, stopped_at: null, completed_at: expect.any(String) });
    expect(done.alignment_job?.output_files).toHaveLength(2);
    expect(done.alignment_job?.created_at).toMatch(/\+00:00$/);
  });

  it('records when a job was stopped', async () => {
    const { id } = sim.createJob('stopped');
    const job = sim.advanceUntil(id, 'stopped');
    expect(job.alignment_job).toMatchObject({ status: 'stopped', stopped_at: expect.any(String), completed_at: null });
  });

  it('stalls: a running job that never changes again', async () => {
    const { id } = sim.createJob('stalls');
    const { jobs } = await walk(id);
    // The `stalls` scenario stops at 40%.
    expect(jobs.at(-1)?.alignment_job?.progress).toBe(40);
    const before = await get(id).then((r) => r.text());
    sim.advanceTime(6 * 3_600_000);
    const after = await get(id).then((r) => r.text());
    expect(after).toBe(before);
    expect((JSON.parse(after) as DataJob).status).toBe('running');
  });

  it('follows a ScenarioSpec: file counts, failures, outcome and how far it gets', async () => {
    const spec: ScenarioSpec = { files: 6, failingFiles: 3, markdownFiles: 0, outcome: 'cancelled', endAtProgress: 0.5 };
    const { id } = sim.createJob(spec);
    const review = sim.advanceUntil(id, 'needs_review');
    expect(review.files).toHaveLength(6);
    expect(summarizeJob(DataJob.parse(review)).counts).toMatchObject({ done: 3, failed: 3 });
    const { statuses, jobs } = await walk(id);
    expect(statuses.at(-1)).toBe('cancelled');
    const end = jobs.at(-1) as DataJob;
    expect(end.alignment_job?.progress).toBe(50);
    expect(end.files).toHaveLength(6);
  });

  it('advances one change at a time even when stages take no time', async () => {
    const durations = { queuedMs: 0, fileMs: 0, reviewMs: 0, readyMs: 0, alignmentQueueMs: 0, alignmentMs: 0 };
    const { id } = sim.createJob({ files: 2, failingFiles: 1, durations });
    const { statuses } = await walk(id);
    expect(statuses).toEqual(expected['file-failures']);
  });

  it('can leave failures unfixed', async () => {
    const { id } = sim.createJob({ files: 2, failingFiles: 2, fixFailures: false });
    const { statuses } = await walk(id);
    expect(statuses).toEqual(['file_processing', 'needs_review']);
    expect(() => sim.advanceUntil(id, 'completed')).toThrow(/needs_review/);
  });

  it('refuses specs that make no sense', () => {
    expect(() => sim.createJob({ files: 1, failingFiles: 2 })).toThrow(RangeError);
    expect(() => sim.createJob({ endAtProgress: 2 })).toThrow(RangeError);
    expect(() => sim.createJob({ durations: { fileMs: -1 } })).toThrow(RangeError);
  });

  it('serves bodies that parse, for many seeds and every scenario', async () => {
    const other = await startSimulator({ clock: 'manual', seed: 7 });
    try {
      for (const name of Object.keys(expected) as ScenarioName[]) {
        for (let n = 0; n < 5; n++) {
          const { id } = other.createJob(name);
          while (other.remainingSteps(id) > 0) {
            other.advance(id, 3);
            expect(DataJob.safeParse(other.getJob(id)).success).toBe(true);
          }
        }
      }
    } finally {
      await other.close();
    }
  });
});

describe('what it served', () => {
  it('counts requests per job and keeps what each one was', async () => {
    const a = sim.createJob('happy');
    const b = sim.createJob('happy');
    await get(a.id);
    await get(a.id, { key: null });
    await get(a.id);
    await get(b.id);
    await request('/nowhere');
    expect(sim.requestCount(a.id)).toBe(3);
    expect(sim.requestCount(b.id)).toBe(1);
    expect(sim.requestCount('dj-unknown')).toBe(0);
    expect(sim.requestCount()).toBe(5);
    expect(sim.requests.map((r) => r.status)).toEqual([200, 401, 200, 200, 404]);
    expect(sim.requests[0]).toMatchObject({
      method: 'GET',
      rawPath: `/v1/flow/data-jobs/${a.id}`,
      jobId: a.id,
      status: 200,
      at: sim.now(),
      headers: expect.objectContaining({ authorization: sim.apiKey, 'x-team-id': sim.teamId }),
    });
    expect(sim.requests[4]).toMatchObject({ rawPath: '/nowhere', jobId: null });

    sim.resetRequests();
    expect(sim.requestCount()).toBe(0);
    expect(sim.requestCount(a.id)).toBe(0);
    expect(sim.requests).toHaveLength(0);
  });

  it('keeps exact counts when the request log is capped', async () => {
    const small = await startSimulator({ clock: 'manual', requestLogLimit: 4 });
    try {
      const { id } = small.createJob('happy');
      for (let i = 0; i < 20; i++) await get(id, { on: small });
      expect(small.requestCount(id)).toBe(20);
      expect(small.requests.length).toBeLessThanOrEqual(5);
      expect(small.requests.at(-1)?.status).toBe(200);
    } finally {
      await small.close();
    }
  });
});

describe('the list index', () => {
  const simulated = (id: string, name: string): SimulatedJob => new SimulatedJob(makeJob({ id, name }), 'team', [], 0);
  const query: ListQuery = { jobType: null, sortBy: 'name', sortOrder: 'asc', limit: 10, offset: 0 };
  const ids = (jobs: SimulatedJob[]): string[] => jobs.map((j) => j.job.id);

  it('sorts once and keeps the order until invalidated, so pages cost no sort', () => {
    const jobs = [simulated('dj-1', 'b'), simulated('dj-2', 'a')];
    const index = new ListIndex();
    expect(ids(index.page(jobs, 'team', query))).toEqual(['dj-2', 'dj-1']);
    (jobs[0] as SimulatedJob).job.name = '0';
    jobs.push(simulated('dj-3', ' '));
    expect(ids(index.page(jobs, 'team', query))).toEqual(['dj-2', 'dj-1']);
    index.invalidate();
    expect(ids(index.page(jobs, 'team', query))).toEqual(['dj-3', 'dj-1', 'dj-2']);
  });

  it('keeps one order per workspace, key and filter', () => {
    const jobs = [simulated('dj-1', 'b'), simulated('dj-2', 'a')];
    const index = new ListIndex();
    expect(ids(index.page(jobs, 'team', query))).toEqual(['dj-2', 'dj-1']);
    expect(ids(index.page(jobs, 'team', { ...query, sortBy: 'created_at' }))).toEqual(['dj-1', 'dj-2']);
    expect(index.page(jobs, 'team', { ...query, jobType: 'context_grounded_files' })).toEqual([]);
    expect(index.page(jobs, null, query)).toEqual([]);
  });
});

describe('at benchmark scale', () => {
  it('creates 2,000 jobs quickly and serves them with 50 ms latency at concurrency 16', async () => {
    const bench = await startSimulator({ clock: 'real', seed: 1 });
    try {
      const start = performance.now();
      const ids = Array.from({ length: 2_000 }, (_, i) => bench.createJob(i % 5 === 0 ? 'file-failures' : 'happy').id);
      expect(performance.now() - start).toBeLessThan(5_000);

      bench.setFault({ kind: 'latency', ms: 50 });
      const queue = ids.slice(0, 320);
      const served = performance.now();
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          for (let id = queue.pop(); id !== undefined; id = queue.pop()) {
            const res = await get(id, { on: bench });
            expect(res.status).toBe(200);
            await res.arrayBuffer();
          }
        }),
      );
      // 20 rounds of 50 ms: the simulator's own cost must stay small beside the latency.
      expect(performance.now() - served).toBeLessThan(20 * 50 + 2_500);
      expect(bench.requestCount()).toBe(320);
    } finally {
      await bench.close();
    }
  });

  it('pages through a team of 10,000 jobs in a few ms a page, in every order', async () => {
    const bench = await startSimulator({ clock: 'manual', seed: 2, requestLogLimit: 1 });
    try {
      const types = ['principle_files', 'context_grounded_files', 'context_grounded_vector_db'];
      const base = Date.parse('2026-07-28T14:00:00Z');
      for (let i = 0; i < 10_000; i++) {
        // Names and creation times repeat, so ties are everywhere and only the id settles them.
        const created = new Date(base + (i % 4_000) * 1_000).toISOString().replace('Z', '000Z');
        bench.putJob(
          makeJob({ id: `dj-scale-${i}`, name: `job ${(i * 7) % 1_000}`, job_type: types[i % 3] as string, created_at: created }),
        );
      }
      const jobs = bench.jobIds().map((id) => bench.getJob(id) as DomainJob);
      const ids = (sorted: DomainJob[]): string[] => sorted.map((j) => j.id);
      const ascBy = (key: (j: DomainJob) => string | number): DomainJob[] =>
        jobs
          .map((job) => ({ job, key: key(job) }))
          .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.job.id < b.job.id ? -1 : 1))
          .map((k) => k.job);
      const expectedOrders: [string, string[]][] = [
        ['sort_by=created_at', ids(ascBy((j) => Date.parse(j.created_at)).reverse())],
        ['sort_by=name&sort_order=asc', ids(ascBy((j) => j.name))],
        ['sort_by=job_type', ids(ascBy((j) => j.job_type).reverse())],
      ];

      const pageTimes: number[] = [];
      for (const [query, expectedIds] of expectedOrders) {
        const seen: string[] = [];
        for (let offset = 0; ; offset += 100) {
          const started = performance.now();
          const res = await request(`/v1/flow/data-jobs?${query}&limit=100&offset=${offset}`, { on: bench });
          const { data } = (await res.json()) as ListBody;
          pageTimes.push(performance.now() - started);
          seen.push(...data.map((j) => j.id));
          if (data.length < 100) break;
        }
        expect(seen).toEqual(expectedIds);
      }
      pageTimes.sort((a, b) => a - b);
      // Measured at a median of about 2 ms a page (the first of each order sorts: up to 200 ms cold);
      // the bounds leave room for a loaded two-core machine and catch work that grows with the team.
      expect(pageTimes[Math.floor(pageTimes.length / 2)]).toBeLessThan(20);
      expect(pageTimes.reduce((a, b) => a + b, 0)).toBeLessThan(6_000);
    } finally {
      await bench.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The list: GET /v1/flow/data-jobs

const LIST_ONLY_FIELDS_LEFT_OUT = [
  'additional_alignment_file_ids',
  'ingestion_jobs',
  'alignment_job',
  'files',
  'fine_tuning_job_ids',
  'timeline',
] as const;

/** The detail object as a list item shows it. */
function asListItem(job: DomainJob): Record<string, unknown> {
  const item: Record<string, unknown> = { ...job };
  for (const key of LIST_ONLY_FIELDS_LEFT_OUT) delete item[key];
  return item;
}

interface ListBody {
  object: string;
  data: DomainJob[];
}

describe('listing jobs', () => {
  const T0 = Date.parse('2026-07-28T14:00:00Z');
  /** A data-job timestamp `minutes` after T0, in the API's microsecond form. */
  const at = (minutes: number): string => new Date(T0 + minutes * 60_000).toISOString().replace('Z', '000Z');
  let lister: Simulator;

  beforeAll(async () => {
    lister = await startSimulator({ clock: 'manual', seed: 5, startTime: T0 });
  });
  afterAll(async () => {
    await lister.close();
  });
  afterEach(() => {
    lister.clearFaults();
    lister.resetRequests();
    for (const id of lister.jobIds()) lister.deleteJob(id);
  });

  const put = (id: string, fields: Partial<DomainJob> = {}, teamId?: string | null): DomainJob => {
    const job = makeJob({ id, ...fields });
    lister.putJob(job, teamId === undefined ? {} : { teamId });
    return job;
  };

  const list = (query = '', opts: GetOptions = {}): Promise<Response> =>
    request(`/v1/flow/data-jobs${query === '' ? '' : `?${query}`}`, { on: lister, ...opts });

  async function listBodyOf(query = '', opts: GetOptions = {}): Promise<ListBody> {
    const res = await list(query, opts);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    return (await res.json()) as ListBody;
  }

  const listIds = async (query = '', opts: GetOptions = {}): Promise<string[]> => (await listBodyOf(query, opts)).data.map((j) => j.id);

  /** Reads every page the way the bot must: until a page is shorter than `limit`. */
  async function readAllPages(query: string, limit: number, on = lister): Promise<string[][]> {
    const pages: string[][] = [];
    for (let offset = 0; ; offset += limit) {
      const ids = await listIds(`${query}&limit=${limit}&offset=${offset}`, { on });
      pages.push(ids);
      if (ids.length < limit) return pages;
    }
  }

  describe('answers', () => {
    it('lists the newest 25 by default, as the detail without its collections, and says nothing of a total', async () => {
      const jobs = Array.from({ length: 30 }, (_, i) =>
        put(`dj-list-${String(i).padStart(2, '0')}`, { created_at: at(i), user_id: `user-${i % 3}`, name: `Job ${i}` }),
      );
      const body = await listBodyOf();
      expect(Object.keys(body)).toEqual(['object', 'data']);
      expect(body.object).toBe('list');
      expect(body.data.map((j) => j.id)).toEqual(
        jobs
          .map((j) => j.id)
          .reverse()
          .slice(0, 25),
      );
      const newest = jobs.at(-1) as DomainJob;
      expect(body.data[0]).toEqual(asListItem(newest));
      expect(body.data[0]).toMatchObject({ user_id: 'user-2', name: 'Job 29', job_type: 'principle_files', status: 'file_processing' });
      for (const key of LIST_ONLY_FIELDS_LEFT_OUT) expect(body.data[0]).not.toHaveProperty(key);
    });

    it('serves list items of planned jobs in their current state', async () => {
      const { id } = lister.createJob('happy');
      lister.advanceUntil(id, 'running');
      const [item] = (await listBodyOf()).data;
      expect(item).toEqual(asListItem(lister.getJob(id) as DomainJob));
      expect(item).toMatchObject({ id, status: 'running', user_id: lister.userId, alignment_job_id: expect.any(String) });
    });

    it('follows putJob, updateJob and deleteJob at once', async () => {
      put('dj-b', { name: 'b', created_at: at(1) });
      put('dj-c', { name: 'c', created_at: at(2) });
      expect(await listIds('sort_by=name&sort_order=asc')).toEqual(['dj-b', 'dj-c']);
      put('dj-a', { name: 'a', created_at: at(3) });
      expect(await listIds('sort_by=name&sort_order=asc')).toEqual(['dj-a', 'dj-b', 'dj-c']);
      lister.updateJob('dj-a', (j) => {
        j.name = 'd';
      });
      expect(await listIds('sort_by=name&sort_order=asc')).toEqual(['dj-b', 'dj-c', 'dj-a']);
      lister.updateJob('dj-b', (j) => {
        j.status = 'running';
      });
      expect((await listBodyOf('sort_by=name&sort_order=asc')).data[0]?.status).toBe('running');
      lister.updateJob('dj-c', (j) => {
        j.created_at = at(9);
      });
      expect(await listIds()).toEqual(['dj-c', 'dj-a', 'dj-b']);
      expect(lister.deleteJob('dj-c')).toBe(true);
      expect(await listIds()).toEqual(['dj-a', 'dj-b']);
    });
  });

  describe('sorting and filtering', () => {
    // Ties on every key, so the id decides; names by code unit ('Zeta' before 'alpha').
    beforeEach(() => {
      put('dj-a', { name: 'beta', job_type: 'principle_files', created_at: at(3) });
      put('dj-b', { name: 'alpha', job_type: 'context_grounded_files', created_at: at(1) });
      put('dj-c', { name: 'beta', job_type: 'principle_files', created_at: at(2) });
      put('dj-d', { name: 'Zeta', job_type: 'context_grounded_vector_db', created_at: at(3) });
      put('dj-e', { name: 'alpha', job_type: 'principle_files', created_at: at(0) });
    });

    it.each([
      ['', ['dj-d', 'dj-a', 'dj-c', 'dj-b', 'dj-e']],
      ['sort_by=created_at&sort_order=desc', ['dj-d', 'dj-a', 'dj-c', 'dj-b', 'dj-e']],
      ['sort_order=asc', ['dj-e', 'dj-b', 'dj-c', 'dj-a', 'dj-d']],
      ['sort_by=name&sort_order=asc', ['dj-d', 'dj-b', 'dj-e', 'dj-a', 'dj-c']],
      ['sort_by=name', ['dj-c', 'dj-a', 'dj-e', 'dj-b', 'dj-d']],
      ['sort_by=job_type&sort_order=asc', ['dj-b', 'dj-d', 'dj-a', 'dj-c', 'dj-e']],
      ['sort_by=job_type&sort_order=desc', ['dj-e', 'dj-c', 'dj-a', 'dj-d', 'dj-b']],
      ['job_type=principle_files', ['dj-a', 'dj-c', 'dj-e']],
      ['job_type=principle_files&sort_by=name&sort_order=asc', ['dj-e', 'dj-a', 'dj-c']],
      ['job_type=context_grounded_vector_db', ['dj-d']],
      ['job_type=context_grounded_files&sort_order=asc', ['dj-b']],
    ])('orders ?%s as %j', async (query, ids) => {
      expect(await listIds(query)).toEqual(ids);
    });

    it('sorts created_at as an instant, whichever way the timestamp is written', async () => {
      // 14:02:30Z: after dj-c (14:02), before dj-a (14:03), although its text sorts after both.
      put('dj-f', { created_at: '2026-07-28T16:02:30+02:00' });
      expect(await listIds('sort_order=asc')).toEqual(['dj-e', 'dj-b', 'dj-c', 'dj-f', 'dj-a', 'dj-d']);
    });
  });

  describe('paging', () => {
    // 23 jobs, three to a minute: created_at ties everywhere.
    beforeEach(() => {
      for (let i = 0; i < 23; i++) put(`dj-p${String(i).padStart(2, '0')}`, { created_at: at(Math.floor(i / 3)) });
    });

    it.each([
      [5, 0, 5],
      [5, 20, 3],
      [25, 0, 23],
      [1, 22, 1],
      [100, 23, 0],
      [10, 1_000, 0],
    ])('limit %i, offset %i: %i jobs', async (limit, offset, count) => {
      const all = await listIds('limit=100');
      expect(await listIds(`limit=${limit}&offset=${offset}`)).toEqual(all.slice(offset, offset + count));
    });

    it.each(['sort_by=created_at', 'sort_by=name&sort_order=asc', 'sort_by=job_type'])(
      'reads every job exactly once, page by page (%s)',
      async (query) => {
        const pages = await readAllPages(query, 5);
        expect(pages.map((p) => p.length)).toEqual([5, 5, 5, 5, 3]);
        expect(pages.flat()).toEqual(await listIds(`${query}&limit=100`));
        expect(new Set(pages.flat()).size).toBe(23);
      },
    );
  });

  describe('query validation', () => {
    it.each([
      ['limit=0', 'limit', 'greater_than_equal', '0'],
      ['limit=101', 'limit', 'less_than_equal', '101'],
      ['limit=ten', 'limit', 'int_parsing', 'ten'],
      ['limit=', 'limit', 'int_parsing', ''],
      ['limit=2.5', 'limit', 'int_parsing', '2.5'],
      ['offset=-1', 'offset', 'greater_than_equal', '-1'],
      ['offset=1e3', 'offset', 'int_parsing', '1e3'],
      ['sort_by=updated_at', 'sort_by', 'enum', 'updated_at'],
      ['sort_by=', 'sort_by', 'enum', ''],
      ['sort_order=DESC', 'sort_order', 'enum', 'DESC'],
      ['job_type=fine_tuning', 'job_type', 'enum', 'fine_tuning'],
    ])('answers 422 to ?%s', async (query, name, type, input) => {
      const res = await list(query);
      expect(res.status).toBe(422);
      expect(res.headers.get('content-type')).toBe('application/json');
      const body = (await res.json()) as { detail: unknown[] };
      expect(body.detail).toEqual([{ loc: ['query', name], type, input, msg: expect.stringMatching(/^Input should be /), ...ctxOf(type) }]);
    });

    function ctxOf(type: string): { ctx?: unknown } {
      return type === 'int_parsing' ? {} : { ctx: expect.any(Object) };
    }

    it('words the errors as FastAPI does', async () => {
      const res = await list('limit=0&sort_order=up');
      expect(await res.json()).toEqual({
        detail: [
          {
            type: 'enum',
            loc: ['query', 'sort_order'],
            msg: "Input should be 'asc' or 'desc'",
            input: 'up',
            ctx: { expected: "'asc' or 'desc'" },
          },
          {
            type: 'greater_than_equal',
            loc: ['query', 'limit'],
            msg: 'Input should be greater than or equal to 1',
            input: '0',
            ctx: { ge: 1 },
          },
        ],
      });
    });

    it('reports every bad parameter at once, in the order the endpoint declares them', async () => {
      const res = await list('offset=-1&limit=0&sort_by=x&job_type=y&sort_order=z');
      expect(res.status).toBe(422);
      const body = (await res.json()) as { detail: { loc: string[] }[] };
      expect(body.detail.map((d) => d.loc[1])).toEqual(['job_type', 'sort_by', 'sort_order', 'limit', 'offset']);
    });

    it('accepts the edges and lenient integers, ignores unknown parameters, and takes the last of repeated ones', async () => {
      for (let i = 0; i < 3; i++) put(`dj-v${i}`, { created_at: at(i) });
      expect(await listIds('limit=1')).toEqual(['dj-v2']);
      expect(await listIds('limit=100&offset=0')).toHaveLength(3);
      expect(await listIds('limit=2.0')).toHaveLength(2);
      expect(await listIds('limit=%202%20')).toHaveLength(2);
      expect(await listIds('page=7&per_page=1&status=running')).toHaveLength(3);
      expect(await listIds('limit=1&limit=2')).toHaveLength(2);
      expect((await list('limit=1&limit=0')).status).toBe(422);
    });
  });

  describe('keys and workspaces', () => {
    beforeEach(() => {
      put('dj-team-1', { created_at: at(1) });
      put('dj-team-2', { created_at: at(2) });
      put('dj-mine', { created_at: at(3) }, null);
      put('dj-elsewhere', { created_at: at(4) }, '99999999-2222-4333-8444-555555555555');
    });

    it("shows the team's jobs with x-team-id and the key owner's personal ones without", async () => {
      expect(await listIds()).toEqual(['dj-team-2', 'dj-team-1']);
      expect(await listIds('', { team: null })).toEqual(['dj-mine']);
    });

    it.each([
      ['no key', null, 401, 'Not authenticated'],
      ['a wrong key', 'nope', 401, 'Invalid API key'],
      ['a Bearer prefix', 'Bearer <key>', 401, 'Invalid API key'],
    ])('answers 401 to %s, before looking at the query', async (_what, key, status, detail) => {
      const sent = key === 'Bearer <key>' ? `Bearer ${lister.apiKey}` : key;
      await expectDetail(await list('limit=0', { key: sent }), status, detail);
    });

    it('answers 403 to another team, after checking the query', async () => {
      const other = '11111111-2222-4333-8444-555555555555';
      await expectDetail(await list('', { team: other }), 403, 'You do not have access to this team');
      expect((await list('limit=0', { team: other })).status).toBe(422);
    });

    it('answers 405 to other methods', async () => {
      const res = await list('', { method: 'POST' });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('GET');
    });
  });

  describe('owners', () => {
    it('gives created jobs the key owner, or the owner asked for, on the job and its records', async () => {
      const mine = lister.createJob('happy');
      const theirs = lister.createJob('happy', { userId: 'user-teammate-7' });
      expect(mine.user_id).toBe(lister.userId);
      const detail = await fetchJob(theirs.id, { on: lister });
      expect(detail.user_id).toBe('user-teammate-7');
      expect(detail.ingestion_jobs.flatMap((r) => r.records).every((r) => r.user_id === 'user-teammate-7')).toBe(true);
      const owners = Object.fromEntries((await listBodyOf()).data.map((j) => [j.id, j.user_id]));
      expect(owners).toEqual({ [mine.id]: lister.userId, [theirs.id]: 'user-teammate-7' });
    });

    it("serves putJob's user_id as given", async () => {
      put('dj-owned', { user_id: '3689856c-92b2-5d6b-9751-8ece3957fef4' });
      expect((await listBodyOf()).data[0]?.user_id).toBe('3689856c-92b2-5d6b-9751-8ece3957fef4');
    });

    it('lets a job_type override reach the creation event too', async () => {
      const job = lister.createJob('happy', { overrides: { job_type: 'context_grounded_files' } });
      expect(job.job_type).toBe('context_grounded_files');
      expect(job.timeline[0]).toMatchObject({ event_type: 'job_created', metadata: { job_type: 'context_grounded_files' } });
    });
  });

  describe('faults and counts', () => {
    beforeEach(() => {
      put('dj-f1', { created_at: at(1) });
    });

    const listStatuses = async (n: number): Promise<number[]> => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        const res = await list();
        await res.arrayBuffer();
        out.push(res.status);
      }
      return out;
    };

    it.each([
      [{ kind: 'status', status: 503 }, 503],
      [{ kind: 'status', status: 500 }, 500],
      [{ kind: 'rate-limit', retryAfter: '3' }, 429],
    ] as const)('fails the N-th list request only: %j', async (fault, status) => {
      lister.setFault(fault, { list: true, after: 2, times: 1 });
      expect(await listStatuses(2)).toEqual([200, 200]);
      // Detail requests neither count towards `after` nor meet the fault.
      expect((await get('dj-f1', { on: lister })).status).toBe(200);
      const third = await list();
      expect(third.status).toBe(status);
      if (status === 429) expect(third.headers.get('retry-after')).toBe('3');
      expect(await listStatuses(2)).toEqual([200, 200]);
    });

    it('slows the list, not the detail', async () => {
      lister.setFault({ kind: 'latency', ms: 300 }, { list: true });
      let started = performance.now();
      expect((await list()).status).toBe(200);
      expect(performance.now() - started).toBeGreaterThanOrEqual(280);
      started = performance.now();
      expect((await get('dj-f1', { on: lister })).status).toBe(200);
      expect(performance.now() - started).toBeLessThan(250);
    });

    it('hangs a list request until the client gives up', async () => {
      lister.setFault({ kind: 'hang' }, { list: true, times: 1 });
      await expect(list('', { signal: AbortSignal.timeout(300) })).rejects.toThrow(/abort|timeout/i);
      expect(lister.requests.at(-1)).toMatchObject({ list: true, status: 0 });
      expect(await listIds()).toEqual(['dj-f1']);
    });

    it('damages list bodies: cut off, or data that is not a list', async () => {
      lister.setFault({ kind: 'malformed-json' }, { list: true, times: 1 });
      lister.setFault({ kind: 'wrong-shape' }, { list: true, times: 1 });
      const cut = await list();
      expect(cut.status).toBe(200);
      const text = await cut.text();
      expect(text.startsWith('{"object":"list","data":[')).toBe(true);
      expect(() => JSON.parse(text)).toThrow();
      expect(await (await list()).json()).toEqual({ object: 'list', data: 'x' });
    });

    it('applies global faults to the list, and job faults never', async () => {
      lister.setFault({ kind: 'status', status: 503 }, { jobId: 'dj-f1' });
      expect((await list()).status).toBe(200);
      lister.setFault({ kind: 'status', status: 500 }, { times: 1 });
      expect((await list()).status).toBe(500);
    });

    it('refuses list faults that make no sense', () => {
      expect(() => lister.setFault({ kind: 'hang' }, { list: true, jobId: 'dj-f1' })).toThrow(RangeError);
      expect(() => lister.setFault({ kind: 'hang' }, { after: -1 })).toThrow(RangeError);
      expect(() => lister.setFault({ kind: 'hang' }, { after: 1.5 })).toThrow(RangeError);
    });

    it('counts list requests apart, whatever they answered', async () => {
      await list();
      await list('limit=0');
      await list('', { key: null });
      await get('dj-f1', { on: lister });
      expect(lister.listRequestCount()).toBe(3);
      expect(lister.requestCount('dj-f1')).toBe(1);
      expect(lister.requestCount()).toBe(4);
      expect(lister.requests.map((r) => [r.list, r.status])).toEqual([
        [true, 200],
        [true, 422],
        [true, 401],
        [false, 200],
      ]);
      expect(lister.requests[0]).toMatchObject({ rawPath: '/v1/flow/data-jobs', jobId: null });
      lister.resetRequests();
      expect(lister.listRequestCount()).toBe(0);
    });
  });

  describe('jobs that come and go between pages', () => {
    // Ten jobs, newest first: dj-g9 … dj-g0; pages of four.
    beforeEach(() => {
      for (let i = 0; i < 10; i++) put(`dj-g${i}`, { created_at: at(i) });
    });

    it('skips one at the boundary when a job of an earlier page is deleted', async () => {
      lister.betweenPages(() => lister.deleteJob('dj-g8'));
      const pages = await readAllPages('', 4);
      expect(pages).toEqual([['dj-g9', 'dj-g8', 'dj-g7', 'dj-g6'], ['dj-g4', 'dj-g3', 'dj-g2', 'dj-g1'], ['dj-g0']]);
      expect(pages.flat()).not.toContain('dj-g5');
    });

    it('repeats one at the boundary when a newer job appears', async () => {
      lister.betweenPages(() => put('dj-new', { created_at: at(60) }));
      const pages = await readAllPages('', 4);
      expect(pages[1]?.[0]).toBe('dj-g6');
      expect(pages.flat().filter((id) => id === 'dj-g6')).toHaveLength(2);
      expect(pages.flat()).not.toContain('dj-new');
    });

    it('waits for the number of pages asked, counting only pages served', async () => {
      lister.setFault({ kind: 'status', status: 503 }, { list: true, times: 1 });
      lister.betweenPages(() => lister.deleteJob('dj-g0'), 2);
      expect((await list('limit=4')).status).toBe(503);
      expect((await list('limit=0')).status).toBe(422);
      expect(await listIds('limit=4')).toHaveLength(4);
      expect(lister.getJob('dj-g0')).toBeDefined();
      expect(await listIds('limit=4&offset=4')).toHaveLength(4);
      expect(lister.getJob('dj-g0')).toBeUndefined();
      expect(() => lister.betweenPages(() => {}, 0)).toThrow(RangeError);
    });
  });
});

describe('team feeds', () => {
  const T0 = Date.parse('2026-07-28T14:00:00Z');
  let fed: Simulator;

  beforeEach(async () => {
    fed = await startSimulator({ clock: 'manual', seed: 11, startTime: T0 });
  });
  afterEach(async () => {
    await fed.close();
  });

  const listFed = async (query = 'limit=100', opts: GetOptions = {}): Promise<DomainJob[]> => {
    const res = await request(`/v1/flow/data-jobs?${query}`, { on: fed, ...opts });
    expect(res.status).toBe(200);
    return ((await res.json()) as ListBody).data;
  };

  it("adds a job to the team's workspace every everyMs of simulator time, newest first in the list", async () => {
    const feed = fed.startFeed({ everyMs: 10_000 });
    expect(feed.jobIds()).toEqual([]);
    expect(feed.nextAt()).toBe(T0 + 10_000);
    fed.advanceTime(9_999);
    expect(await listFed()).toEqual([]);
    fed.advanceTime(1);
    expect(feed.jobIds()).toHaveLength(1);
    fed.advanceTime(25_000);
    const ids = feed.jobIds();
    expect(ids).toHaveLength(3);
    const listed = await listFed();
    expect(listed.map((j) => j.id)).toEqual([...ids].reverse());
    expect(listed.map((j) => Date.parse(j.created_at))).toEqual([T0 + 30_000, T0 + 20_000, T0 + 10_000]);
    expect(await listFed('limit=100', { team: null })).toEqual([]);
    expect(feed.nextAt()).toBe(T0 + 40_000);
  });

  it('tells onJob as soon as the clock moves, and every job list includes the new jobs', () => {
    const seen: string[] = [];
    fed.startFeed({ everyMs: 1_000, backlog: 1, onJob: (job) => seen.push(job.id) });
    expect(seen).toHaveLength(1);
    fed.advanceTime(2_000);
    expect(seen).toHaveLength(3);
    fed.advanceTime(1_000);
    expect(fed.jobIds()).toEqual(seen);
    expect(seen).toHaveLength(4);
  });

  it('creates the jobs due when a request comes, on a real clock too', async () => {
    const live = await startSimulator({ clock: 'real' });
    try {
      const started = { after: Date.now(), before: 0 };
      live.startFeed({ everyMs: 100 });
      started.before = Date.now();
      await new Promise((r) => setTimeout(r, 350));
      const asked = { after: Date.now(), before: 0 };
      const res = await request('/v1/flow/data-jobs', { on: live });
      asked.before = Date.now();
      const { data } = (await res.json()) as ListBody;
      // One job per 100 ms between the start and the request, whatever the machine made of the 350 ms.
      expect(data.length).toBeGreaterThanOrEqual(Math.max(2, Math.floor((asked.after - started.before) / 100)));
      expect(data.length).toBeLessThanOrEqual(Math.floor((asked.before - started.after) / 100));
      await new Promise((r) => setTimeout(r, 250));
      expect(live.jobIds().length).toBeGreaterThan(data.length);
    } finally {
      await live.close();
    }
  });

  it('plays clean completions, failed files, reviews and failures, over varied types, names and owners', async () => {
    const feed = fed.startFeed({ everyMs: 5_000, count: 20 });
    fed.advanceTime(20 * 5_000 + 3_600_000);
    const jobs = feed.jobIds().map((id) => fed.getJob(id) as DomainJob);
    expect(jobs).toHaveLength(20);
    const statuses = new Set(jobs.map((j) => j.status));
    for (const status of ['completed', 'needs_review', 'failed', 'cancelled']) expect(statuses).toContain(status);
    expect(jobs.some((j) => j.status === 'completed' && j.timeline.some((e) => e.event_type === 'ingestion_file_failed'))).toBe(true);
    expect(new Set(jobs.map((j) => j.job_type))).toEqual(
      new Set(['principle_files', 'context_grounded_files', 'context_grounded_vector_db']),
    );
    expect(new Set(jobs.map((j) => j.name)).size).toBe(20);
    expect(jobs.some((j) => j.name.startsWith('prod-'))).toBe(true);
    expect(jobs.some((j) => /claims/i.test(j.name))).toBe(true);
    expect(feed.owners).toHaveLength(4);
    expect(new Set(feed.owners).size).toBe(4);
    expect(feed.owners).toContain(fed.userId);
    const owners = new Set(jobs.map((j) => j.user_id));
    expect(owners.size).toBeGreaterThan(1);
    for (const owner of owners) expect(feed.owners).toContain(owner);
    for (const job of jobs) expect(DataJob.safeParse(job).success).toBe(true);
    // The feed ended with its count.
    expect(feed.nextAt()).toBeNull();
    fed.advanceTime(3_600_000);
    expect(feed.jobIds()).toHaveLength(20);
  });

  it('gives type filters and name sorts something to match', async () => {
    fed.startFeed({ everyMs: 1_000, count: 30 });
    fed.advanceTime(30_000);
    const all = await listFed();
    const grounded = await listFed('limit=100&job_type=context_grounded_files');
    expect(grounded.length).toBeGreaterThan(0);
    expect(grounded.length).toBeLessThan(all.length);
    expect(grounded.every((j) => j.job_type === 'context_grounded_files')).toBe(true);
    const byName = (await listFed('limit=100&sort_by=name&sort_order=asc')).map((j) => j.name);
    expect(byName).toEqual([...byName].sort());
  });

  it('starts with a backlog that has already moved on', async () => {
    const feed = fed.startFeed({ everyMs: 60_000, backlog: 3 });
    const jobs = feed.jobIds().map((id) => fed.getJob(id) as DomainJob);
    expect(jobs.map((j) => Date.parse(j.created_at))).toEqual([T0 - 120_000, T0 - 60_000, T0]);
    expect(jobs[0]?.status).not.toBe('file_processing');
    expect(jobs[2]?.status).toBe('file_processing');
    expect(feed.nextAt()).toBe(T0 + 60_000);
  });

  it('feeds the personal workspace, owned by the key owner', async () => {
    const feed = fed.startFeed({ everyMs: 1_000, teamId: null });
    fed.advanceTime(4_000);
    expect(feed.owners).toEqual([fed.userId]);
    const listed = await listFed('limit=100', { team: null });
    expect(listed).toHaveLength(4);
    expect(listed.every((j) => j.user_id === fed.userId)).toBe(true);
    expect(await listFed()).toEqual([]);
  });

  it('stops on request, and never brings back a job a test deleted', async () => {
    const feed = fed.startFeed({ everyMs: 1_000, owners: ['user-a', 'user-b'] });
    fed.advanceTime(3_000);
    const [first] = feed.jobIds();
    expect(fed.deleteJob(first as string)).toBe(true);
    fed.advanceTime(1_000);
    expect((await listFed()).map((j) => j.id)).not.toContain(first);
    feed.stop();
    fed.advanceTime(10_000);
    expect(feed.jobIds()).toHaveLength(4);
    expect(feed.nextAt()).toBeNull();
    expect(new Set((await listFed()).map((j) => j.user_id))).toEqual(new Set(['user-a', 'user-b']));
  });

  it('makes the same jobs for a seed, whatever else the test does and however often it looks', async () => {
    const twin = await startSimulator({ clock: 'manual', seed: 11, startTime: T0 });
    try {
      const a = fed.startFeed({ everyMs: 7_000 });
      const b = twin.startFeed({ everyMs: 7_000 });
      fed.advanceTime(70_000);
      for (let s = 0; s < 70; s++) {
        twin.createJob('happy');
        twin.advanceTime(1_000);
        b.jobIds();
      }
      const shape = (sim: Simulator, ids: string[]) =>
        ids.map((id) => {
          const j = sim.getJob(id) as DomainJob;
          return [j.id, j.name, j.job_type, j.user_id, j.status, j.updated_at];
        });
      expect(shape(twin, b.jobIds())).toEqual(shape(fed, a.jobIds()));
      expect(a.jobIds()).toHaveLength(10);
    } finally {
      await twin.close();
    }
  });

  it('refuses options that make no sense', () => {
    expect(() => fed.startFeed({ everyMs: 0 })).toThrow(RangeError);
    expect(() => fed.startFeed({ backlog: -1 })).toThrow(RangeError);
    expect(() => fed.startFeed({ count: 1.5 })).toThrow(RangeError);
    expect(() => fed.startFeed({ owners: [] })).toThrow(RangeError);
  });
});
