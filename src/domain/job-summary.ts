import { type DataJob, type DataJobFile, type IngestionRecord, isTerminalStatus } from './data-job.js';

/**
 * The bot's reading of a job: the one place that decides what a file's state is, what progress
 * means and why a job needs review. The card renderer and the snapshot/diff both use it, so what a
 * card shows and what a notification says can never disagree.
 */

export type FileState = 'done' | 'failed' | 'processing' | 'queued';

export interface FileView {
  fileId: string;
  recordId: string | null;
  name: string;
  state: FileState;
  bytes: number | null;
  error: string | null;
  fix: string | null;
  failedAt: string | null;
}

export interface AlignmentView {
  status: string;
  step: string | null;
  /** As the API gave it: "184/520", or a number turned into text. */
  stepProgress: string | null;
  /** 0..1, whatever scale the API used; null when unknown. */
  progress: number | null;
  etaMinutes: number | null;
  estimatedCompletionAt: string | null;
  statusMessage: string | null;
}

export type FileCounts = Record<FileState, number>;

export interface JobSummary {
  job: DataJob;
  ended: boolean;
  files: FileView[];
  counts: FileCounts;
  totalBytes: number;
  /** Failed files, most recent failure first. */
  failed: FileView[];
  alignment: AlignmentView | null;
  /** Why the job waits for a person, when it does and the reason can be told. */
  reviewReason: string | null;
}

export function recordState(record: Pick<IngestionRecord, 'status' | 'failed_at' | 'error_message' | 'queue_position'>): FileState {
  if (record.status === 'failed' || record.failed_at || record.error_message) return 'failed';
  if (record.status === 'completed') return 'done';
  if (record.status === 'queued' || (record.status !== 'processing' && record.queue_position != null)) return 'queued';
  return 'processing';
}

function fileOnlyState(file: DataJobFile): FileState {
  // Markdown files skip ingestion: no record, no status. They are ready to use, so count them done.
  if (file.status == null) return 'done';
  return recordState({ status: file.status, failed_at: null, error_message: null, queue_position: null });
}

/** Normalises `progress` (0..1 or 0..100, undocumented) to a fraction in [0, 1]. */
export function progressFraction(progress: number | null | undefined): number | null {
  if (progress == null || !Number.isFinite(progress) || progress < 0) return null;
  const fraction = progress <= 1 ? progress : progress / 100;
  return Math.min(1, fraction);
}

function latest(records: IngestionRecord[]): IngestionRecord | undefined {
  let best: IngestionRecord | undefined;
  for (const r of records) if (!best || r.created_at >= best.created_at) best = r;
  return best;
}

export function listFiles(job: DataJob): FileView[] {
  const byRecordId = new Map<string, IngestionRecord>();
  const byFileId = new Map<string, IngestionRecord[]>();
  for (const run of job.ingestion_jobs) {
    for (const record of run.records) {
      // A deleted record was removed from the job: it is history, not a current file or failure.
      if (record.deleted) continue;
      byRecordId.set(record.record_id, record);
      const forFile = byFileId.get(record.alignment_file_id);
      if (forFile) forFile.push(record);
      else byFileId.set(record.alignment_file_id, [record]);
    }
  }

  const views: FileView[] = [];
  const seenRecords = new Set<string>();
  for (const file of job.files) {
    const record = (file.record_id ? byRecordId.get(file.record_id) : undefined) ?? latest(byFileId.get(file.file_id) ?? []);
    for (const r of byFileId.get(file.file_id) ?? []) seenRecords.add(r.record_id);
    if (record) seenRecords.add(record.record_id);
    const state = record ? recordState(record) : fileOnlyState(file);
    views.push({
      fileId: file.file_id,
      recordId: record?.record_id ?? file.record_id ?? null,
      name: file.name ?? record?.filename ?? file.file_id,
      state,
      bytes: file.bytes ?? null,
      error: state === 'failed' ? (record?.error_message ?? null) : null,
      fix: state === 'failed' ? (record?.suggested_fix ?? file.suggested_fix ?? null) : null,
      failedAt: state === 'failed' ? (record?.failed_at ?? null) : null,
    });
  }
  // Records whose file the job no longer lists, or never listed: still work the job is doing.
  for (const [recordId, record] of byRecordId) {
    if (seenRecords.has(recordId)) continue;
    const state = recordState(record);
    views.push({
      fileId: record.alignment_file_id,
      recordId,
      name: record.filename,
      state,
      bytes: null,
      error: state === 'failed' ? (record.error_message ?? null) : null,
      fix: state === 'failed' ? (record.suggested_fix ?? null) : null,
      failedAt: state === 'failed' ? (record.failed_at ?? null) : null,
    });
  }
  return views;
}

function alignmentView(job: DataJob): AlignmentView | null {
  const a = job.alignment_job;
  if (!a) return null;
  return {
    status: a.status,
    step: a.current_step ?? null,
    stepProgress: a.step_progress == null ? null : String(a.step_progress),
    progress: progressFraction(a.progress),
    etaMinutes: a.eta_minutes ?? null,
    estimatedCompletionAt: a.estimated_completion_at ?? null,
    statusMessage: a.status_message ?? null,
  };
}

/** Why a `needs_review` job waits, as far as the payload tells. */
export function reviewReason(job: DataJob, failedCount: number, fileCount: number): string | null {
  if (job.status !== 'needs_review') return null;
  if (failedCount > 0) return `${failedCount} file${failedCount === 1 ? '' : 's'} failed to process`;
  if (fileCount === 0) return 'the job has no files';
  if (job.job_type === 'principle_files' && !job.system_prompt?.trim()) return 'the job has no system prompt';
  return null;
}

export function summarizeJob(job: DataJob): JobSummary {
  const files = listFiles(job);
  const counts: FileCounts = { done: 0, failed: 0, processing: 0, queued: 0 };
  let totalBytes = 0;
  for (const f of files) {
    counts[f.state] += 1;
    totalBytes += f.bytes ?? 0;
  }
  const failed = files.filter((f) => f.state === 'failed');
  // Most recent failure first; stable for files without a time.
  failed.sort((a, b) => (b.failedAt ?? '').localeCompare(a.failedAt ?? ''));
  return {
    job,
    ended: isTerminalStatus(job.status),
    files,
    counts,
    totalBytes,
    failed,
    alignment: alignmentView(job),
    reviewReason: reviewReason(job, failed.length, files.length),
  };
}
