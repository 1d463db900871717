import { runPollPass } from '../core/poll-pass.js';
import type { OwnerDirectory } from '../core/ports/owners.js';
import { type Lease, startScheduler } from '../scheduler/scheduler.js';
import type { Stoppable } from './lifecycle.js';
import { type BotParts, componentLogger } from './parts.js';

export interface LastPass {
  at: string;
  jobs: number;
  ms: number;
}

export interface Polling extends Stoppable {
  /** One pass now, under the lease (a replica without it does nothing). */
  runNow(): Promise<void>;
  /** The last pass this process ran, for /healthz. */
  lastPass(): LastPass | null;
}

/**
 * The poll pass on POLL_SCHEDULE, by the holder of the `poll` lease: each pass's report is counted
 * and logged, and `afterPass` starts delivery without waiting for it: the next pass must not wait for
 * cards paced over minutes (and may replace them).
 */
export function startPolling(parts: BotParts, deps: { lease: Lease; owners: OwnerDirectory; afterPass: () => void }): Polling {
  let last: LastPass | null = null;
  const { store, seekrflow, now } = parts;
  const logger = componentLogger(parts, 'poll');
  const pass = async () => {
    const report = await runPollPass({
      ...{ watches: store, subscriptions: store, jobs: seekrflow.jobs, key: seekrflow.key, lister: seekrflow.client },
      ...{ owners: deps.owners, settings: parts.settings, logger, now },
    });
    last = { at: now().toISOString(), jobs: report.jobs, ms: report.ms };
    parts.metrics.passCompleted(report);
    logger.info(report, 'poll pass done');
    deps.afterPass();
  };
  const scheduler = startScheduler({ schedule: parts.config.poll.schedule, lease: deps.lease, logger, pass });
  return { runNow: () => scheduler.runNow(), lastPass: () => last, stop: () => scheduler.stop() };
}
