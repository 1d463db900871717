import { discover } from '../core/discovery.js';
import { type Scheduler, scheduleLease, startScheduler } from '../scheduler/scheduler.js';
import { type BotParts, componentLogger } from './parts.js';

/**
 * Team feeds: one read of the team's job list for every feed, on DISCOVERY_SCHEDULE, by one replica
 * at a time (the `discovery` lease). While SeekrFlow refuses the key, the poll pass's probe is the
 * only request made.
 */
export function startDiscovery(parts: BotParts): Scheduler {
  const { store, seekrflow, config } = parts;
  const logger = componentLogger(parts, 'discovery');
  const lease = scheduleLease({ name: 'discovery', schedule: config.discovery.schedule, leases: store, owner: parts.owner });
  return startScheduler({
    schedule: config.discovery.schedule,
    lease,
    logger,
    pass: async () => {
      if (seekrflow.key.refused) return;
      await discover({ lister: seekrflow.client, feeds: store, subscriptions: store, logger });
    },
  });
}
