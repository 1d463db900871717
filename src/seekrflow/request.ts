import { isAscii } from 'node:buffer';
import type { ClientRequest, IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { xxh3 } from '@node-rs/xxhash';
import got, { type Agents, type Got, type Request, type RequestError, type RetryOptions } from 'got';

/**
 * SeekrFlow's requests, over got's stream: retries with backoff, Retry-After and a time budget
 * (got's `retry`, with our `calculateDelay`); redirects within one origin only (`followRedirect`);
 * a timeout for each attempt and each redirect hop (`timeout.request`); gzip, deflate and brotli
 * (`decompress`); a cap on the decompressed body; and, when asked, the body's hash taken chunk by
 * chunk as it arrives, so that an unchanged answer is never joined. got's stream retries through its
 * `retry` event, whose callback makes the next attempt's stream.
 */

export interface RetryPolicy {
  /** Retries after the first attempt. */
  limit: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the call fails at once. */
  maxRetryAfterMs: number;
  /** No retry starts once this much time has passed since the first attempt. */
  budgetMs: number;
}

export interface RequesterOptions {
  headers: Record<string, string>;
  /** Each attempt (each redirect hop) must have its whole answer within this. */
  timeoutMs: number;
  policy: RetryPolicy;
  /** An answer longer than this (after decompression) is not read. */
  maxBodyBytes: number;
  /** got's agents: through the company's proxy (proxy-agent.ts), or none for directly. */
  agent?: Agents | undefined;
}

/** What a request came to, after its retries. `attempts` counts them all, the first included. */
export type HttpOutcome =
  | {
      kind: 'answer';
      status: number;
      headers: IncomingHttpHeaders;
      /** Where the answer came from (after redirects within the origin). */
      url: string;
      attempts: number;
      /** The body's hash (xxh3, 64 bits, hex), when asked for. */
      bodyHash: string | null;
      /** The body as text (decoded afresh at each call); empty when it was diverted. */
      text(): string;
      /** The body's length in bytes (decoded). */
      size: number;
      /** Where the body went instead of this thread's memory, when it turned out large (see `Divert`). */
      diverted: BodySink | null;
    }
  | { kind: 'too_large'; maxBytes: number; seen: string; status: number | null; headers: IncomingHttpHeaders | null; attempts: number }
  | { kind: 'no_answer'; code: string; timedOut: boolean; attempts: number };

type Attempt = DistributiveOmit<HttpOutcome, 'attempts'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

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
/**
 * A POST (start, cancel) is not idempotent: it is retried only when SeekrFlow cannot have acted on
 * it, because it said so (429) or because the request never reached it.
 */
const UNSENT_ERROR_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EADDRINUSE']);
export const MAX_REDIRECTS = 10;

export type Method = 'GET' | 'POST';

/** Where a body's bytes go instead of this thread's memory: written in order, then read or dropped by whoever opened it. */
export interface BodySink {
  write(chunk: Buffer): void;
  /** The bytes are not wanted (the attempt failed, or the answer is known): forget them. */
  abort(): void;
}

/**
 * A 2xx answer that turns out large (its Content-Length, or the bytes read so far, reach `atBytes`)
 * goes to a sink `open` gives (null: it cannot, and the body stays here). What arrived before goes
 * first, then each chunk as it arrives: this thread never holds the whole answer.
 */
export interface Divert {
  atBytes: number;
  open(): BodySink | null;
}

/** A request with no body; `hash` asks for the answer's hash. */
export type Send = (method: Method, url: URL, options?: { hash?: boolean; divert?: Divert }) => Promise<HttpOutcome>;

export function createRequester(options: RequesterOptions): Send {
  const decode = textDecoder();
  const { policy } = options;
  const client = got.extend({
    headers: options.headers,
    timeout: { request: options.timeoutMs },
    retry: {
      limit: policy.limit,
      methods: ['GET', 'POST'],
      statusCodes: RETRY_STATUSES,
      errorCodes: RETRY_ERROR_CODES,
      maxRetryAfter: policy.maxRetryAfterMs,
      enforceRetryRules: true,
    },
    maxRedirects: MAX_REDIRECTS,
    decompress: true,
    ...(options.agent ? { agent: options.agent } : {}),
    // Non-2xx answers come as HTTPError (their body read by got), so that got retries them.
    throwHttpErrors: true,
  });
  return (method, url, { hash = false, divert } = {}) =>
    new Promise<HttpOutcome>((resolve) => {
      new Exchange({ client, method, url, hash, divert, decode, policy, maxBodyBytes: options.maxBodyBytes }, resolve).start();
    });
}

interface ExchangeOptions {
  client: Got;
  method: Method;
  url: URL;
  hash: boolean;
  divert: Divert | undefined;
  decode: Decode;
  policy: RetryPolicy;
  maxBodyBytes: number;
}

/**
 * One request and its retries over got's stream: each attempt's answer is hashed and kept (or sent to
 * a sink) chunk by chunk as it arrives, and the first outcome settles it.
 */
class Exchange {
  readonly #startedAt = Date.now();
  #attempts = 1;
  #settled = false;
  #current: Request | null = null;

  constructor(
    private readonly o: ExchangeOptions,
    private readonly resolve: (outcome: HttpOutcome) => void,
  ) {}

  start(): void {
    const { method, url } = this.o;
    const stream = this.o.client.stream(url, {
      method,
      ...(method === 'POST' ? { headers: { 'content-length': '0' } } : {}),
      // The key and the team id go to the configured origin only: another scheme, host or port
      // is not followed, and the 3xx is the answer (the client tells it as a refused redirect).
      followRedirect: (response) => sameOrigin(response.headers.location, response.url, url.origin),
      retry: { calculateDelay: (retry) => this.#delay(retry) },
    });
    this.#attempt(this.#sent(stream));
  }

  /** `done`: the answer was read to its end, and its connection may serve the next request. */
  settle(outcome: Attempt, done = false): void {
    if (this.#settled) return;
    this.#settled = true;
    this.resolve({ ...outcome, attempts: this.#attempts } as HttpOutcome);
    if (!done) this.#current?.destroy();
  }

  get settled(): boolean {
    return this.#settled;
  }

  tooLarge(seen: string, status: number, headers: IncomingHttpHeaders): void {
    this.settle({ kind: 'too_large', maxBytes: this.o.maxBodyBytes, seen, status, headers });
  }

  /**
   * SeekrFlow said when (got has already refused a wait over maxRetryAfter): wait exactly that long.
   * Otherwise exponential backoff with "equal" jitter (half fixed, half random), so many clients do
   * not retry in step. A POST is retried only where SeekrFlow cannot have acted on it.
   */
  #delay({ attemptCount, retryAfter, error }: Parameters<NonNullable<RetryOptions['calculateDelay']>>[0]): number {
    const { policy, method } = this.o;
    if (this.#settled) return 0;
    if (method === 'POST' && error.response?.statusCode !== 429 && !UNSENT_ERROR_CODES.has(error.code)) return 0;
    const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attemptCount - 1));
    const delay = retryAfter ?? ceiling / 2 + Math.random() * (ceiling / 2);
    return Date.now() - this.#startedAt + delay > policy.budgetMs ? 0 : Math.max(1, delay);
  }

  /** A POST's stream is the request's body: ended at once, it sends none. */
  #sent(stream: Request): Request {
    if (this.o.method === 'POST') stream.end();
    return stream;
  }

  #attempt(stream: Request): void {
    this.#current = stream;
    const body = new AttemptBody(this, this.o);
    // Whatever ends this attempt but its answer drops what the sink was given.
    stream.once('close', () => body.closed());
    stream.on('request', (request: ClientRequest) => request.once('response', (raw: IncomingMessage) => body.raw(raw, stream)));
    stream.on('response', (response: IncomingMessage & { url: string }) => body.response(response));
    stream.on('data', (chunk: Buffer) => body.data(chunk));
    stream.on('end', () => body.end(stream.response?.url ?? this.o.url.href));
    stream.on('error', (error: RequestError) => body.failed(error));
    stream.once('retry', (retryCount: number, _error: RequestError, createRetryStream: () => Request) => {
      if (this.#settled) return;
      this.#attempts = retryCount + 1;
      this.#attempt(this.#sent(createRetryStream()));
    });
  }
}

/** One attempt's answer as it arrives: counted against the cap, hashed, kept or sent to a sink. */
class AttemptBody {
  #status = 0;
  #headers: IncomingHttpHeaders = {};
  #length = 0;
  #chunks: Buffer[] = [];
  #sink: BodySink | null = null;
  #ended = false;
  readonly #hasher: ReturnType<typeof xxh3.Xxh3.withSeed> | null;

  constructor(
    private readonly exchange: Exchange,
    private readonly o: Pick<ExchangeOptions, 'hash' | 'divert' | 'decode' | 'maxBodyBytes'>,
  ) {
    this.#hasher = o.hash ? xxh3.Xxh3.withSeed() : null;
  }

  closed(): void {
    if (!this.#ended) this.#sink?.abort();
  }

  /**
   * Each hop's raw answer, before got reads it: a declared length over the cap is refused at once,
   * and an error answer (whose body got reads itself) is counted as got decodes it.
   */
  raw(raw: IncomingMessage, stream: Request): void {
    const { maxBodyBytes } = this.o;
    const declared = Number(raw.headers['content-length']);
    if (declared > maxBodyBytes) {
      this.exchange.tooLarge(`content-length ${declared}`, raw.statusCode ?? 0, raw.headers);
      return;
    }
    if (isOk(raw.statusCode ?? 0)) return;
    let read = 0;
    stream.response?.on('data', (chunk: Buffer | string) => {
      read += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      if (read > maxBodyBytes) this.exchange.tooLarge(`${read} bytes read`, raw.statusCode ?? 0, raw.headers);
    });
  }

  response(response: IncomingMessage & { url: string }): void {
    this.#status = response.statusCode ?? 0;
    this.#headers = response.headers;
    // A redirect got did not follow (to another origin): where it points is all it says.
    if (!isOk(this.#status)) this.exchange.settle(answer(this.#status, this.#headers, response.url, null, 0, () => '', null));
    else if (this.o.divert && Number(this.#headers['content-length']) >= this.o.divert.atBytes) this.#diverting();
  }

  data(chunk: Buffer): void {
    this.#length += chunk.length;
    if (this.#length > this.o.maxBodyBytes) {
      this.exchange.tooLarge(`${this.#length} bytes read`, this.#status, this.#headers);
      return;
    }
    this.#hasher?.update(chunk);
    if (this.#sink === null && this.o.divert && this.#length >= this.o.divert.atBytes) this.#diverting();
    if (this.#sink === null) this.#chunks.push(chunk);
    else this.#sink.write(chunk);
  }

  end(url: string): void {
    this.#ended = true;
    const bodyHash = this.#hasher ? this.#hasher.digest().toString(16).padStart(16, '0') : null;
    const chunks = this.#chunks;
    const length = this.#length;
    const text = this.#sink === null ? () => this.o.decode(chunks, length) : () => '';
    if (this.exchange.settled) this.#sink?.abort();
    this.exchange.settle(answer(this.#status, this.#headers, url, bodyHash, length, text, this.#sink), true);
  }

  failed(error: RequestError): void {
    const { response } = error;
    if (error.name === 'HTTPError' && response) {
      const body = typeof response.body === 'string' ? response.body : '';
      this.exchange.settle(answer(response.statusCode, response.headers, response.url, null, Buffer.byteLength(body), () => body, null));
    } else {
      this.exchange.settle({ kind: 'no_answer', code: error.code ?? 'ERR_GOT_REQUEST_ERROR', timedOut: error.name === 'TimeoutError' });
    }
  }

  /** The answer turned out large: what arrived goes to the sink, then each chunk as it arrives. */
  #diverting(): void {
    this.#sink = this.o.divert?.open() ?? null;
    if (this.#sink === null) return;
    for (const chunk of this.#chunks) this.#sink.write(chunk);
    this.#chunks = [];
  }
}

const isOk = (status: number) => status >= 200 && status < 300;

function sameOrigin(location: string | undefined, from: string, origin: string): boolean {
  if (location === undefined) return false;
  try {
    return new URL(location, from).origin === origin;
  } catch {
    return false;
  }
}

function answer(
  status: number,
  headers: IncomingHttpHeaders,
  url: string,
  bodyHash: string | null,
  size: number,
  text: () => string,
  diverted: BodySink | null,
): Attempt {
  return { kind: 'answer', status, headers, url, bodyHash, size, text, diverted };
}

/** A body's chunks as text; see `textDecoder`. */
export type Decode = (chunks: readonly Buffer[], length: number) => string;

/**
 * Chunks to text, joined in memory it keeps for the next answer. Fresh memory is dear on the VMs
 * this runs on, and the joined bytes are only a step to the string: they never leave this function.
 * Answers larger than REUSED_JOIN_BYTES are joined into memory of their own, so one huge answer does
 * not stay resident.
 *
 * JSON from SeekrFlow is nearly always pure ASCII (non-ASCII arrives as \u escapes), and then
 * Latin-1 decoding gives the same string several times faster than UTF-8 decoding.
 */
export function textDecoder(): Decode {
  let reused = Buffer.allocUnsafeSlow(0);
  return (chunks, length) => {
    let bytes: Buffer;
    if (chunks.length === 1) bytes = chunks[0] as Buffer;
    else if (length > REUSED_JOIN_BYTES) bytes = Buffer.concat(chunks, length);
    else {
      if (reused.length < length) reused = Buffer.allocUnsafeSlow(Math.max(length, 2 * reused.length));
      let at = 0;
      for (const chunk of chunks) at += chunk.copy(reused, at);
      bytes = reused.subarray(0, at);
    }
    return bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
  };
}

/** The largest answer joined in reused memory: about a 6,500-file job. */
const REUSED_JOIN_BYTES = 8 * 1024 * 1024;
