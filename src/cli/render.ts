import { readFile } from 'node:fs/promises';
import { DataJob } from '../seekrflow/data-job.js';
import { type CardMode, renderCard } from '../slack/blocks/card.js';

/**
 * `datajob-bot render <file|-> [--mode ephemeral|shared|living] [--job-url-template URL]`: prints
 * the exact message payload the bot would send for a job JSON, to preview a card or debug one
 * without Slack. Exit codes: 0 printed, 1 the input is not a valid job, 2 bad usage.
 */

export interface RenderIo {
  stdin: NodeJS.ReadableStream;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

const USAGE = `Usage: datajob-bot render <job.json | -> [--mode ephemeral|shared|living] [--job-url-template 'https://…/{id}']

Reads a SeekrFlow data job (the JSON of GET /v1/flow/data-jobs/{id}) from a file, or from stdin
with -, and prints the Slack message payload { text, blocks } of its card.
`;

const MODES: readonly CardMode[] = ['ephemeral', 'shared', 'living'];

interface RenderArgs {
  input: string;
  mode: CardMode;
  jobUrlTemplate: string | undefined;
}

export async function runRender(args: string[], io: RenderIo): Promise<number> {
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

  const job = result.data;
  const jobUrl = parsed.jobUrlTemplate?.replaceAll('{id}', encodeURIComponent(job.id));
  const payload = renderCard(job, { fetchedAt: new Date(), mode: parsed.mode, ...(jobUrl !== undefined && { jobUrl }) });
  io.stdout(`${JSON.stringify(payload, null, 2)}\n`);
  return 0;
}

function parseArgs(args: string[]): RenderArgs | { error: string } | { help: true } {
  let input: string | undefined;
  let mode: CardMode = 'ephemeral';
  let jobUrlTemplate: string | undefined;
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
      default:
        if (arg.startsWith('-') && arg !== '-') return { error: `Unknown option: ${arg}` };
        if (input !== undefined) return { error: `Only one job file, please (got ${input} and ${arg})` };
        input = arg;
    }
  }
  if (input === undefined) return { error: 'Which job? Give a JSON file, or - to read stdin.' };
  return { input, mode, jobUrlTemplate };
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
