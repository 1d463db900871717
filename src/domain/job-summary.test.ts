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
import type { IngestionRecord } from './data-job.js';
import { type FileState, type FileView, summarizeJob } from './job-summary.js';

/** The state the summary gives a job's only file, read through this record. */
function stateOf(record: Partial<IngestionRecord>): FileState {
  const r = makeRecord({ failed_at: null, error_message: null, queue_position: null, ...record });
  const { counts } = summarizeJob(
    makeJob({ ingestion_jobs: [makeIngestionJob({ records: [r] })], files: [makeFile({ file_id: r.alignment_file_id })] }),
  );
  const [state] = Object.entries(counts).find(([, n]) => n === 1) ?? [];
  return state as FileState;
}

/** Each file the summary counts, as (file id, record id, state): failed ones are listed, the rest counted. */
const failedOf = (views: FileView[]) => views.map((f) => [f.fileId, f.recordId, f.state]);

describe('a record’s state', () => {
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
    expect(stateOf(record)).toBe(state);
  });
});

describe('alignment progress, on either scale', () => {
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
    const summary = summarizeJob(makeJob({ alignment_job: makeAlignment({ progress: input }) }));
    expect(summary.alignment?.progress).toBe(expected);
  });
});

describe('reading files through their records', () => {
  it('reads each file through its record, counting markdown files (no record, no status) as done', () => {
    const job = makeJobWithFiles([{ state: 'done' }, { state: 'failed', error: 'bad', fix: 'fix it' }, { state: 'queued' }]);
    job.files.push(makeFile({ file_id: 'md', name: 'notes.md', record_id: null, status: null, type: 'md' }));
    const summary = summarizeJob(job);
    expect(summary.counts).toEqual({ done: 2, failed: 1, processing: 0, queued: 1 });
    expect(summary.failed).toMatchObject([{ name: 'document-1.pdf', error: 'bad', fix: 'fix it', recordId: 'rec-000001' }]);
  });

  it('uses the newest live record of a file ingested twice, and ignores deleted records', () => {
    const first = makeFailedRecord({ record_id: 'r1', alignment_file_id: 'f1', created_at: '2026-07-28T14:00:00Z' });
    const second = makeRecord({ record_id: 'r2', alignment_file_id: 'f1', status: 'completed', created_at: '2026-07-28T15:00:00Z' });
    const deleted = makeFailedRecord({ record_id: 'r3', alignment_file_id: 'f2', deleted: true });
    const job = makeJob({
      ingestion_jobs: [makeIngestionJob({ records: [first, deleted] }), makeIngestionJob({ records: [second] })],
      files: [makeFile({ file_id: 'f1', record_id: null, status: null })],
    });
    const summary = summarizeJob(job);
    expect(summary.counts).toEqual({ done: 1, failed: 0, processing: 0, queued: 0 });
    expect(summary.failed).toEqual([]);
  });

  it('prefers the record a file names, and lists records of files the job does not list', () => {
    const older = makeFailedRecord({ record_id: 'named', alignment_file_id: 'f1', created_at: '2026-07-28T14:00:00Z' });
    const newer = makeRecord({ record_id: 'newer', alignment_file_id: 'f1', created_at: '2026-07-28T15:00:00Z' });
    const orphan = makeRecord({ record_id: 'orphan', alignment_file_id: 'f9', filename: 'orphan.pdf', status: 'processing' });
    const job = makeJob({
      ingestion_jobs: [makeIngestionJob({ records: [older, newer, orphan] })],
      files: [makeFile({ file_id: 'f1', record_id: 'named' })],
    });
    const summary = summarizeJob(job);
    expect(failedOf(summary.failed)).toEqual([['f1', 'named', 'failed']]);
    expect(summary.counts).toEqual({ done: 0, failed: 1, processing: 1, queued: 0 });
  });

  it('reads markdown files between files in order with their records', () => {
    const records = [makeRecord({ alignment_file_id: 'a', status: 'completed' }), makeFailedRecord({ alignment_file_id: 'c' })];
    const job = makeJob({
      ingestion_jobs: [makeIngestionJob({ records })],
      files: [
        makeFile({ file_id: 'a' }),
        makeFile({ file_id: 'b', record_id: null, status: null, type: 'md' }),
        makeFile({ file_id: 'c', status: 'processing' }),
      ],
    });
    const summary = summarizeJob(job);
    expect(summary.counts).toEqual({ done: 2, failed: 1, processing: 0, queued: 0 });
    expect(failedOf(summary.failed)).toEqual([['c', records[1]?.record_id, 'failed']]);
  });

  it('reads a file that names no record through its record, wherever the record comes', () => {
    // The record of `a` comes after the one of `b`: read in order, `a` would seem to have none.
    const records = [makeRecord({ alignment_file_id: 'b', status: 'completed' }), makeFailedRecord({ alignment_file_id: 'a' })];
    const job = makeJob({
      ingestion_jobs: [makeIngestionJob({ records })],
      files: [makeFile({ file_id: 'a', record_id: null, status: 'completed' }), makeFile({ file_id: 'b' })],
    });
    const summary = summarizeJob(job);
    expect(summary.counts).toEqual({ done: 1, failed: 1, processing: 0, queued: 0 });
    expect(failedOf(summary.failed)).toEqual([['a', records[1]?.record_id, 'failed']]);
  });

  it('reads the same whether files and records come in the same order or not', () => {
    const states = ['done', 'failed', 'processing', 'queued'] as const;
    const job = makeJobWithFiles(Array.from({ length: 40 }, (_, i) => ({ state: states[i % 4] ?? 'done' })));
    const shuffled = { ...job, files: [...job.files].reverse() };
    const sorted = (views: FileView[]) => failedOf(views).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    const inOrder = summarizeJob(job);
    const reversed = summarizeJob(shuffled);
    for (const summary of [inOrder, reversed]) {
      expect(summary.fileCount).toBe(40);
      expect(summary.counts).toEqual({ done: 10, failed: 10, processing: 10, queued: 10 });
    }
    expect(sorted(reversed.failed)).toEqual(sorted(inOrder.failed));
    expect(inOrder.failed).toHaveLength(10);
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
