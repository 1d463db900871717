import { Completions } from '../core/completions.js';
import { deliverPending } from '../core/delivery.js';
import { createDeliveryRunner } from '../core/delivery-runner.js';
import { planDueDigests, sendDigests } from '../core/digest.js';
import type { Lease } from '../scheduler/scheduler.js';
import type { Stoppable } from './lifecycle.js';
import { type BotParts, componentLogger } from './parts.js';

/** How often due deliveries (retries after a 429 or an error) are looked for between passes. */
const DELIVERY_INTERVAL_MS = 2_000;

export interface DeliveryLoop extends Stoppable {
  /** A pass committed what it found: its replies go now, its cards once it has settled. */
  passed(): void;
  /** Every lane now (replies, cards, digests); resolves when their runs are done. */
  now(): Promise<void>;
}

/**
 * Digests, a lane of their own beside replies and cards (planning one reads jobs from SeekrFlow,
 * which no reply should wait for), one run at a time, by the lease holder only. Asked while a run is
 * under way, the next run starts after it (asked twice meanwhile, it runs once).
 */
function digestLane(parts: BotParts, lease: Lease): { ask(): Promise<void>; idle(): Promise<void> } {
  const { store, slack, now, owner, credentials } = parts;
  const logger = componentLogger(parts, 'digest');
  const run = async () => {
    try {
      if (credentials.refused || !(await lease.lead())) return;
      await planDueDigests({ digests: store, watches: store, jobs: parts.seekrflow.jobs, logger, now });
      await sendDigests({ digests: store, notifier: slack.notifier, audience: slack.audience, owner, logger, now });
    } catch (error) {
      logger.error({ err: error }, 'digest run failed');
    }
  };
  let last: Promise<void> = Promise.resolve();
  let waiting: Promise<void> | null = null;
  return {
    ask() {
      if (waiting) return waiting;
      const next = last.then(() => {
        waiting = null;
        return run();
      });
      waiting = next;
      last = next;
      return next;
    },
    idle: () => last,
  };
}

/**
 * Delivery, in the replica that holds the poll lease only: one set of rate gates then paces the whole
 * fleet under Slack's limits. Replies and cards are separate lanes, each one run at a time; when each
 * runs is the runner's (core/delivery-runner.ts). What a previous run left in the outbox goes at once.
 */
export function startDelivery(parts: BotParts, lease: Lease): DeliveryLoop {
  const { store, credentials, slack } = parts;
  const logger = componentLogger(parts, 'deliver');
  // Kept from run to run: completions a run could not write are written by the next.
  const completions = new Completions(store, store);
  const runner = createDeliveryRunner({
    run: async (kind, signal) => {
      try {
        if (credentials.refused || !(await lease.lead())) return;
        const report = await deliverPending({
          ...{ outbox: store, subscriptions: store, notifier: slack.notifier, audience: slack.audience },
          ...{ now: parts.now, credentials, completions, owner: parts.owner, logger, kinds: [kind], signal, quiet: store },
        });
        // One line per run, whatever it sent: what tells an operator (and a test) that what was due has been tried.
        logger.debug({ kind, ...report }, 'delivery run done');
      } catch (error) {
        logger.error({ err: error, kind }, 'delivery run failed');
      }
    },
  });
  const digests = digestLane(parts, lease);
  void runner.now();
  void digests.ask();
  let stopped = false;
  const timer = setInterval(() => {
    runner.tick();
    if (!stopped) void digests.ask();
  }, DELIVERY_INTERVAL_MS);
  return {
    passed: () => runner.passed(),
    now: async () => {
      await Promise.all([runner.now(), digests.ask()]);
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await Promise.all([runner.stop(), digests.idle()]);
    },
  };
}
