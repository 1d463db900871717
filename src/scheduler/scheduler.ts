import cron, { type ScheduledTask } from 'node-cron';
import type { LeaseStore, Log } from '../core/ports.js';

/**
 * node-cron runs the poll pass on POLL_SCHEDULE, never two at once in a process (`noOverlap`),
 * and never two at once across replicas: the run coordinator grants the tick only to the holder
 * of the store's `poll` lease. The holder renews it every tick; if it dies, the lease runs out and
 * the next replica to ask takes over, within one lease period.
 */

export interface SchedulerOptions {
  /** The lease (and task) name: one runner per name across replicas. `poll` by default. */
  name?: string;
  schedule: string;
  leases: LeaseStore;
  owner: string;
  logger: Log;
  pass: () => Promise<void>;
  /** Defaults to 2.5 schedule intervals (at least 3 s): long enough to ride out one slow pass. */
  leaseMs?: number;
}

export interface Scheduler {
  leaseMs: number;
  /** One pass now, under the same lease as the ticks (a replica without it does nothing). */
  runNow(): Promise<void>;
  /**
   * Takes or renews the lease; true while this replica holds it. Delivery asks too: the holder alone
   * delivers, so the fleet as a whole stays under Slack's limits with one set of rate gates.
   */
  lead(): Promise<boolean>;
  /** Stops scheduling and waits for a pass under way to finish. */
  stop(): Promise<void>;
}

function scheduleInterval(schedule: string): number {
  const probe = cron.createTask(schedule, () => {});
  const [a, b] = probe.getNextRuns(2);
  void probe.destroy();
  return a && b ? b.getTime() - a.getTime() : 60_000;
}

export function startScheduler(options: SchedulerOptions): Scheduler {
  const LEASE_NAME = options.name ?? 'poll';
  const leaseMs = options.leaseMs ?? Math.max(3_000, Math.round(scheduleInterval(options.schedule) * 2.5));
  // Leadership is one lease for all ticks (the key names the tick), so a healthy leader keeps polling.
  const shouldRun = () => options.leases.tryLease(LEASE_NAME, options.owner, leaseMs, new Date());
  let running: Promise<void> | null = null;
  const task: ScheduledTask = cron.schedule(
    options.schedule,
    async ({ date }) => {
      // Only the replica the coordinator elected gets here; the slot names the tick, so replicas' logs can be compared.
      options.logger.debug({ tick: date.toISOString() }, `${LEASE_NAME} tick run`);
      running = options.pass().catch((error: unknown) => options.logger.error({ err: error }, 'poll pass failed'));
      await running;
      running = null;
    },
    {
      name: LEASE_NAME,
      noOverlap: true,
      distributed: true,
      distributedLease: leaseMs,
      runCoordinator: { shouldRun },
      logger: {
        info: (m) => options.logger.debug({ lib: 'node-cron' }, m),
        warn: (m) => options.logger.warn({ lib: 'node-cron' }, m),
        error: (m, e) => options.logger.error({ lib: 'node-cron', err: e ?? m }, typeof m === 'string' ? m : 'node-cron error'),
        debug: (m) => options.logger.debug({ lib: 'node-cron' }, String(m)),
      },
    },
  );
  task.on('execution:overlap', () =>
    options.logger.warn({ schedule: options.schedule }, `${LEASE_NAME} pass still running at the next tick; tick skipped`),
  );
  task.on('execution:skipped', (ctx) =>
    options.logger.debug({ reason: ctx.reason, tick: ctx.date.toISOString() }, `${LEASE_NAME} tick skipped`),
  );

  return {
    leaseMs,
    async runNow() {
      if (await shouldRun()) await options.pass();
    },
    lead: shouldRun,
    async stop() {
      await task.stop();
      await task.destroy();
      if (running) await running;
      await options.leases.releaseLease(LEASE_NAME, options.owner).catch(() => {});
    },
  };
}
