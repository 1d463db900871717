import { readFile } from 'node:fs/promises';
import { diff } from '../domain/diff.js';
import { FILTERS, hears, isLoud, type SubscriptionFilter } from '../domain/events.js';
import { summarizeJob } from '../domain/job-summary.js';
import { DataJob } from '../seekrflow/data-job.js';
import { renderCardFromSummary } from '../slack/blocks/card.js';
import { renderEventReply } from '../slack/blocks/event-reply.js';
import type { RenderIo } from './render.js';

/**
 * `datajob-bot diff <before.json> <after.json> [--filter all|changes|failures]`: what a
 * subscription would get if one poll saw `before` and the next saw `after`: the events, whether
 * the living card is updated (and with what), and each thread reply.
 */

const USAGE = `Usage: datajob-bot diff <before.json> <after.json> [--filter all|changes|failures]

Prints, as JSON, the events between two snapshots of a SeekrFlow data job and the messages a
channel subscription would get: the living card update and the thread replies.
`;

async function readJob(path: string, io: RenderIo): Promise<DataJob | null> {
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

export async function runDiff(args: string[], io: RenderIo): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout(USAGE);
    return 0;
  }
  let filter: SubscriptionFilter = 'changes';
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--filter') {
      const value = args[++i];
      if (!FILTERS.includes(value as SubscriptionFilter)) {
        io.stderr(`--filter takes one of ${FILTERS.join(', ')}\n\n${USAGE}`);
        return 2;
      }
      filter = value as SubscriptionFilter;
    } else files.push(arg);
  }
  if (files.length !== 2) {
    io.stderr(USAGE);
    return 2;
  }
  const [before, after] = await Promise.all(files.map((f) => readJob(f, io)));
  if (!before || !after) return 1;

  const settings = { stallAfterMinutes: 60, unreachableAfterMinutes: 10 };
  const at = new Date();
  const baseline = diff(null, { kind: 'seen', summary: summarizeJob(before) }, at, settings).watch;
  const summary = summarizeJob(after);
  const outcome = diff(baseline, { kind: 'seen', summary }, at, settings);
  const heard = outcome.events.filter((e) => hears(filter, e));
  const output = {
    filter,
    events: outcome.events,
    cardUpdate: outcome.cardChanged
      ? renderCardFromSummary(summary, { fetchedAt: at, mode: 'living', ...(summary.ended ? { ended: true } : {}) })
      : null,
    threadReplies: heard.map((event, i) => ({ ...renderEventReply(event, after, `1.${i}`), reply_broadcast: isLoud(event) })),
  };
  io.stdout(`${JSON.stringify(output, null, 2)}\n`);
  return 0;
}
