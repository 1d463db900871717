import { randomBytes, randomUUID } from 'node:crypto';

/**
 * The fake's notion of time. Expiries (trigger ids, response_urls) and rate-limit windows read it,
 * so a test can jump 30 minutes ahead without waiting. Message timestamps come from it too.
 */
export class FakeClock {
  private offsetMs = 0;
  private lastMicros = 0;
  private frozenAt: number | undefined;

  now(): number {
    return (this.frozenAt ?? Date.now()) + this.offsetMs;
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }

  /**
   * Stops the fake's time where it is, so only `advance` moves it: rate-limit buckets then refill
   * exactly as a test says, however slow the machine. Message timestamps stay unique.
   */
  freeze(): void {
    this.frozenAt ??= Date.now();
  }

  /** Lets time run again from where it stands (nothing jumps). */
  resume(): void {
    if (this.frozenAt === undefined) return;
    this.offsetMs -= Date.now() - this.frozenAt;
    this.frozenAt = undefined;
  }

  /** A Slack message ts ("1700000000.000100"): seconds.microseconds, unique and increasing. */
  nextTs(): string {
    let micros = Math.floor(this.now() * 1000);
    if (micros <= this.lastMicros) micros = this.lastMicros + 1;
    this.lastMicros = micros;
    return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
  }
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Slack-looking ids: uppercase letters and digits after a type prefix (V for views, …). */
export function slackId(prefix: string, length = 10): string {
  const bytes = randomBytes(length);
  let out = prefix;
  for (const b of bytes) out += ALNUM[b % ALNUM.length];
  return out;
}

/** Slack generates a short block_id for blocks sent without one (e.g. "Xk3Fa"). */
export function shortId(length = 5): string {
  const chars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let out = '';
  for (const b of randomBytes(length)) out += chars[b % chars.length];
  return out;
}

/** Shaped like Slack's "12466734323.1395872398.8d5b2c6b0a1e…". */
export function triggerIdValue(): string {
  const digits = () => String(1_000_000_000 + (randomBytes(4).readUInt32BE() % 9_000_000_000));
  return `${digits()}.${digits()}.${randomBytes(16).toString('hex')}`;
}

export const uuid = (): string => randomUUID();
