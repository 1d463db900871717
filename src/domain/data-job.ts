import { z } from 'zod';

/**
 * A SeekrFlow data job as the bot reads it: the one description of `GET /v1/flow/data-jobs/{id}`
 * (docs/seekrflow-api.md). These schemas are the validator (seekrflow/ reads every answer through
 * them, or through a fast path derived from them) and the source of the domain's types.
 *
 * Only the fields the bot reads are named. What it does not name is neither checked nor relied on:
 * a job passes whatever else SeekrFlow sends, and whatever it sends differently there. The rules,
 * where the API is looser than its contract:
 * - unknown fields are kept, never an error (looseObject): the API grows ahead of its docs;
 * - statuses and other free strings are plain strings: `stopped` and unpublished values pass;
 * - missing or null collections become [] (and a missing alignment null), so the rest of the bot
 *   never checks for undefined;
 * - nullable wherever the live API has been seen to send null, even if the contract says otherwise;
 * - timestamps stay strings: a malformed date never rejects the whole job.
 */

const text = z.string().nullish();
const timestamp = z.string();

/**
 * The defaults the schemas fill in, by the schema that fills them: a fast path that checks an answer
 * in place (seekrflow/) fills in the same values without running zod's transforms.
 */
export const FILLED_WITH = new WeakMap<z.ZodType, () => unknown>();

function orElse<T extends z.ZodType, D>(schema: T, fill: () => D) {
  const filled = schema.nullish().transform((v): z.output<T> | D => v ?? fill());
  FILLED_WITH.set(filled, fill);
  return filled;
}

const list = <T extends z.ZodType>(item: T) => orElse(z.array(item), (): z.output<T>[] => []);

export const IngestionRecord = z.looseObject({
  record_id: z.string(),
  alignment_file_id: z.string(),
  filename: z.string(),
  status: z.string(),
  queue_position: z.number().nullish(),
  error_message: text,
  suggested_fix: text,
  deleted: orElse(z.boolean(), () => false),
  created_at: timestamp,
  failed_at: text,
});
export type IngestionRecord = z.output<typeof IngestionRecord>;

export const IngestionJob = z.looseObject({
  status: z.string(),
  file_ids: list(z.string()),
  records: list(IngestionRecord),
});
export type IngestionJob = z.output<typeof IngestionJob>;

export const AlignmentJob = z.looseObject({
  status: z.string(),
  current_step: text,
  /** A number, or a string such as "184/520". */
  step_progress: z.union([z.number(), z.string()]).nullish(),
  /** No documented scale: a value <= 1 is a fraction, otherwise a percentage. */
  progress: z.number().nullish(),
  estimated_completion_at: text,
  eta_minutes: z.number().nullish(),
  status_message: text,
});
export type AlignmentJob = z.output<typeof AlignmentJob>;

export const DataJobFile = z.looseObject({
  file_id: z.string(),
  record_id: text,
  name: text,
  status: text,
  suggested_fix: text,
  bytes: z.number().nullish(),
});
export type DataJobFile = z.output<typeof DataJobFile>;

export const TimelineEvent = z.looseObject({
  timestamp: timestamp,
  event_type: z.string(),
  message: z.string(),
  metadata: orElse(z.record(z.string(), z.unknown()), (): Record<string, unknown> => ({})),
});
export type TimelineEvent = z.output<typeof TimelineEvent>;

export const DataJob = z.looseObject({
  id: z.string(),
  user_id: z.string(),
  name: z.string(),
  job_type: z.string(),
  created_at: timestamp,
  updated_at: timestamp,
  status: z.string(),
  system_prompt: text,
  ingestion_jobs: list(IngestionJob),
  alignment_job: orElse(AlignmentJob, () => null),
  files: list(DataJobFile),
  fine_tuning_job_ids: list(z.string()),
  timeline: list(TimelineEvent),
});
export type DataJob = z.output<typeof DataJob>;

export const KNOWN_STATUSES = [
  'file_processing',
  'needs_review',
  'ready_to_start',
  'pending',
  'queued',
  'running',
  'completed',
  'failed',
  'cancelled',
  'stopped',
] as const;
export type KnownStatus = (typeof KNOWN_STATUSES)[number];

/** Statuses after which a job never changes again. */
const TERMINAL_STATUSES: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled', 'stopped']);

export function isTerminalStatus(status: string): boolean {
  return TERMINAL_STATUSES.has(status);
}
