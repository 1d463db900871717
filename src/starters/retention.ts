import { purgeExpired } from '../core/retention.js';
import type { Lease } from '../scheduler/scheduler.js';
import type { Stoppable } from './lifecycle.js';
import { type BotParts, componentLogger } from './parts.js';

/** How often what is past RETENTION_DAYS is forgotten. */
const RETENTION_INTERVAL_MS = 3_600_000;
/** The first purge waits for start-up to settle. */
const FIRST_PURGE_MS = 60_000;

/** Retention: hourly, by the holder of the poll lease only (one purge at a time across replicas). */
export function startRetention(parts: BotParts, lease: Lease): Stoppable {
  const logger = componentLogger(parts, 'retention');
  const purge = async () => {
    try {
      if (await lease.lead()) await purgeExpired({ store: parts.store, logger, retentionDays: parts.config.storage.retentionDays });
    } catch (error) {
      logger.error({ err: error }, 'retention purge failed');
    }
  };
  const hourly = setInterval(() => void purge(), RETENTION_INTERVAL_MS);
  const first = setTimeout(() => void purge(), FIRST_PURGE_MS);
  return {
    async stop() {
      clearInterval(hourly);
      clearTimeout(first);
    },
  };
}
