import { createHash } from 'node:crypto';
import got, { type CancelableRequest, type Got, HTTPError, type Progress, type RequestError, type Response, type RetryObject } from 'got';
import type { FetchFailure, FetchFailureKind, FetchResult, JobLister, JobSource, ListedJob, RecheckResult } from '../core/ports.js';
import { clip, LONG_TEXT_BOUND } from '../domain/bounds.js';
import { JOB_ID_PATTERN } from '../domain/job-id.js';
import { boundStrings } from './bounded-json.js';
import { DataJobList } from './data-job.js';
import { parseJobBody, readJobBody, type Unreadable } from './read-body.js';
import type { ReadPool } from './read-pool.js';

/**
 * The only code that talks to SeekrFlow. `getDataJob` never throws for anything SeekrFlow or the
 * network does: it returns the job or a failure that says, in one sentence, what a Slack user can
 * do about it. The API key travels in a header and nowhere else: not in errors, not in logs.
 */

export interface RetryPolicy {
  /** Retries after the first attempt. */
  limit: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the call fails as rate limited. */
  maxRetryAfterMs: number;
  /** No retry starts once this much time has passed since the first attempt. */
  budgetMs: number;
}

export interface SeekrFlowClientOptions {
  baseUrl: string;
  apiKey: string;
  teamId?: string | undefined;
  timeoutMs: number;
  retry?: Partial<RetryPolicy>;
  /** An answer longer than this (after decompression) is not read: the call fails as `too_large`. */
  maxBodyBytes?: number;
  /** Where a poll's answers are read (large ones on other threads); without it, on the event loop. */
  reader?: ReadPool;
}

export const MB = 1024 * 1024;
const DEFAULT_MAX_BODY_BYTES = 64 * MB;

const DEFAULT_RETRY: RetryPolicy = { limit: 3, baseDelayMs: 500, maxDelayMs: 8_000, maxRetryAfterMs: 30_000, budgetMs: 45_000 };

const RETRY_STATUSES = [429, 500, 502, 503, 504, 520, 521, 522, 523, 524];
const RETRY_ERROR_CODES = [
  'ETIMEDOUT',
  'ECONNRESET',
  'EADDRINUSE',
  'ECONNREFUSED',
  'EPIPE',
  'ENOTFOUND',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ECONNABORTED',
];

/** The core's JobSource, over HTTP. */
export type SeekrFlowClient = JobSource & JobLister;

export function createSeekrFlowClient(options: SeekrFlowClientOptions): SeekrFlowClient {
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  const origin = new URL(options.baseUrl).origin;
  const http: Got = got.extend({
    prefixUrl: `${options.baseUrl.replace(/\/+$/, '')}/v1/flow/`,
    headers: {
      authorization: options.apiKey,
      accept: 'application/json',
      'user-agent': 'datajob-bot (+https://github.com/)',
      ...(options.teamId ? { 'x-team-id': options.teamId } : {}),
    },
    timeout: { request: options.timeoutMs },
    // got keeps the Authorization header across a redirect to the same host and port even when the
    // scheme changes (https → http sends the key in clear), and x-team-id everywhere. So only
    // same-origin redirects are followed; any other is an error (a 3xx), and nothing is sent there.
    followRedirect: (response) => sameOrigin(origin, response.headers.location, response.url),
    responseType: 'text',
    retry: {
      limit: policy.limit,
      methods: ['GET'],
      statusCodes: RETRY_STATUSES,
      errorCodes: RETRY_ERROR_CODES,
      enforceRetryRules: true,
      maxRetryAfter: policy.maxRetryAfterMs,
      calculateDelay: (retry) => retryDelay(retry, policy),
    },
  });

  /** `knownHash` undefined: a full read (a look-up, a click); a string or null: a poll's recheck. */
  const read = async (id: string, knownHash?: string | null): Promise<RecheckResult> => {
    if (!JOB_ID_PATTERN.test(id)) {
      return failure(
        'invalid_id',
        'That does not look like a data job id (ids look like `dj-…`).',
        'refused before sending',
        null,
        null,
        0,
      );
    }
    const startedAt = Date.now();
    // Bytes, not text: the hash is taken of them, and an unchanged answer is never decoded.
    const request = http.get(`data-jobs/${encodeURIComponent(id)}`, { context: { startedAt }, responseType: 'buffer' });
    const overCap = capBody(request, options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
    let response: Response<Buffer>;
    try {
      response = await request;
    } catch (error) {
      const refused = overCap();
      return refused ? tooLarge(refused, error as RequestError) : classify(error as RequestError);
    }
    const requestId = header(response.headers['cf-ray']);
    const attempts = response.retryCount + 1;
    // A redirect `followRedirect` declined arrives here as a plain answer.
    if (response.statusCode >= 300 && response.statusCode < 400 && response.headers.location !== undefined) {
      return refusedRedirect(response.statusCode, originOf(response.headers.location, response.url), requestId, attempts);
    }
    const bodyHash = hashBody(response.rawBody);
    if (knownHash === undefined) {
      const parsed = parseJobBody(response.rawBody);
      return parsed.ok ? { ok: true, job: parsed.job, bodyHash, requestId, attempts } : unreadable(parsed, requestId, attempts);
    }
    if (bodyHash === knownHash) return { ok: true, unchanged: true, bodyHash, requestId, attempts };
    // Outside the catch above: a bug in reading a job (or a reader thread lost) is ours, not SeekrFlow
    // being unreachable, and must not start the outage clock. It throws, and the pass logs it.
    const read = await (options.reader?.read(response.rawBody) ?? readJobBody(response.rawBody));
    return read.ok ? { ok: true, reading: read.reading, bodyHash, requestId, attempts } : unreadable(read, requestId, attempts);
  };

  return {
    getDataJob: (id) => read(id) as Promise<FetchResult>,
    recheckDataJob: read,
    async listJobs({ offset, limit }) {
      // Newest first (SeekrFlow's default, said anyway): discovery stops at the first page it knows.
      const searchParams = { sort_by: 'created_at', sort_order: 'desc', limit: String(limit), offset: String(offset) };
      const request = http.get('data-jobs', { searchParams, context: { startedAt: Date.now() } });
      const overCap = capBody(request, options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
      try {
        const response = await request;
        const requestId = header(response.headers['cf-ray']);
        if (response.statusCode >= 300 && response.statusCode < 400 && response.headers.location !== undefined) {
          const refused = refusedRedirect(response.statusCode, originOf(response.headers.location, response.url), requestId, 1);
          return refused.ok ? { ok: false, failure: unreachable() } : refused;
        }
        return parseList(response.body, requestId, response.retryCount + 1);
      } catch (error) {
        const refused = overCap();
        const failed = refused ? tooLarge(refused, error as RequestError) : classify(error as RequestError);
        return failed.ok ? { ok: false, failure: unreachable() } : failed;
      }
    },
  };
}

/** Never expected: a path that cannot succeed still needs a failure to give. */
const unreachable = (): FetchFailure => ({
  kind: 'invalid_response',
  message: 'SeekrFlow answered unexpectedly.',
  detail: 'unexpected',
  requestId: null,
  status: null,
  attempts: 1,
});

/** A page of `GET /v1/flow/data-jobs`: `{"object":"list","data":[…]}`, no total (docs/seekrflow-api.md). */
function parseList(
  body: string,
  requestId: string | null,
  attempts: number,
): { ok: true; jobs: ListedJob[] } | { ok: false; failure: FetchFailure } {
  let json: unknown;
  try {
    json = boundStrings(JSON.parse(body));
  } catch {
    return failure(
      'invalid_response',
      'SeekrFlow sent a job list the bot could not read.',
      `list is not JSON (${body.length} bytes)`,
      requestId,
      200,
      attempts,
    );
  }
  const parsed = DataJobList.safeParse(json);
  if (!parsed.success) {
    const field = parsed.error.issues[0]?.path.join('.') || '(root)';
    return failure(
      'invalid_response',
      'SeekrFlow sent a job list the bot could not understand.',
      `list does not fit at ${field}`,
      requestId,
      200,
      attempts,
    );
  }
  return {
    ok: true,
    jobs: parsed.data.data.map((j) => ({ id: j.id, name: j.name, jobType: j.job_type, userId: j.user_id, createdAt: j.created_at })),
  };
}

/**
 * Stops reading an answer as soon as it is known to be longer than `maxBytes`: at once when its
 * Content-Length says so (got reports that before reading the body), else when the bytes read so
 * far (decompressed, so a small gzip bomb counts at its real size) pass the cap. Without this, got
 * buffers whatever arrives, and a faulty upstream can take the process down. Cancelling is never
 * retried. Returns what was seen when it refused, or null.
 */
function capBody(request: CancelableRequest, maxBytes: number): () => { maxBytes: number; seen: string } | null {
  let refused: { maxBytes: number; seen: string } | null = null;
  request.on('downloadProgress', ({ transferred, total }: Progress) => {
    if (refused || (transferred <= maxBytes && (total ?? 0) <= maxBytes)) return;
    refused = { maxBytes, seen: transferred > maxBytes ? `${transferred} bytes read` : `content-length ${total}` };
    request.cancel();
  });
  return () => refused;
}

function tooLarge(refused: { maxBytes: number; seen: string }, error: RequestError): FetchResult {
  const mb = Number((refused.maxBytes / MB).toFixed(2));
  return failure(
    'too_large',
    `SeekrFlow's answer for this job is too large (over ${mb} MB), so the bot did not read it. Tell whoever runs the bot (the limit is SEEKRFLOW_MAX_BODY_MB).`,
    `response body over ${refused.maxBytes} bytes (${refused.seen}); not read further`,
    header(error.response?.headers['cf-ray']),
    error.response?.statusCode ?? null,
    (error.request?.retryCount ?? 0) + 1,
  );
}

function retryDelay({ attemptCount, retryAfter, error }: RetryObject, policy: RetryPolicy): number {
  const startedAt = (error.options.context as { startedAt?: number }).startedAt ?? Date.now();
  let delay: number;
  if (retryAfter !== undefined) {
    // SeekrFlow said when: wait exactly that long, unless it is longer than we are willing to wait.
    if (retryAfter > policy.maxRetryAfterMs) return 0;
    delay = retryAfter;
  } else {
    // Exponential backoff with "equal" jitter (half fixed, half random), so many clients do not retry in step.
    const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attemptCount - 1));
    delay = ceiling / 2 + Math.random() * (ceiling / 2);
  }
  return Date.now() - startedAt + delay > policy.budgetMs ? 0 : Math.max(1, delay);
}

function sameOrigin(origin: string, location: string | undefined, from: string): boolean {
  return location !== undefined && originOf(location, from) === origin;
}

function originOf(location: string, from: string): string | null {
  try {
    return new URL(location, from).origin;
  } catch {
    return null;
  }
}

function refusedRedirect(status: number, target: string | null, requestId: string | null, attempts: number): FetchResult {
  return failure(
    'invalid_response',
    'SeekrFlow answered with a redirect to another site, and the bot refused to follow it (its API key goes to SEEKRFLOW_BASE_URL only). Ask whoever runs the bot to check SEEKRFLOW_BASE_URL.',
    `HTTP ${status}: redirect to ${target ?? 'an unreadable location'} refused (only the base URL's origin is followed)`,
    requestId,
    status,
    attempts,
  );
}

const header = (v: string | string[] | undefined): string | null => (Array.isArray(v) ? (v[0] ?? null) : (v ?? null));

function failure(
  kind: FetchFailureKind,
  message: string,
  detail: string,
  requestId: string | null,
  status: number | null,
  attempts: number,
): { ok: false; failure: FetchFailure } {
  // Both may quote SeekrFlow; both go to logs, and the message to Slack.
  return {
    ok: false,
    failure: { kind, message: clip(message, LONG_TEXT_BOUND), detail: clip(detail, LONG_TEXT_BOUND), requestId, status, attempts },
  };
}

/** SHA-256 of the answer's bytes (about 1 ms for 2 MB), base64url. */
function hashBody(body: Buffer): string {
  return createHash('sha256').update(body).digest('base64url');
}

/** How much of the API's own words a failure quotes. */
const API_WORDS_MAX = 300;

/**
 * The API's own words from an error body: `{"detail": "…"}`, `{"detail": [{msg}]}`, `{"message": "…"}`
 * or plain text, at most API_WORDS_MAX characters.
 */
function unreadable(why: Unreadable, requestId: string | null, attempts: number): { ok: false; failure: FetchFailure } {
  return failure('invalid_response', why.message, why.detail, requestId, 200, attempts);
}

function apiMessage(body: unknown): string | null {
  const said = apiWords(body);
  return said === null ? null : clip(said, API_WORDS_MAX);
}

function apiWords(raw: unknown): string | null {
  // A job's read asks for bytes, so its error bodies arrive as a Buffer.
  const body = Buffer.isBuffer(raw) ? raw.toString('utf8') : raw;
  if (typeof body !== 'string' || body.trim() === '') return null;
  try {
    const json = JSON.parse(body) as { detail?: unknown; message?: unknown };
    if (typeof json.detail === 'string') return json.detail;
    if (Array.isArray(json.detail)) {
      // The first few problems say enough; a hostile list of a million is not joined.
      const msgs = json.detail
        .slice(0, 10)
        .map((d: { msg?: unknown; loc?: unknown }) =>
          typeof d?.msg === 'string' ? (Array.isArray(d.loc) ? `${d.loc.slice(0, 10).join('.')}: ${d.msg}` : d.msg) : null,
        );
      const joined = msgs.filter(Boolean).join('; ');
      return joined || null;
    }
    if (typeof json.message === 'string') return json.message;
    return null;
  } catch {
    return body.trim();
  }
}

function classify(error: RequestError): FetchResult {
  const attempts = (error.request?.retryCount ?? 0) + 1;
  if (error instanceof HTTPError) {
    const { statusCode, headers, body } = error.response;
    const requestId = header(headers['cf-ray']);
    const said = apiMessage(body);
    const detail = `HTTP ${statusCode}${said ? `: ${said}` : ''}`;
    switch (true) {
      case statusCode === 401:
        return failure(
          'unauthorized',
          'SeekrFlow refused the bot’s API key. Ask whoever runs the bot to check SEEKRFLOW_API_KEY (the raw key, without "Bearer").',
          detail,
          requestId,
          statusCode,
          attempts,
        );
      case statusCode === 403:
        return failure(
          'forbidden',
          'The bot’s SeekrFlow key may not see this job. Ask whoever runs the bot to check the API key and SEEKRFLOW_TEAM_ID (the team the job belongs to).',
          detail,
          requestId,
          statusCode,
          attempts,
        );
      case statusCode === 404:
        return failure(
          'not_found',
          'No data job with that id was found. Check the id; if the job belongs to a team, the bot’s SEEKRFLOW_TEAM_ID must be that team.',
          detail,
          requestId,
          statusCode,
          attempts,
        );
      case statusCode === 422:
        return failure(
          'invalid_request',
          `SeekrFlow did not accept that request${said ? `: ${said}` : ''}. Check the job id.`,
          detail,
          requestId,
          statusCode,
          attempts,
        );
      case statusCode === 429:
        return failure(
          'rate_limited',
          'SeekrFlow is asking the bot to slow down. Try again in a minute.',
          `${detail}; retry-after ${header(headers['retry-after']) ?? 'absent'}`,
          requestId,
          statusCode,
          attempts,
        );
      case statusCode >= 500:
        return failure(
          'unavailable',
          'SeekrFlow is not answering right now (it may be under maintenance). Try again in a few minutes.',
          detail,
          requestId,
          statusCode,
          attempts,
        );
      default:
        return failure(
          'invalid_request',
          `SeekrFlow did not accept that request (HTTP ${statusCode}${said ? `: ${said}` : ''}).`,
          detail,
          requestId,
          statusCode,
          attempts,
        );
    }
  }
  // No HTTP answer at all: timeout, refused, reset, DNS. The message must not echo got's text,
  // which can include the URL; the code is enough for the log.
  return failure(
    'unavailable',
    'SeekrFlow could not be reached (no answer in time). Try again in a few minutes.',
    `${error.code ?? error.name}${error.name === 'TimeoutError' ? ' (timed out)' : ''}`,
    null,
    null,
    attempts,
  );
}
