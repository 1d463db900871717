import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

const SECRET = 'pg-pass-5e1d0000beef';
const TOKEN = 'xoxb-logger-test-token-0123';

function capture(): { logger: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', secrets: [SECRET, TOKEN], destination }), lines };
}

/** `leaf` wrapped in `depth` levels of `{ level: … }`. */
function nested(depth: number, leaf: Record<string, unknown>): Record<string, unknown> {
  let node: Record<string, unknown> = leaf;
  for (let i = 0; i < depth; i++) node = { level: node, [`sibling${i}`]: `at ${i}: postgres://bot:${SECRET}@db/x` };
  return node;
}

describe('the logger', () => {
  it('redacts secret keys and secret values 10 levels deep, and keeps what is not secret', () => {
    const { logger, lines } = capture();
    logger.info(
      nested(10, { password: 'hunter2-not-configured', Authorization: 'raw-key', note: `token ${TOKEN}`, marker: 'deep-marker' }),
      'deep',
    );
    logger.flush();
    const [line] = lines;
    expect(line).toContain('deep-marker');
    expect(line).not.toContain(SECRET);
    expect(line).not.toContain(TOKEN);
    expect(line).not.toContain('hunter2-not-configured');
    expect(line).not.toContain('raw-key');
    expect(line?.match(/\[REDACTED\]/g)?.length).toBeGreaterThanOrEqual(13);
  });

  it('scrubs error causes, recursively, and an AggregateError’s errors', () => {
    const { logger, lines } = capture();
    const root = new Error(`connect failed for postgres://bot:${SECRET}@db/x`);
    const middle = new Error('query failed', { cause: root });
    const aggregate = new AggregateError([new Error(`attempt 1 with ${TOKEN}`), middle], `all attempts failed (${SECRET})`);
    const top = new Error('could not start', { cause: aggregate });
    logger.error({ err: top }, 'start failed');
    logger.flush();
    const line = lines[0] ?? '';
    expect(line).not.toContain(SECRET);
    expect(line).not.toContain(TOKEN);
    const logged = JSON.parse(line) as { err: { message: string; cause: unknown } };
    // The causes are told: their messages, scrubbed.
    expect(JSON.stringify(logged.err)).toContain('connect failed for postgres://bot:[REDACTED]@db/x');
    expect(JSON.stringify(logged.err)).toContain('attempt 1 with [REDACTED]');
  });

  it('survives cycles in objects and in cause chains', () => {
    const { logger, lines } = capture();
    const loop: Record<string, unknown> = { name: 'loop', secret: 'x' };
    loop.self = loop;
    const error = new Error(`self-caused ${SECRET}`);
    (error as { cause?: unknown }).cause = error;
    const shared = { note: 'shared' };
    logger.warn({ loop, err: error, a: shared, b: shared }, 'cycles');
    logger.flush();
    const logged = JSON.parse(lines[0] ?? '{}') as Record<string, { self?: unknown; message?: unknown; note?: unknown; secret?: unknown }>;
    // A cycle ends where pino stops descending, instead of recursing forever.
    expect(JSON.stringify(logged.loop)).toMatch(/"\[(Object|Circular)\]"/);
    expect(logged.loop?.secret).toBe('[REDACTED]');
    expect(logged.err?.message).toMatch(/^self-caused \[REDACTED\]/);
    expect(logged.b?.note).toBe('shared');
    expect(lines[0]).not.toContain(SECRET);
  });

  it('scrubs values interpolated into the message', () => {
    const { logger, lines } = capture();
    logger.info('connecting with %o', { url: `postgres://bot:${SECRET}@db/x` });
    logger.flush();
    expect(lines[0]).not.toContain(SECRET);
  });

  it('scrubs a secret the line carries escaped (a quote or a backslash in it)', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const quoted = 'pass"word\\with-quote';
    const logger = createLogger({ level: 'info', secrets: [quoted], destination });
    logger.info({ url: `postgres://bot:${quoted}@db/x` }, 'escaped');
    logger.flush();
    expect(JSON.parse(lines[0] ?? '{}').url).toBe('postgres://bot:[REDACTED]@db/x');
  });
});
