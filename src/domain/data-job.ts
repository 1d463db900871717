/**
 * A SeekrFlow data job as the bot understands it: the shape of
 * `GET /v1/flow/data-jobs/{id}` after lenient parsing (see seekrflow/data-job.ts and
 * docs/seekrflow-api.md).
 *
 * Statuses and other free strings are `string`, not unions: the API publishes new values before
 * its docs do, and the bot must show what it does not know rather than reject it. Unknown fields
 * are kept (the index signatures) so that nothing the API sends is silently lost.
 */

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

export interface IngestionRecord {
  record_id: string;
  ingestion_job_id: string;
  alignment_file_id: string;
  user_id: string;
  filename: string;
  metaflow_job_id?: string | null;
  method?: string | null;
  status: string;
  queue_position?: number | null;
  error_message?: string | null;
  suggested_fix?: string | null;
  worker_id?: string | null;
  deleted: boolean;
  created_at: string;
  processing_at?: string | null;
  completed_at?: string | null;
  failed_at?: string | null;
  [extra: string]: unknown;
}

export interface IngestionJob {
  id: string;
  status: string;
  created_at: string;
  updated_at: string;
  file_ids: string[];
  records: IngestionRecord[];
  [extra: string]: unknown;
}

export interface AlignmentJob {
  id: string;
  created_at: string;
  updated_at?: string | null;
  completed_at?: string | null;
  status: string;
  current_step?: string | null;
  /** A number, or a string such as "184/520". */
  step_progress?: number | string | null;
  /** No documented scale: a value <= 1 is a fraction, otherwise a percentage. */
  progress?: number | null;
  estimated_completion_at?: string | null;
  eta_minutes?: number | null;
  status_message?: string | null;
  [extra: string]: unknown;
}

export interface DataJobFile {
  file_id: string;
  record_id?: string | null;
  name?: string | null;
  type?: string | null;
  created_at?: string | null;
  status?: string | null;
  suggested_fix?: string | null;
  bytes?: number | null;
  [extra: string]: unknown;
}

export interface TimelineEvent {
  timestamp: string;
  event_type: string;
  message: string;
  metadata: Record<string, unknown>;
  [extra: string]: unknown;
}

export interface DataJob {
  id: string;
  user_id: string;
  name: string;
  job_type: string;
  alignment_job_id: string | null;
  created_at: string;
  updated_at: string;
  status: string;
  system_prompt?: string | null;
  system_prompt_updated_at?: string | null;
  instructions?: string | null;
  instructions_updated_at?: string | null;
  resolved_instructions?: string | null;
  vector_database_id?: string | null;
  additional_alignment_file_ids: string[];
  ingestion_jobs: IngestionJob[];
  alignment_job: AlignmentJob | null;
  files: DataJobFile[];
  fine_tuning_job_ids: string[];
  timeline: TimelineEvent[];
  [extra: string]: unknown;
}

export function isTerminalStatus(status: string): boolean {
  return TERMINAL_STATUSES.has(status);
}
