import { z } from 'zod';

/*
 * Lenient schemas of DataJobDetailResponse (OpenAPI 5.87.1 plus what the live API is known to send;
 * docs/seekrflow-api.md says where the API is looser than its contract).
 * - looseObject: unknown fields are kept, never an error (the API grows ahead of its docs).
 * - statuses and other free strings are plain strings: `stopped` and unpublished values pass.
 * - optional collections default to [] so the rest of the bot never checks for undefined.
 * - nullable wherever the live API has been seen to send null, even if the contract says otherwise.
 *
 * The bot reads a job's answer with validateDataJob (validate-job.ts), these rules checked by hand in
 * one pass; a field added here goes there too (validate-job.test.ts fails until it does).
 */

const nullableString = z.string().nullish();
const timestamp = z.string();

export const IngestionRecord = z.looseObject({
  record_id: z.string(),
  ingestion_job_id: z.string(),
  alignment_file_id: z.string(),
  user_id: z.string(),
  filename: z.string(),
  metaflow_job_id: nullableString,
  method: nullableString,
  status: z.string(),
  queue_position: z.number().nullish(),
  error_message: nullableString,
  suggested_fix: nullableString,
  worker_id: nullableString,
  deleted: z
    .boolean()
    .nullish()
    .transform((v) => v ?? false),
  created_at: timestamp,
  processing_at: nullableString,
  completed_at: nullableString,
  failed_at: nullableString,
});
export type IngestionRecord = z.infer<typeof IngestionRecord>;

export const IngestionJob = z.looseObject({
  id: z.string(),
  status: z.string(),
  created_at: timestamp,
  updated_at: timestamp,
  file_ids: z
    .array(z.string())
    .nullish()
    .transform((v) => v ?? []),
  records: z
    .array(IngestionRecord)
    .nullish()
    .transform((v) => v ?? []),
});
export type IngestionJob = z.infer<typeof IngestionJob>;

export const AlignmentJob = z.looseObject({
  id: z.string(),
  created_at: timestamp,
  updated_at: nullableString,
  completed_at: nullableString,
  status: z.string(),
  current_step: nullableString,
  step_progress: z.union([z.number(), z.string()]).nullish(),
  progress: z.number().nullish(),
  estimated_completion_at: nullableString,
  eta_minutes: z.number().nullish(),
  status_message: nullableString,
});
export type AlignmentJob = z.infer<typeof AlignmentJob>;

export const DataJobFile = z.looseObject({
  file_id: z.string(),
  record_id: nullableString,
  name: nullableString,
  type: nullableString,
  created_at: nullableString,
  status: nullableString,
  suggested_fix: nullableString,
  bytes: z.number().nullish(),
});
export type DataJobFile = z.infer<typeof DataJobFile>;

export const TimelineEvent = z.looseObject({
  timestamp: timestamp,
  event_type: z.string(),
  message: z.string(),
  metadata: z
    .record(z.string(), z.unknown())
    .nullish()
    .transform((v) => v ?? {}),
});
export type TimelineEvent = z.infer<typeof TimelineEvent>;

const list = <T extends z.ZodType>(item: T) =>
  z
    .array(item)
    .nullish()
    .transform((v) => v ?? []);

export const DataJob = z.looseObject({
  id: z.string(),
  user_id: z.string(),
  name: z.string(),
  job_type: z.string(),
  alignment_job_id: z
    .string()
    .nullish()
    .transform((v) => v ?? null),
  created_at: timestamp,
  updated_at: timestamp,
  status: z.string(),
  system_prompt: nullableString,
  system_prompt_updated_at: nullableString,
  instructions: nullableString,
  instructions_updated_at: nullableString,
  resolved_instructions: nullableString,
  vector_database_id: nullableString,
  additional_alignment_file_ids: list(z.string()),
  ingestion_jobs: list(IngestionJob),
  alignment_job: AlignmentJob.nullish().transform((v) => v ?? null),
  files: list(DataJobFile),
  fine_tuning_job_ids: list(z.string()),
  timeline: list(TimelineEvent),
});
export type DataJob = z.infer<typeof DataJob>;

/**
 * A page of the job list. An item is the detail object without its collections; only what discovery
 * and the feeds' filters read is checked, leniently (a missing name or type reads as empty).
 */
export const DataJobList = z.looseObject({
  data: z.array(
    z.looseObject({
      id: z.string(),
      name: z
        .string()
        .nullish()
        .transform((v) => v ?? ''),
      job_type: z
        .string()
        .nullish()
        .transform((v) => v ?? ''),
      user_id: z
        .string()
        .nullish()
        .transform((v) => v ?? ''),
      created_at: z
        .string()
        .nullish()
        .transform((v) => v ?? ''),
    }),
  ),
});
