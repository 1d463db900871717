import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FakeSlack } from './fake-slack/server.js';
import { SIGNING_SECRET, visibleText, waitFor } from './harness.js';
import { sendSlashCommand } from './slack-requests.js';

/**
 * The bot as a separate process (`datajob-bot start` through tsx), for what an in-process test
 * cannot do: SIGKILL in the middle of a pass, restarts, several replicas on one database.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The environment of a bot process pointed at a simulator and a fake Slack, in HTTP mode, polling
 * every second; `extra` adds the storage (DATA_DIR or DATABASE_URL) and anything else.
 */
export function processEnv(
  sim: { url: string; apiKey: string; teamId: string | null },
  slack: { botToken: string; apiUrl: string },
  extra: Record<string, string>,
): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    PORT: '0',
    METRICS_PORT: '0',
    SLACK_API_URL: slack.apiUrl,
    SEEKRFLOW_API_KEY: sim.apiKey,
    SEEKRFLOW_TEAM_ID: sim.teamId ?? '',
    SEEKRFLOW_BASE_URL: sim.url,
    SEEKRFLOW_RETRIES: '0',
    POLL_SCHEDULE: '* * * * * *',
    LOG_LEVEL: 'debug',
    // The suites subscribe many channels as one person; the per-person limit has tests of its own.
    LOOKUPS_PER_USER_PER_MINUTE: '10000',
    ...extra,
  };
}

export interface BotProcess {
  child: ChildProcess;
  /** Parsed JSON log lines, as they arrive. */
  logs: Array<Record<string, unknown>>;
  /** Lines that were not JSON (a crash, a config error). */
  stderr: string[];
  port: number;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface BotProcessOptions {
  timeoutMs?: number;
  /** A command the bot is started through (e.g. test/support/pid-namespace.ts's `inPidNamespace`); `kill` signals it. */
  prefix?: readonly string[];
}

export async function startBotProcess(env: Record<string, string>, options: BotProcessOptions = {}): Promise<BotProcess> {
  const [command = process.execPath, ...args] = [...(options.prefix ?? []), process.execPath, '--import', 'tsx', 'src/cli.ts', 'start'];
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  const stderr: string[] = [];
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        stderr.push(line);
      }
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let dead = false;
  void exited.then(() => {
    dead = true;
  });

  const started = await waitFor(
    () => logs.find((l) => l.msg === 'Slack app started') ?? (dead ? { failed: true } : undefined),
    'the bot process to start',
    options.timeoutMs ?? 30_000,
  ).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${stderr.join('')}`);
  });
  if ('failed' in started) throw new Error(`the bot process exited at start:\n${stderr.join('')}`);

  return {
    child,
    logs,
    stderr,
    port: Number(started.port),
    exited,
    async kill(signal = 'SIGKILL') {
      if (!dead) child.kill(signal);
      return exited;
    },
  };
}

/** `/datajob <text>` in `channel`, sent to a bot process as Slack sends it; resolves with the answer as a person reads it. */
export async function askProcess(bot: BotProcess, slack: FakeSlack, channel: string, text: string): Promise<string> {
  const responseUrl = slack.responseUrl({ channel });
  await sendSlashCommand(
    `http://127.0.0.1:${bot.port}/slack/events`,
    SIGNING_SECRET,
    { text, channelId: channel, responseUrl },
    { fake: slack },
  );
  return visibleText((await waitFor(() => slack.responses(responseUrl)[0], `an answer to ${text}`, 15_000)).body as object);
}
