import { readFile } from 'node:fs/promises';
import type { DataJob as Job } from '../domain/data-job.js';
import { DataJob } from '../domain/data-job.js';
import { summarizeJob } from '../domain/job-summary.js';
import { type CardMode, renderCard } from '../slack/blocks/card.js';
import { renderHome } from '../slack/blocks/home.js';
import { renderUnfurl } from '../slack/blocks/unfurl.js';
import { renderWatchForm } from '../slack/blocks/watch-modal.js';
import { type BuilderSurface, blockKitBuilderUrl } from './block-kit-builder.js';
import type { RenderIo } from './io.js';
import { DIGEST_USAGE, runRenderDigest } from './render-digest.js';

/**
 * `datajob-bot render <file|-> [--mode ephemeral|shared|living] [--job-url-template URL]`: prints
 * the exact message payload the bot would send for a job JSON, to preview a card or debug one
 * without Slack. `--unfurl`, `--home` and `--watch-modal` print, instead, what a link to the job
 * unfurls into, the App Home of the person who subscribed a channel to it, and the "Watch this job"
 * modal. `--builder` prints, instead of the JSON, a link that opens it in Slack's Block Kit Builder.
 * Exit codes: 0 printed, 1 the input is not a valid job, 2 bad usage.
 */

export type { RenderIo } from './io.js';

const USAGE = `Usage: datajob-bot render <job.json | -> [--mode ephemeral|shared|living] [--job-url-template 'https://…/{id}'] [--builder]
       datajob-bot render <job.json | -> --unfurl [--url 'https://…' | --job-url-template 'https://…/{id}'] [--builder]
       datajob-bot render <job.json | -> --home [--channel C…] [--builder]
       datajob-bot render <job.json | -> --watch-modal [--channel C…] [--builder]
${DIGEST_USAGE}
Reads a SeekrFlow data job (the JSON of GET /v1/flow/data-jobs/{id}) from a file, or from stdin
with -, and prints the Slack message payload { text, blocks } of its card. Instead:
  --unfurl        chat.unfurl's unfurls: { <link>: { blocks } } for a link to the job (--url, or the
                  link --job-url-template makes)
  --home          views.publish's view: the App Home of whoever subscribed --channel to the job
  --watch-modal   views.open's view: the "Watch this job" modal for the job in --channel
  --builder       a link that opens it in Slack's Block Kit Builder, instead of the JSON
`;

const MODES: readonly CardMode[] = ['ephemeral', 'shared', 'living'];
const VIEWS = ['--unfurl', '--home', '--watch-modal'] as const;
type View = 'card' | 'unfurl' | 'home' | 'watch-modal';

interface RenderArgs {
  input: string;
  view: View;
  mode: CardMode;
  jobUrlTemplate: string | undefined;
  url: string | undefined;
  channel: string;
  builder: boolean;
}

export async function runRender(args: string[], io: RenderIo): Promise<number> {
  if (args.includes('--digest'))
    return runRenderDigest(
      args.filter((a) => a !== '--digest'),
      io,
    );
  const parsed = parseArgs(args);
  if ('help' in parsed) {
    io.stdout(USAGE);
    return 0;
  }
  if ('error' in parsed) {
    io.stderr(`${parsed.error}\n\n${USAGE}`);
    return 2;
  }

  let raw: string;
  try {
    raw = parsed.input === '-' ? await readStream(io.stdin) : await readFile(parsed.input, 'utf8');
  } catch (err) {
    io.stderr(`Cannot read ${parsed.input === '-' ? 'stdin' : parsed.input}: ${(err as Error).message}\n`);
    return 1;
  }

  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    io.stderr(`${sourceName(parsed.input)} is not valid JSON: ${(err as Error).message}\n`);
    return 1;
  }

  const result = DataJob.safeParse(json);
  if (!result.success) {
    io.stderr(`${sourceName(parsed.input)} is not a SeekrFlow data job:\n${formatIssues(result.error.issues)}\n`);
    return 1;
  }

  const payload = render(result.data, parsed, new Date());
  if ('error' in payload) {
    io.stderr(`${payload.error}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.builder) io.stdout(`${blockKitBuilderUrl(builderSurface(parsed.view, payload.value))}\n`);
  else io.stdout(`${JSON.stringify(payload.value, null, 2)}\n`);
  return 0;
}

/** What the Builder draws: a message's blocks, the unfurl's card (as a message), or the view. */
function builderSurface(view: View, value: unknown): BuilderSurface {
  const surface = view === 'unfurl' ? Object.values(value as Record<string, unknown>)[0] : value;
  return surface as BuilderSurface;
}

function render(job: Job, args: RenderArgs, now: Date): { value: unknown } | { error: string } {
  const jobUrl = args.jobUrlTemplate?.replaceAll('{id}', encodeURIComponent(job.id));
  switch (args.view) {
    case 'card':
      return { value: renderCard(job, { fetchedAt: now, mode: args.mode, ...(jobUrl !== undefined && { jobUrl }) }) };
    case 'unfurl': {
      const url = args.url ?? jobUrl;
      if (!url) return { error: '--unfurl needs the link: --url, or --job-url-template to make it' };
      return { value: { [url]: renderUnfurl(job, { url, fetchedAt: now }) } };
    }
    case 'home': {
      const ended = summarizeJob(job).ended;
      const subscription = {
        channelId: args.channel,
        jobId: job.id,
        job: { name: job.name, status: job.status },
        filter: 'changes',
        state: ended ? ('ended' as const) : ('active' as const),
        pausedBecause: null,
        endedAs: ended ? job.status : null,
        stateAt: ended ? now : null,
        createdAt: now,
      };
      return { value: renderHome({ subscriptions: [subscription], total: 1, page: 1, ownedJobs: [], generatedAt: now }) };
    }
    case 'watch-modal':
      return { value: renderWatchForm({ jobId: job.id, channelId: args.channel }) };
  }
}

function parseArgs(args: string[]): RenderArgs | { error: string } | { help: true } {
  let input: string | undefined;
  let mode: CardMode = 'ephemeral';
  let jobUrlTemplate: string | undefined;
  let view: View = 'card';
  let url: string | undefined;
  let channel = 'C0123456789';
  let builder = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const [flag, inlineValue] =
      arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => inlineValue ?? args[++i];
    switch (flag) {
      case '-h':
      case '--help':
        return { help: true };
      case '--mode': {
        const m = value();
        if (!m || !(MODES as readonly string[]).includes(m)) return { error: `--mode must be one of: ${MODES.join(', ')}` };
        mode = m as CardMode;
        break;
      }
      case '--job-url-template': {
        const t = value();
        if (!t) return { error: '--job-url-template needs a URL, e.g. https://apps.seekr.com/data-jobs/{id}' };
        if (!t.includes('{id}')) return { error: `--job-url-template must contain {id}: ${t}` };
        jobUrlTemplate = t;
        break;
      }
      case '--unfurl':
      case '--home':
      case '--watch-modal':
        if (view !== 'card') return { error: `Only one of ${VIEWS.join(', ')}, please` };
        view = flag.slice(2) as View;
        break;
      case '--builder':
        builder = true;
        break;
      case '--url': {
        const u = value();
        if (!u || !URL.canParse(u)) return { error: '--url needs a link, e.g. https://apps.seekr.com/data-jobs/dj-…' };
        url = u;
        break;
      }
      case '--channel': {
        const c = value();
        if (!c || !/^[CGD][A-Z0-9_]{1,40}$/.test(c)) return { error: '--channel needs a channel id, e.g. C0123456789' };
        channel = c;
        break;
      }
      default:
        if (arg.startsWith('-') && arg !== '-') return { error: `Unknown option: ${arg}` };
        if (input !== undefined) return { error: `Only one job file, please (got ${input} and ${arg})` };
        input = arg;
    }
  }
  if (input === undefined) return { error: 'Which job? Give a JSON file, or - to read stdin.' };
  return { input, view, mode, jobUrlTemplate, url, channel, builder };
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function sourceName(input: string): string {
  return input === '-' ? 'stdin' : input;
}

/** `files[3].file_id: Invalid input: expected string, received undefined`, one issue a line. */
function formatIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  const shown = issues.slice(0, 10).map((issue) => `  - ${formatPath(issue.path)}: ${issue.message}`);
  if (issues.length > shown.length) shown.push(`  … and ${issues.length - shown.length} more`);
  return shown.join('\n');
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(the whole document)';
  return path.reduce<string>((acc, key) => {
    if (typeof key === 'number') return `${acc}[${key}]`;
    return acc === '' ? String(key) : `${acc}.${String(key)}`;
  }, '');
}
