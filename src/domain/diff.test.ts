import { describe, expect, it } from 'vitest';
import {
  makeAlignment,
  makeFailedRecord,
  makeFile,
  makeIngestionJob,
  makeJob,
  makeJobWithFiles,
  wordFor,
} from '../../test/support/make-job.js';
import type { DataJob } from './data-job.js';
import { type DiffSettings, diff } from './diff.js';
import { readJob } from './job-reading.js';
import type { JobWatch } from './snapshot.js';

const settings: DiffSettings = { stallAfterMinutes: 60, unreachableAfterMinutes: 10 };
const T = (minutes: number) => new Date(Date.UTC(2026, 6, 28, 14, 0) + minutes * 60_000);
const seen = (job: DataJob) => ({ kind: 'seen' as const, reading: readJob(job) });
const down = { kind: 'unreachable' as const, reason: 'HTTP 503' };

/** The watch after the first sighting of `job` at minute 0. */
const baseline = (job: DataJob): JobWatch => diff(null, seen(job), T(0), settings).watch;
const eventsBetween = (before: DataJob, after: DataJob) => diff(baseline(before), seen(after), T(1), settings).events;

const running = (progress: number, step = 'generating_qa_pairs') =>
  makeJob({
    status: 'running',
    alignment_job: makeAlignment({ status: 'running', progress, current_step: step }),
    updated_at: `u-${progress}-${step}`,
  });

describe('diff: first sighting', () => {
  it('records a baseline and tells nothing, whatever the job holds', () => {
    const result = diff(null, seen(makeJobWithFiles([{ state: 'failed' }], { status: 'needs_review' })), T(0), settings);
    expect(result.events).toEqual([]);
    expect(result.cardChanged).toBe(false);
    expect(result.watch.snapshot?.status).toBe('needs_review');
    expect(result.watch.snapshot?.reportedFailures).toHaveLength(1);
  });
});

describe('diff: what a change produces', () => {
  it.each<[string, DataJob, DataJob, unknown[]]>([
    ['nothing changed', makeJob({ status: 'file_processing' }), makeJob({ status: 'file_processing' }), []],
    [
      'status changed',
      makeJob({ status: 'file_processing' }),
      makeJob({ status: 'ready_to_start' }),
      [{ type: 'status_changed', from: 'file_processing', to: 'ready_to_start' }],
    ],
    [
      'unknown status is reported as it is',
      makeJob({ status: 'running' }),
      makeJob({ status: 'warming_up' }),
      [{ type: 'status_changed', from: 'running', to: 'warming_up' }],
    ],
    [
      'alignment started (one event, not also a status change)',
      makeJob({ status: 'ready_to_start' }),
      makeJob({ status: 'queued', alignment_job: makeAlignment({ status: 'queued', progress: null }) }),
      [{ type: 'alignment_started', status: 'queued' }],
    ],
    [
      'alignment finished without the job ending',
      makeJob({ status: 'running', alignment_job: makeAlignment({ status: 'running' }) }),
      makeJob({ status: 'running', alignment_job: makeAlignment({ status: 'completed' }) }),
      [{ type: 'alignment_finished', status: 'completed' }],
    ],
    [
      'needs_review with failed files as the reason',
      makeJobWithFiles([{ state: 'processing' }], { status: 'file_processing' }),
      makeJobWithFiles([{ state: 'failed', name: 'scan.pdf', error: 'No text', fix: 'Run OCR' }], { status: 'needs_review' }),
      [
        {
          type: 'files_failed',
          count: 1,
          groups: [{ count: 1, error: 'No text', fix: 'Run OCR', names: ['scan.pdf'], latestFailedAt: '2026-07-28T14:06:00.000000Z' }],
        },
        { type: 'needs_review', reason: '1 file failed to process' },
      ],
    ],
    [
      'needs_review for a missing system prompt',
      makeJobWithFiles([{ state: 'done' }], { status: 'file_processing' }),
      makeJobWithFiles([{ state: 'done' }], { status: 'needs_review', system_prompt: null }),
      [{ type: 'needs_review', reason: 'the job has no system prompt' }],
    ],
    [
      'needs_review for missing files',
      makeJob({ status: 'file_processing' }),
      makeJob({ status: 'needs_review' }),
      [{ type: 'needs_review', reason: 'the job has no files' }],
    ],
    [
      'needs_review without a reason that can be told',
      makeJobWithFiles([{ state: 'done' }], { status: 'file_processing' }),
      makeJobWithFiles([{ state: 'done' }], { status: 'needs_review' }),
      [{ type: 'needs_review', reason: null }],
    ],
    ...(['completed', 'failed', 'cancelled', 'stopped'] as const).map((status): [string, DataJob, DataJob, unknown[]] => [
      `the job ended: ${status} (one event, not also alignment finished)`,
      makeJobWithFiles([{ state: 'done' }, { state: 'done' }], { status: 'running', alignment_job: makeAlignment({ status: 'running' }) }),
      makeJobWithFiles([{ state: 'done' }, { state: 'done' }], { status, alignment_job: makeAlignment({ status }) }),
      [{ type: 'ended', status, failedFiles: 0, doneFiles: 2 }],
    ]),
    ['progress moved: card only', running(40), running(45), []],
    ['step changed: card only', running(40, 'chunking'), running(40, 'generating_qa_pairs'), []],
  ])('%s', (_name, before, after, expected) => {
    expect(eventsBetween(before, after)).toEqual(expected);
  });

  it('updates the card for progress but not for a re-poll of the same state', () => {
    expect(diff(baseline(running(40)), seen(running(45)), T(1), settings).cardChanged).toBe(true);
    expect(diff(baseline(running(40)), seen(running(40)), T(1), settings).cardChanged).toBe(false);
  });

  it('reports a failed file once, even when it is seen failed again and again', () => {
    const failing = makeJobWithFiles([{ state: 'failed', name: 'a.pdf' }], { status: 'file_processing' });
    const first = diff(baseline(makeJobWithFiles([{ state: 'processing', name: 'a.pdf' }])), seen(failing), T(1), settings);
    expect(first.events.map((e) => e.type)).toEqual(['files_failed']);
    const again = diff(first.watch, seen(failing), T(2), settings);
    expect(again.events).toEqual([]);
    // The record goes back to processing (a retry) and fails again: still the same failure.
    const retried = diff(again.watch, seen(makeJobWithFiles([{ state: 'processing', name: 'a.pdf' }])), T(3), settings);
    expect(diff(retried.watch, seen(failing), T(4), settings).events).toEqual([]);
  });

  it('reports only the newly failed files when more fail', () => {
    const one = makeJobWithFiles([{ state: 'failed' }, { state: 'processing' }, { state: 'processing' }]);
    const three = makeJobWithFiles([{ state: 'failed' }, { state: 'failed' }, { state: 'failed' }]);
    const [event] = eventsBetween(one, three);
    // Both fail the same way: one cause, naming the two.
    expect(event).toMatchObject({ type: 'files_failed', count: 2, groups: [{ count: 2, names: ['document-1.pdf', 'document-2.pdf'] }] });
  });

  it('groups the newly failed files by cause, the commonest first, in a bounded event', () => {
    const files = (failed: number) =>
      makeJobWithFiles(
        Array.from({ length: 40 }, (_, i) =>
          i >= failed
            ? { state: 'processing' as const }
            : i % 4 === 0
              ? { state: 'failed' as const, name: `scan-${i}.pdf`, error: `Password protected: scan-${i}.pdf`, fix: 'Ask the owner' }
              : { state: 'failed' as const, name: `scan-${i}.pdf`, error: `No text layer in scan-${i}.pdf (${i} pages)`, fix: 'Run OCR' },
        ),
      );
    const [event] = eventsBetween(files(0), files(40));
    expect(event).toMatchObject({
      type: 'files_failed',
      count: 40,
      groups: [
        {
          count: 30,
          error: 'No text layer in … (… pages)',
          fix: 'Run OCR',
          names: ['scan-1.pdf', 'scan-2.pdf', 'scan-3.pdf', 'scan-5.pdf', 'scan-6.pdf'],
        },
        {
          count: 10,
          error: 'Password protected: …',
          fix: 'Ask the owner',
          names: ['scan-0.pdf', 'scan-4.pdf', 'scan-8.pdf', 'scan-12.pdf', 'scan-16.pdf'],
        },
      ],
    });
    // Forty causes: the event keeps the first eight.
    const distinct = (failed: number) =>
      makeJobWithFiles(
        Array.from({ length: 40 }, (_, i) =>
          i < failed ? { state: 'failed' as const, error: `Reason ${wordFor(i)}` } : { state: 'processing' as const },
        ),
      );
    const [many] = eventsBetween(distinct(0), distinct(40));
    expect(many?.type === 'files_failed' && [many.count, many.groups.length]).toEqual([40, 8]);
  });

  it('does not count a deleted record as a failure, and updates the card when it is removed', () => {
    const failed = makeFailedRecord({ record_id: 'r1', alignment_file_id: 'f1' });
    const withFailure = makeJob({
      status: 'needs_review',
      ingestion_jobs: [makeIngestionJob({ records: [failed] })],
      files: [makeFile({ file_id: 'f1', record_id: 'r1', status: 'failed' })],
    });
    const removed = makeJob({
      status: 'needs_review',
      ingestion_jobs: [makeIngestionJob({ records: [{ ...failed, deleted: true }] })],
      files: [],
    });
    const result = diff(baseline(withFailure), seen(removed), T(1), settings);
    expect(result.events).toEqual([]);
    expect(result.cardChanged).toBe(true);
    expect(result.watch.snapshot?.counts.failed).toBe(0);
  });
});

describe('diff: stalled', () => {
  const job = running(40);
  it.each([
    [59, []],
    [60, [{ type: 'stalled', since: T(0).toISOString(), minutes: 60 }]],
  ])('after %i unchanged minutes', (minutes, expected) => {
    expect(diff(baseline(job), seen(job), T(minutes), settings).events).toEqual(expected);
  });

  it('is said once, and again only after the job moved and stalled anew', () => {
    const stalled = diff(baseline(job), seen(job), T(61), settings);
    expect(diff(stalled.watch, seen(job), T(200), settings).events).toEqual([]);
    const moved = diff(stalled.watch, seen(running(41)), T(201), settings);
    expect(moved.events).toEqual([]);
    expect(diff(moved.watch, seen(running(41)), T(261), settings).events.map((e) => e.type)).toEqual(['stalled']);
  });

  it.each(['needs_review', 'ready_to_start', 'completed', 'failed'])('is never said while the job is %s', (status) => {
    const waiting = makeJob({ status });
    expect(diff(baseline(waiting), seen(waiting), T(600), settings).events).toEqual([]);
  });
});

describe('diff: SeekrFlow unreachable', () => {
  const job = running(40);

  it('says "unknown" once after the threshold, never "failed", and "back" once', () => {
    let watch = baseline(job);
    const said: string[] = [];
    for (const [minute, observation] of [
      [1, down],
      [5, down],
      [11, down],
      [12, down],
      [30, down],
      [31, seen(job)],
      [32, seen(job)],
    ] as const) {
      const result = diff(watch, observation, T(minute), settings);
      said.push(...result.events.map((e) => e.type));
      watch = result.watch;
    }
    expect(said).toEqual(['unreachable', 'reachable_again']);
    expect(watch.snapshot?.status).toBe('running');
  });

  it('does not call a job stalled the moment SeekrFlow is back after a long outage', () => {
    let watch = baseline(job);
    watch = diff(watch, down, T(1), settings).watch;
    watch = diff(watch, down, T(90), settings).watch;
    const back = diff(watch, seen(job), T(91), settings);
    expect(back.events.map((e) => e.type)).toEqual(['reachable_again']);
    expect(diff(back.watch, seen(job), T(151), settings).events.map((e) => e.type)).toEqual(['stalled']);
  });

  it('stays quiet about a short outage', () => {
    const short = diff(diff(baseline(job), down, T(1), settings).watch, down, T(5), settings);
    const back = diff(short.watch, seen(job), T(6), settings);
    expect([...short.events, ...back.events]).toEqual([]);
  });

  it('reports the change that happened during the outage together with "back"', () => {
    let watch = baseline(job);
    watch = diff(watch, down, T(1), settings).watch;
    watch = diff(watch, down, T(12), settings).watch;
    const back = diff(watch, seen(makeJob({ status: 'completed' })), T(13), settings);
    expect(back.events.map((e) => e.type)).toEqual(['reachable_again', 'ended']);
  });

  it('treats a job never seen as a baseline when it first answers', () => {
    const watch = diff(null, down, T(0), settings).watch;
    expect(diff(watch, seen(job), T(1), settings).events).toEqual([]);
  });
});

describe('diff: a job SeekrFlow no longer has', () => {
  const job = makeJob({ status: 'running' });
  const gone = { kind: 'gone' as const };
  const atHour = (hours: number) => T(hours * 60);

  it('says "gone" once (the card too), then nothing, and "gone for good" after 24 hours', () => {
    const first = diff(baseline(job), gone, T(1), settings);
    expect(first.events).toEqual([{ type: 'gone', since: T(1).toISOString() }]);
    expect(first.cardChanged).toBe(true);
    const later = diff(first.watch, gone, atHour(23), settings);
    expect(later.events).toEqual([]);
    expect(later.cardChanged).toBe(false);
    expect(later.watch.gone).toEqual({ since: T(1).toISOString(), checkedAt: atHour(23).toISOString() });
    const end = diff(later.watch, gone, atHour(24.1), settings);
    expect(end.events).toEqual([{ type: 'gone_for_good', since: T(1).toISOString(), hours: 24 }]);
    expect(end.cardChanged).toBe(true);
  });

  it('is never told unreachable, before or after it went', () => {
    const outage = diff(baseline(job), down, T(1), settings).watch;
    const goneNow = diff(outage, gone, T(30), settings);
    expect(goneNow.events.map((e) => e.type)).toEqual(['gone']);
    expect(goneNow.watch.unreachableSince).toBeNull();
    expect(diff(goneNow.watch, down, T(60), settings).events).toEqual([]);
  });

  it('says "back" once when it answers again, with what changed meanwhile', () => {
    const goneWatch = diff(baseline(job), gone, T(1), settings).watch;
    const back = diff(goneWatch, seen(makeJob({ status: 'completed' })), T(20), settings);
    expect(back.events.map((e) => e.type)).toEqual(['back_in_seekrflow', 'ended']);
    expect(back.watch.gone).toBeUndefined();
  });
});

describe('diff: the failures it remembers stay bounded', () => {
  /** A job whose failed files are exactly `ids` (record ids), each file named by its id, all failing the same way. */
  const failing = (ids: readonly string[]) =>
    makeJob({
      status: 'file_processing',
      ingestion_jobs: [makeIngestionJob({ records: ids.map((id) => makeFailedRecord({ record_id: id, alignment_file_id: `f-${id}` })) })],
      files: ids.map((id) => makeFile({ file_id: `f-${id}`, record_id: id, name: id, status: 'failed' })),
    });
  const ids = (prefix: string, n: number, from = 0) => Array.from({ length: n }, (_, i) => `${prefix}${from + i}`);
  const oneAtATime = (list: string[]) => list.map((id) => [id]);
  const inGroupsOf = (size: number, list: string[]) =>
    Array.from({ length: list.length / size }, (_, i) => list.slice(i * size, (i + 1) * size));

  /** Polls the job through `steps` (the failures current at each poll); what was reported, and the most remembered. */
  function follow(steps: string[][]) {
    let watch = baseline(failing([]));
    const reported: string[] = [];
    let reportedCount = 0;
    let mostRemembered = 0;
    steps.forEach((current, i) => {
      const result = diff(watch, seen(failing(current)), T(i + 1), settings);
      for (const e of result.events) {
        if (e.type !== 'files_failed') continue;
        reportedCount += e.count;
        // An event names a few files of each cause (here, by their ids); `count` says how many there were.
        reported.push(...e.groups.flatMap((g) => g.names));
      }
      watch = result.watch;
      mostRemembered = Math.max(mostRemembered, watch.snapshot?.reportedFailures.length ?? 0);
    });
    return { reported, reportedCount, mostRemembered, last: watch.snapshot?.reportedFailures ?? [] };
  }

  it.each<{ name: string; steps: string[][]; reported: number; mostRemembered: number; reportedOnce?: string }>([
    { name: '5,000 distinct failures, one at a time', steps: oneAtATime(ids('a', 5_000)), reported: 5_000, mostRemembered: 1 + 1_000 },
    {
      name: '5,000 distinct failures, 20 failing at a time',
      steps: inGroupsOf(20, ids('b', 5_000)),
      reported: 5_000,
      mostRemembered: 20 + 1_000,
    },
    {
      name: 'one failure failing all along while 5,000 others come and go: reported once',
      steps: ids('c', 5_000).map((id) => ['stuck', id]),
      reported: 5_001,
      mostRemembered: 2 + 1_000,
      reportedOnce: 'stuck',
    },
    {
      name: '3,000 failing at once are all kept, however many',
      steps: [ids('d', 3_000), ids('d', 3_000), [...ids('d', 3_000), 'd-new']],
      reported: 3_001,
      mostRemembered: 3_001,
    },
    {
      name: 'a failure back within the last 1,000 earlier ones is not news; one from longer ago is',
      steps: [...oneAtATime(ids('e', 2_000)), ['e1500'], ['e500']],
      reported: 2_001,
      mostRemembered: 1 + 1_000,
    },
  ])('$name', ({ steps, reported, mostRemembered, reportedOnce }) => {
    const result = follow(steps);
    if (reportedOnce) expect(result.reported.filter((id) => id === reportedOnce)).toHaveLength(1);
    expect(result.reportedCount).toBe(reported);
    expect(result.mostRemembered).toBeLessThanOrEqual(mostRemembered);
    // Whatever is failing at the last poll is remembered, so it will not be reported again.
    for (const id of steps.at(-1) ?? []) expect(result.last).toContain(id);
  });

  it('reports each failure once while it keeps failing, and forgets the oldest earlier ones first', () => {
    const { reported, last } = follow([...oneAtATime(ids('g', 1_500)), ['g1499', 'g0'], ['g1499']]);
    // g0 came back after 1,498 others: reported a second time. g1499 never twice.
    expect(reported.filter((id) => id === 'g0')).toHaveLength(2);
    expect(reported.filter((id) => id === 'g1499')).toHaveLength(1);
    // The most recent earlier ones, oldest first (g0 is now one of them, so g499 made room), then the current one.
    expect(last).toHaveLength(1_001);
    expect(last.slice(-3)).toEqual(['g1498', 'g0', 'g1499']);
    expect(last[0]).toBe('g500');
  });
});
