import { readFile } from 'node:fs/promises';
import { ConfigError, jobUrlFrom, loadPlanConfig } from '../config.js';
import { planJob } from '../core/planner.js';
import type { DataJob as DomainDataJob } from '../domain/data-job.js';
import { DataJob } from '../domain/data-job.js';
import { FILTERS, type SubscriptionFilter } from '../domain/events.js';
import { readJob } from '../domain/job-reading.js';
import { renderLivingCard, renderThreadReply } from '../slack/notifier.js';
import type { RenderIo } from './io.js';

/**
 * `datajob-bot diff <before.json> <after.json>`: what a channel subscribed to a job would get if one
 * poll saw `before` and the next saw `after`. It asks the same planner as the poll pass, with the
 * same settings (the environment, or flags), and renders with the same renderers as delivery: the
 * preview is what the bot would send.
 */

const USAGE = `Usage: datajob-bot diff <before.json> <after.json> [options]

Prints, as JSON, the events between two polls of a SeekrFlow data job and the messages a channel
subscription would get: the living card update and the thread replies.

Options (each defaults to the bot's own setting from the environment):
  --filter all|changes|failures     what the subscription hears (default: changes)
  --elapsed-minutes N               time between the two polls (default: 1)
  --stall-after-minutes N           STALL_AFTER_MINUTES (default 60)
  --unreachable-after-minutes N     UNREACHABLE_AFTER_MINUTES (default 10)
  --subscriber U…                   who subscribed, as the card names them
`;

interface DiffArgs {
  files: string[];
  filter: SubscriptionFilter;
  elapsedMinutes: number;
  subscriber: string;
  env: Record<string, string>;
}

async function readJobFile(path: string, io: RenderIo): Promise<DomainDataJob | null> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    io.stderr(`Cannot read ${path} as JSON: ${(error as Error).message}\n`);
    return null;
  }
  const parsed = DataJob.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    io.stderr(`${path} is not a SeekrFlow data job: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}\n`);
    return null;
  }
  return parsed.data;
}

function parseArgs(args: string[]): DiffArgs | { error: string } | { help: true } {
  const parsed: DiffArgs = { files: [], filter: 'changes', elapsedMinutes: 1, subscriber: 'U_SUBSCRIBER', env: {} };
  const settingFlags: Record<string, string> = {
    '--stall-after-minutes': 'STALL_AFTER_MINUTES',
    '--unreachable-after-minutes': 'UNREACHABLE_AFTER_MINUTES',
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--help' || arg === '-h') return { help: true };
    if (!arg.startsWith('--')) {
      parsed.files.push(arg);
      continue;
    }
    const value = args[++i];
    if (value === undefined) return { error: `${arg} needs a value` };
    const variable = settingFlags[arg];
    if (variable) parsed.env[variable] = value;
    else if (arg === '--filter') {
      if (!FILTERS.includes(value as SubscriptionFilter)) return { error: `--filter takes one of ${FILTERS.join(', ')}` };
      parsed.filter = value as SubscriptionFilter;
    } else if (arg === '--elapsed-minutes') {
      const minutes = Number(value);
      if (!Number.isFinite(minutes) || minutes < 0) return { error: '--elapsed-minutes takes a number of minutes, 0 or more' };
      parsed.elapsedMinutes = minutes;
    } else if (arg === '--subscriber') parsed.subscriber = value;
    else return { error: `Unknown option: ${arg}` };
  }
  if (parsed.files.length !== 2) return { error: 'Give two job files: before and after.' };
  return parsed;
}

export async function runDiff(args: string[], io: RenderIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const parsed = parseArgs(args);
  if ('help' in parsed) {
    io.stdout(USAGE);
    return 0;
  }
  if ('error' in parsed) {
    io.stderr(`${parsed.error}\n\n${USAGE}`);
    return 2;
  }
  let config: ReturnType<typeof loadPlanConfig>;
  try {
    config = loadPlanConfig({ ...env, ...parsed.env });
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const [before, after] = await Promise.all(parsed.files.map((f) => readJobFile(f, io)));
  if (!before || !after) return 1;

  const settings = { stallAfterMinutes: config.stallAfterMinutes, unreachableAfterMinutes: config.unreachableAfterMinutes };
  const subscribedAt = new Date();
  const polledAt = new Date(subscribedAt.getTime() + parsed.elapsedMinutes * 60_000);
  // Subscribing records `before` as the baseline, exactly as /datajob subscribe does.
  const baseline = planJob({
    jobId: after.id,
    previous: null,
    observation: { kind: 'seen', reading: readJob(before) },
    listeners: [],
    settings,
    now: subscribedAt,
    version: '0',
  }).watch;
  const plan = planJob({
    jobId: after.id,
    previous: baseline,
    observation: { kind: 'seen', reading: readJob(after) },
    listeners: [{ id: 1, filter: parsed.filter, card: 'posted' }],
    settings,
    now: polledAt,
    version: '1',
  });

  const jobUrl = jobUrlFrom(config.jobUrlTemplate);
  const subscription = { subscriptionId: 0, filter: parsed.filter, subscribedBy: parsed.subscriber };
  let cardUpdate: unknown = null;
  const threadReplies: unknown[] = [];
  for (const { item } of plan.deliveries) {
    if (item.kind === 'card') cardUpdate = renderLivingCard({ state: item.state, subscription }, jobUrl(item.state.card.id));
    else if (item.kind === 'reply') {
      const { broadcast, ...message } = renderThreadReply(item.reply);
      threadReplies.push({ ...message, reply_broadcast: broadcast });
    }
  }
  const output = {
    filter: parsed.filter,
    settings: { ...settings, elapsedMinutes: parsed.elapsedMinutes },
    events: plan.events,
    cardUpdate,
    threadReplies,
    subscriptionEnds: plan.end !== null,
  };
  io.stdout(`${JSON.stringify(output, null, 2)}\n`);
  return 0;
}
