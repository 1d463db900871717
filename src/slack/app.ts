import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, type Logger as BoltLogger, HTTPReceiver, LogLevel, SocketModeReceiver } from '@slack/bolt';
import type { Config } from '../config.js';
import type { Installation } from '../domain/people.js';
import { BotError } from '../errors.js';
import type { Logger } from '../logger.js';
import { redactUrl } from '../util/url-secrets.js';
import { registerAlignmentActions } from './listeners/alignment.js';
import { registerCardActions } from './listeners/card-actions.js';
import { registerCommand } from './listeners/command.js';
import type { ListenerDeps } from './listeners/context.js';
import { registerDigestModal } from './listeners/digest.js';
import { registerFailedFilesModal } from './listeners/failed-files.js';
import { registerHome } from './listeners/home.js';
import { registerUnfurls } from './listeners/unfurl.js';
import { registerWatchShortcut } from './listeners/watch.js';
import { slackFailure } from './poster.js';
import { createSlackClient, type SlackTransport, slackClientOptions } from './web-client.js';

/**
 * The Bolt app: HTTP mode (signed requests at /slack/events) or Socket Mode, /healthz on PORT in
 * both, and every listener registered. Start-up checks the token with auth.test first, so a bad
 * token is one clear error instead of a listener that never hears anything.
 */

export interface SlackAppHandle {
  app: App;
  /** The port /healthz (and, in HTTP mode, /slack/events) listens on. */
  port: number;
  botUserId: string;
  stop(): Promise<void>;
}

export interface SlackAppOptions {
  config: Pick<Config, 'slack'>;
  /** Who the bot is (identifyBot). */
  identity: BotIdentity;
  /** How calls reach Slack (the proxy): Bolt's clients, respond(), Socket Mode's WebSocket. */
  transport?: SlackTransport;
  deps: ListenerDeps;
  logger: Logger;
  /**
   * What /healthz reports: 200 while `ok`, 503 with the `reason` when not. The details (mode,
   * storage, last pass) only when HEALTHZ_DETAILS is true.
   */
  health: () => { ok: boolean; reason?: string; details: Record<string, unknown> };
}

/** Bolt and its clients log through our logger, so their lines are structured and scrubbed too. */
export function boltLogger(logger: Logger): BoltLogger {
  let level = LogLevel.INFO;
  const text = (msg: unknown[]) =>
    msg.map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m))).join(' ');
  return {
    debug: (...msg) => logger.debug({ lib: 'bolt' }, text(msg)),
    info: (...msg) => logger.info({ lib: 'bolt' }, text(msg)),
    warn: (...msg) => logger.warn({ lib: 'bolt' }, text(msg)),
    error: (...msg) => logger.error({ lib: 'bolt' }, text(msg)),
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

export interface BotIdentity {
  botId: string;
  botUserId: string;
  /** The workspace and organisation the bot is installed in: people of any other are refused. */
  installation: Installation;
}

/**
 * Who the bot is, from `auth.test`: checked first at start, so a bad token is one clear error instead
 * of a listener that never hears anything.
 */
export async function identifyBot(
  config: Pick<Config['slack'], 'botToken' | 'apiUrl'>,
  logger: BoltLogger,
  transport: SlackTransport = {},
): Promise<BotIdentity> {
  const client = createSlackClient({ token: config.botToken, apiUrl: config.apiUrl, logger, transport }, 'startup');
  try {
    const auth = await client.auth.test();
    if (!auth.user_id || !auth.bot_id || !auth.team_id) throw new Error('auth.test returned no bot user or team');
    return {
      botId: auth.bot_id,
      botUserId: auth.user_id,
      installation: { teamId: auth.team_id, enterpriseId: (auth.enterprise_id as string | undefined) || null },
    };
  } catch (error) {
    const code = slackFailure(error).error;
    if (code === 'request_failed' || code.startsWith('http_')) {
      throw new BotError(
        'SLACK_AUTH_FAILED',
        `Could not reach Slack to check SLACK_BOT_TOKEN (${code} at ${config.apiUrl ? redactUrl(config.apiUrl) : 'https://slack.com/api/'}). Check the network${config.apiUrl ? ' and SLACK_API_URL' : ''}.`,
        { cause: error },
      );
    }
    throw new BotError(
      'SLACK_AUTH_FAILED',
      `Slack rejected SLACK_BOT_TOKEN (${code}). Check that it is the app’s current Bot User OAuth Token (xoxb-…) and that the app is installed in the workspace.`,
      { cause: error },
    );
  }
}

/** How far a request's timestamp may be from now, either way (Slack's rule, docs/slack-platform.md). */
const MAX_TIMESTAMP_SKEW_S = 5 * 60;

/**
 * Bolt refuses a signed request dated more than 5 minutes ago, but not one dated more than 5 minutes
 * ahead, which a replay of a captured request could use. So every request passes this check before
 * Bolt's own (signature, age): dated too far ahead, it gets 401 and nothing else happens.
 */
function refuseFutureTimestamps(receiver: HTTPReceiver, logger: Logger): void {
  const bolt = receiver.requestListener;
  receiver.requestListener = (req, res) => {
    const timestamp = Number(req.headers['x-slack-request-timestamp']);
    if (Number.isFinite(timestamp) && timestamp > Date.now() / 1000 + MAX_TIMESTAMP_SKEW_S) {
      res.writeHead(401).end();
      // As Bolt says of the requests it refuses (a bad signature, a stale timestamp).
      logger.warn({ timestamp }, 'request refused: dated more than 5 minutes ahead');
      return;
    }
    bolt(req, res);
  };
}

/**
 * /healthz, in both modes. By default it says only whether the bot is up (and, when it is not, why:
 * a monitor needs that, and it says nothing of any job): it answers anyone who can reach the port,
 * and the mode, the storage engine and the last pass are nobody else's business. HEALTHZ_DETAILS=true
 * adds them, for a monitor that wants them.
 */
function healthHandler(health: SlackAppOptions['health'], details: boolean) {
  return (_req: unknown, res: ServerResponse) => {
    const { ok, reason, details: more } = health();
    res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok, ...(reason ? { reason } : {}), ...(details ? more : {}) }));
  };
}

export async function startSlackApp({ config, identity, transport = {}, deps, logger, health }: SlackAppOptions): Promise<SlackAppHandle> {
  const slack = config.slack;
  const log = boltLogger(logger.child({ component: 'slack' }));
  const { botId, botUserId } = identity;
  // The clients Bolt makes itself (the listeners' answers: views, respond) log through ours, and take the proxy.
  const clientOptions = slackClientOptions({ apiUrl: slack.apiUrl, logger: log, transport }, 'interactive');

  const answerHealth = healthHandler(health, slack.healthzDetails);
  let healthServer: Server | undefined;
  let receiver: HTTPReceiver | SocketModeReceiver;
  if (slack.mode === 'socket' && slack.appToken) {
    receiver = new SocketModeReceiver({
      appToken: slack.appToken,
      logger: log,
      installerOptions: { clientOptions },
      ...(transport.dispatcher ? { dispatcher: transport.dispatcher } : {}),
    });
    healthServer = createServer((req, res) => {
      if (req.method === 'GET' && req.url === '/healthz') return answerHealth(req, res);
      res.writeHead(404).end();
    });
  } else {
    receiver = new HTTPReceiver({
      signingSecret: slack.signingSecret ?? '',
      endpoints: '/slack/events',
      logger: log,
      customRoutes: [{ path: '/healthz', method: ['GET'], handler: answerHealth }],
      // Bolt answers Slack only when the listener acks: our listeners ack before any slow work.
      processBeforeResponse: false,
    });
    refuseFutureTimestamps(receiver, logger.child({ component: 'slack' }));
  }

  const app = new App({ token: slack.botToken, botId, botUserId, receiver, logger: log, clientOptions });
  const listenerDeps = deps;
  registerCommand(app, listenerDeps);
  registerCardActions(app, listenerDeps);
  registerAlignmentActions(app, listenerDeps);
  registerFailedFilesModal(app, listenerDeps);
  registerDigestModal(app, listenerDeps);
  registerUnfurls(app, listenerDeps);
  const stopHome = registerHome(app, listenerDeps);
  registerWatchShortcut(app, listenerDeps);
  app.error(async (error) => {
    logger.error({ err: error, component: 'slack' }, 'unhandled Slack listener error');
  });

  let port: number;
  if (receiver instanceof HTTPReceiver) {
    const server = (await app.start(slack.port)) as Server;
    port = (server.address() as AddressInfo).port;
  } else {
    await app.start();
    const server = healthServer as Server;
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(slack.port, resolve));
    port = (server.address() as AddressInfo).port;
  }
  logger.info({ mode: slack.mode, port, botUserId }, 'Slack app started');

  return {
    app,
    port,
    botUserId,
    async stop() {
      stopHome();
      await app.stop();
      if (healthServer) await new Promise<void>((resolve) => healthServer.close(() => resolve()));
    },
  };
}
