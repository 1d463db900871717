import { readFile } from 'node:fs/promises';
import { digestContent } from '../core/digest-content.js';
import { DataJob, isTerminalStatus } from '../domain/data-job.js';
import { toJobCard } from '../domain/job-card.js';
import { summarizeJob } from '../domain/job-summary.js';
import { renderDigest } from '../slack/blocks/digest.js';
import { blockKitBuilderUrl } from './block-kit-builder.js';
import type { RenderIo } from './io.js';

/**
 * `datajob-bot render --digest <job.json>… [--channel C…] [--builder]`: the digest message a channel
 * following these jobs would get now, as the bot renders it (each job as its JSON says it is now; a
 * job that ended counts as ended since the last digest). Exit codes as `render`'s.
 */

export const DIGEST_USAGE = `       datajob-bot render --digest <job.json>… [--channel C…] [--builder]
  --digest        the digest message a channel following these jobs would get now
`;

/** Files read at most: a digest summarises any number, but a command line is not a data set. */
const MAX_FILES = 5_000;

export async function runRenderDigest(args: string[], io: RenderIo): Promise<number> {
  const files: string[] = [];
  let channel = 'C0123456789';
  let builder = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--builder') builder = true;
    else if (arg === '--channel') {
      const c = args[++i];
      if (!c || !/^[CGD][A-Z0-9_]{1,40}$/.test(c)) return usage(io, '--channel needs a channel id, e.g. C0123456789');
      channel = c;
    } else if (arg.startsWith('-')) return usage(io, `Unknown option with --digest: ${arg}`);
    else files.push(arg);
  }
  if (files.length === 0) return usage(io, '--digest needs at least one job file.');
  if (files.length > MAX_FILES) return usage(io, `--digest reads at most ${MAX_FILES} job files.`);
  const jobs = [];
  for (const file of files) {
    const job = await readJob(file, io);
    if (!job) return 1;
    const card = toJobCard(summarizeJob(job));
    jobs.push({ jobId: job.id, endedAs: isTerminalStatus(job.status) ? job.status : null, cardTs: null, watch: null, card });
  }
  const now = new Date();
  const localDate = now.toISOString().slice(0, 10);
  const message = renderDigest(digestContent({ channelId: channel, localDate, since: null, jobs, now }), 1);
  io.stdout(builder ? `${blockKitBuilderUrl({ ...message })}\n` : `${JSON.stringify(message, null, 2)}\n`);
  return 0;
}

function usage(io: RenderIo, error: string): number {
  io.stderr(`${error}\n\nUsage:\n${DIGEST_USAGE}`);
  return 2;
}

async function readJob(file: string, io: RenderIo): Promise<DataJob | null> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    io.stderr(`Cannot read ${file} as JSON: ${(err as Error).message}\n`);
    return null;
  }
  const parsed = DataJob.safeParse(json);
  if (!parsed.success) {
    io.stderr(`${file} is not a SeekrFlow data job: ${parsed.error.issues[0]?.message ?? 'invalid'}\n`);
    return null;
  }
  return parsed.data;
}
