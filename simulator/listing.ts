/**
 * `GET /v1/flow/data-jobs`: the query rules, the sort orders and the pages (docs/seekrflow-api.md,
 * "Listing jobs"). Kept apart from server.ts so the route there stays a few lines.
 */

import type { SimulatedJob } from './lifecycle.js';

export const LIST_PATH = '/v1/flow/data-jobs';

export const SORT_KEYS = ['name', 'created_at', 'job_type'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export const SORT_ORDERS = ['asc', 'desc'] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];
/** What `job_type` may filter on: the job types SeekrFlow documents. */
export const JOB_TYPES = ['principle_files', 'context_grounded_files', 'context_grounded_vector_db'] as const;

export const LIMIT_MIN = 1;
export const LIMIT_MAX = 100;
export const DEFAULT_LIMIT = 25;

export interface ListQuery {
  jobType: string | null;
  sortBy: SortKey;
  sortOrder: SortOrder;
  limit: number;
  offset: number;
}

/** One entry of a FastAPI 422 `detail`, worded as pydantic words it. */
export interface ValidationIssue {
  type: string;
  loc: ['query', string];
  msg: string;
  input: string;
  ctx?: Record<string, unknown>;
}

export type ParsedQuery = { ok: true; query: ListQuery } | { ok: false; issues: ValidationIssue[] };

/** pydantic's way of listing allowed values: 'a', 'b' or 'c'. */
function expected(values: readonly string[]): string {
  const quoted = values.map((v) => `'${v}'`);
  return quoted.length < 2 ? quoted.join('') : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
}

function oneOf(name: string, raw: string, values: readonly string[]): ValidationIssue | null {
  if (values.includes(raw)) return null;
  const allowed = expected(values);
  return { type: 'enum', loc: ['query', name], msg: `Input should be ${allowed}`, input: raw, ctx: { expected: allowed } };
}

// pydantic's lax int parsing of a query string: surrounding spaces and a zero fraction ("5.0") pass.
const INTEGER = /^\s*([+-]?\d+)(?:\.0*)?\s*$/;

function integer(name: string, raw: string, min: number, max: number | null): number | ValidationIssue {
  const match = INTEGER.exec(raw);
  if (!match) {
    return {
      type: 'int_parsing',
      loc: ['query', name],
      msg: 'Input should be a valid integer, unable to parse string as an integer',
      input: raw,
    };
  }
  const value = Number(match[1]);
  if (value < min) {
    return {
      type: 'greater_than_equal',
      loc: ['query', name],
      msg: `Input should be greater than or equal to ${min}`,
      input: raw,
      ctx: { ge: min },
    };
  }
  if (max !== null && value > max) {
    return {
      type: 'less_than_equal',
      loc: ['query', name],
      msg: `Input should be less than or equal to ${max}`,
      input: raw,
      ctx: { le: max },
    };
  }
  return value;
}

/**
 * Reads the query as FastAPI would: unknown parameters are ignored, a repeated one counts by its
 * last value, an empty one is invalid rather than absent, and every bad parameter is reported at
 * once, in the order the endpoint declares them.
 */
export function parseListQuery(search: string): ParsedQuery {
  const params = new URLSearchParams(search);
  const last = (name: string): string | undefined => params.getAll(name).at(-1);
  const issues: ValidationIssue[] = [];
  const check = (issue: ValidationIssue | null): void => {
    if (issue) issues.push(issue);
  };
  const numberOf = (name: string, fallback: number, min: number, max: number | null): number => {
    const raw = last(name);
    if (raw === undefined) return fallback;
    const value = integer(name, raw, min, max);
    if (typeof value === 'number') return value;
    issues.push(value);
    return fallback;
  };

  const jobType = last('job_type') ?? null;
  if (jobType !== null) check(oneOf('job_type', jobType, JOB_TYPES));
  const sortBy = last('sort_by') ?? 'created_at';
  check(oneOf('sort_by', sortBy, SORT_KEYS));
  const sortOrder = last('sort_order') ?? 'desc';
  check(oneOf('sort_order', sortOrder, SORT_ORDERS));
  const limit = numberOf('limit', DEFAULT_LIMIT, LIMIT_MIN, LIMIT_MAX);
  const offset = numberOf('offset', 0, 0, null);
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, query: { jobType, sortBy: sortBy as SortKey, sortOrder: sortOrder as SortOrder, limit, offset } };
}

interface Keyed {
  key: string | number;
  id: string;
  job: SimulatedJob;
}

/** Unparseable dates sort as the oldest, so a test's odd payload cannot break the order. */
function createdMs(value: unknown): number {
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return Number.isNaN(ms) ? Number.NEGATIVE_INFINITY : ms;
}

function sortKeyOf(job: SimulatedJob, sortBy: SortKey): string | number {
  if (sortBy === 'created_at') return createdMs(job.job.created_at);
  const value = job.job[sortBy];
  return typeof value === 'string' ? value : String(value ?? '');
}

const compare = (a: Keyed, b: Keyed): number => {
  if (a.key !== b.key) return a.key < b.key ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
};

/** The values a list's order depends on; when none of them changes, no index is rebuilt. */
export function sortFingerprint(job: SimulatedJob): string {
  const { name, job_type, created_at } = job.job;
  return JSON.stringify([name, job_type, created_at]);
}

/**
 * Jobs in list order, per workspace, sort key and type filter. Sorting 10,000 jobs on every page
 * would make a benchmark measure the simulator, so each order is sorted once and kept until a job
 * is added, removed, or has its name, type or creation time changed (`invalidate`). Lifecycle steps
 * change none of those, so a running team keeps its indexes.
 */
export class ListIndex {
  private readonly orders = new Map<string, SimulatedJob[]>();

  invalidate(): void {
    this.orders.clear();
  }

  /** Ascending by the key, ties by id; `desc` is the exact reverse, so any order pages deterministically. */
  page(all: Iterable<SimulatedJob>, workspace: string | null, query: ListQuery): SimulatedJob[] {
    const sorted = this.sorted(all, workspace, query.sortBy, query.jobType);
    const out: SimulatedJob[] = [];
    const end = Math.min(sorted.length, query.offset + query.limit);
    for (let i = query.offset; i < end; i++) {
      out.push(sorted[query.sortOrder === 'asc' ? i : sorted.length - 1 - i] as SimulatedJob);
    }
    return out;
  }

  private sorted(all: Iterable<SimulatedJob>, workspace: string | null, sortBy: SortKey, jobType: string | null): SimulatedJob[] {
    const cacheKey = JSON.stringify([workspace, sortBy, jobType]);
    const cached = this.orders.get(cacheKey);
    if (cached) return cached;
    const keyed: Keyed[] = [];
    for (const job of all) {
      if (job.teamId !== workspace || (jobType !== null && job.job.job_type !== jobType)) continue;
      keyed.push({ key: sortKeyOf(job, sortBy), id: job.job.id, job });
    }
    const order = keyed.sort(compare).map((k) => k.job);
    this.orders.set(cacheKey, order);
    return order;
  }
}

/** The 200 body: items only, no total and no has-more flag, as SeekrFlow answers. */
export function listBody(items: readonly SimulatedJob[]): string {
  return `{"object":"list","data":[${items.map((job) => job.toListItemJson()).join(',')}]}`;
}
