/**
 * Misbehaviour on request: the failures the bot must survive, injected per job, on the list, or for
 * every request. A fault acts before any other check (path, key, team, query), as an outage or a
 * proxy in front of the API would: a global 503 answers every request, whatever it asks for.
 */

export type Fault =
  /** Answer this much later (wall-clock time, whatever the simulator's clock). Adds up with other faults. */
  | { kind: 'latency'; ms: number }
  /**
   * An error status, for every request it matches. Without `body`: 400, 409 and 422 with a `detail` as
   * SeekrFlow gives one, 401 and 403 as it refuses a key (revoked; without access to the team), 404 as
   * for a job that does not exist, 500
   * `{"detail":…}`, 502 Cloudflare plain text, 503 `{"message":…}`.
   */
  | { kind: 'status'; status: FaultStatus; body?: string }
  /** 429 with `Retry-After` exactly as given: seconds (`"2"`) or an HTTP date. */
  | { kind: 'rate-limit'; retryAfter: string }
  /** 200, `application/json`, and a body that is not JSON (a cut-off payload). */
  | { kind: 'malformed-json' }
  /** 200 with JSON that does not fit the contract (`status: 42`, `files: "x"`). */
  | { kind: 'wrong-shape' }
  /** Accept the request and never answer, until the client gives up or the simulator closes. */
  | { kind: 'hang' };

export type FaultKind = Fault['kind'];

export type FaultStatus = 400 | 401 | 403 | 404 | 409 | 422 | 500 | 502 | 503;
const FAULT_STATUSES: readonly number[] = [400, 401, 403, 404, 409, 422, 500, 502, 503];

export interface FaultOptions {
  /** Only requests for this job id (as decoded from the path). Default: every request. */
  jobId?: string;
  /** Only list requests (`GET /v1/flow/data-jobs`, any query). Not with `jobId`. */
  list?: boolean;
  /**
   * Let this many matching requests through untouched first: `{ list: true, after: 2, times: 1 }`
   * is the third list request, whenever the bot sends it. Default 0.
   */
  after?: number;
  /** Only the next N matching requests, then the fault is gone. Default: until `clearFaults()`. */
  times?: number;
}

/** What a request asks for, as far as faults care. */
export interface FaultTarget {
  jobId: string | null;
  list: boolean;
}

interface ActiveFault {
  fault: Fault;
  jobId: string | null;
  list: boolean;
  /** Matching requests still to let through before the fault acts. */
  skip: number;
  remaining: number;
}

const isScoped = (f: ActiveFault): boolean => f.list || f.jobId !== null;
const matches = (f: ActiveFault, target: FaultTarget): boolean => (f.list ? target.list : f.jobId === null || f.jobId === target.jobId);

export interface FaultPick {
  latencyMs: number;
  fault: Exclude<Fault, { kind: 'latency' }> | null;
}

const NONE: FaultPick = { latencyMs: 0, fault: null };

/**
 * Matching is by order of precedence: faults for the job (or the list) before global ones, and among
 * those in the order they were set, so `times` can script a sequence (a 503, then a 429, then
 * success). Every latency fault that matches adds its delay; the first other fault that matches
 * decides the answer. Each fault used by a request counts one of its `times`; a fault still letting
 * requests through (`after`) counts every matching request, used or not, so "the third list
 * request" means the third whatever other faults do.
 */
export class FaultBook {
  private faults: ActiveFault[] = [];

  get size(): number {
    return this.faults.length;
  }

  add(fault: Fault, options: FaultOptions = {}): void {
    validate(fault);
    const times = options.times ?? Number.POSITIVE_INFINITY;
    if (!(times >= 1) || (Number.isFinite(times) && !Number.isInteger(times))) {
      throw new RangeError(`times must be a positive integer (got ${options.times})`);
    }
    const after = options.after ?? 0;
    if (!Number.isInteger(after) || after < 0) throw new RangeError(`after must be a non-negative integer (got ${options.after})`);
    const list = options.list ?? false;
    if (list && options.jobId !== undefined) throw new RangeError('a fault is for one job or for the list, not both');
    this.faults.push({ fault: { ...fault }, jobId: options.jobId ?? null, list, skip: after, remaining: times });
  }

  clear(): void {
    this.faults = [];
  }

  /** The faults that apply to one request; uses them up. */
  take(target: FaultTarget): FaultPick {
    if (this.faults.length === 0) return NONE;
    let latencyMs = 0;
    let fault: FaultPick['fault'] = null;
    let used = false;
    for (const scoped of [true, false]) {
      for (const active of this.faults) {
        if (isScoped(active) !== scoped || !matches(active, target)) continue;
        if (active.skip > 0) {
          active.skip -= 1;
          continue;
        }
        if (active.fault.kind === 'latency') {
          latencyMs += active.fault.ms;
        } else if (fault === null) {
          fault = active.fault;
        } else {
          continue;
        }
        active.remaining -= 1;
        used = true;
      }
    }
    if (used) this.faults = this.faults.filter((f) => f.remaining > 0);
    return { latencyMs, fault };
  }
}

function validate(fault: Fault): void {
  switch (fault.kind) {
    case 'latency':
      if (!Number.isFinite(fault.ms) || fault.ms < 0) throw new RangeError(`latency must be a non-negative number of ms (got ${fault.ms})`);
      return;
    case 'status':
      if (!FAULT_STATUSES.includes(fault.status))
        throw new RangeError(`status fault must be one of ${FAULT_STATUSES.join(', ')} (got ${fault.status})`);
      return;
    case 'rate-limit':
      if (typeof fault.retryAfter !== 'string' || fault.retryAfter.trim() === '')
        throw new RangeError('rate-limit needs a Retry-After value');
      return;
    case 'malformed-json':
    case 'wrong-shape':
    case 'hang':
      return;
    default:
      throw new RangeError(`unknown fault ${JSON.stringify(fault)}`);
  }
}

export interface Reply {
  status: number;
  body: string | Buffer;
  contentType: string;
  headers?: Record<string, string>;
}

export const JSON_TYPE = 'application/json';
export const TEXT_TYPE = 'text/plain; charset=utf-8';

const DEFAULT_ERROR_BODIES: Record<FaultStatus, string> = {
  400: JSON.stringify({ detail: 'Bad request' }),
  409: JSON.stringify({ detail: 'Conflict' }),
  422: JSON.stringify({ detail: [{ loc: ['path', 'data_job_id'], msg: 'Input should be a valid string', type: 'string_type' }] }),
  401: JSON.stringify({ detail: 'Invalid API key' }),
  403: JSON.stringify({ detail: 'You do not have access to this team' }),
  404: JSON.stringify({ detail: 'Data job not found' }),
  500: JSON.stringify({ detail: 'Internal Server Error' }),
  // What Cloudflare answers when the origin is unreachable.
  502: 'error code: 502',
  503: JSON.stringify({ message: 'SeekrFlow is undergoing scheduled maintenance. Please try again shortly.' }),
};

function looksLikeJson(body: string): boolean {
  try {
    JSON.parse(body);
    return true;
  } catch {
    return false;
  }
}

/** The 200 body the request would have got without the fault, so damaged bodies look like the real thing damaged. */
export type WouldServe = { kind: 'job'; jobId: string | null; json: string | null } | { kind: 'list'; json: string };

/** The answer a fault gives. */
export function faultReply(fault: Exclude<Fault, { kind: 'latency' | 'hang' }>, wouldServe: WouldServe): Reply {
  switch (fault.kind) {
    case 'status': {
      const body = fault.body ?? DEFAULT_ERROR_BODIES[fault.status];
      return { status: fault.status, body, contentType: looksLikeJson(body) ? JSON_TYPE : TEXT_TYPE };
    }
    case 'rate-limit':
      return {
        status: 429,
        body: JSON.stringify({ detail: 'Too Many Requests' }),
        contentType: JSON_TYPE,
        headers: { 'retry-after': fault.retryAfter },
      };
    case 'malformed-json': {
      // A strict prefix of a JSON object is never valid JSON: the closing brace is missing.
      const full =
        wouldServe.json ?? JSON.stringify({ id: idOf(wouldServe), status: 'running', files: [{ file_id: 'file-1', status: 'completed' }] });
      return { status: 200, body: full.slice(0, Math.max(1, Math.floor(full.length / 2))), contentType: JSON_TYPE };
    }
    case 'wrong-shape':
      return { status: 200, body: wrongShape(wouldServe), contentType: JSON_TYPE };
  }
}

const idOf = (wouldServe: WouldServe): string | null => (wouldServe.kind === 'job' ? wouldServe.jobId : null);

/** A job with fields of the wrong types, or a list whose `data` is not a list. */
function wrongShape(wouldServe: WouldServe): string {
  if (wouldServe.kind === 'list') return JSON.stringify({ object: 'list', data: 'x' });
  const base = wouldServe.json ? (JSON.parse(wouldServe.json) as Record<string, unknown>) : { id: wouldServe.jobId };
  return JSON.stringify({ ...base, status: 42, files: 'x', timeline: { events: [] } });
}
