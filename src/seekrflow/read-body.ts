import { DataJob } from '../domain/data-job.js';
import { type JobReading, readJob } from '../domain/job-reading.js';
import { boundStrings } from './bounded-json.js';
import { compileCheck } from './compile-check.js';

/**
 * From the text of `GET /v1/flow/data-jobs/{id}` to a job: parsed, bounded, validated.
 * Plain functions of the text, which the client runs where it runs: on the event loop, or on a
 * reader thread for the recheck of a large job (read-pool.ts).
 */

/** Why an answer could not be read: a sentence for Slack, and the detail for the log. */
export interface Unreadable {
  ok: false;
  message: string;
  detail: string;
}

/** The DataJob schema's verdict in one pass, in place (compile-check.ts). */
const fitsDataJob = compileCheck(DataJob);

export function parseJobBody(body: string): { ok: true; job: DataJob } | Unreadable {
  let json: unknown;
  try {
    // Bounded before anything reads it: from here on no string of the answer is longer than API_STRING_BOUND.
    json = boundStrings(JSON.parse(body));
  } catch {
    return {
      ok: false,
      message: 'SeekrFlow sent an answer the bot could not read. Try again in a minute; if it keeps happening, tell whoever runs the bot.',
      detail: `response is not JSON (${body.length} bytes)`,
    };
  }
  if (fitsDataJob(json)) return { ok: true, job: json as DataJob };
  // zod says why (and has the last word: were the two ever to disagree, its verdict stands).
  const parsed = DataJob.safeParse(json);
  if (parsed.success) return { ok: true, job: parsed.data };
  const issue = parsed.error.issues[0];
  const field = issue?.path.join('.') || '(root)';
  return {
    ok: false,
    message: `SeekrFlow sent a job the bot could not understand (field \`${field}\`). Try again later; if it keeps happening, tell whoever runs the bot.`,
    detail: `response does not fit DataJobDetailResponse at ${field}: ${issue?.message ?? 'invalid'}`,
  };
}

/** What a poll needs of an answer: its reading, or why there is none. */
export type BodyReading = { ok: true; reading: JobReading } | Unreadable;

/** A poll's reading of an answer. */
export function readJobBody(body: string): BodyReading {
  const parsed = parseJobBody(body);
  return parsed.ok ? { ok: true, reading: readJob(parsed.job) } : parsed;
}
