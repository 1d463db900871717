/**
 * SeekrFlow simulator: `GET /v1/flow/data-jobs/{id}`, `GET /v1/flow/data-jobs` and
 * `POST /v1/flow/data-jobs/{id}/start|cancel` on 127.0.0.1, for
 * tests, benchmarks and people trying the bot without a SeekrFlow account (`npm run simulate`).
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
 *   createJob(scenario?, { id?, teamId?, userId?, startAt?, overrides? }) → DataJob
 *       A job that moves through a planned lifecycle on the simulator's clock. `overrides` are merged
 *       into the first payload (name, job_type, ids…); the plan still decides statuses. A team job
 *       by default, owned by the key's user (`userId`) unless `userId` says otherwise.
 *   putJob(job, { teamId? })          serve exactly this payload (its `user_id` included); it never changes by itself
 *   getJob(id) → DataJob | undefined  a copy of what the API would answer now
 *   updateJob(id, mutate) → DataJob   change a job in place (the served JSON follows)
 *   advance(id, steps = 1) → DataJob  apply the job's next planned change(s) now
 *   advanceUntil(id, status | predicate) → DataJob   advance until the job matches; throws if it never does
 *   remainingSteps(id) → number       planned changes still to come (0: it will never change again)
 *   advanceTime(ms)                   move the clock (manual, or shift a real one); jobs and feeds follow
 *   deleteJob(id) → boolean           the job's id answers 404, and lists leave it out, from now on
 *   jobIds() → string[]
 * Feeds (feed.ts): startFeed({ everyMs?, teamId?, backlog?, count?, owners?, onJob? }) → Feed
 *   New jobs appear in a workspace every `everyMs` of simulator time, in a rotation of lifecycles,
 *   job types, names and owners. Feed: jobIds(), nextAt(), stop(), everyMs, teamId, owners.
 * Faults (faults.ts): setFault(fault, { jobId?, list?, after?, times? }), clearFaults().
 *   `list: true` aims at list requests only; `after: N` lets N matching requests through first.
 * Between pages: betweenPages(change, afterPages = 1) runs `change` once, right after that many more
 *   list pages (200 list answers) have been served: delete or add a job there and the next page
 *   repeats or skips one at the boundary, as the live API can.
 * What it served: requests (newest last, capped at `requestLogLimit`; counts are exact regardless),
 *   requestCount(jobId?) (every request, or those for one job id), listRequestCount() (requests to
 *   the list, whatever their query or answer; a request's `list` flag says the same), resetRequests().
 *
 * Rules, as the real API has them (docs/seekrflow-api.md), except the 422 for ids, which follows
 * the bot's own id rule (SeekrFlow does not publish one): `Authorization` must be the raw key (no
 * `Bearer`) or 401; `x-team-id` naming a team other than the key's → 403; the team header selects
 * the team's workspace, no header the key owner's personal one, and a job outside the selected
 * workspace is 404; ids that cannot be valid → 422; unknown ids → 404; other paths → 404; other
 * methods on either route → 405 (the actions take POST only). Every answer carries `cf-ray`. Checks
 * come in that order: key, then the id or query (422), then the team.
 *
 * Actions: `start` starts the alignment of a `ready_to_start` job (400 otherwise, and 400 for a
 * principle_files job without a system prompt): a planned job's alignment start comes now, and its
 * lifecycle goes on from there (pending, queued, running, its outcome); a job served as put is
 * queued and stays so. `cancel` ends a job whose alignment is pending, queued or running as
 * `cancelled` (409 otherwise, its detail a list), and nothing of its plan comes any more. Both answer
 * the job as it is then, and change it as served from then on.
 *
 * The list (listing.ts) shows the selected workspace's jobs only: `{"object":"list","data":[…]}`,
 * no total and no has-more flag. Query: `job_type` (optional; one of principle_files,
 * context_grounded_files, context_grounded_vector_db), `sort_by` = name | created_at (default) |
 * job_type, `sort_order` = asc | desc (default), `limit` 1–100 (default 25), `offset` ≥ 0 (default
 * 0). Any bad value → 422 `{"detail":[{"type","loc":["query",name],"msg","input","ctx"?}]}` listing
 * every bad parameter; unknown parameters are ignored; a repeated one counts by its last value.
 * Order: ascending by the key (names by code unit, created_at as an instant), ties by id; `desc` is
 * exactly that order reversed, so paging is deterministic. An item is the detail object without
 * additional_alignment_file_ids, ingestion_jobs, alignment_job, files, fine_tuning_job_ids and
 * timeline.
 */

import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DataJob } from '../src/domain/data-job.js';
import { type Clock, createClock } from './clock.js';
import { type Fault, FaultBook, type FaultOptions, type FaultPick, faultReply, JSON_TYPE, type Reply, type WouldServe } from './faults.js';
import { type Feed, type FeedJob, type FeedOptions, FeedSchedule } from './feed.js';
import { planJob, SimulatedJob } from './lifecycle.js';
import { LIST_PATH, ListIndex, type ListQuery, listBody, parseListQuery, sortFingerprint } from './listing.js';
import { createRandom, type Random } from './random.js';
import { resolveScenario, type ScenarioName, type ScenarioSpec } from './scenarios.js';

export type { Fault, FaultOptions } from './faults.js';
export type { Feed, FeedOptions } from './feed.js';
export { DEFAULT_FEED_EVERY_MS, FEED_ROTATION } from './feed.js';
export { JOB_TYPES, LIST_PATH } from './listing.js';
export type { Outcome, ScenarioName, ScenarioSpec, StageDurations } from './scenarios.js';
export { describeScenario, resolveScenario, SCENARIO_NAMES, SCENARIOS } from './scenarios.js';

export interface SimulatorOptions {
  /** 0 (default): any free port. */
  port?: number;
  /** Default: a random key. */
  apiKey?: string;
  /** The one team the key can use. Default: a random uuid. `null`: the key has no team at all. */
  teamId?: string | null;
  /** The key owner: the `user_id` of personal jobs, and of team jobs unless they say otherwise. Default: a random uuid. */
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
  /** The path is the list route (`GET /v1/flow/data-jobs`, any query). */
  list: boolean;
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
  /** The job's owner (`user_id`, also on its ingestion records). Default: the key owner, `Simulator.userId`. */
  userId?: string;
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

  startFeed(options?: FeedOptions): Feed;

  setFault(fault: Fault, options?: FaultOptions): void;
  clearFaults(): void;
  betweenPages(change: () => void, afterPages?: number): void;

  readonly requests: ReadonlyArray<ServedRequest>;
  requestCount(jobId?: string): number;
  listRequestCount(): number;
  resetRequests(): void;
}

export const ROUTE_PREFIX = '/v1/flow/data-jobs/';
const HOST = '127.0.0.1';
const MAX_ID_LENGTH = 128;
const ID_PATTERN = /^[A-Za-z0-9\-_.:]+$/;

/** What the request path asks for. */
type Target =
  | { kind: 'other' }
  | { kind: 'list'; search: string }
  /**
   * `/v1/flow/data-jobs/{something}`, or `…/{something}/start|cancel` (`action`): the decoded id (the
   * raw segment when it does not decode), and why it cannot be valid.
   */
  | { kind: 'job'; id: string; problem: string | null; action: JobAction | null };

/** What `POST /v1/flow/data-jobs/{id}/{action}` does to a job. */
type JobAction = 'start' | 'cancel';
const ACTIONS: readonly string[] = ['start', 'cancel'];

const OTHER: Target = { kind: 'other' };

function parseTarget(rawPath: string): Target {
  const q = rawPath.indexOf('?');
  const path = q === -1 ? rawPath : rawPath.slice(0, q);
  if (path === LIST_PATH) return { kind: 'list', search: q === -1 ? '' : rawPath.slice(q + 1) };
  if (!path.startsWith(ROUTE_PREFIX)) return OTHER;
  const parts = path.slice(ROUTE_PREFIX.length).split('/');
  const [segment = '', action = null] = parts;
  if (parts.length > 2 || (action !== null && !ACTIONS.includes(action))) return OTHER;
  const asked = action as JobAction | null;
  let id: string;
  try {
    id = decodeURIComponent(segment);
  } catch {
    return { kind: 'job', id: segment, problem: 'Data job id is not valid percent-encoding', action: asked };
  }
  return { kind: 'job', id, problem: idProblem(id), action: asked };
}

function idProblem(id: string): string | null {
  if (id.length === 0) return 'Data job id must not be empty';
  if (id.length > MAX_ID_LENGTH) return `Data job id must have at most ${MAX_ID_LENGTH} characters`;
  if (!ID_PATTERN.test(id)) return 'Data job id may contain only letters, digits and - _ . :';
  return null;
}

const json = (status: number, value: unknown): Reply => ({ status, body: JSON.stringify(value), contentType: JSON_TYPE });
const NOT_FOUND_ROUTE = json(404, { detail: 'Not Found' });
const NOT_FOUND_JOB = json(404, { detail: 'Data job not found' });
const METHOD_NOT_ALLOWED: Reply = { ...json(405, { detail: 'Method Not Allowed' }), headers: { allow: 'GET' } };
const POST_ONLY: Reply = { ...json(405, { detail: 'Method Not Allowed' }), headers: { allow: 'POST' } };
/** The statuses of a job whose alignment has been started and not yet ended. */
const ALIGNING: ReadonlySet<string> = new Set(['pending', 'queued', 'running']);
const NOT_AUTHENTICATED = json(401, { detail: 'Not authenticated' });
const INVALID_KEY = json(401, { detail: 'Invalid API key' });
const FORBIDDEN_TEAM = json(403, { detail: 'You do not have access to this team' });
const EMPTY_LIST = '{"object":"list","data":[]}';

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The workspace the request selects: the team header's, or null (personal) without one. */
const requestedTeam = (req: IncomingMessage): string | null => headerValue(req.headers['x-team-id']) || null;

const toMs = (at: number | Date | undefined, fallback: number): number =>
  at === undefined ? fallback : at instanceof Date ? at.getTime() : at;

/** Changes a test asked to make once enough list pages have been served. */
class PageHooks {
  private hooks: { remaining: number; change: () => void }[] = [];

  add(change: () => void, afterPages: number): void {
    if (!Number.isInteger(afterPages) || afterPages < 1) throw new RangeError(`afterPages must be a positive integer (got ${afterPages})`);
    this.hooks.push({ remaining: afterPages, change });
  }

  /** One more page was served: run the changes now due, in the order they were asked for. */
  pageServed(): void {
    if (this.hooks.length === 0) return;
    for (const hook of this.hooks) hook.remaining -= 1;
    const due = this.hooks.filter((h) => h.remaining <= 0);
    this.hooks = this.hooks.filter((h) => h.remaining > 0);
    for (const hook of due) hook.change();
  }
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const random = createRandom(options.seed);
  const clock: Clock = createClock(options.clock ?? 'real', options.startTime === undefined ? undefined : toMs(options.startTime, 0));
  const apiKey = options.apiKey ?? `sf-sim-${random.hex(40)}`;
  const teamId = options.teamId === undefined ? random.uuid() : options.teamId;
  const userId = options.userId ?? random.uuid();
  const logLimit = Math.max(0, options.requestLogLimit ?? 10_000);
  const onRequest = options.onRequest;

  const jobs = new Map<string, SimulatedJob>();
  const index = new ListIndex();
  const feeds: FeedSchedule[] = [];
  const faults = new FaultBook();
  const pageHooks = new PageHooks();
  let log: ServedRequest[] = [];
  let total = 0;
  let listTotal = 0;
  const perJob = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  /** Feeds create the jobs due by now; called before anything reads the job set. */
  const sync = (): void => {
    if (feeds.length === 0) return;
    const now = clock.now();
    for (const feed of feeds) feed.catchUp(now);
  };

  const record = (req: IncomingMessage, rawPath: string, target: Target): ServedRequest => {
    const jobId = target.kind === 'job' ? target.id : null;
    const list = target.kind === 'list';
    const served: ServedRequest = { method: req.method ?? 'GET', rawPath, jobId, list, headers: req.headers, status: 0, at: clock.now() };
    total += 1;
    if (jobId !== null) perJob.set(jobId, (perJob.get(jobId) ?? 0) + 1);
    if (list) listTotal += 1;
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

  /** A job enters, leaves, or may have moved in the list orders. */
  const store = (job: SimulatedJob): void => {
    jobs.set(job.job.id, job);
    index.invalidate();
  };

  const listPage = (workspace: string | null, query: ListQuery): string => {
    const page = index.page(jobs.values(), workspace, query);
    const now = clock.now();
    for (const job of page) job.settle(now);
    return listBody(page);
  };

  /** 401 for a missing or wrong key, else null. */
  const keyProblem = (req: IncomingMessage): Reply | null => {
    const authorization = headerValue(req.headers.authorization);
    if (authorization === undefined) return NOT_AUTHENTICATED;
    return authorization === apiKey ? null : INVALID_KEY;
  };

  const routeJob = (req: IncomingMessage, target: Extract<Target, { kind: 'job' }>): Reply => {
    if (target.problem !== null) {
      return json(422, { detail: [{ loc: ['path', 'data_job_id'], msg: target.problem, type: 'value_error', input: target.id }] });
    }
    const team = requestedTeam(req);
    if (team !== null && team !== teamId) return FORBIDDEN_TEAM;
    const job = live(target.id);
    if (!job || job.teamId !== team) return NOT_FOUND_JOB;
    if (target.action !== null) {
      const refused = act(job, target.action);
      if (refused) return refused;
    }
    return { status: 200, body: job.toBody(), contentType: JSON_TYPE };
  };

  /**
   * `start` (a `ready_to_start` job: its alignment is queued) or `cancel` (a job whose alignment is
   * pending, queued or running: it ends `cancelled`), done to the payload; or SeekrFlow's refusal.
   * A planned job's later steps still come.
   */
  const act = (simulated: SimulatedJob, action: JobAction): Reply | null => {
    const { job } = simulated;
    const now = new Date(clock.now()).toISOString();
    if (action === 'start') {
      if (job.status !== 'ready_to_start') {
        return json(400, { detail: `Data job cannot be started: its status is ${job.status} (it must be ready_to_start)` });
      }
      if (job.job_type === 'principle_files' && !job.system_prompt?.trim()) {
        return json(400, { detail: 'A system prompt is required before a principle_files job can be started' });
      }
      if (simulated.startNow(clock.now())) {
        simulated.changed();
        return null;
      }
      const alignmentId = `aln-${random.uuid()}`;
      Object.assign(job, { status: 'queued', alignment_job_id: alignmentId, updated_at: now });
      job.alignment_job = {
        id: alignmentId,
        created_at: now,
        updated_at: now,
        completed_at: null,
        status: 'queued',
        current_step: null,
        step_progress: null,
        progress: 0,
        estimated_completion_at: null,
        eta_minutes: null,
        status_message: null,
      };
    } else {
      if (!ALIGNING.has(job.status)) {
        return json(409, {
          detail: [
            { loc: ['path', 'data_job_id'], msg: `Data job has no alignment to cancel (its status is ${job.status})`, type: 'value_error' },
          ],
        });
      }
      Object.assign(job, { status: 'cancelled', updated_at: now });
      if (job.alignment_job) Object.assign(job.alignment_job, { status: 'cancelled', updated_at: now, completed_at: now });
      simulated.endPlan();
    }
    simulated.changed();
    return null;
  };

  const routeList = (req: IncomingMessage, target: Extract<Target, { kind: 'list' }>): Reply => {
    const parsed = parseListQuery(target.search);
    if (!parsed.ok) return json(422, { detail: parsed.issues });
    const team = requestedTeam(req);
    if (team !== null && team !== teamId) return FORBIDDEN_TEAM;
    return { status: 200, body: listPage(team, parsed.query), contentType: JSON_TYPE };
  };

  const route = (req: IncomingMessage, target: Target): Reply => {
    if (target.kind === 'other') return NOT_FOUND_ROUTE;
    if (target.kind === 'job' && target.action !== null) {
      if (req.method !== 'POST') return POST_ONLY;
    } else if (req.method !== 'GET') return METHOD_NOT_ALLOWED;
    const denied = keyProblem(req);
    if (denied) return denied;
    return target.kind === 'job' ? routeJob(req, target) : routeList(req, target);
  };

  /** The 200 body the request would have got, for faults that damage it. */
  const wouldServe = (req: IncomingMessage, target: Target): WouldServe => {
    if (target.kind === 'list') {
      const parsed = parseListQuery(target.search);
      const team = requestedTeam(req);
      const allowed = parsed.ok && (team === null || team === teamId);
      return { kind: 'list', json: allowed ? listPage(team, parsed.query) : EMPTY_LIST };
    }
    const jobId = target.kind === 'job' ? target.id : null;
    const job = target.kind === 'job' && target.problem === null ? live(target.id) : undefined;
    return { kind: 'job', jobId, json: job?.toJson() ?? null };
  };

  const answer = (req: IncomingMessage, res: ServerResponse, served: ServedRequest, target: Target, fault: FaultPick['fault']): void => {
    if (closed) return;
    if (fault?.kind === 'hang') {
      // Say nothing; the socket stays open until the client aborts or close() ends it.
      onRequest?.(served);
      return;
    }
    if (fault) {
      send(res, served, faultReply(fault, wouldServe(req, target)));
      return;
    }
    const reply = route(req, target);
    send(res, served, reply);
    // After the page is out, so the change falls between this page and the next.
    if (target.kind === 'list' && reply.status === 200) pageHooks.pageServed();
  };

  const server = createServer((req, res) => {
    sync();
    const rawPath = req.url ?? '/';
    const target = parseTarget(rawPath);
    const served = record(req, rawPath, target);
    const { latencyMs, fault } = faults.take({ jobId: served.jobId, list: served.list });
    if (latencyMs <= 0) {
      answer(req, res, served, target, fault);
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      sync();
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
    sync();
    const job = live(id);
    if (!job) throw new Error(`no job "${id}" in the simulator`);
    return job;
  };
  const snapshot = (job: SimulatedJob): DataJob => JSON.parse(job.toJson()) as DataJob;

  /** Plans a job and adds it; the feed passes its own random source so its jobs do not depend on the test's. */
  const plant = (scenario: ScenarioName | ScenarioSpec | undefined, opts: CreateJobOptions, rng: Random): SimulatedJob => {
    const createdAt = toMs(opts.startAt, clock.now());
    const plan = planJob(resolveScenario(scenario), {
      random: rng,
      userId: opts.userId ?? userId,
      createdAt,
      ...(opts.id !== undefined && { id: opts.id }),
      ...(typeof opts.overrides?.job_type === 'string' && { jobType: opts.overrides.job_type }),
    });
    if (opts.overrides) Object.assign(plan.job, opts.overrides);
    const job = new SimulatedJob(plan.job, opts.teamId === undefined ? teamId : opts.teamId, plan.steps, createdAt);
    store(job);
    return live(plan.job.id) ?? job;
  };

  const feedJob = (job: FeedJob, rng: Random): DataJob =>
    snapshot(
      plant(
        job.scenario,
        { teamId: job.teamId, userId: job.userId, startAt: job.createdAt, overrides: { name: job.name, job_type: job.jobType } },
        rng,
      ),
    );

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
      sync();
      return snapshot(plant(scenario, opts, random));
    },

    putJob(payload, opts = {}) {
      const copy = structuredClone(payload);
      store(new SimulatedJob(copy, opts.teamId === undefined ? teamId : opts.teamId, [], clock.now()));
    },

    getJob(id) {
      sync();
      const job = live(id);
      return job ? snapshot(job) : undefined;
    },

    updateJob(id, mutate) {
      const job = mustGet(id);
      const before = sortFingerprint(job);
      mutate(job.job);
      job.changed();
      // Status changes are the common case (a benchmark changes thousands): they keep the list orders.
      if (sortFingerprint(job) !== before) index.invalidate();
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
      // Jobs catch up lazily, when they are next read; feeds create what is due at once.
      clock.advance(ms);
      sync();
    },

    deleteJob(id) {
      sync();
      const deleted = jobs.delete(id);
      if (deleted) index.invalidate();
      return deleted;
    },

    jobIds() {
      sync();
      return [...jobs.keys()];
    },

    startFeed(feedOptions = {}) {
      const personal = (feedOptions.teamId === undefined ? teamId : feedOptions.teamId) === null;
      // A personal workspace holds the key owner's jobs only; a team has a few members.
      const owners = feedOptions.owners ?? (personal ? [userId] : [userId, random.uuid(), random.uuid(), random.uuid()]);
      const feedRandom = createRandom(random.int(0, 0xffff_ffff));
      const feed = new FeedSchedule(feedOptions, { teamId, owners }, feedRandom, clock.now(), feedJob, () => clock.now());
      feeds.push(feed);
      feed.catchUp(clock.now());
      return feed;
    },

    setFault(fault, opts) {
      faults.add(fault, opts);
    },

    clearFaults() {
      faults.clear();
    },

    betweenPages(change, afterPages = 1) {
      pageHooks.add(change, afterPages);
    },

    get requests() {
      return log;
    },

    requestCount(jobId) {
      return jobId === undefined ? total : (perJob.get(jobId) ?? 0);
    },

    listRequestCount() {
      return listTotal;
    },

    resetRequests() {
      log = [];
      total = 0;
      listTotal = 0;
      perJob.clear();
    },
  };
}
