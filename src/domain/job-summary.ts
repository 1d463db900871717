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

/** A job without its long lists: what a summary keeps of it once it has counted them. */
export type ListlessJob = { [K in keyof DataJob as K extends ListKey ? never : K]: DataJob[K] };
type ListKey = 'files' | 'ingestion_jobs' | 'timeline';

/**
 * A summary whose job's lists were counted and dropped (a reading's, see job-reading.ts): everything
 * the planner compares and tells, but not enough to draw a card from, which the type says (it is not
 * a JobSummary, so it cannot be handed to toJobCard).
 */
export type CountedSummary = Omit<JobSummary, 'job'> & { job: ListlessJob };

export interface JobSummary {
  job: DataJob;
  ended: boolean;
  /** Files of the job, counted as `listFiles` lists them. */
  fileCount: number;
  counts: FileCounts;
  totalBytes: number;
  /** Failed files, most recent failure first. */
  failed: FileView[];
  alignment: AlignmentView | null;
  /** Why the job waits for a person, when it does and the reason can be told. */
  reviewReason: string | null;
}

function recordState(record: Pick<IngestionRecord, 'status' | 'failed_at' | 'error_message' | 'queue_position'>): FileState {
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
function progressFraction(progress: number | null | undefined): number | null {
  if (progress == null || !Number.isFinite(progress) || progress < 0) return null;
  const fraction = progress <= 1 ? progress : progress / 100;
  return Math.min(1, fraction);
}

function stateOf(record: IngestionRecord | undefined, file: DataJobFile | undefined): FileState {
  return record ? recordState(record) : file ? fileOnlyState(file) : 'processing';
}

function view(fileId: string, record: IngestionRecord | undefined, file: DataJobFile | undefined, state = stateOf(record, file)): FileView {
  const failed = state === 'failed';
  return {
    fileId,
    recordId: record?.record_id ?? file?.record_id ?? null,
    name: file?.name ?? record?.filename ?? fileId,
    state,
    bytes: file?.bytes ?? null,
    error: failed ? (record?.error_message ?? null) : null,
    fix: failed ? (record?.suggested_fix ?? file?.suggested_fix ?? null) : null,
    failedAt: failed ? (record?.failed_at ?? null) : null,
  };
}

/** Called once per file with its latest live record and its `files[]` entry (either may be missing). */
type FileVisitor = (fileId: string, record: IngestionRecord | undefined, file: DataJobFile | undefined) => void;

/**
 * Visits each file once: the job's `files[]`, each read through its latest live ingestion record,
 * then files that only a record names. Linear, and lean: it runs on every card and every poll of
 * jobs with tens of thousands of files.
 */
function visitFiles(job: DataJob, visit: FileVisitor): void {
  if (!visitFilesInOrder(job, visit)) visitFilesByMap(job, visit);
}

/**
 * The common shape, read without any map: at most one live record per file, in the order of
 * `files[]` (a job ingested once), where a file with no record names none (markdown skips
 * ingestion). False, having visited nothing, when the shape differs; then the general path decides.
 * For a large job this is far cheaper than hashing every id.
 */
function visitFilesInOrder(job: DataJob, visit: FileVisitor): boolean {
  const live: IngestionRecord[] = [];
  for (const run of job.ingestion_jobs) for (const record of run.records) if (!record.deleted) live.push(record);
  if (live.length > job.files.length) return false;
  // First make sure every record is the one of the next file that has one: a record left over
  // belongs to a file passed by, which only the general path would read through it.
  let next = 0;
  for (const file of job.files) {
    if (isRecordOf(live[next], file)) next++;
    else if (file.record_id) return false;
  }
  if (next !== live.length) return false;
  next = 0;
  for (const file of job.files) visit(file.file_id, isRecordOf(live[next], file) ? live[next++] : undefined, file);
  return true;
}

const isRecordOf = (record: IngestionRecord | undefined, file: DataJobFile): record is IngestionRecord =>
  record !== undefined && record.alignment_file_id === file.file_id && (!file.record_id || file.record_id === record.record_id);

function visitFilesByMap(job: DataJob, visit: FileVisitor): void {
  // The latest live record of each file: a file ingested again has a newer record.
  const latest = new Map<string, IngestionRecord>();
  for (const run of job.ingestion_jobs) {
    for (const record of run.records) {
      // A deleted record was removed from the job: it is history, not a current file or failure.
      if (record.deleted) continue;
      const before = latest.get(record.alignment_file_id);
      if (!before || record.created_at >= before.created_at) latest.set(record.alignment_file_id, record);
    }
  }
  let byRecordId: Map<string, IngestionRecord> | undefined;
  const recordById = (id: string) => {
    // Built only when a file names a record other than its latest one (rare), not on every call.
    byRecordId ??= new Map(
      job.ingestion_jobs.flatMap((run) => run.records.filter((r) => !r.deleted).map((r) => [r.record_id, r] as const)),
    );
    return byRecordId.get(id);
  };

  for (const file of job.files) {
    let record = latest.get(file.file_id);
    if (record) latest.delete(file.file_id);
    if (file.record_id && record?.record_id !== file.record_id) record = recordById(file.record_id) ?? record;
    visit(file.file_id, record, file);
  }
  // What is left are records of files the job does not list: still work the job is doing.
  for (const [fileId, record] of latest) visit(fileId, record, undefined);
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
  const counts: FileCounts = { done: 0, failed: 0, processing: 0, queued: 0 };
  let totalBytes = 0;
  let fileCount = 0;
  // Only failed files become views: a card or a diff needs them one by one, the rest only as counts.
  const failed: FileView[] = [];
  visitFiles(job, (fileId, record, file) => {
    const state = stateOf(record, file);
    counts[state] += 1;
    totalBytes += file?.bytes ?? 0;
    fileCount += 1;
    if (state === 'failed') failed.push(view(fileId, record, file, state));
  });
  // Most recent failure first; stable for files without a time.
  failed.sort((a, b) => (b.failedAt ?? '').localeCompare(a.failedAt ?? ''));
  return {
    job,
    ended: isTerminalStatus(job.status),
    fileCount,
    counts,
    totalBytes,
    failed,
    alignment: alignmentView(job),
    reviewReason: reviewReason(job, failed.length, fileCount),
  };
}
