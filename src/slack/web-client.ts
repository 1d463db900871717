import { type Logger as SlackLogger, WebClient, type WebClientOptions } from '@slack/web-api';

/**
 * Every Slack Web API client the bot makes comes from here, so that each logs through the bot's
 * logger (scrubbed, structured) and each retries as its use needs, never as the Web API's default
 * (ten retries over about thirty minutes, which would hold a pass or a click that long).
 */

export interface SlackClientSettings {
  token: string;
  /** Where Web API calls go (a proxy, a test's fake Slack); Slack's own when undefined. */
  apiUrl?: string | undefined;
  logger: SlackLogger;
}

/**
 * What a client is for:
 * - `delivery`: posting and updating; never retries by itself (a retried chat.postMessage after a
 *   timeout may post twice) and never sleeps out a 429 (the pacer holds the method instead);
 * - `lookups`: who is asking, where, which group (the access policy, delivery's checks, owner emails):
 *   a refusal must come quickly, so one short retry and no waiting out a 429;
 * - `interactive`: the listeners' answers (views, respond): worth a short retry;
 * - `startup`: the token check at start.
 */
export type SlackClientPurpose = 'delivery' | 'lookups' | 'interactive' | 'startup';

const POLICIES: Record<SlackClientPurpose, Pick<WebClientOptions, 'timeout' | 'rejectRateLimitedCalls' | 'retryConfig'>> = {
  delivery: { timeout: 15_000, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } },
  lookups: { timeout: 5_000, rejectRateLimitedCalls: true, retryConfig: { retries: 1, factor: 1, minTimeout: 200, maxTimeout: 200 } },
  interactive: { timeout: 10_000, retryConfig: { retries: 2, factor: 2, minTimeout: 500, maxTimeout: 3_000 } },
  startup: { timeout: 10_000, retryConfig: { retries: 2, factor: 1, minTimeout: 200, maxTimeout: 1_000 } },
};

/** The options of a client for `purpose`: also what Bolt is given for the clients it makes itself. */
export function slackClientOptions(settings: Omit<SlackClientSettings, 'token'>, purpose: SlackClientPurpose): WebClientOptions {
  return {
    logger: settings.logger,
    ...POLICIES[purpose],
    ...(settings.apiUrl ? { slackApiUrl: settings.apiUrl } : {}),
  };
}

export function createSlackClient(settings: SlackClientSettings, purpose: SlackClientPurpose): WebClient {
  return new WebClient(settings.token, slackClientOptions(settings, purpose));
}
