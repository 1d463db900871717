import type { FakeClock } from './clock.js';
import type { RateLimitSettings } from './types.js';

/** What the fault layer decided for one call, before the method itself runs. */
export type FaultAnswer = { kind: 'error'; error: string } | { kind: 'ratelimited'; retryAfter: number };

type FailRule = { method: string; error: string; remaining: number; channel?: string };
type RateRule = { method: string; retryAfter: number; remaining: number };

/**
 * Token bucket: `burst` calls at once, then `perSecond` refill. Slack publishes its limits as
 * "about N per period, bursts tolerated", which is what this models.
 */
class Bucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  /** Takes a token, or says how many whole seconds until one is available. */
  take(now: number): { ok: true } | { ok: false; retryAfter: number } {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfter: Math.max(1, Math.ceil((1 - this.tokens) / this.perSecond)) };
  }
}

export const DEFAULT_RATE_LIMITS: Required<RateLimitSettings> = {
  postMessage: { perSecond: 1, burst: 3 },
  update: { perMinute: 50, burst: 10 },
};

/** Faults on demand (failNext, rateLimit) and, optionally, Slack's real posting limits. */
export class Faults {
  private failRules: FailRule[] = [];
  private rateRules: RateRule[] = [];
  private buckets = new Map<string, Bucket>();
  private limits: Required<RateLimitSettings> | undefined;

  constructor(
    private readonly clock: FakeClock,
    enforce: boolean | RateLimitSettings | undefined,
  ) {
    this.setEnforcement(enforce);
  }

  setEnforcement(enforce: boolean | RateLimitSettings | undefined): void {
    this.limits = enforce ? { ...DEFAULT_RATE_LIMITS, ...(enforce === true ? {} : enforce) } : undefined;
    this.buckets.clear();
  }

  failNext(method: string, error: string, opts: { times?: number; channel?: string } = {}): void {
    this.failRules.push({ method, error, remaining: opts.times ?? 1, ...(opts.channel ? { channel: opts.channel } : {}) });
  }

  rateLimit(method: string, retryAfter: number, opts: { times?: number } = {}): void {
    this.rateRules.push({ method, retryAfter, remaining: opts.times ?? 1 });
  }

  reset(): void {
    this.failRules = [];
    this.rateRules = [];
    this.buckets.clear();
  }

  /**
   * Decides whether this call fails before reaching the method. Order as Slack: rate limits first
   * (they are answered at the edge), then the injected error.
   */
  check(method: string, channel: string | undefined): FaultAnswer | undefined {
    const rate = this.rateRules.find((r) => r.method === method && r.remaining > 0);
    if (rate) {
      rate.remaining--;
      return { kind: 'ratelimited', retryAfter: rate.retryAfter };
    }
    const limited = this.enforced(method, channel);
    if (limited) return limited;
    const fail = this.failRules.find((r) => r.method === method && r.remaining > 0 && (r.channel === undefined || r.channel === channel));
    if (fail) {
      fail.remaining--;
      return { kind: 'error', error: fail.error };
    }
    return undefined;
  }

  private enforced(method: string, channel: string | undefined): FaultAnswer | undefined {
    if (!this.limits) return undefined;
    const now = this.clock.now();
    let key: string;
    let make: () => Bucket;
    if (method === 'chat.postMessage' && channel) {
      const { perSecond, burst } = this.limits.postMessage;
      key = `post:${channel}`;
      make = () => new Bucket(perSecond, burst, now);
    } else if (method === 'chat.update') {
      const { perMinute, burst } = this.limits.update;
      key = 'update';
      make = () => new Bucket(perMinute / 60, burst, now);
    } else {
      return undefined;
    }
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = make();
      this.buckets.set(key, bucket);
    }
    const taken = bucket.take(now);
    return taken.ok ? undefined : { kind: 'ratelimited', retryAfter: taken.retryAfter };
  }
}
