import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { type Config, configWarnings, jobUrlFrom, secretsOf } from './config.js';
import { type AccessDeps, deliveryAudience, UserLimiter } from './core/access.js';
import { Completions } from './core/completions.js';
import { CredentialState, KeyState, watchKey } from './core/credentials.js';
import { deliverPending } from './core/delivery.js';
import { createDeliveryRunner } from './core/delivery-runner.js';
import { discover } from './core/discovery.js';
import { OwnerMap, startOwnerEmails } from './core/owner-emails.js';
import { ownerDirectory, parseOwnerMap } from './core/owners.js';
import { runPollPass } from './core/poll-pass.js';
import { purgeExpired } from './core/retention.js';
import type { SubscriptionDeps } from './core/subscriptions.js';
import { BotError, isBotError } from './errors.js';
import { createLogger, type Logger, scrubber } from './logger.js';
import { createMetrics, startMetricsServer } from './metrics.js';
import { startScheduler } from './scheduler/scheduler.js';
import { createSeekrFlowClient, MB } from './seekrflow/client.js';
import { coalesceFetches } from './seekrflow/coalesce.js';
import { botReadPool } from './seekrflow/read-pool.js';
import { scrubFailures } from './seekrflow/scrub-failures.js';
import { boltLogger, identifyBot, startSlackApp } from './slack/app.js';
import { createSlackDirectory } from './slack/directory.js';
import { createSlackNotifier } from './slack/notifier.js';
import { slackEmailLookup } from './slack/owner-emails.js';
import { Pacer } from './slack/pacing.js';
import { createSlackPoster } from './slack/poster.js';
import { createSlackClient, slackTransport } from './slack/web-client.js';
import { openStore } from './storage/open-store.js';
import { redactUrl } from './util/url-secrets.js';

/**
 * The one place that wires everything: config → logger → store → SeekrFlow client → Slack app →
 * scheduler. Started in that order and stopped in reverse.
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
  stop(): Promise<void>;
}

/**
 * A database that cannot be opened, said so that whoever runs the bot knows which one: DATABASE_URL
 * with its password and secret parameters redacted. Other errors (a locked data directory) pass as they are.
 */
function databaseUnavailable(error: unknown, databaseUrl: string | undefined): unknown {
  if (databaseUrl === undefined || isBotError(error)) return error;
  const why = error instanceof Error ? error.message : String(error);
  return new BotError(
    'STORE_UNAVAILABLE',
    `Could not open the PostgreSQL database at ${redactUrl(databaseUrl)} (${why}). Check DATABASE_URL and that PostgreSQL is up.`,
    { cause: error },
  );
}

/** How often due deliveries (retries after a 429 or an error) are looked for between passes. */
const DELIVERY_INTERVAL_MS = 2_000;
/** How often what is past RETENTION_DAYS is forgotten. */
const RETENTION_INTERVAL_MS = 3_600_000;

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
  const owner = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (error) {
        logger.error({ err: error }, 'error while stopping');
      }
    }
  };

  try {
    const store = await openStore({
      dataDir: config.storage.dataDir,
      ...(config.storage.databaseUrl ? { databaseUrl: config.storage.databaseUrl } : {}),
      ...(config.storage.databaseSchema ? { postgresSchema: config.storage.databaseSchema } : {}),
      postgres: config.storage.postgres,
      logger: logger.child({ component: 'store' }),
    }).catch((error: unknown) => {
      throw databaseUnavailable(error, config.storage.databaseUrl);
    });
    stops.push(() => store.close());
    logger.info({ engine: store.engine }, 'store open');

    const credentials = new CredentialState();
    const metrics = createMetrics(
      {
        outbox: () => store.outboxStats(),
        subscriptions: () => store.subscriptionCounts(),
        tokenRefused: () => credentials.refused?.why ?? null,
        keyRefused: () => key.refused?.why ?? null,
      },
      { storeMs: config.metrics.storeSeconds * 1000 },
    );
    const seekrflow = {
      baseUrl: config.seekrflow.baseUrl,
      apiKey: config.seekrflow.apiKey,
      teamId: config.seekrflow.teamId,
      timeoutMs: config.seekrflow.timeoutMs,
      retry: { limit: config.seekrflow.retries },
      maxBodyBytes: config.seekrflow.maxBodyMb * MB,
      proxy: config.proxy,
    };
    // A poll's rechecks are made on other threads, each with a client like this one.
    const reader = botReadPool(seekrflow);
    stops.push(() => reader.close());
    // What SeekrFlow says of the key, from every answer: a refused key is one state of the bot, not an outage of each job.
    const key = new KeyState(logger.child({ component: 'seekrflow' }));
    const client = watchKey(scrubFailures(createSeekrFlowClient({ ...seekrflow, reader }), scrubber(secretsOf(config))), key, options.now);
    // Counted before coalescing: each request SeekrFlow really saw, once.
    const counted = <T extends { ok: boolean; failure?: { kind: string } }>(result: T): T => {
      metrics.seekrflowRequest(result.failure?.kind ?? 'ok');
      return result;
    };
    const jobs = coalesceFetches({
      getDataJob: async (id) => counted(await client.getDataJob(id)),
      recheckDataJob: async (id, knownHash, lastHash) => counted(await client.recheckDataJob(id, knownHash, lastHash)),
    });
    // One pacer for everything this process calls: only the lease holder delivers (see deliver below); the
    // access policy's look-ups wait at it too.
    const pacer = new Pacer({ scale: config.delivery.rateScale, onHold: (method, _channel, ms) => metrics.slackHeld(method, ms) });
    // Every Slack call goes through the company's proxy when one is set.
    const transport = slackTransport(config.proxy);
    const poster = createSlackPoster(config.slack.botToken, {
      logger: boltLogger(logger.child({ component: 'slack-delivery' })),
      pacer,
      transport,
      onCall: (method, outcome) => metrics.slackCall(method, outcome),
      ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    });
    const jobUrl = jobUrlFrom(config.seekrflow.jobUrlTemplate);
    const notifier = createSlackNotifier({ poster, pacer, jobUrl });
    const slackLog = boltLogger(logger.child({ component: 'slack' }));
    const identity = await identifyBot(config.slack, slackLog, transport);
    // One directory for the access policy and delivery's checks: what one learns, the other knows.
    const directory = createSlackDirectory({
      client: createSlackClient({ token: config.slack.botToken, apiUrl: config.slack.apiUrl, logger: slackLog, transport }, 'lookups'),
      ttlMs: config.access.cacheSeconds * 1000,
      pacer,
      onCall: (method, outcome) => metrics.slackCall(method, outcome),
    });
    const policy = { installation: identity.installation, settings: config.access };
    const access: AccessDeps = {
      ...policy,
      directory: directory.forPeople,
      limiter: new UserLimiter(config.access.lookupsPerUserPerMinute),
      logger: logger.child({ component: 'listeners' }),
    };
    const audience = deliveryAudience({ ...policy, directory: directory.forDelivery });
    const ownersLogger = logger.child({ component: 'owners' });
    const ownerMap = await loadOwnerMap(config, ownersLogger);
    const owners = ownerDirectory(store, ownerMap);
    const settings = {
      stallAfterMinutes: config.poll.stallAfterMinutes,
      unreachableAfterMinutes: config.poll.unreachableAfterMinutes,
      concurrency: config.poll.concurrency,
    };
    const now = options.now ?? (() => new Date());
    const subscriptions: SubscriptionDeps = {
      subscriptions: store,
      watches: store,
      outbox: store,
      jobs,
      notifier,
      settings,
      logger: logger.child({ component: 'subscriptions' }),
      now,
    };

    let lastPass: { at: string; jobs: number; ms: number } | null = null;
    const completions = new Completions(store, store);
    const deliverLogger = logger.child({ component: 'deliver' });
    // Assigned below, once the scheduler (which holds the lease) exists.
    let leads: () => Promise<boolean> = async () => false;
    /**
     * Delivery runs only in the replica that holds the poll lease: one set of rate gates then paces
     * the whole fleet under Slack's limits. Replies and cards are separate lanes, each one run at a
     * time; when each runs is the runner's (core/delivery.ts): passes do not wait for delivery.
     */
    const delivery = createDeliveryRunner({
      run: async (kind, signal) => {
        try {
          if (credentials.refused || !(await leads())) return;
          const report = await deliverPending({
            outbox: store,
            subscriptions: store,
            notifier,
            audience,
            now,
            credentials,
            completions,
            owner,
            logger: deliverLogger,
            kinds: [kind],
            signal,
          });
          // One line per run, whatever it sent: what tells an operator (and a test) that what was due has been tried.
          deliverLogger.debug({ kind, ...report }, 'delivery run done');
        } catch (error) {
          deliverLogger.error({ err: error, kind }, 'delivery run failed');
        }
      },
    });

    const slack = await startSlackApp({
      config,
      identity,
      transport,
      deps: {
        access,
        jobs,
        poster,
        subscriptions,
        feeds: store,
        owners: store,
        jobUrl,
        links: { domains: config.seekrflow.unfurlDomains, template: config.seekrflow.jobUrlTemplate },
        homeRefreshMs: config.slack.homeRefreshSeconds * 1000,
        logger: logger.child({ component: 'listeners' }),
        now,
      },
      logger,
      health: () => {
        const reasons = [
          credentials.refused &&
            `Slack refuses the bot token (${credentials.refused.detail}) since ${credentials.refused.since.toISOString()}`,
          key.refused && `SeekrFlow refuses the bot's API key (${key.refused.detail}) since ${key.refused.since.toISOString()}`,
        ].filter((r): r is string => typeof r === 'string');
        return {
          ok: reasons.length === 0,
          ...(reasons.length > 0 ? { reason: reasons.join('; ') } : {}),
          details: { mode: config.slack.mode, storage: store.engine, lastPass },
        };
      },
    });
    stops.push(() => slack.stop());
    const metricsServer = await startMetricsServer({ ...config.metrics, metrics, logger: logger.child({ component: 'metrics' }) });
    stops.push(() => metricsServer.stop());

    const passLogger = logger.child({ component: 'poll' });
    const pass = async () => {
      const report = await runPollPass({
        watches: store,
        subscriptions: store,
        jobs,
        key,
        lister: client,
        owners,
        settings,
        logger: passLogger,
        now,
      });
      lastPass = { at: now().toISOString(), jobs: report.jobs, ms: report.ms };
      metrics.passCompleted(report);
      passLogger.info(report, 'poll pass done');
      // Started, not awaited: the next pass must not wait for cards paced over minutes (and may replace them).
      delivery.passed();
    };
    const scheduler = startScheduler({ schedule: config.poll.schedule, leases: store, owner, logger: passLogger, pass });
    stops.push(() => scheduler.stop());
    leads = () => scheduler.lead();

    // The mapping file's emails, asked of Slack in the background by the replica that leads.
    const ownerEmails = startOwnerEmails({
      map: ownerMap,
      store,
      lookup: slackEmailLookup({
        client: createSlackClient(
          { token: config.slack.botToken, apiUrl: config.slack.apiUrl, logger: boltLogger(ownersLogger), transport },
          'lookups',
        ),
        pacer,
        onCall: (method, outcome) => metrics.slackCall(method, outcome),
      }),
      logger: ownersLogger,
      leads: () => leads(),
    });
    stops.push(() => ownerEmails.stop());

    // Team feeds: one read of the team's job list for every feed, by one replica at a time.
    const discoveryLogger = logger.child({ component: 'discovery' });
    const discovery = startScheduler({
      name: 'discovery',
      schedule: config.discovery.schedule,
      leases: store,
      owner,
      logger: discoveryLogger,
      pass: async () => {
        // While SeekrFlow refuses the key, the poll pass's probe is the only request made.
        if (key.refused) return;
        await discover({ lister: client, feeds: store, subscriptions: store, logger: discoveryLogger });
      },
    });
    stops.push(() => discovery.stop());

    // While Slack refuses the token: one error line and one auth.test a minute; when Slack accepts it
    // again (a reinstall, a restored token), delivery resumes where it stopped.
    const probe = setInterval(async () => {
      const refused = credentials.refused;
      if (!refused) return;
      const checked = await notifier.checkCredentials();
      if (checked.ok) {
        credentials.accept();
        deliverLogger.info({ since: refused.since.toISOString() }, 'Slack accepts our token again: delivery resumes');
        void delivery.now();
      } else {
        deliverLogger.error(
          { why: checked.why, detail: checked.detail, since: refused.since.toISOString() },
          'Slack still refuses our token: deliveries wait',
        );
      }
    }, config.delivery.tokenProbeSeconds * 1000);
    stops.push(async () => clearInterval(probe));

    // Retention: hourly, by the lease holder only (one purge at a time across replicas).
    const retentionLogger = logger.child({ component: 'retention' });
    const purge = async () => {
      try {
        if (await leads()) await purgeExpired({ store, logger: retentionLogger, retentionDays: config.storage.retentionDays });
      } catch (error) {
        retentionLogger.error({ err: error }, 'retention purge failed');
      }
    };
    const retention = setInterval(() => void purge(), RETENTION_INTERVAL_MS);
    const firstPurge = setTimeout(() => void purge(), 60_000);
    stops.push(async () => {
      clearInterval(retention);
      clearTimeout(firstPurge);
    });

    // Whatever a previous run left in the outbox (a crash, a restart) goes out now, then retries as they fall due.
    void delivery.now();
    const timer = setInterval(() => delivery.tick(), DELIVERY_INTERVAL_MS);
    stops.push(async () => {
      clearInterval(timer);
      await delivery.stop();
    });

    logger.info({ owner, schedule: config.poll.schedule, leaseMs: scheduler.leaseMs }, 'datajob-bot is running');
    const pollNow = async (options: { waitForDelivery?: boolean } = {}) => {
      await scheduler.runNow();
      if (options.waitForDelivery !== false) await delivery.now();
    };
    return {
      port: slack.port,
      metricsPort: metricsServer.port,
      owner,
      logger,
      pollNow,
      discoverNow: () => discovery.runNow(),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * The admin's owner mapping file (OWNER_MAP_FILE), read once at start: SeekrFlow user → Slack users.
 * A line that cannot be used is logged (by number) and skipped; emails are resolved later, in the
 * background (startOwnerEmails).
 */
async function loadOwnerMap(config: Readonly<Config>, logger: Logger): Promise<OwnerMap> {
  if (!config.ownerMapFile) return new OwnerMap([]);
  const { entries, problems } = parseOwnerMap(await readFile(config.ownerMapFile, 'utf8'));
  for (const problem of problems) logger.warn({ file: config.ownerMapFile, problem }, 'owner map line skipped');
  const map = new OwnerMap(entries);
  logger.info({ file: config.ownerMapFile, entries: entries.length, emails: map.emails().length }, 'owner map read');
  return map;
}
