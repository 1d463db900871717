import cron from 'node-cron';
import { z } from 'zod';
import { BotError } from './errors.js';
import { redactUrl, urlSecrets } from './util/url-secrets.js';

/**
 * Configuration comes only from the environment (a `.env` file through dotenv at start-up), is
 * checked once here, and is then a frozen, typed object. Every variable is listed in .env.example.
 */

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const url = (what: string) =>
  z
    .string()
    .trim()
    .refine((v) => /^https?:\/\/[^\s]+$/.test(v) && URL.canParse(v), `expected an http(s) URL (${what})`);

const int = (min: number, max: number, fallback: number) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `expected a whole number from ${min} to ${max}` });
        return z.NEVER;
      }
      return n;
    });

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A flag: true/false, 1/0, yes/no, on/off (any case), or unset for its default. */
const flag = (fallback: boolean) =>
  optionalString.pipe(
    z
      .stringbool({ error: 'expected true or false' })
      .optional()
      .transform((v) => v ?? fallback),
  );

const usergroupIds = optionalString.transform((v, ctx) => {
  const ids = (v ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  const bad = ids.filter((id) => !/^S[A-Z0-9]{2,30}$/.test(id));
  if (bad.length > 0) {
    ctx.addIssue({ code: 'custom', message: `expected user group ids (S…), comma-separated; not ${bad.slice(0, 3).join(', ')}` });
    return z.NEVER;
  }
  return ids;
});

/** Slack's own rule for features.unfurl_domains in the manifest (and its limit of five). */
const UNFURL_DOMAIN = /^(?![.-])[-a-z0-9.]{0,253}[a-z0-9]$/;
const unfurlDomains = optionalString.transform((v, ctx) => {
  const domains = (v ?? '')
    .split(',')
    .map((d) => d.trim().toLowerCase())
    .filter(Boolean);
  const bad = domains.filter((d) => !UNFURL_DOMAIN.test(d));
  if (bad.length > 0) {
    ctx.addIssue({
      code: 'custom',
      message: `expected host names, comma-separated (seekr.com, not https://seekr.com/…); not ${bad.slice(0, 3).join(', ')}`,
    });
    return z.NEVER;
  }
  if (domains.length > 5) {
    ctx.addIssue({ code: 'custom', message: 'at most 5 domains: Slack sends links of no more than 5 unfurl domains per app' });
    return z.NEVER;
  }
  return [...new Set(domains)];
});

/** What decides what the bot says about a change: shared by the bot and `datajob-bot diff`. */
const PlanVariables = {
  SEEKRFLOW_JOB_URL_TEMPLATE: optionalString.refine(
    (v) => v === undefined || (v.includes('{id}') && URL.canParse(v.replace('{id}', 'x')) && /^https?:/.test(v)),
    'expected an http(s) URL containing {id}, e.g. https://apps.seekr.com/data-jobs/{id}',
  ),
  STALL_AFTER_MINUTES: int(0, 10_080, 60),
  UNREACHABLE_AFTER_MINUTES: int(0, 10_080, 10),
};

const EnvSchema = z.object({
  ...PlanVariables,
  SLACK_BOT_TOKEN: z
    .string({ error: 'required: the bot token (xoxb-…) from the Slack app’s OAuth & Permissions page' })
    .trim()
    .min(1, 'required: the bot token (xoxb-…) from the Slack app’s OAuth & Permissions page')
    .refine((v) => v.startsWith('xoxb-'), 'expected a bot token starting with xoxb-'),
  SLACK_APP_TOKEN: optionalString.refine(
    (v) => v === undefined || v.startsWith('xapp-'),
    'expected an app-level token starting with xapp-',
  ),
  SLACK_SIGNING_SECRET: optionalString,
  PORT: int(0, 65535, 3000),
  HEALTHZ_DETAILS: flag(false),
  METRICS_PORT: int(0, 65535, 9464),
  METRICS_HOST: optionalString.transform((v) => v ?? '127.0.0.1'),
  METRICS_STORE_SECONDS: int(0, 300, 15),
  SLACK_API_URL: optionalString.pipe(url('the Slack Web API base, e.g. https://slack.com/api/').optional()),
  SEEKRFLOW_API_KEY: z
    .string({ error: 'required: your SeekrFlow API key (sent as the raw Authorization header)' })
    .trim()
    .min(1, 'required: your SeekrFlow API key (sent as the raw Authorization header)')
    .refine((v) => !/^bearer\s/i.test(v), 'expected the raw key, without a "Bearer " prefix'),
  SEEKRFLOW_TEAM_ID: optionalString,
  SEEKRFLOW_BASE_URL: optionalString
    .pipe(url('e.g. https://flow.seekr.com').optional())
    .transform((v) => (v ?? 'https://flow.seekr.com').replace(/\/+$/, '')),
  SEEKRFLOW_TIMEOUT_MS: int(100, 120_000, 10_000),
  SEEKRFLOW_RETRIES: int(0, 10, 3),
  // A string cannot hold more than ~512 MB in Node, so a bigger answer could never be read anyway.
  SEEKRFLOW_MAX_BODY_MB: int(1, 512, 64),
  SEEKRFLOW_UNFURL_DOMAINS: unfurlDomains,
  HOME_REFRESH_SECONDS: int(1, 60, 3),
  POLL_SCHEDULE: optionalString
    .transform((v) => v ?? '* * * * *')
    .refine((v) => cron.validate(v), 'expected a cron expression, e.g. "* * * * *" (every minute) or "*/30 * * * * *" (every 30 seconds)'),
  POLL_CONCURRENCY: int(1, 256, 8),
  DISCOVERY_SCHEDULE: optionalString
    .transform((v) => v ?? '* * * * *')
    .refine((v) => cron.validate(v), 'expected a cron expression, e.g. "* * * * *" (every minute)'),
  OWNER_MAP_FILE: optionalString,
  DATA_DIR: optionalString.transform((v) => v ?? './data'),
  DATABASE_URL: optionalString.refine(
    (v) => v === undefined || /^postgres(ql)?:\/\//.test(v),
    'expected a PostgreSQL URL (postgres://user@host:5432/db); leave unset for the embedded SQLite store',
  ),
  DATABASE_SCHEMA: optionalString.refine(
    (v) => v === undefined || /^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(v),
    'expected a PostgreSQL schema name (letters, digits, _)',
  ),
  // The longest one statement may run, or a transaction sit idle, on the server. The bot's statements
  // take milliseconds and its transactions wait on nothing but their own statements.
  DATABASE_STATEMENT_TIMEOUT_MS: int(100, 3_600_000, 30_000),
  // How long the bot waits for PostgreSQL's answer before it gives the connection up: what ends a
  // query whose packets vanish (a failover that resets nothing). Longer than the statement timeout, so
  // that a live server's own cancel comes first.
  DATABASE_QUERY_TIMEOUT_MS: int(100, 3_600_000, 40_000),
  DATABASE_KEEPALIVE_SECONDS: int(1, 7_200, 15),
  TOKEN_PROBE_SECONDS: int(1, 3_600, 60),
  RETENTION_DAYS: int(1, 3_650, 30),
  SLACK_RATE_SCALE: int(1, 1_000, 1),
  ALLOW_GUESTS: flag(false),
  ALLOW_SHARED_CHANNELS: flag(false),
  ALLOWED_USERGROUPS: usergroupIds,
  ACTION_USERGROUPS: usergroupIds,
  ACTION_OWNERS: flag(false),
  LOOKUPS_PER_USER_PER_MINUTE: int(1, 10_000, 20),
  // At most five minutes: a member turned guest must lose access within that.
  ACCESS_CACHE_SECONDS: int(1, 300, 300),
  LOG_LEVEL: optionalString.transform((v) => v ?? 'info').pipe(z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` })),
  // Either case, the lower first, as curl and most tools read them (see loadConfig).
  HTTPS_PROXY: optionalString.pipe(url('a forward proxy, e.g. http://proxy.internal:3128').optional()),
  HTTP_PROXY: optionalString.pipe(url('a forward proxy, e.g. http://proxy.internal:3128').optional()),
  NO_PROXY: optionalString,
});

/** The proxy variables, whichever case they are set in: the lower-case one wins, as in curl. */
const PROXY_VARIABLES = ['HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY'] as const;

/** A company's forward proxy, for every call out: SeekrFlow and Slack (Web API, Socket Mode, response_url). */
export interface ProxySettings {
  https: string | undefined;
  http: string | undefined;
  /** Hosts (and domains, `.example.com`) reached directly, comma-separated; `*` for every host. */
  noProxy: string | undefined;
}

export interface Config {
  proxy: ProxySettings;
  /**
   * GET /metrics, on a port of its own (loopback unless METRICS_HOST says otherwise); the store's
   * figures (outbox, subscriptions) are queried at most once per `storeSeconds`, however often it is scraped.
   */
  metrics: { host: string; port: number; storeSeconds: number };
  slack: {
    botToken: string;
    appToken: string | undefined;
    signingSecret: string | undefined;
    mode: 'socket' | 'http';
    port: number;
    /** /healthz also says the mode, the storage engine and the last poll pass (otherwise only that the bot is up). */
    healthzDetails: boolean;
    apiUrl: string | undefined;
    /** views.publish at most once per this many seconds per person (the App Home). */
    homeRefreshSeconds: number;
  };
  seekrflow: {
    apiKey: string;
    teamId: string | undefined;
    baseUrl: string;
    timeoutMs: number;
    retries: number;
    /** Answers longer than this many MB (1 MB = 1,048,576 bytes) are not read. */
    maxBodyMb: number;
    jobUrlTemplate: string | undefined;
    /** Links on these hosts (and their subdomains) that hold a job id unfurl into a compact card; none: no unfurls. */
    unfurlDomains: readonly string[];
  };
  /** Team feeds: how often the team's job list is read for new jobs. */
  discovery: { schedule: string };
  /** Lines of `seekrflow_user_id slack_user_id_or_email`: owners told directly, as an admin maps them. */
  ownerMapFile: string | undefined;
  poll: {
    schedule: string;
    concurrency: number;
    stallAfterMinutes: number;
    unreachableAfterMinutes: number;
  };
  storage: {
    dataDir: string;
    databaseUrl: string | undefined;
    databaseSchema: string | undefined;
    /** Ended subscriptions (and those whose channel is gone) are forgotten this many days later. */
    retentionDays: number;
    /** PostgreSQL only: how long a statement may run, and how long the bot waits for an answer; TCP keepalive. */
    postgres: { statementTimeoutMs: number; queryTimeoutMs: number; keepAliveSeconds: number };
  };
  delivery: {
    /** While Slack refuses the token, how often auth.test asks whether it is accepted again. */
    tokenProbeSeconds: number;
    /** Multiplies the built-in Slack rates: for a fake Slack with faster limits. 1 against Slack. */
    rateScale: number;
  };
  access: {
    allowGuests: boolean;
    allowSharedChannels: boolean;
    allowedUsergroups: readonly string[];
    lookupsPerUserPerMinute: number;
    cacheSeconds: number;
  };
  /**
   * Starting and cancelling a job's alignment from Slack: members of `usergroups` may (within the
   * access policy); none when it is empty, and then no action button shows anywhere. `owners`: a
   * person linked to a job's SeekrFlow user (`/datajob me`) may act on their own jobs too.
   */
  actions: { usergroups: readonly string[]; owners: boolean };
  logLevel: (typeof LOG_LEVELS)[number];
}

export class ConfigError extends BotError {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super('CONFIG_INVALID', `Invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}`);
  }
}

/** The Web API client appends method names to this URL, so its path ends in `/` (after the path, not after a query). */
function withTrailingSlash(value: string): string {
  const url = new URL(value);
  if (url.pathname.endsWith('/')) return value;
  url.pathname = `${url.pathname}/`;
  return url.toString();
}

/** Reads and checks the environment; throws one ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const proxies = Object.fromEntries(PROXY_VARIABLES.map((name) => [name, env[name.toLowerCase()] ?? env[name]]));
  const parsed = EnvSchema.safeParse({ ...env, ...proxies });
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? 'environment'), message: issue.message }));
  // Checked here rather than in the schema so that it is reported together with every other problem.
  if (!env.SLACK_APP_TOKEN?.trim() && !env.SLACK_SIGNING_SECRET?.trim()) {
    problems.push({
      variable: 'SLACK_SIGNING_SECRET',
      message: 'required in HTTP mode (when SLACK_APP_TOKEN is not set): the Signing Secret from the Slack app’s Basic Information page',
    });
  }
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  return Object.freeze({
    slack: Object.freeze({
      botToken: e.SLACK_BOT_TOKEN,
      appToken: e.SLACK_APP_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      mode: e.SLACK_APP_TOKEN ? 'socket' : 'http',
      port: e.PORT,
      healthzDetails: e.HEALTHZ_DETAILS,
      apiUrl: e.SLACK_API_URL && withTrailingSlash(e.SLACK_API_URL),
      homeRefreshSeconds: e.HOME_REFRESH_SECONDS,
    }),
    seekrflow: Object.freeze({
      apiKey: e.SEEKRFLOW_API_KEY,
      teamId: e.SEEKRFLOW_TEAM_ID,
      baseUrl: e.SEEKRFLOW_BASE_URL,
      timeoutMs: e.SEEKRFLOW_TIMEOUT_MS,
      retries: e.SEEKRFLOW_RETRIES,
      maxBodyMb: e.SEEKRFLOW_MAX_BODY_MB,
      jobUrlTemplate: e.SEEKRFLOW_JOB_URL_TEMPLATE,
      unfurlDomains: Object.freeze([...e.SEEKRFLOW_UNFURL_DOMAINS]),
    }),
    metrics: Object.freeze({ host: e.METRICS_HOST, port: e.METRICS_PORT, storeSeconds: e.METRICS_STORE_SECONDS }),
    proxy: Object.freeze({ https: e.HTTPS_PROXY, http: e.HTTP_PROXY, noProxy: e.NO_PROXY }),
    discovery: Object.freeze({ schedule: e.DISCOVERY_SCHEDULE }),
    ownerMapFile: e.OWNER_MAP_FILE,
    poll: Object.freeze({
      schedule: e.POLL_SCHEDULE,
      concurrency: e.POLL_CONCURRENCY,
      stallAfterMinutes: e.STALL_AFTER_MINUTES,
      unreachableAfterMinutes: e.UNREACHABLE_AFTER_MINUTES,
    }),
    storage: Object.freeze({
      dataDir: e.DATA_DIR,
      databaseUrl: e.DATABASE_URL,
      databaseSchema: e.DATABASE_SCHEMA,
      retentionDays: e.RETENTION_DAYS,
      postgres: Object.freeze({
        statementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS,
        queryTimeoutMs: e.DATABASE_QUERY_TIMEOUT_MS,
        keepAliveSeconds: e.DATABASE_KEEPALIVE_SECONDS,
      }),
    }),
    delivery: Object.freeze({ tokenProbeSeconds: e.TOKEN_PROBE_SECONDS, rateScale: e.SLACK_RATE_SCALE }),
    access: Object.freeze({
      allowGuests: e.ALLOW_GUESTS,
      allowSharedChannels: e.ALLOW_SHARED_CHANNELS,
      allowedUsergroups: Object.freeze([...e.ALLOWED_USERGROUPS]),
      lookupsPerUserPerMinute: e.LOOKUPS_PER_USER_PER_MINUTE,
      cacheSeconds: e.ACCESS_CACHE_SECONDS,
    }),
    actions: Object.freeze({ usergroups: Object.freeze([...e.ACTION_USERGROUPS]), owners: e.ACTION_OWNERS }),
    logLevel: e.LOG_LEVEL,
  } satisfies Config) as Readonly<Config>;
}

export interface PlanConfig {
  stallAfterMinutes: number;
  unreachableAfterMinutes: number;
  jobUrlTemplate: string | undefined;
}

/**
 * Only the settings that decide what the bot says about a change, checked as the bot checks them:
 * for previews (`datajob-bot diff`) that need no Slack or SeekrFlow credentials.
 */
export function loadPlanConfig(env: NodeJS.ProcessEnv = process.env): PlanConfig {
  const parsed = z.object(PlanVariables).safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? 'environment'), message: issue.message })),
    );
  }
  return {
    stallAfterMinutes: parsed.data.STALL_AFTER_MINUTES,
    unreachableAfterMinutes: parsed.data.UNREACHABLE_AFTER_MINUTES,
    jobUrlTemplate: parsed.data.SEEKRFLOW_JOB_URL_TEMPLATE,
  };
}

/** The job's link from a template with an `{id}` placeholder; undefined without a template. */
export function jobUrlFrom(template: string | undefined): (jobId: string) => string | undefined {
  return (jobId) => (template ? template.replaceAll('{id}', encodeURIComponent(jobId)) : undefined);
}

/**
 * What is allowed but unwise, said at start-up (logged) and by `check-config` (printed): plain
 * http:// to anything but this machine sends the API key or the bot token unencrypted.
 */
export function configWarnings(config: Config): { variable: string; message: string }[] {
  const warnings: { variable: string; message: string }[] = [];
  const plain = (variable: string, value: string | undefined, secret: string) => {
    const host = plainHttpHost(value);
    if (host !== null && !isLoopback(host)) {
      warnings.push({
        variable,
        message: `uses plain http:// to ${host}, which is not this machine: ${secret} would travel unencrypted. Use https:// (http:// is for a local simulator or proxy on 127.0.0.1, ::1 or localhost).`,
      });
    }
  };
  plain('SEEKRFLOW_BASE_URL', config.seekrflow.baseUrl, 'the SeekrFlow API key');
  plain('SLACK_API_URL', config.slack.apiUrl, 'the Slack bot token');
  const { statementTimeoutMs, queryTimeoutMs } = config.storage.postgres;
  if (config.storage.databaseUrl !== undefined && queryTimeoutMs <= statementTimeoutMs) {
    warnings.push({
      variable: 'DATABASE_QUERY_TIMEOUT_MS',
      message: `is not longer than DATABASE_STATEMENT_TIMEOUT_MS (${queryTimeoutMs} ≤ ${statementTimeoutMs} ms): a slow statement is then given up by the bot, which drops its connection, before PostgreSQL cancels it and keeps the connection.`,
    });
  }
  return warnings;
}

/** The host of an http:// URL (the URL parser has already made 127.1 or 0x7f.1 read 127.0.0.1); null for anything else. */
function plainHttpHost(value: string | undefined): string | null {
  if (value === undefined || !URL.canParse(value)) return null;
  const url = new URL(value);
  return url.protocol === 'http:' ? url.hostname : null;
}

/** 127.0.0.0/8, ::1 and localhost. */
function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** The URL settings, which may carry credentials or secret query parameters. */
const urlSettings = (config: Config) => [
  config.storage.databaseUrl,
  config.slack.apiUrl,
  config.seekrflow.baseUrl,
  config.proxy.https,
  config.proxy.http,
];

/** The secrets a config holds, for scrubbing logs and errors: the tokens and keys, and what the URL settings carry. */
export function secretsOf(config: Config): string[] {
  return [config.slack.botToken, config.slack.appToken, config.slack.signingSecret, config.seekrflow.apiKey, config.storage.databaseUrl]
    .concat(urlSettings(config).flatMap(urlSecrets))
    .filter((s): s is string => typeof s === 'string' && s.length >= 4);
}

const redact = (v: string | undefined) => (v === undefined ? '(not set)' : `${v.slice(0, 5)}… (redacted, ${v.length} characters)`);

/** The effective configuration as people may see it: every secret redacted. */
export function describeConfig(config: Config): Record<string, string | number> {
  return {
    SLACK_BOT_TOKEN: redact(config.slack.botToken),
    SLACK_APP_TOKEN: redact(config.slack.appToken),
    SLACK_SIGNING_SECRET: config.slack.signingSecret === undefined ? '(not set)' : '(redacted)',
    'Slack mode': config.slack.mode === 'socket' ? 'Socket Mode' : 'HTTP (signed requests at /slack/events)',
    PORT: config.slack.port,
    HEALTHZ_DETAILS: String(config.slack.healthzDetails),
    METRICS: `http://${config.metrics.host}:${config.metrics.port}/metrics`,
    HTTPS_PROXY: config.proxy.https === undefined ? '(not set)' : redactUrl(config.proxy.https),
    HTTP_PROXY: config.proxy.http === undefined ? '(not set)' : redactUrl(config.proxy.http),
    NO_PROXY: config.proxy.noProxy ?? '(not set)',
    SLACK_API_URL: config.slack.apiUrl === undefined ? '(Slack’s default)' : redactUrl(config.slack.apiUrl),
    SEEKRFLOW_API_KEY: config.seekrflow.apiKey === undefined ? '(not set)' : '(redacted)',
    SEEKRFLOW_TEAM_ID: config.seekrflow.teamId ?? '(not set: personal workspace)',
    SEEKRFLOW_BASE_URL: redactUrl(config.seekrflow.baseUrl),
    SEEKRFLOW_TIMEOUT_MS: config.seekrflow.timeoutMs,
    SEEKRFLOW_RETRIES: config.seekrflow.retries,
    SEEKRFLOW_MAX_BODY_MB: config.seekrflow.maxBodyMb,
    SEEKRFLOW_JOB_URL_TEMPLATE: config.seekrflow.jobUrlTemplate ?? '(not set: no "View in SeekrFlow" button)',
    SEEKRFLOW_UNFURL_DOMAINS:
      config.seekrflow.unfurlDomains.length > 0 ? config.seekrflow.unfurlDomains.join(',') : '(not set: links are not unfurled)',
    HOME_REFRESH_SECONDS: config.slack.homeRefreshSeconds,
    POLL_SCHEDULE: config.poll.schedule,
    POLL_CONCURRENCY: config.poll.concurrency,
    DISCOVERY_SCHEDULE: config.discovery.schedule,
    OWNER_MAP_FILE: config.ownerMapFile ?? '(not set)',
    STALL_AFTER_MINUTES: config.poll.stallAfterMinutes,
    UNREACHABLE_AFTER_MINUTES: config.poll.unreachableAfterMinutes,
    DATA_DIR: config.storage.dataDir,
    DATABASE_URL: config.storage.databaseUrl === undefined ? '(not set)' : redactUrl(config.storage.databaseUrl),
    DATABASE_SCHEMA: config.storage.databaseSchema ?? '(the connection’s default)',
    RETENTION_DAYS: config.storage.retentionDays,
    DATABASE_STATEMENT_TIMEOUT_MS: config.storage.postgres.statementTimeoutMs,
    DATABASE_QUERY_TIMEOUT_MS: config.storage.postgres.queryTimeoutMs,
    DATABASE_KEEPALIVE_SECONDS: config.storage.postgres.keepAliveSeconds,
    Storage: config.storage.databaseUrl ? 'PostgreSQL' : 'SQLite (embedded)',
    TOKEN_PROBE_SECONDS: config.delivery.tokenProbeSeconds,
    SLACK_RATE_SCALE: config.delivery.rateScale,
    ALLOW_GUESTS: String(config.access.allowGuests),
    ALLOW_SHARED_CHANNELS: String(config.access.allowSharedChannels),
    ALLOWED_USERGROUPS: config.access.allowedUsergroups.length > 0 ? config.access.allowedUsergroups.join(',') : '(not set: every member)',
    LOOKUPS_PER_USER_PER_MINUTE: config.access.lookupsPerUserPerMinute,
    ACCESS_CACHE_SECONDS: config.access.cacheSeconds,
    ACTION_USERGROUPS: config.actions.usergroups.length > 0 ? config.actions.usergroups.join(',') : '(not set: actions are off)',
    ACTION_OWNERS: String(config.actions.owners),
    LOG_LEVEL: config.logLevel,
  };
}
