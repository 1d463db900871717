/**
 * `npm run simulate [-- --scenario NAME] [--every N] [--port N] [--seed N] [--quiet]`: a SeekrFlow
 * simulator on 127.0.0.1, for trying the bot without a SeekrFlow account. By default it serves sample
 * jobs that play out over about two minutes; `--scenario feed` a team whose jobs keep arriving (for
 * team feeds); `--scenario <name>` one job of that scenario.
 *
 * Environment: SIMULATOR_PORT (default 4010), SIMULATOR_API_KEY, SIMULATOR_TEAM_ID. The key and team
 * default to fixed values so the `.env` lines it prints stay valid across restarts.
 */

import type { DataJob } from '../src/domain/data-job.js';
import {
  DEFAULT_FEED_EVERY_MS,
  describeScenario,
  FEED_ROTATION,
  resolveScenario,
  SCENARIO_NAMES,
  type ScenarioName,
  type ServedRequest,
  type Simulator,
  startSimulator,
} from './server.js';

const DEFAULT_PORT = 4010;
const DEFAULT_API_KEY = 'sf-sim-local-0c1d2e3f4a5b6c7d8e9f';
const DEFAULT_TEAM_ID = '7b3e9a52-1c4d-4e8f-a6b0-3d2c1f9e8a74';

/** `samples` and `feed`, or one job of a named scenario. */
type Mode = 'samples' | 'feed' | ScenarioName;
const MODES: readonly string[] = ['samples', 'feed', ...SCENARIO_NAMES];

interface Args {
  port: number;
  seed: number | undefined;
  quiet: boolean;
  mode: Mode;
  everyMs: number;
}

const USAGE = `usage: npm run simulate -- [--scenario NAME] [--every N] [--port N] [--seed N] [--quiet]
  --scenario NAME  what to serve (default: samples)
                     samples  one job of each scenario, a personal job and one already done
                     feed     a team whose jobs keep coming: a new one every --every seconds
                     ${SCENARIO_NAMES.join(', ')}:
                              one job of that scenario
  --every N        seconds between two new jobs of the feed (default ${DEFAULT_FEED_EVERY_MS / 1000})
  --port N         port on 127.0.0.1 (default: SIMULATOR_PORT or ${DEFAULT_PORT})
  --seed N         reproducible job ids and contents
  --quiet          do not log requests`;

function parseArgs(argv: string[]): Args {
  const args: Args = { port: DEFAULT_PORT, seed: undefined, quiet: false, mode: 'samples', everyMs: DEFAULT_FEED_EVERY_MS };
  const fromEnv = process.env.SIMULATOR_PORT;
  if (fromEnv) args.port = portNumber(fromEnv, 'SIMULATOR_PORT');
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) fail(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--port':
        args.port = portNumber(value(), '--port');
        break;
      case '--seed':
        args.seed = Number(value());
        if (!Number.isInteger(args.seed)) fail('--seed must be an integer');
        break;
      case '--quiet':
        args.quiet = true;
        break;
      case '--scenario': {
        const mode = value();
        if (!MODES.includes(mode)) fail(`--scenario must be one of ${MODES.join(', ')} (got "${mode}")`);
        args.mode = mode as Mode;
        break;
      }
      case '--every': {
        const seconds = Number(value());
        if (!(seconds > 0) || !Number.isFinite(seconds)) fail('--every must be a positive number of seconds');
        args.everyMs = seconds * 1000;
        break;
      }
      case '--help':
      case '-h':
        console.log(USAGE);
        process.exit(0);
        break;
      default:
        fail(`unknown argument ${arg}`);
    }
  }
  return args;
}

function portNumber(text: string, what: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`${what} must be a port number (got "${text}")`);
  return port;
}

function fail(message: string): never {
  console.error(`simulate: ${message}\n${USAGE}`);
  process.exit(2);
}

interface Sample {
  scenario: ScenarioName;
  personal?: boolean;
  /** Created this long ago, so it has already played out. */
  agoMs?: number;
}

// One of each ending, plus the cases a person should see on a card: failed files fixed, a job that
// waits for review forever, a stall, and jobs that need the team header or its absence.
const SAMPLES: Sample[] = [
  { scenario: 'happy' },
  { scenario: 'file-failures' },
  { scenario: 'needs-review' },
  { scenario: 'missing-prompt' },
  { scenario: 'alignment-fails' },
  { scenario: 'cancelled' },
  { scenario: 'stopped' },
  { scenario: 'stalls' },
  { scenario: 'happy', personal: true },
  { scenario: 'happy', agoMs: 3_600_000 },
];

/** What the mode put in the simulator, for the banner: lines about the jobs, and a path worth a curl. */
interface Served {
  lines: string[];
  tryPath: string;
  /** Undo what keeps running (the feed's tick). */
  stop?: () => void;
}

function serveSamples(sim: Simulator): Served {
  const now = sim.now();
  const jobs = SAMPLES.map((sample) => ({
    sample,
    id: sim.createJob(sample.scenario, {
      ...(sample.personal && { teamId: null }),
      ...(sample.agoMs !== undefined && { startAt: now - sample.agoMs }),
    }).id,
  }));
  const lines = jobs.map(({ id, sample }) => {
    const where = sample.personal ? '  [personal: no x-team-id]' : '';
    const what = sample.agoMs ? 'already completed an hour ago' : describeScenario(resolveScenario(sample.scenario));
    return `  ${id}  ${sample.scenario.padEnd(15)} ${what}${where}`;
  });
  return {
    lines: ['Sample jobs (they progress over about two minutes):', ...lines],
    tryPath: `/v1/flow/data-jobs/${jobs[0]?.id ?? 'dj-…'}`,
  };
}

function serveOne(sim: Simulator, scenario: ScenarioName): Served {
  const { id } = sim.createJob(scenario);
  return {
    lines: [`One job (${scenario}): ${describeScenario(resolveScenario(scenario))}`, `  ${id}`],
    tryPath: `/v1/flow/data-jobs/${id}`,
  };
}

const FEED_BACKLOG = 4;
const FEED_TICK_MS = 1_000;

/** The feed creates jobs when someone looks; looking every second makes new jobs show in the log on time. */
function serveFeed(sim: Simulator, everyMs: number): Served {
  const announce = (job: DataJob): void => {
    console.log(`${clockTime()} + new job ${job.id}  ${job.job_type.padEnd(26)} "${job.name}"  owner ${job.user_id}`);
  };
  // The backlog arrives inside startFeed and goes in the banner; only later jobs are news.
  const starting: DataJob[] = [];
  let announcing = false;
  const feed = sim.startFeed({ everyMs, backlog: FEED_BACKLOG, onJob: (job) => (announcing ? announce(job) : starting.push(job)) });
  announcing = true;
  const tick = setInterval(() => feed.jobIds(), FEED_TICK_MS);
  const rotation = FEED_ROTATION.map((k) => `${k.scenario} (${k.jobType})`);
  return {
    lines: [
      `Team feed: a new job every ${everyMs / 1000} s in the team's workspace, owners among ${feed.owners.length} users,`,
      'lifecycles in turn:',
      ...rotation.map((r) => `  ${r}`),
      '',
      `Already there (${starting.length}, the oldest furthest along):`,
      ...starting.map((job) => `  ${job.id}  ${job.job_type.padEnd(26)} "${job.name}"`),
    ],
    tryPath: '/v1/flow/data-jobs?limit=10',
    stop: () => clearInterval(tick),
  };
}

function printBanner(sim: Simulator, served: Served): void {
  const team = sim.teamId;
  const lines = [
    `SeekrFlow simulator listening on ${sim.url}`,
    `  API key: ${sim.apiKey}`,
    `  Team id: ${team ?? '(none)'}`,
    '',
    ...served.lines,
    '',
    'Try it:',
    `  curl -s -H 'Authorization: ${sim.apiKey}'${team ? ` -H 'x-team-id: ${team}'` : ''} '${sim.url}${served.tryPath}'`,
    '',
    'Point the bot at it (.env):',
    `  SEEKRFLOW_BASE_URL=${sim.url}`,
    `  SEEKRFLOW_API_KEY=${sim.apiKey}`,
    `  SEEKRFLOW_TEAM_ID=${team ?? ''}`,
    '',
    'Ctrl-C stops it.',
  ];
  console.log(lines.join('\n'));
}

const clockTime = (): string => new Date().toISOString().slice(11, 19);

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  let sim: Simulator | undefined;
  const logRequest = (r: ServedRequest): void => {
    const status = r.status === 0 ? 'hang' : String(r.status);
    const jobStatus = r.status === 200 && r.jobId !== null ? ` ${sim?.getJob(r.jobId)?.status ?? ''}` : '';
    console.log(`${clockTime()} ${r.method} ${r.rawPath} → ${status}${jobStatus}`);
  };
  try {
    sim = await startSimulator({
      port: args.port,
      apiKey: process.env.SIMULATOR_API_KEY || DEFAULT_API_KEY,
      teamId: process.env.SIMULATOR_TEAM_ID || DEFAULT_TEAM_ID,
      clock: 'real',
      ...(args.seed !== undefined && { seed: args.seed }),
      ...(!args.quiet && { onRequest: logRequest }),
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    fail(code === 'EADDRINUSE' ? `port ${args.port} is in use; pick another with --port N` : String(error));
  }
  const running = sim;
  const served =
    args.mode === 'samples'
      ? serveSamples(running)
      : args.mode === 'feed'
        ? serveFeed(running, args.everyMs)
        : serveOne(running, args.mode);
  printBanner(running, served);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the simulator`);
    served.stop?.();
    running.close().then(
      () => {
        process.exitCode = 0;
      },
      (error: unknown) => {
        console.error(error);
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

await main();
