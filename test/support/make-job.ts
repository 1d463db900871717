import type { AlignmentJob, DataJob, DataJobFile, IngestionJob, IngestionRecord, TimelineEvent } from '../../src/domain/data-job.js';

/**
 * Test data factories: a valid, contract-shaped job with overrides. Tests say only what matters to
 * them; everything else is a plausible default.
 */

let counter = 0;
const nextId = (prefix: string) => `${prefix}-${(++counter).toString(16).padStart(8, '0')}`;
const T0 = '2026-07-28T14:00:00.000000Z';

export function makeRecord(overrides: Partial<IngestionRecord> = {}): IngestionRecord {
  return {
    record_id: nextId('rec'),
    ingestion_job_id: 'ing-1',
    alignment_file_id: nextId('file'),
    user_id: 'user-1',
    filename: 'document.pdf',
    metaflow_job_id: null,
    method: 'best',
    status: 'completed',
    queue_position: null,
    error_message: null,
    suggested_fix: null,
    worker_id: null,
    deleted: false,
    created_at: T0,
    processing_at: null,
    completed_at: null,
    failed_at: null,
    ...overrides,
  };
}

export function makeFailedRecord(overrides: Partial<IngestionRecord> = {}): IngestionRecord {
  return makeRecord({
    status: 'failed',
    error_message: 'No extractable text found.',
    suggested_fix: 'Run OCR on the document and upload it again.',
    failed_at: '2026-07-28T14:06:00.000000Z',
    ...overrides,
  });
}

export function makeFile(overrides: Partial<DataJobFile> = {}): DataJobFile {
  return {
    file_id: nextId('file'),
    record_id: null,
    name: 'document.pdf',
    type: 'pdf',
    created_at: T0,
    status: 'completed',
    suggested_fix: null,
    bytes: 1000,
    ...overrides,
  };
}

export function makeIngestionJob(overrides: Partial<IngestionJob> = {}): IngestionJob {
  return {
    id: nextId('ing'),
    status: 'completed',
    created_at: T0,
    updated_at: T0,
    file_ids: [],
    records: [],
    ...overrides,
  };
}

export function makeAlignment(overrides: Partial<AlignmentJob> = {}): AlignmentJob {
  return {
    id: nextId('aln'),
    created_at: T0,
    updated_at: T0,
    completed_at: null,
    status: 'running',
    current_step: 'generating_qa_pairs',
    step_progress: '184/520',
    progress: 42.5,
    estimated_completion_at: '2026-07-28T16:34:00.000000Z',
    eta_minutes: 53,
    status_message: 'Generating question-answer pairs',
    ...overrides,
  };
}

export function makeEvent(overrides: Partial<TimelineEvent> = {}): TimelineEvent {
  return { timestamp: T0, event_type: 'job_created', message: 'Data job created', metadata: {}, ...overrides };
}

export function makeJob(overrides: Partial<DataJob> = {}): DataJob {
  return {
    id: 'dj-0b6f1f5e-3a43-4c1e-9d59-2f1d8c7a1a01',
    user_id: 'user-1',
    name: 'Claims handbook Q3 refresh',
    job_type: 'principle_files',
    alignment_job_id: null,
    created_at: T0,
    updated_at: T0,
    status: 'file_processing',
    system_prompt: 'You are a helpful assistant.',
    instructions: null,
    resolved_instructions: null,
    vector_database_id: null,
    additional_alignment_file_ids: [],
    ingestion_jobs: [],
    alignment_job: null,
    files: [],
    fine_tuning_job_ids: [],
    timeline: [makeEvent()],
    ...overrides,
  };
}

/**
 * A different word for each number, without digits (0 → "a", 25 → "z", 26 → "ba"): failures whose
 * errors differ by a number are one cause (numbers vary from file to file); these stay apart.
 */
export function wordFor(i: number): string {
  let word = '';
  let n = i;
  do {
    word = String.fromCharCode(97 + (n % 26)) + word;
    n = Math.floor(n / 26);
  } while (n > 0);
  return word;
}

export type FileSpec = { state: 'done' | 'failed' | 'processing' | 'queued'; name?: string; error?: string; fix?: string; bytes?: number };

/** A job with files in the given states, each backed by an ingestion record, as the API sends them. */
export function makeJobWithFiles(specs: FileSpec[], overrides: Partial<DataJob> = {}): DataJob {
  const ingestion = makeIngestionJob({ status: 'running' });
  const files: DataJobFile[] = [];
  specs.forEach((spec, i) => {
    const fileId = `file-${i.toString().padStart(6, '0')}`;
    const recordId = `rec-${i.toString().padStart(6, '0')}`;
    const name = spec.name ?? `document-${i}.pdf`;
    const status = { done: 'completed', failed: 'failed', processing: 'processing', queued: 'queued' }[spec.state];
    const record =
      spec.state === 'failed'
        ? makeFailedRecord({
            record_id: recordId,
            alignment_file_id: fileId,
            ingestion_job_id: ingestion.id,
            filename: name,
            ...(spec.error !== undefined && { error_message: spec.error }),
            ...(spec.fix !== undefined && { suggested_fix: spec.fix }),
          })
        : makeRecord({ record_id: recordId, alignment_file_id: fileId, ingestion_job_id: ingestion.id, filename: name, status });
    ingestion.records.push(record);
    ingestion.file_ids.push(fileId);
    files.push(
      makeFile({
        file_id: fileId,
        record_id: recordId,
        name,
        status,
        bytes: spec.bytes ?? 1000,
        suggested_fix: record.suggested_fix ?? null,
      }),
    );
  });
  return makeJob({ ingestion_jobs: specs.length ? [ingestion] : [], files, ...overrides });
}

/** n files, `failed` of them failed, the rest done. */
export function makeJobWithManyFiles(n: number, failed = 0, overrides: Partial<DataJob> = {}): DataJob {
  const specs: FileSpec[] = Array.from({ length: n }, (_, i) => ({ state: i < failed ? 'failed' : 'done' }));
  return makeJobWithFiles(specs, overrides);
}

/**
 * A busy, realistic-looking job for benchmarks and limit tests: `n` files with long names, every
 * `failedEvery`-th one failed (with a long error and fix, failure times spread out), a mix of
 * processing and queued files, a running alignment and a long timeline.
 */
export function makeBusyJob(
  n: number,
  options: { failedEvery?: number; nameLength?: number; events?: number } = {},
  overrides: Partial<DataJob> = {},
): DataJob {
  const { failedEvery = 10, nameLength = 120, events = 200 } = options;
  const pad = (s: string) =>
    s.length >= nameLength
      ? s.slice(0, nameLength)
      : s + ' lorem ipsum'.repeat(Math.ceil((nameLength - s.length) / 12)).slice(0, nameLength - s.length);
  const specs: FileSpec[] = Array.from({ length: n }, (_, i) => {
    const name = pad(`Quarterly claims handbook section ${i} – revised & annotated <final>`);
    if (failedEvery > 0 && i % failedEvery === 0) {
      return {
        state: 'failed',
        name,
        error: `No extractable text found in ${name}: the PDF appears to contain only scanned images without an OCR text layer.`,
        fix: 'Run OCR on the document (or re-export it with a text layer), upload the new file, and add it to this data job.',
      };
    }
    return { state: i % 7 === 1 ? 'processing' : i % 11 === 2 ? 'queued' : 'done', name, bytes: 1000 + ((i * 7919) % 5_000_000) };
  });
  const job = makeJobWithFiles(specs, {
    status: 'running',
    alignment_job: makeAlignment(),
    timeline: Array.from({ length: events }, (_, i) =>
      makeEvent({
        timestamp: new Date(Date.UTC(2026, 6, 28, 14) + i * 60_000).toISOString().replace('Z', '000Z'),
        event_type: i % 2 ? 'ingestion_file_failed' : 'files_added',
        message: `Event ${i}: something happened to the job`,
        metadata: { file_count: i, method: 'best' },
      }),
    ),
    ...overrides,
  });
  // Spread the failure times so that "most recent first" has something to order.
  let k = 0;
  for (const run of job.ingestion_jobs) {
    for (const record of run.records) {
      if (record.status === 'failed') record.failed_at = new Date(Date.UTC(2026, 6, 28, 14) + ++k * 1000).toISOString();
    }
  }
  return job;
}
