import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/**
 * The root logger. Structured JSON lines; warnings and errors use a fixed message plus data so
 * they group. Secrets are removed twice: by key (token, authorization, apiKey, …) and by value
 * (any configured secret found inside any string), because libraries put tokens in places no
 * key list foresees (URLs, error messages).
 */

const SECRET_KEYS = ['token', 'botToken', 'appToken', 'apiKey', 'api_key', 'authorization', 'Authorization', 'signingSecret', 'password'];

export function scrubber(secrets: readonly string[]): (text: string) => string {
  const live = secrets.filter((s) => s.length >= 4);
  if (live.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const secret of live) if (out.includes(secret)) out = out.split(secret).join('[REDACTED]');
    return out;
  };
}

function scrubDeep(value: unknown, scrub: (s: string) => string, depth = 0): unknown {
  if (typeof value === 'string') return scrub(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    return {
      type: value.name,
      message: scrub(value.message),
      stack: value.stack && scrub(value.stack),
      code: (value as { code?: unknown }).code,
    };
  }
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, scrub, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEYS.includes(k) ? '[REDACTED]' : scrubDeep(v, scrub, depth + 1);
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
        // The message string too: a library may format a secret into it.
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? scrub(a) : a)) as Parameters<typeof method>);
        },
      },
    },
    options.destination ?? pino.destination({ fd: 1, sync: false }),
  );
}
