#!/usr/bin/env node
import 'dotenv/config';
import { runDiff } from './cli/diff.js';
import { runRender } from './cli/render.js';
import { ConfigError, configWarnings, describeConfig, loadConfig, secretsOf } from './config.js';
import { isBotError } from './errors.js';
import { scrubber } from './logger.js';
import { startBot } from './main.js';
import { DataDirLockedError } from './storage/sqlite/data-dir-lock.js';

const HELP = `datajob-bot: watch SeekrFlow data jobs from Slack

Usage: datajob-bot <command> [options]

Commands:
  start                        run the bot (configuration from the environment and .env)
  check-config                 print the effective configuration, secrets redacted; exit 1 if invalid
  render <job.json | ->        print the Slack message payload of a job's card (--unfurl, --home,
                               --watch-modal: what a link to it unfurls into, the App Home, the
                               "Watch this job" modal)
  diff <before.json> <after.json>
                               print the events and messages a subscription would get for a change
  help, --help                 this help
`;

const io = { stdin: process.stdin, stdout: (s: string) => process.stdout.write(s), stderr: (s: string) => process.stderr.write(s) };

async function start(): Promise<number> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr(`${error.message}\n\nSee .env.example for every variable, or run: datajob-bot check-config\n`);
      return 1;
    }
    throw error;
  }
  let bot: Awaited<ReturnType<typeof startBot>>;
  try {
    bot = await startBot(config);
  } catch (error) {
    // Expected causes (Slack refusing the token, a locked data directory, a database that does not
    // answer) carry a message written for whoever runs the bot; secrets are scrubbed from any other.
    const scrub = scrubber(secretsOf(config));
    const expected = isBotError(error) || error instanceof DataDirLockedError;
    const text = error instanceof Error ? (expected ? error.message : (error.stack ?? error.message)) : String(error);
    io.stderr(`datajob-bot could not start: ${scrub(text)}\n`);
    return 1;
  }
  const stop = async (signal: string) => {
    bot.logger.info({ signal }, 'stopping');
    const forced = setTimeout(() => process.exit(1), 15_000);
    forced.unref();
    await bot.stop();
    bot.logger.info('stopped');
    bot.logger.flush();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  return -1; // keep running
}

function checkConfig(): number {
  try {
    const config = loadConfig();
    const shown = describeConfig(config);
    const width = Math.max(...Object.keys(shown).map((k) => k.length));
    io.stdout(
      `Configuration is valid.\n\n${Object.entries(shown)
        .map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)
        .join('\n')}\n`,
    );
    const warnings = configWarnings(config);
    if (warnings.length > 0) io.stdout(`\nWarnings:\n${warnings.map((w) => `  ${w.variable}: ${w.message}`).join('\n')}\n`);
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return start();
    case 'check-config':
      return checkConfig();
    case 'render':
      return runRender(rest, io);
    case 'diff':
      return runDiff(rest, io);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.stdout(HELP);
      return 0;
    default:
      io.stderr(`Unknown command: ${command}\n\n${HELP}`);
      return 2;
  }
}

run(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    io.stderr(`datajob-bot failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
