import type { FakeClock } from './clock.js';
import type { Rate, RateLimitSettings } from './types.js';

/** What the fault layer decided for one call, before the method itself runs. */
export type FaultAnswer = { kind: 'error'; error: string } | { kind: 'ratelimited'; retryAfter: number };

type FailRule = {
  method: string;
  error: string;
  remaining: number;
  channel?: string;
  /** Only calls whose arguments match (a card's post, say, not a reply's). */
  when?: (args: Record<string, unknown>) => boolean;
};
type RateRule = { method: string; retryAfter: number; remaining: number };

/**
 * Token bucket: `burst` calls at once, then `perMinute` refill. Slack publishes its limits as
 * "about N per minute, bursts tolerated", which is what this models.
 */
class Bucket {
  private tokens: number;
  private last: number;
  private readonly perMs: number;
  private readonly burst: number;
  constructor(rate: Rate, now: number) {
    this.perMs = rate.perMinute / 60_000;
    this.burst = rate.burst;
    this.tokens = rate.burst;
    this.last = now;
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.burst, this.tokens + (now - this.last) * this.perMs);
    this.last = now;
  }

  /** Whole seconds until a call may go through (0: now). Slack's Retry-After is never below 1. */
  wait(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.max(1, Math.ceil((1 - this.tokens) / this.perMs / 1000));
  }

  take(): void {
    this.tokens -= 1;
  }
}

const tier2: Rate = { perMinute: 20, burst: 5 };
const tier3: Rate = { perMinute: 50, burst: 10 };
const tier4: Rate = { perMinute: 100, burst: 20 };

/**
 * Slack's published tiers for the methods the bot uses (docs/slack-platform.md, "Rate limits").
 * chat.postMessage has its own rule: about one a second per channel with a short burst, under a
 * workspace ceiling of several hundred a minute (modelled as 300 a minute, all of them at once if
 * need be). auth.test and apps.connections.open are left unlimited: clients call them at start only.
 */
export const DEFAULT_RATE_LIMITS: { methods: Record<string, Rate>; perChannel: Record<string, Rate> } = {
  methods: {
    'chat.postMessage': { perMinute: 300, burst: 300 },
    'chat.update': tier3,
    'chat.delete': tier3,
    'chat.unfurl': tier3,
    'conversations.info': tier3,
    'conversations.replies': tier3,
    'conversations.open': tier3,
    'views.update': tier3,
    'users.lookupByEmail': tier3,
    'chat.postEphemeral': tier4,
    'users.info': tier4,
    'views.publish': tier4,
    'views.open': tier4,
    'views.push': tier4,
    'usergroups.users.list': tier2,
  },
  perChannel: {
    'chat.postMessage': { perMinute: 60, burst: 2 },
  },
};

type Limits = { methods: Record<string, Rate | false>; perChannel: Record<string, Rate | false> };

/** Faults on demand (failNext, rateLimit) and, optionally, Slack's real rate limits. */
export class Faults {
  private failRules: FailRule[] = [];
  private rateRules: RateRule[] = [];
  private buckets = new Map<string, Bucket>();
  private limits: Limits | undefined;

  constructor(
    private readonly clock: FakeClock,
    enforce: boolean | RateLimitSettings | undefined,
  ) {
    this.setEnforcement(enforce);
  }

  setEnforcement(enforce: boolean | RateLimitSettings | undefined): void {
    const overrides = enforce === true || !enforce ? {} : enforce;
    this.limits = enforce
      ? {
          methods: { ...DEFAULT_RATE_LIMITS.methods, ...overrides.methods },
          perChannel: { ...DEFAULT_RATE_LIMITS.perChannel, ...overrides.perChannel },
        }
      : undefined;
    this.buckets.clear();
  }

  failNext(
    method: string,
    error: string,
    opts: { times?: number; channel?: string; when?: (args: Record<string, unknown>) => boolean } = {},
  ): void {
    this.failRules.push({
      method,
      error,
      remaining: opts.times ?? 1,
      ...(opts.channel ? { channel: opts.channel } : {}),
      ...(opts.when ? { when: opts.when } : {}),
    });
  }

  /** The next call(s) answer 429 with this Retry-After, as given (0 included: tests use it to go fast). */
  rateLimit(method: string, retryAfter: number, opts: { times?: number } = {}): void {
    this.rateRules.push({ method, retryAfter, remaining: opts.times ?? 1 });
  }

  /** Drops the injected rules of `method` (of every method without one); the enforced limits stay. */
  clear(method?: string): void {
    this.failRules = this.failRules.filter((r) => method !== undefined && r.method !== method);
    this.rateRules = this.rateRules.filter((r) => method !== undefined && r.method !== method);
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
  check(method: string, channel: string | undefined, args: Record<string, unknown> = {}): FaultAnswer | undefined {
    const rate = this.rateRules.find((r) => r.method === method && r.remaining > 0);
    if (rate) {
      rate.remaining--;
      return { kind: 'ratelimited', retryAfter: rate.retryAfter };
    }
    const limited = this.enforced(method, channel);
    if (limited) return limited;
    const fail = this.failRules.find(
      (r) => r.method === method && r.remaining > 0 && (r.channel === undefined || r.channel === channel) && (r.when?.(args) ?? true),
    );
    if (fail) {
      fail.remaining--;
      return { kind: 'error', error: fail.error };
    }
    return undefined;
  }

  private bucket(key: string, rate: Rate | false | undefined, now: number): Bucket | undefined {
    if (!rate) return undefined;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new Bucket(rate, now);
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  /**
   * A call needs a token from every bucket that applies (the channel's and the workspace's); it
   * takes them only if all have one, so a refused call does not spend the channel's budget.
   */
  private enforced(method: string, channel: string | undefined): FaultAnswer | undefined {
    if (!this.limits) return undefined;
    const now = this.clock.now();
    const buckets = [
      this.bucket(`method:${method}`, this.limits.methods[method], now),
      channel ? this.bucket(`channel:${method}:${channel}`, this.limits.perChannel[method], now) : undefined,
    ].filter((b): b is Bucket => b !== undefined);
    const wait = Math.max(0, ...buckets.map((b) => b.wait(now)));
    if (wait > 0) return { kind: 'ratelimited', retryAfter: wait };
    for (const b of buckets) b.take();
    return undefined;
  }
}
