import cron, { type ScheduledTask } from 'node-cron';
import type { LeaseStore } from '../core/ports/leases.js';
import type { Log } from '../core/ports/log.js';

/**
 * node-cron runs the poll pass on POLL_SCHEDULE, never two at once in a process (`noOverlap`),
 * and never two at once across replicas: the run coordinator grants the tick only to the holder
 * of the store's `poll` lease. The holder renews it every tick; if it dies, the lease runs out and
 * the next replica to ask takes over, within one lease period.
 */

/**
 * A named lease in the store, held by one replica at a time: the holder runs the ticks of that name
 * (and, for `poll`, delivers). Taken or renewed on each ask; given back on stop.
 */
export interface Lease {
  readonly name: string;
  /** 2.5 schedule intervals (at least 3 s): long enough to ride out one slow pass. */
  readonly ms: number;
  /** Takes or renews the lease; true while this replica holds it. */
  lead(): Promise<boolean>;
  release(): Promise<void>;
}

export function scheduleLease(options: { name: string; schedule: string; leases: LeaseStore; owner: string }): Lease {
  const ms = Math.max(3_000, Math.round(scheduleInterval(options.schedule) * 2.5));
  return {
    name: options.name,
    ms,
    // Leadership is one lease for all ticks (the key names the tick), so a healthy leader keeps going.
    lead: () => options.leases.tryLease(options.name, options.owner, ms, new Date()),
    release: () => options.leases.releaseLease(options.name, options.owner).catch(() => {}),
  };
}

export interface SchedulerOptions {
  schedule: string;
  /** Only its holder runs a tick. */
  lease: Lease;
  logger: Log;
  pass: () => Promise<void>;
}

export interface Scheduler {
  /** One pass now, under the same lease as the ticks (a replica without it does nothing). */
  runNow(): Promise<void>;
  /** Stops scheduling, waits for a pass under way to finish, and gives the lease back. */
  stop(): Promise<void>;
}

function scheduleInterval(schedule: string): number {
  const probe = cron.createTask(schedule, () => {});
  const [a, b] = probe.getNextRuns(2);
  void probe.destroy();
  return a && b ? b.getTime() - a.getTime() : 60_000;
}

export function startScheduler(options: SchedulerOptions): Scheduler {
  const { lease } = options;
  let running: Promise<void> | null = null;
  const task: ScheduledTask = cron.schedule(
    options.schedule,
    async ({ date }) => {
      // Only the replica the coordinator elected gets here; the slot names the tick, so replicas' logs can be compared.
      options.logger.debug({ tick: date.toISOString() }, `${lease.name} tick run`);
      running = options.pass().catch((error: unknown) => options.logger.error({ err: error }, 'poll pass failed'));
      await running;
      running = null;
    },
    {
      name: lease.name,
      noOverlap: true,
      distributed: true,
      distributedLease: lease.ms,
      runCoordinator: { shouldRun: () => lease.lead() },
      logger: {
        info: (m) => options.logger.debug({ lib: 'node-cron' }, m),
        warn: (m) => options.logger.warn({ lib: 'node-cron' }, m),
        error: (m, e) => options.logger.error({ lib: 'node-cron', err: e ?? m }, typeof m === 'string' ? m : 'node-cron error'),
        debug: (m) => options.logger.debug({ lib: 'node-cron' }, String(m)),
      },
    },
  );
  task.on('execution:overlap', () =>
    options.logger.warn({ schedule: options.schedule }, `${lease.name} pass still running at the next tick; tick skipped`),
  );
  task.on('execution:skipped', (ctx) =>
    options.logger.debug({ reason: ctx.reason, tick: ctx.date.toISOString() }, `${lease.name} tick skipped`),
  );

  return {
    async runNow() {
      if (await lease.lead()) await options.pass();
    },
    async stop() {
      await task.stop();
      await task.destroy();
      if (running) await running;
      await lease.release();
    },
  };
}
