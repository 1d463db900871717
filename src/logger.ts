import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/**
 * The root logger. Structured JSON lines; warnings and errors use a fixed message plus data so
 * they group. Secrets are removed twice: by key, with pino's redaction (token, authorization,
 * apiKey, … at any depth the bot logs), and by value, from the finished line (any configured secret
 * found anywhere in it), because libraries put tokens where no key list foresees: URLs, error
 * messages, a request's headers logged as text.
 */

/** Keys whose values are never logged, in the spellings they come in (headers arrive lower-cased from Node). */
const SECRET_KEYS = [
  'token',
  'botToken',
  'appToken',
  'apiKey',
  'api_key',
  'x-api-key',
  'authorization',
  'Authorization',
  'signingSecret',
  'secret',
  'password',
  'sslpassword',
  'cookie',
  'Cookie',
  'set-cookie',
];

/** Deeper than any object the bot logs: a secret key is redacted anywhere above it. */
const KEY_DEPTH = 12;

const keyPath = (key: string) => (/^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`);

/** `key`, `*.key`, `*.*.key`, … down to KEY_DEPTH levels: pino's paths have no "any depth". */
const REDACTED_PATHS = Array.from({ length: KEY_DEPTH + 1 }, (_, depth) =>
  SECRET_KEYS.map((key) => {
    const leaf = keyPath(key);
    if (depth === 0) return leaf;
    return `${Array(depth).fill('*').join('.')}${leaf.startsWith('[') ? '' : '.'}${leaf}`;
  }),
).flat();

export function scrubber(secrets: readonly string[]): (text: string) => string {
  // In a JSON line a secret may stand escaped (a quote, a backslash): both forms are removed.
  const forms = [...new Set(secrets.filter((s) => s.length >= 4).flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]))];
  if (forms.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const secret of forms) if (out.includes(secret)) out = out.split(secret).join('[REDACTED]');
    return out;
  };
}

/**
 * pino's error serializer, which tells a cause chain's messages and stacks and a top-level
 * AggregateError's errors, plus the errors of an AggregateError met further down the chain: how
 * Node reports a connection refused on every address (`fetch failed`, caused by one).
 */
function serializeError(err: unknown): unknown {
  const out = pino.stdSerializers.err(err as Error) as unknown as Record<string, unknown>;
  const inner: unknown[] = [];
  const seen = new Set<unknown>([err]);
  for (let cause = (err as { cause?: unknown })?.cause; cause instanceof Error && !seen.has(cause) && seen.size < 10; cause = cause.cause) {
    seen.add(cause);
    if (cause instanceof AggregateError) inner.push(...cause.errors.slice(0, 10).map((e: unknown) => pino.stdSerializers.err(e as Error)));
  }
  return inner.length > 0 ? { ...out, causeErrors: inner } : out;
}

export function createLogger(options: { level: string; secrets: readonly string[]; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      base: { app: 'datajob-bot' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
      // Errors as type, message and stack, their causes' messages and stacks appended, an AggregateError's errors listed.
      serializers: { err: serializeError },
      hooks: { streamWrite: scrubber(options.secrets) },
    },
    options.destination ?? pino.destination({ fd: 1, sync: false }),
  );
}
