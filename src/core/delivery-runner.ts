import type { DeliveryKind } from './delivery.js';

/**
 * When delivery runs, in a process that delivers: each lane (replies, cards) one run at a time, the
 * two side by side. A poll pass starts delivery and does not wait for it: a pass that waited for
 * card updates paced at ~48 a minute would wait minutes, and no later pass could replace a card
 * still waiting, so nothing would ever coalesce.
 *
 * After a pass its replies go at once; its cards go `settleMs` later, so that a pass right behind it
 * (a catch-up, a manual run) still replaces them while they wait: the update burst Slack tolerates is
 * then spent on the newest states, not on states a second old. The periodic tick looks for what fell
 * due (retries, a hold that ended); it leaves cards to the pass's own timer while a pass just ended.
 */
export interface DeliveryRunner {
  /** A pass committed what it found. */
  passed(): void;
  /** The periodic look for what fell due. */
  tick(): void;
  /** Both lanes now, cards without waiting for passes to settle; resolves when both runs are done. */
  now(): Promise<void>;
  /** Cancels the settle timers, ends the runs under way after the deliveries being sent, and waits for them. */
  stop(): Promise<void>;
}

export interface DeliveryRunnerOptions {
  /** One run of one lane; must not reject. It decides itself whether this process may deliver now. */
  run: (kind: DeliveryKind, signal: AbortSignal) => Promise<void>;
  /** How long a pass's cards wait for a pass right behind it. */
  settleMs?: number;
  clock?: () => number;
}

/** Cards wait this long after a pass (see DeliveryRunner): far below a poll interval, far above the gap between two passes run back to back. */
const CARD_SETTLE_MS = 1_000;

export function createDeliveryRunner({ run, settleMs = CARD_SETTLE_MS, clock = Date.now }: DeliveryRunnerOptions): DeliveryRunner {
  /** One run at a time per lane; asked while one is waiting to start, the asker shares it (asked twice, it runs once). */
  const serial = (kind: DeliveryKind) => {
    let last: Promise<void> = Promise.resolve();
    let waiting: Promise<void> | null = null;
    const ask = (): Promise<void> => {
      if (waiting) return waiting;
      const next = last.then(() => {
        waiting = null;
        return run(kind, stopping.signal);
      });
      waiting = next;
      last = next.catch(() => {});
      return next;
    };
    return { ask, idle: () => last };
  };
  const replies = serial('reply');
  const cards = serial('card');
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let lastPass = Number.NEGATIVE_INFINITY;
  let stopped = false;
  const stopping = new AbortController();
  return {
    passed() {
      if (stopped) return;
      lastPass = clock();
      void replies.ask();
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!stopped) void cards.ask();
      }, settleMs);
      timers.add(timer);
    },
    tick() {
      if (stopped) return;
      void replies.ask();
      if (clock() - lastPass >= settleMs) void cards.ask();
    },
    async now() {
      await Promise.all([replies.ask(), cards.ask()]);
    },
    async stop() {
      stopped = true;
      stopping.abort();
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.all([replies.idle(), cards.idle()]);
    },
  };
}
