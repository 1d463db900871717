import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type Simulator, type SimulatorOptions, startSimulator } from '../../simulator/server.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { type RunningBot, startBot } from '../../src/main.js';
import { type ActionTarget, clickButton } from './fake-slack/payloads.js';
import { type FakeSlack, startFakeSlack } from './fake-slack/server.js';
import type { FakeSlackOptions, ResponseRecord } from './fake-slack/types.js';
import { sendBlockActions, sendSlashCommand } from './slack-requests.js';

/**
 * The bot as it runs in production (real Bolt, real @slack/web-api, real HTTP, a real SQLite file)
 * against the fake Slack and the SeekrFlow simulator on loopback. Tests drive it as Slack does and
 * read what a user would see from the fake Slack.
 */

export const SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';
export const USER = { id: 'U_ALICE', name: 'alice' };
/** The bot scopes manifest.yml asks for. */
export const BOT_SCOPES = [
  'commands',
  'chat:write',
  'chat:write.public',
  'im:write',
  'channels:history',
  'groups:history',
  'users:read',
  'channels:read',
  'groups:read',
  'im:read',
  'mpim:read',
  'usergroups:read',
  'users:read.email',
  'links:read',
  'links:write',
];

export interface HarnessOptions {
  mode?: 'http' | 'socket';
  env?: Record<string, string>;
  simulator?: SimulatorOptions;
  slack?: FakeSlackOptions;
  /** The bot's clock (see StartOptions.now): a test moves it on instead of waiting. */
  now?: () => Date;
}

export interface Harness {
  bot: RunningBot;
  sim: Simulator;
  slack: FakeSlack;
  botUrl: string;
  dataDir: string;
  env: Record<string, string>;
  /** Every log line the bot wrote. */
  logs: string[];
  /** Sends `/datajob <text>` as Slack does; resolves when the bot acked, with the response_url to watch. */
  command(text: string, opts?: { channel?: string; user?: string }): Promise<{ status: number; ms: number; responseUrl: string }>;
  /** `command`, then waits for the bot's answer at the response_url. */
  ask(text: string, opts?: { channel?: string; user?: string }): Promise<ResponseRecord>;
  /** Clicks a button the fake Slack holds. */
  /** `answer: 'deny'`: the person answers the button's confirm dialog No, and Slack sends nothing (status 0). */
  click(target: ActionTarget, actionId: string, user?: string, blockId?: string, answer?: 'confirm' | 'deny'): Promise<{ status: number }>;
  stop(): Promise<void>;
}

export async function waitFor<T>(probe: () => T | undefined | null | false, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Everything a person reads in a message: its text and the text of its blocks. */
export function visibleText(message: { text?: unknown; blocks?: unknown } | undefined): string {
  if (!message) return '';
  const parts: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (typeof o.text === 'string') parts.push(o.text);
      for (const [k, v] of Object.entries(o)) if (k !== 'text' || typeof v !== 'string') walk(v);
    }
  };
  walk(message.blocks ?? []);
  return [typeof message.text === 'string' ? message.text : '', ...parts].join('\n');
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const sim = await startSimulator({ clock: 'manual', ...options.simulator });
  const slack = await startFakeSlack({ scopes: BOT_SCOPES, ...options.slack });
  const dataDir = mkdtempSync(join(tmpdir(), 'datajob-bot-test-'));
  const mode = options.mode ?? 'http';
  const env: Record<string, string> = {
    SLACK_BOT_TOKEN: slack.botToken,
    ...(mode === 'socket' ? { SLACK_APP_TOKEN: slack.appToken } : { SLACK_SIGNING_SECRET: SIGNING_SECRET }),
    PORT: '0',
    METRICS_PORT: '0',
    SLACK_API_URL: slack.apiUrl,
    SEEKRFLOW_API_KEY: sim.apiKey,
    ...(sim.teamId ? { SEEKRFLOW_TEAM_ID: sim.teamId } : {}),
    SEEKRFLOW_BASE_URL: sim.url,
    SEEKRFLOW_TIMEOUT_MS: '1000',
    SEEKRFLOW_RETRIES: '1',
    // Passes run when a test says so (pollNow, discoverNow); the schedules never fire during a test.
    POLL_SCHEDULE: '0 0 1 1 *',
    DISCOVERY_SCHEDULE: '0 0 1 1 *',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'debug',
    // Suites make many requests as one person; the per-person limit has tests of its own.
    LOOKUPS_PER_USER_PER_MINUTE: '10000',
    ...options.env,
  };
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const config = loadConfig(env);
  const bot = await startBot(config, {
    logger: createLogger({ level: 'debug', secrets: [env.SLACK_BOT_TOKEN as string, SIGNING_SECRET, sim.apiKey], destination }),
    ...(options.now ? { now: options.now } : {}),
  });
  const botUrl = `http://127.0.0.1:${bot.port}/slack/events`;
  if (mode === 'socket') await slack.socket.waitForConnection(5_000);
  // HTTP mode: Slack sends events and interactions (link_shared, app_home_opened, shortcuts, modals) to the Request URL.
  else slack.setRequestUrl({ url: botUrl, signingSecret: SIGNING_SECRET });

  const harness: Harness = {
    bot,
    sim,
    slack,
    botUrl,
    dataDir,
    env,
    logs,
    async command(text, opts = {}) {
      const channel = opts.channel ?? 'C_DATA_JOBS';
      const user = opts.user ?? USER.id;
      const responseUrl = slack.responseUrl({ channel, user });
      if (mode === 'socket') {
        const ack = await slack.socket.sendSlashCommand({ text, channelId: channel, userId: user, responseUrl });
        return { status: 200, ms: ack.ms, responseUrl };
      }
      const res = await sendSlashCommand(botUrl, SIGNING_SECRET, { text, channelId: channel, userId: user, responseUrl }, { fake: slack });
      return { status: res.status, ms: res.ms, responseUrl };
    },
    async ask(text, opts) {
      const { responseUrl } = await harness.command(text, opts);
      return waitFor(() => slack.responses(responseUrl)[0], `an answer to /datajob ${text.slice(0, 40)}`);
    },
    async click(target, actionId, user = USER.id, blockId, answer) {
      const payload = clickButton(slack, {
        ...target,
        actionId,
        user: { id: user, name: user.toLowerCase() },
        ...(blockId !== undefined ? { blockId } : {}),
        ...(answer ? { answer } : {}),
      });
      if (!payload) return { status: 0 };
      if (mode === 'socket') {
        await slack.socket.sendInteraction(payload);
        return { status: 200 };
      }
      const res = await sendBlockActions(botUrl, SIGNING_SECRET, payload);
      return { status: res.status };
    },
    async stop() {
      // The bot running now: a test may have restarted it (h.bot = await startBot(...)).
      await harness.bot.stop();
      await slack.close();
      await sim.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}
