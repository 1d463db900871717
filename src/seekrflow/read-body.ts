import type { DataJob } from '../domain/data-job.js';
import { type JobReading, readJob } from '../domain/job-reading.js';
import { boundStrings } from './bounded-json.js';
import { validateDataJob } from './validate-job.js';

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
  // One pass, in place (json is fresh); the same verdict, output and first issue as DataJob.safeParse.
  const parsed = validateDataJob(json);
  if (!parsed.success) {
    const field = parsed.path.join('.') || '(root)';
    return {
      ok: false,
      message: `SeekrFlow sent a job the bot could not understand (field \`${field}\`). Try again later; if it keeps happening, tell whoever runs the bot.`,
      detail: `response does not fit DataJobDetailResponse at ${field}: ${parsed.message}`,
    };
  }
  return { ok: true, job: parsed.data };
}

/** What a poll needs of an answer: its reading, or why there is none. */
export type BodyReading = { ok: true; reading: JobReading } | Unreadable;

/** A poll's reading of an answer. */
export function readJobBody(body: string): BodyReading {
  const parsed = parseJobBody(body);
  return parsed.ok ? { ok: true, reading: readJob(parsed.job) } : parsed;
}
