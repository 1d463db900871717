import { type Config, secretsOf } from '../config.js';
import { KeyState, watchKey } from '../core/credentials.js';
import type { JobSource } from '../core/ports/job-source.js';
import { type Logger, scrubber } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { createSeekrFlowClient, MB, type SeekrFlowClient } from '../seekrflow/client.js';
import { coalesceFetches } from '../seekrflow/coalesce.js';
import { botReadPool } from '../seekrflow/read-pool.js';
import { scrubFailures } from '../seekrflow/scrub-failures.js';
import type { Lifecycle } from './lifecycle.js';

export interface SeekrFlowParts {
  /** Every call to SeekrFlow: reads, the list, the actions. */
  client: SeekrFlowClient;
  /** Reads as the rest of the bot makes them: counted, and concurrent reads of one job shared. */
  jobs: JobSource;
  /** What SeekrFlow says of the bot's key. */
  key: KeyState;
}

/**
 * SeekrFlow as the bot reads it: a client (with reader threads for a poll's large answers) whose
 * failures are scrubbed of secrets before they can be quoted, whose answers say whether the key is
 * refused, counted once per request SeekrFlow really saw.
 */
export function connectSeekrFlow(
  config: Readonly<Config>,
  deps: { metrics: Metrics; logger: Logger; now: () => Date; lifecycle: Lifecycle },
): SeekrFlowParts {
  const { seekrflow } = config;
  const options = {
    baseUrl: seekrflow.baseUrl,
    apiKey: seekrflow.apiKey,
    teamId: seekrflow.teamId,
    timeoutMs: seekrflow.timeoutMs,
    retry: { limit: seekrflow.retries },
    maxBodyBytes: seekrflow.maxBodyMb * MB,
    proxy: config.proxy,
  };
  // A poll's rechecks are made on other threads, each with a client like this one.
  const reader = botReadPool(options);
  deps.lifecycle.add({ stop: () => reader.close() });
  const key = new KeyState(deps.logger.child({ component: 'seekrflow' }));
  const client = watchKey(scrubFailures(createSeekrFlowClient({ ...options, reader }), scrubber(secretsOf(config))), key, deps.now);
  const counted = <T extends { ok: boolean; failure?: { kind: string } }>(result: T): T => {
    deps.metrics.seekrflowRequest(result.failure?.kind ?? 'ok');
    return result;
  };
  const jobs = coalesceFetches({
    getDataJob: async (id) => counted(await client.getDataJob(id)),
    recheckDataJob: async (id, knownHash, lastHash) => counted(await client.recheckDataJob(id, knownHash, lastHash)),
  });
  return { client, jobs, key };
}
