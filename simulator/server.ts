/**
 * SeekrFlow simulator: `GET /v1/flow/data-jobs/{id}` on 127.0.0.1, for tests, benchmarks and people
 * trying the bot without a SeekrFlow account (`npm run simulate`).
 *
 *   const sim = await startSimulator({ clock: 'manual' });   // port 0 (any free port) by default
 *   const job = sim.createJob('file-failures');              // or a ScenarioSpec, see scenarios.ts
 *   sim.advanceTime(30_000);                                 // every job moves on 30 s
 *   sim.advance(job.id);                                     // or: this job's next change, now
 *   sim.setFault({ kind: 'rate-limit', retryAfter: '2' }, { jobId: job.id, times: 1 });
 *   await fetch(`${sim.url}/v1/flow/data-jobs/${job.id}`, { headers: { authorization: sim.apiKey, 'x-team-id': sim.teamId } });
 *   sim.requestCount(job.id);                                // 1
 *   await sim.close();
 *
 * Jobs:
 *   createJob(scenario?, { id?, teamId?, startAt?, overrides? }) → DataJob
 *       A job that moves through a planned lifecycle on the simulator's clock. `overrides` are merged
 *       into the first payload (name, ids…); the plan still decides statuses. A team job by default.
 *   putJob(job, { teamId? })          serve exactly this payload; it never changes by itself
 *   getJob(id) → DataJob | undefined  a copy of what the API would answer now
 *   updateJob(id, mutate) → DataJob   change a job in place (the served JSON follows)
 *   advance(id, steps = 1) → DataJob  apply the job's next planned change(s) now
 *   advanceUntil(id, status | predicate) → DataJob   advance until the job matches; throws if it never does
 *   remainingSteps(id) → number       planned changes still to come (0: it will never change again)
 *   advanceTime(ms)                   move the clock (manual, or shift a real one); jobs follow
 *   deleteJob(id) → boolean           the job's id answers 404 from now on
 *   jobIds() → string[]
 * Faults (faults.ts): setFault(fault, { jobId?, times? }), clearFaults().
 * What it served: requests (newest last, capped at `requestLogLimit`; counts are exact regardless),
 *   requestCount(jobId?), resetRequests().
 *
 * Rules, as the real API has them (docs/seekrflow-api.md), except the 422 for ids, which follows
 * the bot's own id rule (SeekrFlow does not publish one): `Authorization` must be the raw key (no
 * `Bearer`) or 401; `x-team-id` naming a team other than the key's → 403; the team header selects
 * the team's workspace, no header the key owner's personal one, and a job outside the selected
 * workspace is 404; ids that cannot be valid → 422; unknown ids → 404; other paths → 404; other
 * methods on the route → 405. Every answer carries `cf-ray`.
 */

import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DataJob } from '../src/domain/data-job.js';
import { type Clock, createClock } from './clock.js';
import { type Fault, FaultBook, type FaultOptions, type FaultPick, faultReply, JSON_TYPE, type Reply } from './faults.js';
import { planJob, SimulatedJob } from './lifecycle.js';
import { createRandom } from './random.js';
import { resolveScenario, type ScenarioName, type ScenarioSpec } from './scenarios.js';

export type { Fault, FaultOptions } from './faults.js';
export type { Outcome, ScenarioName, ScenarioSpec, StageDurations } from './scenarios.js';
export { describeScenario, resolveScenario, SCENARIO_NAMES, SCENARIOS } from './scenarios.js';

export interface SimulatorOptions {
  /** 0 (default): any free port. */
  port?: number;
  /** Default: a random key. */
  apiKey?: string;
  /** The one team the key can use. Default: a random uuid. `null`: the key has no team at all. */
  teamId?: string | null;
  /** The key owner; every job's `user_id`. Default: a random uuid. */
  userId?: string;
  /** `manual`: time moves only with `advanceTime`. Default `real`. */
  clock?: 'real' | 'manual';
  /** Where the clock starts (epoch ms or a Date). Default: now. */
  startTime?: number | Date;
  /** Makes generated ids, names and sizes reproducible. */
  seed?: number;
  /** How many requests `requests` keeps (the oldest go first). Default 10,000. */
  requestLogLimit?: number;
  /** Called once a request is answered (status 0 for a hang). */
  onRequest?: (request: ServedRequest) => void;
}

export interface ServedRequest {
  method: string;
  /** The request target as sent, query included. */
  rawPath: string;
  /** The decoded id when the path is the data-job route, else null. */
  jobId: string | null;
  headers: IncomingHttpHeaders;
  /** 0 until answered; stays 0 for a hang. */
  status: number;
  /** Simulator clock time the request arrived. */
  at: number;
}

export interface CreateJobOptions {
  id?: string;
  /** Default: the simulator's team (a personal job when it has none). `null`: the personal workspace. */
  teamId?: string | null;
  /** When the job was created on the simulator's clock. In the past, it has already progressed. Default: now. */
  startAt?: number | Date;
  /** Merged into the first payload. */
  overrides?: Partial<DataJob>;
}

export interface Simulator {
  readonly url: string;
  readonly port: number;
  readonly apiKey: string;
  readonly teamId: string | null;
  readonly userId: string;
  readonly clockKind: 'real' | 'manual';
  now(): number;
  close(): Promise<void>;

  createJob(scenario?: ScenarioName | ScenarioSpec, options?: CreateJobOptions): DataJob;
  putJob(job: DataJob, options?: { teamId?: string | null }): void;
  getJob(id: string): DataJob | undefined;
  updateJob(id: string, mutate: (job: DataJob) => void): DataJob;
  advance(id: string, steps?: number): DataJob;
  advanceUntil(id: string, until: string | ((job: DataJob) => boolean)): DataJob;
  remainingSteps(id: string): number;
  advanceTime(ms: number): void;
  deleteJob(id: string): boolean;
  jobIds(): string[];

  setFault(fault: Fault, options?: FaultOptions): void;
  clearFaults(): void;

  readonly requests: ReadonlyArray<ServedRequest>;
  requestCount(jobId?: string): number;
  resetRequests(): void;
}

export const ROUTE_PREFIX = '/v1/flow/data-jobs/';
const HOST = '127.0.0.1';
const MAX_ID_LENGTH = 128;
const ID_PATTERN = /^[A-Za-z0-9\-_.:]+$/;

interface Target {
  /** The path is `/v1/flow/data-jobs/{something}`. */
  route: boolean;
  /** Decoded id, or the raw segment when it does not decode. */
  id: string | null;
  valid: boolean;
  /** Why an id that cannot be valid is refused. */
  problem: string | null;
}

const NOT_ROUTE: Target = { route: false, id: null, valid: false, problem: null };

function parseTarget(rawPath: string): Target {
  const q = rawPath.indexOf('?');
  const path = q === -1 ? rawPath : rawPath.slice(0, q);
  if (!path.startsWith(ROUTE_PREFIX)) return NOT_ROUTE;
  const segment = path.slice(ROUTE_PREFIX.length);
  if (segment.includes('/')) return NOT_ROUTE;
  let id: string;
  try {
    id = decodeURIComponent(segment);
  } catch {
    return { route: true, id: segment, valid: false, problem: 'Data job id is not valid percent-encoding' };
  }
  if (id.length === 0) return { route: true, id, valid: false, problem: 'Data job id must not be empty' };
  if (id.length > MAX_ID_LENGTH) {
    return { route: true, id, valid: false, problem: `Data job id must have at most ${MAX_ID_LENGTH} characters` };
  }
  if (!ID_PATTERN.test(id)) {
    return { route: true, id, valid: false, problem: 'Data job id may contain only letters, digits and - _ . :' };
  }
  return { route: true, id, valid: true, problem: null };
}

const json = (status: number, value: unknown): Reply => ({ status, body: JSON.stringify(value), contentType: JSON_TYPE });
const NOT_FOUND_ROUTE = json(404, { detail: 'Not Found' });
const NOT_FOUND_JOB = json(404, { detail: 'Data job not found' });
const METHOD_NOT_ALLOWED: Reply = { ...json(405, { detail: 'Method Not Allowed' }), headers: { allow: 'GET' } };
const NOT_AUTHENTICATED = json(401, { detail: 'Not authenticated' });
const INVALID_KEY = json(401, { detail: 'Invalid API key' });
const FORBIDDEN_TEAM = json(403, { detail: 'You do not have access to this team' });

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

const toMs = (at: number | Date | undefined, fallback: number): number =>
  at === undefined ? fallback : at instanceof Date ? at.getTime() : at;

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const random = createRandom(options.seed);
  const clock: Clock = createClock(options.clock ?? 'real', options.startTime === undefined ? undefined : toMs(options.startTime, 0));
  const apiKey = options.apiKey ?? `sf-sim-${random.hex(40)}`;
  const teamId = options.teamId === undefined ? random.uuid() : options.teamId;
  const userId = options.userId ?? random.uuid();
  const logLimit = Math.max(0, options.requestLogLimit ?? 10_000);
  const onRequest = options.onRequest;

  const jobs = new Map<string, SimulatedJob>();
  const faults = new FaultBook();
  let log: ServedRequest[] = [];
  let total = 0;
  const perJob = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  const record = (req: IncomingMessage, rawPath: string, jobId: string | null): ServedRequest => {
    const served: ServedRequest = { method: req.method ?? 'GET', rawPath, jobId, headers: req.headers, status: 0, at: clock.now() };
    total += 1;
    if (jobId !== null) perJob.set(jobId, (perJob.get(jobId) ?? 0) + 1);
    if (logLimit > 0) {
      log.push(served);
      // Trim in batches: one splice per many requests keeps a long benchmark cheap.
      if (log.length >= logLimit + Math.max(1, logLimit >> 2)) log.splice(0, log.length - logLimit);
    }
    return served;
  };

  const send = (res: ServerResponse, served: ServedRequest, reply: Reply): void => {
    if (res.destroyed || res.writableEnded) return;
    served.status = reply.status;
    res.writeHead(reply.status, {
      'content-type': reply.contentType,
      'content-length': typeof reply.body === 'string' ? Buffer.byteLength(reply.body) : reply.body.length,
      'cf-ray': `${randomBytes(8).toString('hex')}-IAD`,
      server: 'cloudflare',
      ...reply.headers,
    });
    res.end(reply.body);
    onRequest?.(served);
  };

  /** Looks the job up and brings it up to date. */
  const live = (id: string): SimulatedJob | undefined => {
    const job = jobs.get(id);
    job?.settle(clock.now());
    return job;
  };

  const route = (req: IncomingMessage, target: Target): Reply => {
    if (!target.route) return NOT_FOUND_ROUTE;
    if (req.method !== 'GET') return METHOD_NOT_ALLOWED;
    const authorization = headerValue(req.headers.authorization);
    if (authorization === undefined) return NOT_AUTHENTICATED;
    if (authorization !== apiKey) return INVALID_KEY;
    if (!target.valid) {
      return json(422, { detail: [{ loc: ['path', 'data_job_id'], msg: target.problem, type: 'value_error', input: target.id }] });
    }
    const team = headerValue(req.headers['x-team-id']) || null;
    if (team !== null && team !== teamId) return FORBIDDEN_TEAM;
    const job = live(target.id as string);
    if (!job || job.teamId !== team) return NOT_FOUND_JOB;
    return { status: 200, body: job.toBody(), contentType: JSON_TYPE };
  };

  const answer = (req: IncomingMessage, res: ServerResponse, served: ServedRequest, target: Target, fault: FaultPick['fault']): void => {
    if (closed) return;
    if (fault?.kind === 'hang') {
      // Say nothing; the socket stays open until the client aborts or close() ends it.
      onRequest?.(served);
      return;
    }
    if (fault) {
      const job = target.valid && target.id !== null ? live(target.id) : undefined;
      send(res, served, faultReply(fault, target.id, job?.toJson() ?? null));
      return;
    }
    send(res, served, route(req, target));
  };

  const server = createServer((req, res) => {
    const rawPath = req.url ?? '/';
    const target = parseTarget(rawPath);
    const served = record(req, rawPath, target.id);
    const { latencyMs, fault } = faults.take(target.id);
    if (latencyMs <= 0) {
      answer(req, res, served, target, fault);
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      answer(req, res, served, target, fault);
    }, latencyMs);
    timers.add(timer);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  const mustGet = (id: string): SimulatedJob => {
    const job = live(id);
    if (!job) throw new Error(`no job "${id}" in the simulator`);
    return job;
  };
  const snapshot = (job: SimulatedJob): DataJob => JSON.parse(job.toJson()) as DataJob;

  return {
    url: `http://${HOST}:${port}`,
    port,
    apiKey,
    teamId,
    userId,
    clockKind: clock.kind,
    now: () => clock.now(),

    async close() {
      if (closed) return;
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Hanging and kept-alive connections would hold close() open forever.
        server.closeAllConnections();
      });
    },

    createJob(scenario, opts = {}) {
      const createdAt = toMs(opts.startAt, clock.now());
      const plan = planJob(resolveScenario(scenario), { random, userId, createdAt, ...(opts.id !== undefined && { id: opts.id }) });
      if (opts.overrides) Object.assign(plan.job, opts.overrides);
      const job = new SimulatedJob(plan.job, opts.teamId === undefined ? teamId : opts.teamId, plan.steps, createdAt);
      jobs.set(plan.job.id, job);
      return snapshot(live(plan.job.id) ?? job);
    },

    putJob(payload, opts = {}) {
      const copy = structuredClone(payload);
      jobs.set(copy.id, new SimulatedJob(copy, opts.teamId === undefined ? teamId : opts.teamId, [], clock.now()));
    },

    getJob(id) {
      const job = live(id);
      return job ? snapshot(job) : undefined;
    },

    updateJob(id, mutate) {
      const job = mustGet(id);
      mutate(job.job);
      job.changed();
      return snapshot(job);
    },

    advance(id, steps = 1) {
      const job = mustGet(id);
      job.advance(clock.now(), steps);
      return snapshot(job);
    },

    advanceUntil(id, until) {
      const job = mustGet(id);
      const matches = typeof until === 'string' ? (j: DataJob) => j.status === until : until;
      while (!matches(job.job)) {
        if (job.advance(clock.now(), 1) === 0) {
          throw new Error(
            `job "${id}" ended in "${job.job.status}" without reaching ${typeof until === 'string' ? `"${until}"` : 'the condition'}`,
          );
        }
      }
      return snapshot(job);
    },

    remainingSteps(id) {
      return mustGet(id).remainingSteps;
    },

    advanceTime(ms) {
      // Jobs catch up lazily, when they are next read.
      clock.advance(ms);
    },

    deleteJob(id) {
      return jobs.delete(id);
    },

    jobIds() {
      return [...jobs.keys()];
    },

    setFault(fault, opts) {
      faults.add(fault, opts);
    },

    clearFaults() {
      faults.clear();
    },

    get requests() {
      return log;
    },

    requestCount(jobId) {
      return jobId === undefined ? total : (perJob.get(jobId) ?? 0);
    },

    resetRequests() {
      log = [];
      total = 0;
      perJob.clear();
    },
  };
}
