import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { describeScenario, resolveScenario, type ScenarioSpec, type Simulator, startSimulator } from '../simulator/server.js';
import { loadConfig, secretsOf } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { type RunningBot, startBot } from '../src/main.js';
import { type ChannelSpec, DEFAULT_CHANNELS, DEFAULT_USER, type FakeSlack, startFakeSlack } from '../test/support/fake-slack.js';
import { BOT_SCOPES } from '../test/support/harness.js';
import { buildPage } from './build-page.js';
import { type PageServer, startPageServer } from './page-server.js';

/**
 * `npm run demo` without the command line: the bot as production runs it (startBot on a config
 * from loadConfig, HTTP mode, signed requests, SQLite in a temporary data directory), the SeekrFlow
 * simulator with sample jobs, the fake Slack as the Web API, and the page that shows that Slack to
 * a person. Tests and `npm run screenshots` start the same thing on a clock they move themselves.
 */

/** Links to jobs look like the "View in SeekrFlow" button's; the host is one of the app's unfurl domains. */
export const JOB_URL_TEMPLATE = 'https://apps.seekr.com/flow/data-jobs/{id}';
export const UNFURL_DOMAINS = ['seekr.com'];
export const jobUrl = (id: string) => JOB_URL_TEMPLATE.replace('{id}', id);

/** A schedule that never fires: the test runs each poll pass itself. */
export const NEVER = '0 0 1 1 *';

export interface SampleJob {
  id: string;
  label: string;
  description: string;
}

interface Sample {
  label: string;
  scenario: ScenarioSpec | 'happy' | 'needs-review' | 'alignment-fails' | 'stalls';
  agoMs?: number;
}

/**
 * The jobs the demo starts with. The one that fails files waits in the queue a while first, so
 * there is time to open the page and subscribe a channel before its files fail.
 */
/** The user group whose members may start and cancel alignments: the demo's one person is in it. */
const DEMO_ACTORS = 'SDEMOACTORS';

const SAMPLES: Sample[] = [
  { label: 'file-failures', scenario: { files: 5, failingFiles: 2, durations: { queuedMs: 45_000 } } },
  { label: 'happy', scenario: 'happy' },
  { label: 'needs-review', scenario: 'needs-review' },
  { label: 'alignment-fails', scenario: 'alignment-fails' },
  { label: 'stalls', scenario: 'stalls' },
  { label: 'completed', scenario: 'happy', agoMs: 3_600_000 },
  // Ready to start until someone presses Start alignment: the demo's person may act.
  { label: 'ready-to-start', scenario: { files: 3, durations: { readyMs: 24 * 3_600_000 } } },
];

export interface DemoOptions {
  /** The page's port on 127.0.0.1; 0 (default) for any free one. */
  port?: number;
  /** `manual`: the simulator's time moves only when the caller says (`sim.advanceTime`). Default `real`. */
  clock?: 'real' | 'manual';
  /** The bot's POLL_SCHEDULE. Default: every 3 seconds, so the cards move while someone watches. */
  pollSchedule?: string;
  /** Where the bot's log lines go (JSON, one a line). Default: nowhere. */
  log?: Writable;
  /** Makes the simulator's job ids, names and sizes the same on every start. */
  seed?: number;
}

export interface Demo {
  /** The page: `http://127.0.0.1:<port>/`. */
  url: string;
  sim: Simulator;
  slack: FakeSlack;
  bot: RunningBot;
  samples: SampleJob[];
  dataDir: string;
  /** Adds a channel to the workspace and the sidebar. */
  addChannel(spec: ChannelSpec): void;
  stop(): Promise<void>;
}

export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const stops: Array<() => Promise<void> | void> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop();
  };
  try {
    const assets = await buildPage();
    const sim = await startSimulator({ clock: options.clock ?? 'real', ...(options.seed === undefined ? {} : { seed: options.seed }) });
    stops.push(() => sim.close());
    const slack = await startFakeSlack({ scopes: BOT_SCOPES, unfurlDomains: UNFURL_DOMAINS });
    slack.addUsergroup({ id: DEMO_ACTORS, users: [DEFAULT_USER.id] });
    stops.push(() => slack.close());
    const dataDir = mkdtempSync(join(tmpdir(), 'datajob-bot-demo-'));
    stops.push(() => rmSync(dataDir, { recursive: true, force: true }));

    const signingSecret = randomBytes(16).toString('hex');
    const config = loadConfig({
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: signingSecret,
      PORT: '0',
      // The demo's bot answers /metrics too, on a port the machine has free.
      METRICS_PORT: '0',
      SLACK_API_URL: slack.apiUrl,
      SEEKRFLOW_API_KEY: sim.apiKey,
      SEEKRFLOW_TEAM_ID: sim.teamId ?? '',
      SEEKRFLOW_BASE_URL: sim.url,
      SEEKRFLOW_JOB_URL_TEMPLATE: JOB_URL_TEMPLATE,
      SEEKRFLOW_UNFURL_DOMAINS: UNFURL_DOMAINS.join(','),
      POLL_SCHEDULE: options.pollSchedule ?? '*/3 * * * * *',
      DISCOVERY_SCHEDULE: options.clock === 'manual' ? NEVER : '*/15 * * * * *',
      // The stalling sample says so within minutes rather than an hour.
      STALL_AFTER_MINUTES: '2',
      HOME_REFRESH_SECONDS: '1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      ACTION_USERGROUPS: DEMO_ACTORS,
    });
    const logger = createLogger({
      level: options.log ? 'info' : 'silent',
      secrets: secretsOf(config),
      ...(options.log ? { destination: options.log } : {}),
    });
    const bot = await startBot(config, { logger });
    stops.push(() => bot.stop());
    const botUrl = `http://127.0.0.1:${bot.port}/slack/events`;
    slack.setRequestUrl({ url: botUrl, signingSecret });

    const now = sim.now();
    const samples = SAMPLES.map(({ label, scenario, agoMs }): SampleJob => {
      const job = sim.createJob(scenario, agoMs === undefined ? {} : { startAt: now - agoMs });
      const description = agoMs === undefined ? describeScenario(resolveScenario(scenario)) : 'completed an hour ago';
      return { id: job.id, label, description };
    });

    const channelIds = DEFAULT_CHANNELS.map((c) => c.id);
    let page: PageServer | undefined;
    page = await startPageServer({
      slack,
      botUrl,
      signingSecret,
      viewer: DEFAULT_USER,
      channelIds,
      assets,
      port: options.port ?? 0,
    });
    const running = page;
    stops.push(() => running.close());

    return {
      url: page.url,
      sim,
      slack,
      bot,
      samples,
      dataDir,
      addChannel: (spec) => {
        const channel = slack.addChannel(spec);
        if (!channelIds.includes(channel.id)) channelIds.push(channel.id);
        page?.refresh();
      },
      stop: async () => {
        page = undefined;
        await stopAll();
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
