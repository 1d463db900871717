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
  /** Both lanes now; resolves when both runs are done. */
  now(): Promise<void>;
}

/**
 * Delivery, in the replica that holds the poll lease only: one set of rate gates then paces the whole
 * fleet under Slack's limits. Replies and cards are separate lanes, each one run at a time; when each
 * runs is the runner's (core/delivery-runner.ts). What a previous run left in the outbox goes at once.
 */
async function digests(parts: BotParts): Promise<void> {
  const { store, slack, now, owner } = parts;
  const logger = componentLogger(parts, 'digest');
  await planDueDigests({ digests: store, watches: store, jobs: parts.seekrflow.jobs, logger, now });
  await sendDigests({ digests: store, notifier: slack.notifier, audience: slack.audience, owner, logger, now });
}

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
        // Digests ride the reply lane: planned when due and sent from the store, by the lease holder only.
        if (kind === 'reply') await digests(parts);
        // One line per run, whatever it sent: what tells an operator (and a test) that what was due has been tried.
        logger.debug({ kind, ...report }, 'delivery run done');
      } catch (error) {
        logger.error({ err: error, kind }, 'delivery run failed');
      }
    },
  });
  void runner.now();
  const timer = setInterval(() => runner.tick(), DELIVERY_INTERVAL_MS);
  return {
    passed: () => runner.passed(),
    now: () => runner.now(),
    async stop() {
      clearInterval(timer);
      await runner.stop();
    },
  };
}
