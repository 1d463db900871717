import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { type Config, configWarnings, secretsOf } from './config.js';
import { CredentialState } from './core/credentials.js';
import { createLogger, type Logger } from './logger.js';
import { createMetrics } from './metrics.js';
import { scheduleLease } from './scheduler/scheduler.js';
import { startDelivery } from './starters/delivery.js';
import { startDiscovery } from './starters/discovery.js';
import { Lifecycle } from './starters/lifecycle.js';
import { startOwners } from './starters/owners.js';
import { type BotParts, planSettings } from './starters/parts.js';
import { startPolling } from './starters/poll.js';
import { startRetention } from './starters/retention.js';
import { connectSeekrFlow } from './starters/seekrflow.js';
import { startServers } from './starters/servers.js';
import { connectSlack } from './starters/slack.js';
import { openBotStore } from './starters/store.js';
import { startTokenProbe } from './starters/token-probe.js';

/**
 * The composition root: creates the bot's parts (config → logger → store → SeekrFlow → Slack) and
 * starts them, each a starter of its own (src/starters/): owners, delivery, polling, the servers
 * (the Slack app, /metrics), discovery, the token probe, retention. Stopped in the reverse order.
 */

export interface RunningBot {
  port: number;
  /** Where GET /metrics answers (METRICS_PORT, or the port given when it was 0). */
  metricsPort: number;
  owner: string;
  logger: Logger;
  /**
   * Runs one poll pass now (under the same lease as the schedule) and delivers what it found.
   * `waitForDelivery: false` returns once the pass is done, delivery under way, as a scheduled pass does.
   */
  pollNow(options?: { waitForDelivery?: boolean }): Promise<void>;
  /** Reads the team's job list for the feeds now (under the discovery lease). */
  discoverNow(): Promise<void>;
  /** Delivers now what is due (digests planned when due, quiet hours that ended), as the periodic tick does. */
  deliverNow(): Promise<void>;
  stop(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /**
   * The bot's clock, for its decisions (what a poll means, when a probe is due, how long a job has
   * been gone): a test moves it on instead of waiting. Timers and Slack's pacing keep real time.
   */
  now?: () => Date;
}

export async function startBot(config: Readonly<Config>, options: StartOptions = {}): Promise<RunningBot> {
  const logger = options.logger ?? createLogger({ level: config.logLevel, secrets: secretsOf(config) });
  for (const { variable, message } of configWarnings(config)) logger.warn({ variable, warning: message }, 'configuration warning');
  const lifecycle = new Lifecycle(logger);
  try {
    const parts = await createParts(config, logger, options.now ?? (() => new Date()), lifecycle);
    const lease = scheduleLease({ name: 'poll', schedule: config.poll.schedule, leases: parts.store, owner: parts.owner });
    const owners = lifecycle.add(await startOwners(parts, lease));
    const delivery = lifecycle.add(startDelivery(parts, lease));
    const polling = lifecycle.add(startPolling(parts, { lease, owners: owners.directory, afterPass: () => delivery.passed() }));
    const servers = await startServers(parts, polling, delivery);
    lifecycle.add(servers.app);
    lifecycle.add(servers.metrics);
    const discovery = lifecycle.add(startDiscovery(parts));
    lifecycle.add(startTokenProbe(parts, () => void delivery.now()));
    lifecycle.add(startRetention(parts, lease));
    logger.info({ owner: parts.owner, schedule: config.poll.schedule, leaseMs: lease.ms }, 'datajob-bot is running');
    return {
      port: servers.app.port,
      metricsPort: servers.metrics.port,
      owner: parts.owner,
      logger,
      async pollNow({ waitForDelivery = true } = {}) {
        await polling.runNow();
        if (waitForDelivery) await delivery.now();
      },
      discoverNow: () => discovery.runNow(),
      deliverNow: () => delivery.now(),
      stop: () => lifecycle.stopAll(),
    };
  } catch (error) {
    await lifecycle.stopAll();
    throw error;
  }
}

/** The parts every starter is given; what holds resources is added to `lifecycle` as it is made. */
async function createParts(config: Readonly<Config>, logger: Logger, now: () => Date, lifecycle: Lifecycle): Promise<BotParts> {
  const store = await openBotStore(config, logger);
  lifecycle.add({ stop: () => store.close() });
  const credentials = new CredentialState();
  const metrics = createMetrics(
    {
      outbox: () => store.outboxStats(),
      subscriptions: () => store.subscriptionCounts(),
      tokenRefused: () => credentials.refused?.why ?? null,
      keyRefused: () => seekrflow.key.refused?.why ?? null,
    },
    { storeMs: config.metrics.storeSeconds * 1000 },
  );
  const seekrflow = connectSeekrFlow(config, { metrics, logger, now, lifecycle });
  const slack = await connectSlack(config, { metrics, logger });
  const owner = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  return { config, logger, now, owner, store, metrics, credentials, seekrflow, slack, settings: planSettings(config) };
}
