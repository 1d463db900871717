import type { WebClient } from '@slack/web-api';
import { type Config, jobUrlFrom } from '../config.js';
import { type AccessDeps, deliveryAudience, UserLimiter } from '../core/access.js';
import type { DigestNotifier } from '../core/ports/digest.js';
import type { AudienceCheck, Notifier } from '../core/ports/notifier.js';
import type { Subscription } from '../domain/subscription.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { type BotIdentity, boltLogger, identifyBot } from '../slack/app.js';
import { createSlackDirectory } from '../slack/directory.js';
import { createSlackNotifier } from '../slack/notifier.js';
import { Pacer } from '../slack/pacing.js';
import { createSlackPoster, type SlackPoster } from '../slack/poster.js';
import { createSlackClient, type SlackClientPurpose, type SlackTransport, slackTransport } from '../slack/web-client.js';

export interface SlackParts {
  identity: BotIdentity;
  /** How calls reach Slack (the company's proxy, when set). */
  transport: SlackTransport;
  /** The one set of rate gates everything this process calls waits at. */
  pacer: Pacer;
  poster: SlackPoster;
  notifier: Notifier & DigestNotifier;
  /** Who may see and do what (people's clicks and commands). */
  access: AccessDeps;
  /** Whether a subscription's messages may still go where it sends them (delivery's second look). */
  audience: (subscription: Pick<Subscription, 'kind' | 'channelId'>) => Promise<AudienceCheck>;
  /** A Web API client for `purpose` (web-client.ts), logging through `logger`. */
  client(purpose: SlackClientPurpose, logger: Logger): WebClient;
  /** Counts a Slack call in the metrics. */
  onCall(method: string, outcome: string): void;
}

/**
 * Slack as the bot talks to it: who the bot is (the token checked first), one pacer, the poster and
 * the notifier, and one directory for the access policy and delivery's checks, so that what one
 * learns the other knows.
 */
export async function connectSlack(config: Readonly<Config>, deps: { metrics: Metrics; logger: Logger }): Promise<SlackParts> {
  const { metrics, logger } = deps;
  const onCall = (method: string, outcome: string) => metrics.slackCall(method, outcome);
  const pacer = new Pacer({ scale: config.delivery.rateScale, onHold: (method, _channel, ms) => metrics.slackHeld(method, ms) });
  const transport = slackTransport(config.proxy);
  const client = (purpose: SlackClientPurpose, by: Logger) =>
    createSlackClient({ token: config.slack.botToken, apiUrl: config.slack.apiUrl, logger: boltLogger(by), transport }, purpose);
  const poster = createSlackPoster(config.slack.botToken, {
    logger: boltLogger(logger.child({ component: 'slack-delivery' })),
    pacer,
    transport,
    onCall,
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
  });
  const identity = await identifyBot(config.slack, boltLogger(logger.child({ component: 'slack' })), transport);
  const directory = createSlackDirectory({
    client: client('lookups', logger.child({ component: 'slack' })),
    ttlMs: config.access.cacheSeconds * 1000,
    pacer,
    onCall,
  });
  const policy = { installation: identity.installation, settings: config.access };
  return {
    identity,
    transport,
    pacer,
    poster,
    notifier: createSlackNotifier({
      ...{ poster, pacer, jobUrl: jobUrlFrom(config.seekrflow.jobUrlTemplate) },
      actions: config.actions.usergroups.length > 0,
    }),
    access: {
      ...policy,
      directory: directory.forPeople,
      limiter: new UserLimiter(config.access.lookupsPerUserPerMinute),
      logger: logger.child({ component: 'listeners' }),
    },
    audience: deliveryAudience({ ...policy, directory: directory.forDelivery }),
    client,
    onCall,
  };
}
