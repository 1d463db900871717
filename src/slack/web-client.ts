import type { FetchFunction, Logger as SlackLogger, WebClientOptions } from '@slack/web-api';
import { WebClient } from '@slack/web-api';
import { type Dispatcher, EnvHttpProxyAgent, fetch as undiciFetch } from 'undici';
import type { ProxySettings } from '../config.js';

/**
 * Every Slack Web API client the bot makes comes from here, so that each logs through the bot's
 * logger (scrubbed, structured), each retries as its use needs, never as the Web API's default (ten
 * retries over about thirty minutes, which would hold a pass or a click that long), and each goes
 * through the company's proxy when one is set.
 */

/**
 * How calls reach Slack: through the proxy (undici's agent for HTTPS_PROXY, HTTP_PROXY and NO_PROXY)
 * or directly. `fetch` serves the Web API and `response_url` posts, `dispatcher` Socket Mode's WebSocket.
 */
export interface SlackTransport {
  fetch?: FetchFunction;
  dispatcher?: Dispatcher;
}

export function slackTransport(proxy: ProxySettings): SlackTransport {
  if (!proxy.https && !proxy.http) return {};
  const dispatcher = new EnvHttpProxyAgent({
    ...(proxy.https ? { httpsProxy: proxy.https } : {}),
    ...(proxy.http ? { httpProxy: proxy.http } : {}),
    ...(proxy.noProxy ? { noProxy: proxy.noProxy } : {}),
  });
  const viaProxy: FetchFunction = (url, init) => undiciFetch(url, { ...init, dispatcher } as never) as never;
  return { fetch: viaProxy, dispatcher };
}

export interface SlackClientSettings {
  token: string;
  /** Where Web API calls go (a test's fake Slack); Slack's own when undefined. */
  apiUrl?: string | undefined;
  /** The bot's logger, as Bolt's adapter of it (boltLogger); without one, the Web API's own console logger. */
  logger?: SlackLogger | undefined;
  transport?: SlackTransport | undefined;
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
    ...(settings.logger ? { logger: settings.logger } : {}),
    ...POLICIES[purpose],
    ...(settings.apiUrl ? { slackApiUrl: settings.apiUrl } : {}),
    ...(settings.transport?.fetch ? { fetch: settings.transport.fetch } : {}),
  };
}

export function createSlackClient(settings: SlackClientSettings, purpose: SlackClientPurpose): WebClient {
  return new WebClient(settings.token, slackClientOptions(settings, purpose));
}
