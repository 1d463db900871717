import type { IncomingHttpHeaders } from 'node:http';
import type {
  FetchFailure,
  FetchFailureKind,
  FetchResult,
  JobActions,
  JobLister,
  JobSource,
  RecheckResult,
} from '../core/ports/job-source.js';
import { clip, LONG_TEXT_BOUND } from '../domain/bounds.js';
import type { DataJob } from '../domain/data-job.js';
import type { ListedJob } from '../domain/feed.js';
import { JOB_ID_PATTERN } from '../domain/job-id.js';
import { boundStrings } from './bounded-json.js';
import { DataJobList } from './data-job.js';
import { type ProxyRoute, proxyAgents } from './proxy-agent.js';
import { type BodyReading, parseJobBody, readJobBody, type Unreadable } from './read-body.js';
import { READING_VERSION } from './reading-version.js';
import { type BodySink, createRequester, type Divert, type HttpOutcome, MAX_REDIRECTS, type RetryPolicy } from './request.js';

/**
 * The only code that talks to SeekrFlow. `getDataJob` never throws for anything SeekrFlow or the
 * network does: it returns the job or a failure that says, in one sentence, what a Slack user can
 * do about it. The API key travels in a header and nowhere else: not in errors, not in logs.
 */

export type { RetryPolicy };

export interface SeekrFlowClientOptions {
  baseUrl: string;
  apiKey: string;
  teamId?: string | undefined;
  timeoutMs: number;
  retry?: Partial<RetryPolicy>;
  /** An answer longer than this (after decompression) is not read: the call fails as `too_large`. */
  maxBodyBytes?: number;
  /** Where a poll's rechecks are made (read-pool.ts: on other threads); without it, on the event loop. */
  reader?: RecheckThreads;
  /** Which reading an answer's identity names; this build's (reading-version.ts) unless a test says otherwise. */
  readingVersion?: string;
  /** The company's forward proxy, if any: every request to SeekrFlow goes through it (unless NO_PROXY names it). */
  proxy?: ProxyRoute;
}

/** Rechecks made elsewhere; `null` when they no longer can be (closed), and the client makes it itself. */
export interface RecheckThreads {
  recheck(id: string, knownHash: string | null): Promise<RecheckResult> | null;
  /** A place for an answer's bytes, read there once they are all in; null when there is none. */
  openBody?(): RemoteBody | null;
}

/** An answer's bytes, sent elsewhere as they arrive, and read there. */
export interface RemoteBody extends BodySink {
  /** The job (`job`) or a poll's reading of it (`reading`), or why there is none. */
  read(mode: 'job'): Promise<{ ok: true; job: DataJob } | Unreadable>;
  read(mode: 'reading'): Promise<BodyReading>;
}

export const MB = 1024 * 1024;

/**
 * A poll's recheck of an answer this large (a job of some hundreds of files) is made on a reader
 * thread. Below it, a recheck costs the event loop less than the hop to a thread and back.
 */
export const LARGE_ANSWER_BYTES = 512 * 1024;

/**
 * A full read (a look-up, a subscribe) sends its answer to a reader thread from this size on (jobs of
 * thousands of files, whose reading would hold the event loop too long). Below it the job is read
 * where it arrives, as its caller needs the whole job there: shipping it back from a thread (a
 * structured clone as large as the answer) cost a look-up more than it spared the event loop.
 */
export const LARGE_JOB_BYTES = 8 * 1024 * 1024;

/** The length part of a `bodyHash` (`<reading version>:<xxh3>.<bytes>`; hex has no dots), or 0. */
const answerBytes = (bodyHash: string): number => Number(bodyHash.slice(bodyHash.lastIndexOf('.') + 1)) || 0;

const DEFAULT_MAX_BODY_BYTES = 64 * MB;

const DEFAULT_RETRY: RetryPolicy = { limit: 3, baseDelayMs: 500, maxDelayMs: 8_000, maxRetryAfterMs: 30_000, budgetMs: 45_000 };

/**
 * The longest a call can wait on SeekrFlow: no retry starts after the budget, and the attempt that
 * does start may follow every redirect it is allowed, each hop to its timeout.
 */
export function longestCallMs(options: Pick<SeekrFlowClientOptions, 'timeoutMs' | 'retry'>): number {
  return { ...DEFAULT_RETRY, ...options.retry }.budgetMs + (MAX_REDIRECTS + 1) * options.timeoutMs;
}

/** The core's JobSource, over HTTP. */
export type SeekrFlowClient = JobSource & JobLister & JobActions;

export function createSeekrFlowClient(options: SeekrFlowClientOptions): SeekrFlowClient {
  const prefix = `${options.baseUrl.replace(/\/+$/, '')}/v1/flow/`;
  const reading = options.readingVersion ?? READING_VERSION;
  const send = createRequester({
    headers: {
      authorization: options.apiKey,
      accept: 'application/json',
      'user-agent': 'datajob-bot (+https://github.com/)',
      ...(options.teamId ? { 'x-team-id': options.teamId } : {}),
    },
    timeoutMs: options.timeoutMs,
    policy: { ...DEFAULT_RETRY, ...options.retry },
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    agent: proxyAgents(new URL(prefix), options.proxy),
  });

  /**
   * `knownHash` undefined: a full read (a look-up, a click); a string or null: a poll's recheck, and
   * `lastHash` the job's last answer (which may not be skipped, after an outage say).
   */
  const read = async (id: string, knownHash?: string | null, lastHash?: string | null): Promise<RecheckResult> => {
    if (!JOB_ID_PATTERN.test(id)) return invalidId();
    // A job whose last answer was large is rechecked on a reader thread, whether its answer may be
    // skipped or must be read (a pass after an outage reads every job in full). A small answer is read
    // where it arrives (a hop to a thread would cost more than it saves), and so is one of unknown size.
    const last = knownHash ?? lastHash;
    if (knownHash !== undefined && last && answerBytes(last) >= LARGE_ANSWER_BYTES) {
      const elsewhere = options.reader?.recheck(id, knownHash);
      if (elsewhere) return elsewhere;
    }
    // Hashed as the bytes arrive: an unchanged answer is never joined, decoded or parsed. One that
    // turns out large (the first pass's, whose size was not known; a look-up's, from LARGE_JOB_BYTES)
    // goes to a reader thread as it arrives, and is read there.
    const divert = knownHash === undefined ? divertJob : divertRecheck;
    const outcome = await send('GET', new URL(`data-jobs/${encodeURIComponent(id)}`, prefix), { hash: true, divert });
    if (outcome.kind !== 'answer' || outcome.status < 200 || outcome.status >= 300) return notAJob(outcome);
    const { attempts } = outcome;
    const requestId = header(outcome.headers['cf-ray']);
    // The answer's identity: the reading this build makes of it (a watch read by another build never
    // matches, and is read in full once), its hash, and its length (which says where its next
    // recheck is made).
    const bodyHash = `${reading}:${outcome.bodyHash}.${outcome.size}`;
    const remote = outcome.diverted as RemoteBody | null;
    if (knownHash === undefined) return jobOf(outcome, bodyHash);
    if (bodyHash === knownHash) {
      remote?.abort();
      return { ok: true, unchanged: true, bodyHash, requestId, attempts };
    }
    // A bug in reading a job is ours, not SeekrFlow being unreachable, and must not start the outage
    // clock: it throws, and the pass logs it (as it does a reader thread lost, here and above).
    const read = remote ? await remote.read('reading') : readJobBody(outcome.text());
    return read.ok ? { ok: true, reading: read.reading, bodyHash, requestId, attempts } : unreadable(read, requestId, attempts);
  };

  /**
   * `POST …/{id}/start` or `…/cancel`. Neither is idempotent: the request layer retries a POST only
   * where SeekrFlow cannot have acted on it, and nothing here sends one twice.
   */
  const act = async (id: string, action: 'start' | 'cancel'): Promise<FetchResult> => {
    if (!JOB_ID_PATTERN.test(id)) return invalidId();
    const outcome = await send('POST', new URL(`data-jobs/${encodeURIComponent(id)}/${action}`, prefix), { hash: true, divert: divertJob });
    if (outcome.kind === 'answer' && REFUSALS.has(outcome.status)) return refusedAction(action, outcome);
    if (outcome.kind !== 'answer' || outcome.status < 200 || outcome.status >= 300) return notAJob(outcome);
    return jobOf(outcome, `${reading}:${outcome.bodyHash}.${outcome.size}`);
  };

  const divertTo = (atBytes: number): Divert | undefined => options.reader && { atBytes, open: () => options.reader?.openBody?.() ?? null };
  const divertRecheck = divertTo(LARGE_ANSWER_BYTES);
  const divertJob = divertTo(LARGE_JOB_BYTES);

  return {
    getDataJob: (id) => read(id) as Promise<FetchResult>,
    recheckDataJob: read,
    startAlignment: (id) => act(id, 'start'),
    cancelAlignment: (id) => act(id, 'cancel'),
    async listJobs({ offset, limit }) {
      // Newest first (SeekrFlow's default, said anyway): discovery stops at the first page it knows.
      const url = new URL('data-jobs', prefix);
      url.search = new URLSearchParams({
        sort_by: 'created_at',
        sort_order: 'desc',
        limit: String(limit),
        offset: String(offset),
      }).toString();
      const outcome = await send('GET', url);
      if (outcome.kind !== 'answer' || outcome.status < 200 || outcome.status >= 300) {
        return notAJob(outcome);
      }
      return parseList(outcome.text(), header(outcome.headers['cf-ray']), outcome.attempts);
    },
  };
}

const invalidId = (): { ok: false; failure: FetchFailure } =>
  failure('invalid_id', 'That does not look like a data job id (ids look like `dj-…`).', 'refused before sending', null, null, 0);

/** The answers in which SeekrFlow refuses an action, with its reason (`detail`). */
const REFUSALS: ReadonlySet<number> = new Set([400, 409, 422]);

function refusedAction(
  action: 'start' | 'cancel',
  outcome: Extract<HttpOutcome, { kind: 'answer' }>,
): { ok: false; failure: FetchFailure } {
  const said = apiMessage(outcome.text());
  const what = action === 'start' ? 'start the job’s alignment' : 'cancel the job’s alignment';
  return failure(
    'invalid_request',
    `SeekrFlow did not ${what}${said ? `: ${said}` : ` (HTTP ${outcome.status})`}.`,
    `HTTP ${outcome.status}${said ? `: ${said}` : ''}`,
    header(outcome.headers['cf-ray']),
    outcome.status,
    outcome.attempts,
  );
}

/**
 * A look-up's answer read on a reader thread that was lost on the way (out of memory on a hostile
 * answer, say): a failure to tell, as `getDataJob` never throws; the bytes are gone with the thread.
 */
async function readElsewhere(
  read: () => Promise<{ ok: true; job: DataJob } | Unreadable>,
): Promise<{ ok: true; job: DataJob } | Unreadable> {
  try {
    return await read();
  } catch (error) {
    return {
      ok: false,
      message:
        'The bot could not read SeekrFlow’s answer just now. Try again in a minute; if it keeps happening, tell whoever runs the bot.',
      detail: `reading the answer elsewhere failed: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

/** A 2xx answer read as the job (where its bytes went, when they turned out large). */
async function jobOf(outcome: Extract<HttpOutcome, { kind: 'answer' }>, bodyHash: string): Promise<FetchResult> {
  const { attempts } = outcome;
  const requestId = header(outcome.headers['cf-ray']);
  const remote = outcome.diverted as RemoteBody | null;
  const parsed = remote ? await readElsewhere(() => remote.read('job')) : parseJobBody(outcome.text());
  return parsed.ok ? { ok: true, job: parsed.job, bodyHash, requestId, attempts } : unreadable(parsed, requestId, attempts);
}

/** Any outcome but a 2xx answer, as the failure a user and the log are told. */
function notAJob(outcome: HttpOutcome): { ok: false; failure: FetchFailure } {
  switch (outcome.kind) {
    case 'too_large':
      return tooLarge(outcome);
    case 'no_answer':
      // No HTTP answer at all: timeout, refused, reset, DNS. The code is enough for the log.
      return failure(
        'unavailable',
        'SeekrFlow could not be reached (no answer in time). Try again in a few minutes.',
        `${outcome.code}${outcome.timedOut ? ' (timed out)' : ''}`,
        null,
        null,
        outcome.attempts,
      );
    case 'answer': {
      const requestId = header(outcome.headers['cf-ray']);
      const { location } = outcome.headers;
      // A redirect the GET declined to follow (to another origin) arrives as a plain answer.
      if (outcome.status >= 300 && outcome.status < 400 && location !== undefined) {
        return refusedRedirect(outcome.status, originOf(location, outcome.url), requestId, outcome.attempts);
      }
      return httpFailure(outcome.status, outcome.headers, outcome.text(), requestId, outcome.attempts);
    }
  }
}

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
 * The GET stops reading an answer as soon as it is known to be longer than the cap: at once when its
 * Content-Length says so, else when the bytes read so far (decompressed, so a small gzip bomb counts
 * at its real size) pass it. Without that, a faulty upstream could take the process down. Never retried.
 */
function tooLarge(refused: Extract<HttpOutcome, { kind: 'too_large' }>): { ok: false; failure: FetchFailure } {
  const mb = Number((refused.maxBytes / MB).toFixed(2));
  return failure(
    'too_large',
    `SeekrFlow's answer for this job is too large (over ${mb} MB), so the bot did not read it. Tell whoever runs the bot (the limit is SEEKRFLOW_MAX_BODY_MB).`,
    `response body over ${refused.maxBytes} bytes (${refused.seen}); not read further`,
    header(refused.headers?.['cf-ray']),
    refused.status,
    refused.attempts,
  );
}

function originOf(location: string, from: string): string | null {
  try {
    return new URL(location, from).origin;
  } catch {
    return null;
  }
}

function refusedRedirect(
  status: number,
  target: string | null,
  requestId: string | null,
  attempts: number,
): { ok: false; failure: FetchFailure } {
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

/** How much of the API's own words a failure quotes. */
const API_WORDS_MAX = 300;

/**
 * The API's own words from an error body: `{"detail": "…"}`, `{"detail": [{msg}]}`, `{"message": "…"}`
 * or plain text, at most API_WORDS_MAX characters.
 */
function unreadable(why: Unreadable, requestId: string | null, attempts: number): { ok: false; failure: FetchFailure } {
  return failure('invalid_response', why.message, why.detail, requestId, 200, attempts);
}

function apiMessage(body: string): string | null {
  const said = apiWords(body);
  return said === null ? null : clip(said, API_WORDS_MAX);
}

function apiWords(body: string): string | null {
  if (body.trim() === '') return null;
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

/** What each error status means, and the one sentence a Slack user can act on; `said` is the API's own words. */
function statusMeaning(status: number, said: string | null): { kind: FetchFailureKind; message: string } {
  const words = said ? `: ${said}` : '';
  switch (true) {
    case status === 401:
      return {
        kind: 'unauthorized',
        message:
          'SeekrFlow refused the bot’s API key. Ask whoever runs the bot to check SEEKRFLOW_API_KEY (the raw key, without "Bearer").',
      };
    case status === 403:
      return {
        kind: 'forbidden',
        message:
          'The bot’s SeekrFlow key may not see this job. Ask whoever runs the bot to check the API key and SEEKRFLOW_TEAM_ID (the team the job belongs to).',
      };
    case status === 404:
      return {
        kind: 'not_found',
        message:
          'No data job with that id was found. Check the id; if the job belongs to a team, the bot’s SEEKRFLOW_TEAM_ID must be that team.',
      };
    case status === 422:
      return { kind: 'invalid_request', message: `SeekrFlow did not accept that request${words}. Check the job id.` };
    case status === 429:
      return { kind: 'rate_limited', message: 'SeekrFlow is asking the bot to slow down. Try again in a minute.' };
    case status >= 500:
      return {
        kind: 'unavailable',
        message: 'SeekrFlow is not answering right now (it may be under maintenance). Try again in a few minutes.',
      };
    default:
      return { kind: 'invalid_request', message: `SeekrFlow did not accept that request (HTTP ${status}${words}).` };
  }
}

/** An HTTP answer that is an error, by its status, with the API's own words when it gave some. */
function httpFailure(
  statusCode: number,
  headers: IncomingHttpHeaders,
  body: string,
  requestId: string | null,
  attempts: number,
): { ok: false; failure: FetchFailure } {
  const said = apiMessage(body);
  const detail = `HTTP ${statusCode}${said ? `: ${said}` : ''}`;
  const { kind, message } = statusMeaning(statusCode, said);
  const retryAfter = statusCode === 429 ? `; retry-after ${header(headers['retry-after']) ?? 'absent'}` : '';
  return failure(kind, message, `${detail}${retryAfter}`, requestId, statusCode, attempts);
}
