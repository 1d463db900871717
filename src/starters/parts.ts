import type { Config } from '../config.js';
import type { CredentialState } from '../core/credentials.js';
import type { PlanSettings } from '../core/planner.js';
import type { Store } from '../core/ports/store.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { SeekrFlowClient } from '../seekrflow/client.js';
import type { SeekrFlowParts } from './seekrflow.js';
import type { SlackParts } from './slack.js';

/** What the starters are given: the bot's parts, created once by the composition root (main.ts). */
export interface BotParts {
  config: Readonly<Config>;
  logger: Logger;
  /** The bot's clock, for its decisions. */
  now: () => Date;
  /** This process, unique across replicas: claims and leases carry it. */
  owner: string;
  store: Store;
  metrics: Metrics;
  /** Whether Slack accepts the bot's token. */
  credentials: CredentialState;
  seekrflow: SeekrFlowParts & { client: SeekrFlowClient };
  slack: SlackParts;
  /** What decides what a poll means (STALL_AFTER_MINUTES, …) and how many jobs a pass reads at once. */
  settings: PlanSettings & { concurrency: number };
}

/** A child logger for one part of the bot. */
export const componentLogger = (parts: Pick<BotParts, 'logger'>, component: string): Logger => parts.logger.child({ component });

export function planSettings(config: Readonly<Config>): BotParts['settings'] {
  const { poll } = config;
  return {
    stallAfterMinutes: poll.stallAfterMinutes,
    unreachableAfterMinutes: poll.unreachableAfterMinutes,
    concurrency: poll.concurrency,
  };
}
