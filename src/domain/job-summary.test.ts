import { describe, expect, it } from 'vitest';
import {
  makeAlignment,
  makeFailedRecord,
  makeFile,
  makeIngestionJob,
  makeJob,
  makeJobWithFiles,
  makeRecord,
} from '../../test/support/make-job.js';
import { listFiles, progressFraction, recordState, summarizeJob } from './job-summary.js';

describe('recordState', () => {
  it.each([
    [{ status: 'completed' }, 'done'],
    [{ status: 'failed' }, 'failed'],
    [{ status: 'processing', failed_at: '2026-01-01T00:00:00Z' }, 'failed'],
    [{ status: 'processing', error_message: 'boom' }, 'failed'],
    [{ status: 'queued' }, 'queued'],
    [{ status: 'waiting', queue_position: 3 }, 'queued'],
    [{ status: 'processing', queue_position: 3 }, 'processing'],
    [{ status: 'something_new' }, 'processing'],
  ] as const)('%j → %s', (record, state) => {
    expect(recordState({ failed_at: null, error_message: null, queue_position: null, ...record })).toBe(state);
  });
});

describe('progressFraction', () => {
  it.each([
    [null, null],
    [undefined, null],
    [0, 0],
    [0.425, 0.425],
    [1, 1],
    [42.5, 0.425],
    [100, 1],
    [250, 1],
    [-3, null],
    [Number.NaN, null],
  ])('%s → %s', (input, expected) => {
    expect(progressFraction(input)).toBe(expected);
  });
});

describe('listFiles', () => {
  it('reads each file through its record, counting markdown files (no record, no status) as done', () => {
    const job = makeJobWithFiles([{ state: 'done' }, { state: 'failed', error: 'bad', fix: 'fix it' }, { state: 'queued' }]);
    job.files.push(makeFile({ file_id: 'md', name: 'notes.md', record_id: null, status: null, type: 'md' }));
    const files = listFiles(job);
    expect(files.map((f) => [f.name, f.state])).toEqual([
      ['document-0.pdf', 'done'],
      ['document-1.pdf', 'failed'],
      ['document-2.pdf', 'queued'],
      ['notes.md', 'done'],
    ]);
    expect(files[1]).toMatchObject({ error: 'bad', fix: 'fix it', recordId: 'rec-000001' });
  });

  it('uses the newest live record of a file ingested twice, and ignores deleted records', () => {
    const first = makeFailedRecord({ record_id: 'r1', alignment_file_id: 'f1', created_at: '2026-07-28T14:00:00Z' });
    const second = makeRecord({ record_id: 'r2', alignment_file_id: 'f1', status: 'completed', created_at: '2026-07-28T15:00:00Z' });
    const deleted = makeFailedRecord({ record_id: 'r3', alignment_file_id: 'f2', deleted: true });
    const job = makeJob({
      ingestion_jobs: [makeIngestionJob({ records: [first, deleted] }), makeIngestionJob({ records: [second] })],
      files: [makeFile({ file_id: 'f1', record_id: null, status: null })],
    });
    expect(listFiles(job).map((f) => [f.fileId, f.recordId, f.state])).toEqual([['f1', 'r2', 'done']]);
  });

  it('prefers the record a file names, and lists records of files the job does not list', () => {
    const older = makeFailedRecord({ record_id: 'named', alignment_file_id: 'f1', created_at: '2026-07-28T14:00:00Z' });
    const newer = makeRecord({ record_id: 'newer', alignment_file_id: 'f1', created_at: '2026-07-28T15:00:00Z' });
    const orphan = makeRecord({ record_id: 'orphan', alignment_file_id: 'f9', filename: 'orphan.pdf', status: 'processing' });
    const job = makeJob({
      ingestion_jobs: [makeIngestionJob({ records: [older, newer, orphan] })],
      files: [makeFile({ file_id: 'f1', record_id: 'named' })],
    });
    expect(listFiles(job).map((f) => [f.fileId, f.recordId, f.state])).toEqual([
      ['f1', 'named', 'failed'],
      ['f9', 'orphan', 'processing'],
    ]);
  });

  it('reads the same whether files and records come in the same order or not', () => {
    const states = ['done', 'failed', 'processing', 'queued'] as const;
    const job = makeJobWithFiles(Array.from({ length: 40 }, (_, i) => ({ state: states[i % 4] ?? 'done' })));
    const inOrder = listFiles(job);
    const shuffled = { ...job, files: [...job.files].reverse() };
    const byId = (files: ReturnType<typeof listFiles>) => [...files].sort((a, b) => a.fileId.localeCompare(b.fileId));
    expect(byId(listFiles(shuffled))).toEqual(byId(inOrder));
    // The summary counts what listFiles lists, on either path.
    for (const j of [job, shuffled]) {
      const summary = summarizeJob(j);
      expect(summary.fileCount).toBe(40);
      expect(summary.counts).toEqual({ done: 10, failed: 10, processing: 10, queued: 10 });
      expect(summary.failed.map((f) => f.fileId).sort()).toEqual(
        inOrder
          .filter((f) => f.state === 'failed')
          .map((f) => f.fileId)
          .sort(),
      );
    }
  });
});

describe('summarizeJob', () => {
  it('counts files by state, adds sizes, and puts the newest failure first', () => {
    const job = makeJobWithFiles(
      [
        { state: 'done', bytes: 100 },
        { state: 'failed', bytes: 50 },
        { state: 'failed', bytes: 1 },
      ],
      { status: 'needs_review' },
    );
    const [, a, b] = job.ingestion_jobs[0]?.records ?? [];
    if (a) a.failed_at = '2026-07-28T14:00:00Z';
    if (b) b.failed_at = '2026-07-28T15:00:00Z';
    const summary = summarizeJob(job);
    expect(summary.counts).toEqual({ done: 1, failed: 2, processing: 0, queued: 0 });
    expect(summary.totalBytes).toBe(151);
    expect(summary.failed.map((f) => f.recordId)).toEqual(['rec-000002', 'rec-000001']);
    expect(summary.reviewReason).toBe('2 files failed to process');
    expect(summary.ended).toBe(false);
  });

  it.each(['completed', 'failed', 'cancelled', 'stopped'])('%s ends the job', (status) => {
    expect(summarizeJob(makeJob({ status })).ended).toBe(true);
  });

  it('reads alignment progress on either scale and keeps step progress as text', () => {
    const summary = summarizeJob(makeJob({ alignment_job: makeAlignment({ progress: 42.5, step_progress: 184 }) }));
    expect(summary.alignment).toMatchObject({ progress: 0.425, stepProgress: '184' });
  });
});
