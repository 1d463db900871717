/**
 * `npm run simulate [-- --port N] [--seed N] [--quiet]`: a SeekrFlow simulator on 127.0.0.1 with
 * sample jobs that play out over about two minutes, for trying the bot without a SeekrFlow account.
 *
 * Environment: SIMULATOR_PORT (default 4010), SIMULATOR_API_KEY, SIMULATOR_TEAM_ID. The key and team
 * default to fixed values so the `.env` lines it prints stay valid across restarts.
 */

import { describeScenario, resolveScenario, type ScenarioName, type ServedRequest, type Simulator, startSimulator } from './server.js';

const DEFAULT_PORT = 4010;
const DEFAULT_API_KEY = 'sf-sim-local-0c1d2e3f4a5b6c7d8e9f';
const DEFAULT_TEAM_ID = '7b3e9a52-1c4d-4e8f-a6b0-3d2c1f9e8a74';

interface Args {
  port: number;
  seed: number | undefined;
  quiet: boolean;
}

const USAGE = `usage: npm run simulate -- [--port N] [--seed N] [--quiet]
  --port N   port on 127.0.0.1 (default: SIMULATOR_PORT or ${DEFAULT_PORT})
  --seed N   reproducible job ids and contents
  --quiet    do not log requests`;

function parseArgs(argv: string[]): Args {
  const args: Args = { port: DEFAULT_PORT, seed: undefined, quiet: false };
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

function printBanner(sim: Simulator, jobs: { id: string; sample: Sample }[]): void {
  const team = sim.teamId;
  const first = jobs[0]?.id ?? 'dj-…';
  const lines = [
    `SeekrFlow simulator listening on ${sim.url}`,
    `  API key: ${sim.apiKey}`,
    `  Team id: ${team ?? '(none)'}`,
    '',
    'Sample jobs (they progress over about two minutes):',
    ...jobs.map(({ id, sample }) => {
      const where = sample.personal ? '  [personal: no x-team-id]' : '';
      const what = sample.agoMs ? 'already completed an hour ago' : describeScenario(resolveScenario(sample.scenario));
      return `  ${id}  ${sample.scenario.padEnd(15)} ${what}${where}`;
    }),
    '',
    'Try it:',
    `  curl -s -H 'Authorization: ${sim.apiKey}'${team ? ` -H 'x-team-id: ${team}'` : ''} ${sim.url}/v1/flow/data-jobs/${first}`,
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

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  let sim: Simulator | undefined;
  const logRequest = (r: ServedRequest): void => {
    const status = r.status === 0 ? 'hang' : String(r.status);
    const jobStatus = r.status === 200 && r.jobId !== null ? ` ${sim?.getJob(r.jobId)?.status ?? ''}` : '';
    console.log(`${new Date().toISOString().slice(11, 19)} ${r.method} ${r.rawPath} → ${status}${jobStatus}`);
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
  const now = running.now();
  const jobs = SAMPLES.map((sample) => ({
    sample,
    id: running.createJob(sample.scenario, {
      ...(sample.personal && { teamId: null }),
      ...(sample.agoMs !== undefined && { startAt: now - sample.agoMs }),
    }).id,
  }));
  printBanner(running, jobs);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the simulator`);
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
