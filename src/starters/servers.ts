import { jobUrlFrom } from '../config.js';
import type { SubscriptionDeps } from '../core/subscriptions.js';
import type { MetricsServer } from '../metrics.js';
import { startMetricsServer } from '../metrics.js';
import { type SlackAppHandle, startSlackApp } from '../slack/app.js';
import type { DeliveryLoop } from './delivery.js';
import { type BotParts, componentLogger } from './parts.js';
import type { Polling } from './poll.js';

/**
 * The bot's servers: the Slack app (its listeners; /slack/events in HTTP mode, and /healthz on PORT)
 * and GET /metrics on METRICS_PORT.
 */
export async function startServers(
  parts: BotParts,
  polling: Pick<Polling, 'lastPass'>,
  delivery: Pick<DeliveryLoop, 'now'>,
): Promise<{ app: SlackAppHandle; metrics: MetricsServer }> {
  const { config, store, seekrflow, slack, now } = parts;
  const subscriptions: SubscriptionDeps = {
    ...{ subscriptions: store, watches: store, outbox: store, jobs: seekrflow.jobs, notifier: slack.notifier },
    ...{ settings: parts.settings, logger: componentLogger(parts, 'subscriptions'), now },
  };
  const app = await startSlackApp({
    config,
    identity: slack.identity,
    transport: slack.transport,
    deps: {
      ...{
        access: slack.access,
        jobs: seekrflow.jobs,
        poster: slack.poster,
        subscriptions,
        feeds: store,
        owners: store,
        digests: store,
        now,
      },
      jobUrl: jobUrlFrom(config.seekrflow.jobUrlTemplate),
      links: { domains: config.seekrflow.unfurlDomains, template: config.seekrflow.jobUrlTemplate },
      homeRefreshMs: config.slack.homeRefreshSeconds * 1000,
      logger: componentLogger(parts, 'listeners'),
      actions: {
        ...{ policy: config.actions, client: seekrflow.client, claims: store, watches: store },
        count: (kind, outcome) => parts.metrics.action(kind, outcome),
        // Delivery runs only where the poll lease is held; elsewhere its next tick takes it.
        deliverSoon: () => void delivery.now(),
      },
    },
    logger: parts.logger,
    health: healthReport(parts, polling),
  });
  try {
    const metrics = await startMetricsServer({ ...config.metrics, metrics: parts.metrics, logger: componentLogger(parts, 'metrics') });
    return { app, metrics };
  } catch (error) {
    await app.stop();
    throw error;
  }
}

/** What /healthz reports: 200 while nothing refuses the bot, 503 naming what does (Slack's token, SeekrFlow's key). */
function healthReport(parts: BotParts, polling: Pick<Polling, 'lastPass'>) {
  return () => {
    const { credentials } = parts;
    const key = parts.seekrflow.key;
    const reasons = [
      credentials.refused && `Slack refuses the bot token (${credentials.refused.detail}) since ${credentials.refused.since.toISOString()}`,
      key.refused && `SeekrFlow refuses the bot's API key (${key.refused.detail}) since ${key.refused.since.toISOString()}`,
    ].filter((r): r is string => typeof r === 'string');
    return {
      ok: reasons.length === 0,
      ...(reasons.length > 0 ? { reason: reasons.join('; ') } : {}),
      details: { mode: parts.config.slack.mode, storage: parts.store.engine, lastPass: polling.lastPass() },
    };
  };
}
