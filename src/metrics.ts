import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Log } from './core/ports/log.js';

/**
 * What an operator scrapes at GET /metrics (Prometheus text format): how the passes go, how
 * SeekrFlow and Slack answer, how much Slack held us back, how deep and how old the outbox is, the
 * subscriptions by state, and whether Slack accepts the token. Counters are fed as things happen;
 * the gauges are read from the store and the bot's state at each scrape.
 */

export interface MetricsSources {
  /** `held`: what paused subscriptions keep for when they resume (not part of `pending`). */
  outbox(): Promise<{ pending: number; oldestCreatedAt: Date | null; held: number }>;
  subscriptions(): Promise<Record<'active' | 'paused' | 'ended', number>>;
  /** Null while Slack accepts the token; why it refuses it otherwise. */
  tokenRefused(): string | null;
  /** Null while SeekrFlow accepts the API key; why it refuses it otherwise. */
  keyRefused(): string | null;
}

export interface Metrics {
  passCompleted(report: { ms: number; jobs: number; fetchFailures: number; deliveries: number }): void;
  seekrflowRequest(outcome: string): void;
  slackCall(method: string, outcome: string): void;
  slackHeld(method: string, ms: number): void;
  /** A person's start or cancel of a job's alignment (`kind`), and what became of it (done, refused, stale, …). */
  action(kind: string, outcome: string): void;
  /** The text to answer a scrape with, and its content type. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

/** One query's answer reused for `ttlMs`, and shared by concurrent scrapes. */
function reused<T>(query: () => Promise<T>, ttlMs: number, now: () => number): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | null = null;
  return () => {
    if (last && now() - last.at < ttlMs) return last.value;
    const value = query();
    last = { at: now(), value };
    // A failed query is not kept: the next scrape asks again.
    value.catch(() => {
      if (last?.value === value) last = null;
    });
    return value;
  };
}

/**
 * `storeMs`: how long the store's figures are reused between scrapes, so that several Prometheus
 * servers scraping every few seconds cost the database one query.
 */
export function createMetrics(given: MetricsSources, options: { storeMs: number; now?: () => number }): Metrics {
  const now = options.now ?? Date.now;
  const registry = new Registry();
  stateGauges(registry, {
    ...given,
    outbox: reused(() => given.outbox(), options.storeMs, now),
    subscriptions: reused(() => given.subscriptions(), options.storeMs, now),
  });
  const counter = (name: string, help: string, labelNames: string[] = []) => new Counter({ name, help, labelNames, registers: [registry] });
  const passes = counter('datajob_poll_passes_total', 'Poll passes run by this process.');
  const passSeconds = new Histogram({
    name: 'datajob_poll_pass_duration_seconds',
    help: 'How long a poll pass took.',
    buckets: [0.1, 0.5, 1, 2, 5, 10, 20, 30, 60, 120],
    registers: [registry],
  });
  const jobsPolled = new Gauge({ name: 'datajob_poll_jobs', help: 'Jobs polled by the last pass.', registers: [registry] });
  const seekrflow = counter(
    'datajob_seekrflow_requests_total',
    'Reads of SeekrFlow jobs, by outcome (ok, or the failure kind: not_found, unavailable, rate_limited, …).',
    ['outcome'],
  );
  const slackCalls = counter(
    'datajob_slack_calls_total',
    'Slack Web API calls made for delivery, by method and outcome (ok, or Slack’s error code).',
    ['method', 'outcome'],
  );
  const slackLimited = counter('datajob_slack_rate_limited_total', 'Slack answers of 429 (rate limited), by method.', ['method']);
  const slackHeld = counter('datajob_slack_held_seconds_total', 'Time Slack asked us to hold calls (Retry-After), by method.', ['method']);
  const actions = counter(
    'datajob_actions_total',
    'Starts and cancels of a job’s alignment asked from Slack, by kind (start, cancel) and outcome (done, refused, not_allowed, stale, already, seekrflow_refused, failed, …).',
    ['kind', 'outcome'],
  );
  return {
    passCompleted(report) {
      passes.inc();
      passSeconds.observe(report.ms / 1000);
      jobsPolled.set(report.jobs);
    },
    seekrflowRequest: (outcome) => seekrflow.inc({ outcome }),
    slackCall(method, outcome) {
      slackCalls.inc({ method, outcome });
      if (outcome === 'ratelimited') slackLimited.inc({ method });
    },
    slackHeld: (method, ms) => slackHeld.inc({ method }, ms / 1000),
    action: (kind, outcome) => actions.inc({ kind, outcome }),
    async scrape() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

/** The gauges read at each scrape: the outbox and the subscriptions from the store, the two refusal states from the bot. */
function stateGauges(registry: Registry, sources: MetricsSources): void {
  type Read = (set: (value: number, labels?: Record<string, string>) => void) => Promise<void> | void;
  const gauge = (name: string, help: string, read: Read, labelNames: string[] = []) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        await read((value, labels) => (labels ? this.set(labels, value) : this.set(value)));
      },
    });
  gauge('datajob_outbox_pending', 'Messages stored and not yet delivered.', async (set) => set((await sources.outbox()).pending));
  gauge(
    'datajob_outbox_held',
    'Messages paused subscriptions keep until a person resumes them (not in datajob_outbox_pending).',
    async (set) => set((await sources.outbox()).held),
  );
  gauge('datajob_outbox_oldest_age_seconds', 'Age of the oldest message not yet delivered (0 when none).', async (set) => {
    const { oldestCreatedAt } = await sources.outbox();
    set(oldestCreatedAt ? Math.max(0, (Date.now() - oldestCreatedAt.getTime()) / 1000) : 0);
  });
  gauge(
    'datajob_subscriptions',
    'Subscriptions by state.',
    async (set) => {
      for (const [state, n] of Object.entries(await sources.subscriptions())) set(n, { state });
    },
    ['state'],
  );
  gauge('datajob_slack_token_refused', '1 while Slack refuses the bot token (deliveries wait), 0 otherwise.', (set) =>
    set(sources.tokenRefused() === null ? 0 : 1),
  );
  gauge(
    'datajob_seekrflow_key_refused',
    '1 while SeekrFlow refuses the bot’s API key (401, or 403/404 for every job: nothing is polled), 0 otherwise.',
    (set) => set(sources.keyRefused() === null ? 0 : 1),
  );
}

export interface MetricsServer {
  port: number;
  stop(): Promise<void>;
}

/**
 * GET /metrics on a port of its own, on loopback unless told otherwise: what it says (the outbox,
 * subscriptions by state, call counts) is for the operator's Prometheus, not for whoever reaches the
 * bot's Slack port.
 */
export async function startMetricsServer(options: {
  host: string;
  port: number;
  metrics: Pick<Metrics, 'scrape'>;
  logger: Log;
}): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/metrics') return void res.writeHead(404).end();
    options.metrics.scrape().then(
      ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
      (error: unknown) => {
        options.logger.error({ err: error }, 'metrics scrape failed');
        res.writeHead(500).end();
      },
    );
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(options.port, options.host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
