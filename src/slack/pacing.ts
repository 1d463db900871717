/**
 * One rate gate per Slack method (and per channel for posting), shared by everything that sends:
 * calls wait their turn instead of running into 429s, and a 429 holds that method (or that channel)
 * for everyone for its Retry-After, not only for the call that got it. The rates are Slack's tiers
 * (docs/slack-platform.md), a little under them, so that the gate's own timing never trips Slack.
 */

export interface Rate {
  perMinute: number;
  burst: number;
}

/**
 * Slack's tiers, as a client should keep them: 2 ≈ 20/min, 3 ≈ 50/min, 4 ≈ 100/min, small bursts.
 * The rates are kept under Slack's, which keeps the gate off Slack's limits over time. Tier 3 (card
 * updates) takes Slack's whole burst of 10: a bucket that starts full, as Slack's does, and refills
 * slower than Slack's cannot overtake it, and a burst of 8 cost every large drain 2.5 s for nothing.
 */
const TIER_2: Rate = { perMinute: 19, burst: 4 };
const TIER_3: Rate = { perMinute: 48, burst: 10 };
const TIER_4: Rate = { perMinute: 96, burst: 16 };

export const SLACK_RATES: Readonly<Record<string, Rate>> = {
  'chat.update': TIER_3,
  'chat.unfurl': TIER_3,
  'conversations.replies': TIER_3,
  'conversations.info': TIER_3,
  'views.update': TIER_3,
  'users.lookupByEmail': TIER_3,
  'users.info': TIER_4,
  'views.publish': TIER_4,
  'views.open': TIER_4,
  'views.push': TIER_4,
  'conversations.open': TIER_4,
  'conversations.members': TIER_4,
  'usergroups.users.list': TIER_2,
};

/**
 * chat.postMessage: about one a second per channel with a short burst, under a workspace ceiling of
 * several hundred a minute. The channel's gate is what paces a busy channel; the workspace's only
 * caps many channels at once, so its burst is large (a burst of 20 held 72 replies over 12 channels,
 * each within its own limit, for 15 s instead of 4), and still well under Slack's ceiling.
 */
export const POST_PER_CHANNEL: Rate = { perMinute: 58, burst: 2 };
export const POST_PER_WORKSPACE: Rate = { perMinute: 290, burst: 100 };

/** Longer than any call waits for its answer (the poster's timeout is 15 s). */
const MAX_FREEZE_MS = 20_000;

/** A call's turn at a gate; `answered` is told when Slack has answered it. */
interface Ticket {
  /** Taken from a (nearly) full bucket: the refill waits for its answer. */
  freezes: boolean;
}

/** A caller waiting for its turn. */
interface Waiter {
  grant: (ticket: Ticket) => void;
}

/** How a call waits its turn. */
export interface TurnOptions {
  /**
   * A person is waiting for it (a click's access check): it goes before every background call queued
   * at the same gate, so that clicks never wait behind a backlog of delivery's look-ups.
   */
  urgent?: boolean;
  /** Give up after this long without a turn (the gate is held, or busy): the call is not made. */
  maxWaitMs?: number;
}

/** The call waited longer for its turn than it was allowed to: it was not made. */
export class TurnTimeout extends Error {
  constructor(readonly method: string) {
    super(`no turn for ${method} in time`);
    this.name = 'TurnTimeout';
  }
}

/** A token bucket that also remembers a hold: Slack's Retry-After, for everyone who asks. */
class Gate {
  #tokens: number;
  #last: number;
  #heldUntil = 0;
  /**
   * Callers queue, urgent ones first, each in the order it came: nobody stampedes, and a background
   * caller waits only behind urgent ones (which are few: people's clicks).
   */
  readonly #urgent: Waiter[] = [];
  readonly #queued: Waiter[] = [];
  #serving = false;
  /** Since when a call taken from a full bucket is unanswered: nothing accrues until it is (see `answered`). */
  #frozenSince: number | null = null;

  constructor(
    readonly rate: Rate,
    private readonly clock: () => number,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {
    this.#tokens = rate.burst;
    this.#last = clock();
  }

  #refill(now: number): void {
    // Nothing accrues before `last`: after a hold, tokens start coming only when it ends.
    if (this.#frozenSince !== null) {
      // A call is never unanswered longer than the client's timeout; a lost answer must not freeze the gate.
      if (now - this.#frozenSince < MAX_FREEZE_MS) return;
      this.#last = Math.max(this.#last, this.#frozenSince + MAX_FREEZE_MS);
      this.#frozenSince = null;
    }
    if (now <= this.#last) return;
    this.#tokens = Math.min(this.rate.burst, this.#tokens + ((now - this.#last) / 60_000) * this.rate.perMinute);
    this.#last = now;
  }

  /** Tokens free right now (0 while held). */
  available(): number {
    const now = this.clock();
    this.#refill(now);
    return now < this.#heldUntil ? 0 : Math.floor(this.#tokens);
  }

  /** How long until one token is free, from now. */
  #wait(now: number): number {
    this.#refill(now);
    const held = this.#heldUntil - now;
    // A token short by a rounding error is a token: a wait of 1e-13 ms would never move a clock.
    const short = this.#tokens >= 1 - 1e-9 ? 0 : ((1 - this.#tokens) / this.rate.perMinute) * 60_000;
    return held > 0 ? held + short : short;
  }

  /**
   * Waits for a token and takes it; what it resolves to is for `answered`. `cancel` takes the caller
   * out of the queue (it gave up waiting): true when it was still waiting.
   */
  take(urgent: boolean): { turn: Promise<Ticket>; cancel: () => boolean } {
    let waiter: Waiter | undefined;
    const turn = new Promise<Ticket>((grant) => {
      waiter = { grant };
    });
    const queue = urgent ? this.#urgent : this.#queued;
    queue.push(waiter as Waiter);
    if (!this.#serving) void this.#serve();
    const cancel = () => {
      const at = queue.indexOf(waiter as Waiter);
      if (at >= 0) queue.splice(at, 1);
      return at >= 0;
    };
    return { turn, cancel };
  }

  /** Hands out tokens while anyone waits: who gets one is decided when it is free, urgent callers first. */
  async #serve(): Promise<void> {
    this.#serving = true;
    try {
      while (this.#urgent.length + this.#queued.length > 0) {
        for (let wait = this.#wait(this.clock()); wait > 0; wait = this.#wait(this.clock())) await this.sleep(wait);
        const next = this.#urgent.shift() ?? this.#queued.shift();
        if (!next) break;
        const freezes = this.#frozenSince === null && this.#tokens > this.rate.burst - 1;
        if (freezes) this.#frozenSince = this.clock();
        this.#tokens -= 1;
        next.grant({ freezes });
      }
    } finally {
      this.#serving = false;
    }
  }

  /**
   * Slack answered the call of `ticket`. A bucket that was full when the call was taken was, for
   * Slack, still full until the call arrived, some time before the answer: it starts refilling only
   * now, so the gate never runs ahead of Slack's bucket by the call's latency (with a burst as large
   * as Slack's, the latency of a burst's first call earned the call after the burst a 429).
   * One call per burst does this, whatever else is in flight meanwhile.
   */
  answered(ticket: Ticket): void {
    if (!ticket.freezes || this.#frozenSince === null) return;
    this.#frozenSince = null;
    this.#last = Math.max(this.#last, this.clock());
  }

  hold(ms: number): void {
    const now = this.clock();
    this.#heldUntil = Math.max(this.#heldUntil, now + ms);
    // After a hold, start again from an empty bucket rather than with a burst that earns another 429.
    this.#tokens = 0;
    this.#last = this.#heldUntil;
  }

  heldFor(): number {
    return Math.max(0, this.#heldUntil - this.clock());
  }
}

export interface PacerOptions {
  /** Multiplies every rate: for a fake Slack with faster limits (benchmarks); 1 in production. */
  scale?: number;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Told of every hold (a 429): the method, the channel, how long. */
  onHold?: (method: string, channel: string | undefined, ms: number) => void;
}

export class Pacer {
  readonly #gates = new Map<string, Gate>();
  readonly #scale: number;
  readonly #clock: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #onHold: PacerOptions['onHold'];

  constructor(options: PacerOptions = {}) {
    this.#scale = options.scale ?? 1;
    this.#clock = options.clock ?? Date.now;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#onHold = options.onHold;
  }

  #gate(key: string, rate: Rate): Gate {
    let gate = this.#gates.get(key);
    if (!gate) {
      gate = new Gate({ perMinute: rate.perMinute * this.#scale, burst: rate.burst }, this.#clock, this.#sleep);
      this.#gates.set(key, gate);
      // Channel gates are many; forget idle ones (a full, unheld bucket is the same as a new one).
      if (this.#gates.size > 5_000) this.#forgetIdle();
    }
    return gate;
  }

  #forgetIdle(): void {
    for (const [key, gate] of this.#gates) {
      if (key.startsWith('chat.postMessage#') && gate.heldFor() === 0 && gate.available() >= gate.rate.burst) this.#gates.delete(key);
    }
  }

  #gatesFor(method: string, channel: string | undefined): Gate[] {
    if (method === 'chat.postMessage') {
      const gates = [this.#gate('chat.postMessage', POST_PER_WORKSPACE)];
      if (channel) gates.unshift(this.#gate(`chat.postMessage#${channel}`, POST_PER_CHANNEL));
      return gates;
    }
    const rate = SLACK_RATES[method];
    return rate ? [this.#gate(method, rate)] : [];
  }

  /**
   * Waits until `method` (in `channel`, for posting) may be called, and takes its turn. Call what it
   * returns when Slack has answered (whatever the answer). With `maxWaitMs`, rejects with TurnTimeout
   * when no turn came in time (the call must then not be made).
   */
  async acquire(method: string, channel?: string, options: TurnOptions = {}): Promise<() => void> {
    const taken: Array<[Gate, Ticket]> = [];
    const answered = () => {
      for (const [gate, ticket] of taken) gate.answered(ticket);
    };
    const deadline = options.maxWaitMs === undefined ? null : this.#clock() + options.maxWaitMs;
    for (const gate of this.#gatesFor(method, channel)) {
      const { turn, cancel } = gate.take(options.urgent ?? false);
      if (deadline === null) {
        taken.push([gate, await turn]);
        continue;
      }
      const late = this.#sleep(Math.max(0, deadline - this.#clock())).then(() => null);
      const ticket = await Promise.race([turn, late]);
      // Granted at the same moment it gave up: the turn was taken, so it is used.
      if (ticket === null && cancel()) {
        answered();
        throw new TurnTimeout(method);
      }
      taken.push([gate, ticket ?? (await turn)]);
    }
    return answered;
  }

  /** Slack answered 429: every caller of that method (or, for posting, in that channel) waits `ms`. */
  hold(method: string, channel: string | undefined, ms: number): void {
    const [first] = this.#gatesFor(method, channel);
    first?.hold(ms);
    this.#onHold?.(method, channel, ms);
  }

  /** Calls of `method` that could go out within `withinMs` from now (0 while it is held). */
  capacity(method: string, withinMs = 0): number {
    const gates = this.#gatesFor(method, undefined);
    if (gates.length === 0) return Number.MAX_SAFE_INTEGER;
    return Math.min(...gates.map((g) => (g.heldFor() > withinMs ? 0 : g.available() + Math.floor((g.rate.perMinute * withinMs) / 60_000))));
  }
}
