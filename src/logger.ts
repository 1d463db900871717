import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/**
 * The root logger. Structured JSON lines; warnings and errors use a fixed message plus data so
 * they group. Secrets are removed twice: by key (token, authorization, apiKey, …) and by value
 * (any configured secret found inside any string), because libraries put tokens in places no
 * key list foresees (URLs, error messages).
 */

/** Keys whose values are never logged, compared without case. */
const SECRET_KEYS = new Set([
  'token',
  'bottoken',
  'apptoken',
  'apikey',
  'api_key',
  'x-api-key',
  'authorization',
  'signingsecret',
  'secret',
  'password',
  'sslpassword',
  'cookie',
  'set-cookie',
]);
const isSecretKey = (key: string) => SECRET_KEYS.has(key.toLowerCase());

/**
 * Deeper than any object the bot logs. Past it a value is dropped, never shown unscrubbed; the limit
 * only keeps a pathological object from exhausting the stack.
 */
const MAX_DEPTH = 200;

export function scrubber(secrets: readonly string[]): (text: string) => string {
  const live = secrets.filter((s) => s.length >= 4);
  if (live.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const secret of live) if (out.includes(secret)) out = out.split(secret).join('[REDACTED]');
    return out;
  };
}

/**
 * A copy of `value` fit to log: secret keys redacted at any depth, configured secrets removed from
 * every string, errors reduced to their type, message, stack and code, with their `cause` chain and
 * an AggregateError's `errors` scrubbed the same way. `path` holds the objects being copied, so a
 * cycle becomes "[Circular]" instead of endless recursion (an object met twice elsewhere is shown twice).
 */
function scrubDeep(value: unknown, scrub: (s: string) => string, path = new Set<object>()): unknown {
  if (typeof value === 'string') return scrub(value);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  if (path.has(value)) return '[Circular]';
  if (path.size >= MAX_DEPTH) return '[too deep]';
  path.add(value);
  try {
    const deeper = (v: unknown) => scrubDeep(v, scrub, path);
    if (value instanceof Error) return scrubError(value, scrub, deeper);
    if (Array.isArray(value)) return value.map(deeper);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = isSecretKey(k) ? '[REDACTED]' : deeper(v);
    return out;
  } finally {
    path.delete(value);
  }
}

function scrubError(error: Error, scrub: (s: string) => string, deeper: (v: unknown) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: error.name,
    message: scrub(error.message),
    stack: error.stack && scrub(error.stack),
    code: (error as { code?: unknown }).code,
  };
  if (error.cause !== undefined) out.cause = deeper(error.cause);
  if (error instanceof AggregateError) out.errors = deeper(error.errors);
  return out;
}

export function createLogger(options: { level: string; secrets: readonly string[]; destination?: DestinationStream }): Logger {
  const scrub = scrubber(options.secrets);
  return pino(
    {
      level: options.level,
      base: { app: 'datajob-bot' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { log: (object) => scrubDeep(object, scrub) as Record<string, unknown> },
      hooks: {
        // The message string too, and what is interpolated into it: a library may format a secret into either.
        logMethod(args, method) {
          method.apply(
            this,
            args.map((a, i) => (typeof a === 'string' ? scrub(a) : i > 0 ? scrubDeep(a, scrub) : a)) as Parameters<typeof method>,
          );
        },
      },
    },
    options.destination ?? pino.destination({ fd: 1, sync: false }),
  );
}
