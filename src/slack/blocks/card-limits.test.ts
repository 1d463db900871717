import { describe, expect, it } from 'vitest';
import { blocksTextLength, checkMessage, codePoints } from '../../../test/support/block-kit-rules.js';
import {
  makeAlignment,
  makeBusyJob,
  makeEvent,
  makeFile,
  makeJob,
  makeJobWithFiles,
  makeRecord,
  wordFor,
} from '../../../test/support/make-job.js';
import type { DataJob, IngestionJob } from '../../domain/data-job.js';
import type { MessagePayload } from './block-kit.js';
import { type CardOptions, renderCard } from './card.js';
import { BLOCKS_TEXT_BUDGET } from './limits.js';

/*
 * The card keeps every Slack limit for any job, by construction: jobs of every size, 5,000-character
 * strings everywhere, markup, emoji and combining characters, nulls, in every mode. Each payload must
 * pass the project's Block Kit rules and the card's own, tighter budgets.
 */

/** ~5,000 code points of everything that could hurt: markup, entities, emoji, combining marks, newlines. */
function hostile(seed: string, length = 5_000): string {
  const unit = `${seed} <!channel> <@U1> <https://evil|x> &amp; & *b* _i_ \`c\` 😀👍🏽👨‍👩‍👧 e\u0301\u0301 🇫🇷\n`;
  return unit.repeat(Math.ceil(length / codePoints(unit))).slice(0, length * 2);
}

const fetchedAt = new Date('2026-07-28T15:45:00Z');
const VARIANTS: [string, CardOptions][] = [
  ['ephemeral', { fetchedAt, mode: 'ephemeral', jobUrl: 'https://apps.seekr.com/data-jobs/x' }],
  ['shared', { fetchedAt, mode: 'shared', sharedBy: 'U0123ABCD', refreshedBy: hostile('refresher') }],
  [
    'living',
    { fetchedAt, mode: 'living', subscription: { filter: hostile('filter'), subscribedBy: hostile('subscriber') }, refreshedBy: 'U1' },
  ],
  ['living, ended', { fetchedAt, mode: 'living', ended: true, jobUrl: `https://x.example/${'a'.repeat(2900)}` }],
  ['living, unreachable', { fetchedAt, mode: 'living', stale: { reason: 'unreachable', since: fetchedAt } }],
  ['living, unsubscribed', { fetchedAt, mode: 'living', stale: { reason: 'unsubscribed', since: new Date(Number.NaN) } }],
];

/** The card's own budgets, tighter than Slack's where Slack's are vague. */
function expectWithinLimits(payload: MessagePayload): void {
  expect(checkMessage(payload)).toBeNull();
  expect(payload.blocks.length).toBeLessThanOrEqual(50);
  expect(blocksTextLength(payload.blocks)).toBeLessThanOrEqual(BLOCKS_TEXT_BUDGET);
  expect(codePoints(payload.text)).toBeGreaterThan(0);
  expect(codePoints(payload.text)).toBeLessThan(4_000);
  for (const b of payload.blocks) {
    expect(b.block_id.length).toBeLessThanOrEqual(255);
    if (b.type === 'header') expect(codePoints(b.text.text)).toBeLessThanOrEqual(150);
    if (b.type === 'section') {
      if (b.text) expect(codePoints(b.text.text)).toBeLessThanOrEqual(3_000);
      expect(b.fields?.length ?? 0).toBeLessThanOrEqual(10);
      for (const f of b.fields ?? []) expect(codePoints(f.text)).toBeLessThanOrEqual(2_000);
    }
    if (b.type === 'context') expect(b.elements.length).toBeLessThanOrEqual(10);
    if (b.type === 'actions') for (const e of b.elements) expect(codePoints(e.text.text)).toBeLessThanOrEqual(75);
  }
}

const purposes = (payload: MessagePayload) => payload.blocks.map((b) => b.block_id.split('.')[0]);

/**
 * n files, every third one failed, and every free string of the job 5,000 characters of trouble. The
 * failed files all fail the same way, unless `errorOf` gives the error of the i-th failed file.
 */
function hostileJob(n: number, overrides: Partial<DataJob> = {}, errorOf?: (i: number) => string): DataJob {
  const s = hostile('x');
  const job = makeJobWithFiles(
    Array.from({ length: n }, (_, i) =>
      i % 3 === 0 ? { state: 'failed' as const, name: s, error: errorOf?.(i / 3) ?? s, fix: s } : { state: 'done' as const, name: s },
    ),
    {
      name: hostile('name'),
      status: hostile('status'),
      job_type: hostile('type'),
      created_at: hostile('created'),
      updated_at: '2026-07-28T14:00:00.123456+00:00',
      alignment_job: makeAlignment({
        status: hostile('aligning'),
        current_step: hostile('step'),
        step_progress: hostile('184/520'),
        progress: 1e308,
        eta_minutes: 1e12,
        estimated_completion_at: hostile('eta'),
        status_message: hostile('message'),
      }),
      timeline: Array.from({ length: 500 }, (_, i) =>
        makeEvent({
          timestamp: i % 2 ? hostile('when') : new Date(Date.UTC(2026, 6, 28) + i * 1000).toISOString(),
          event_type: hostile('type'),
          message: i % 5 ? hostile('event') : '',
          metadata: Object.fromEntries(Array.from({ length: 30 }, (_, k) => [hostile(`key${k}`), k % 2 ? hostile('value') : k])),
        }),
      ),
      fine_tuning_job_ids: Array.from({ length: 1000 }, (_, i) => hostile(`ft${i}`)),
      ...overrides,
    },
  );
  // Many ingestion runs with distinct, long statuses: the summary line must stay short.
  const extraRuns: IngestionJob[] = Array.from({ length: 50 }, (_, i) => ({
    id: `run-${i}`,
    status: hostile(`run-status-${i}`),
    created_at: hostile('c'),
    updated_at: hostile('u'),
    file_ids: [],
    records: [],
  }));
  return { ...job, ingestion_jobs: [...job.ingestion_jobs, ...extraRuns] };
}

/** Everything that may be null is null; required strings are empty. */
function nullJob(): DataJob {
  const record = makeRecord({
    filename: '',
    status: '',
    metaflow_job_id: null,
    method: null,
    queue_position: null,
    error_message: null,
    suggested_fix: null,
    worker_id: null,
    processing_at: null,
    completed_at: null,
    failed_at: null,
  });
  return makeJob({
    name: '',
    job_type: '',
    status: '',
    id: '',
    created_at: '',
    updated_at: '',
    system_prompt: null,
    ingestion_jobs: [{ id: '', status: '', created_at: '', updated_at: '', file_ids: [], records: [record] }],
    alignment_job: {
      id: '',
      created_at: '',
      updated_at: null,
      completed_at: null,
      status: '',
      current_step: null,
      step_progress: null,
      progress: null,
      estimated_completion_at: null,
      eta_minutes: null,
      status_message: null,
    },
    files: [
      makeFile({ record_id: null, name: null, type: null, created_at: null, status: null, suggested_fix: null, bytes: null }),
      makeFile({ record_id: record.record_id, name: null, status: null, bytes: null }),
    ],
    timeline: [makeEvent({ timestamp: '', event_type: '', message: '', metadata: {} })],
  });
}

describe('card limits', () => {
  describe.each([0, 1, 50, 2_000, 20_000])('a busy job with %d files', (n) => {
    const job = makeBusyJob(n, { failedEvery: 10, events: 500 });
    it.each(VARIANTS)('%s', (_, options) => {
      const payload = renderCard(job, options);
      expectWithinLimits(payload);
      // Every tenth file fails, all the same way: one cause, its count and its first names.
      const failed = Math.ceil(n / 10);
      if (failed > 1) expect(JSON.stringify(payload)).toContain(`*${failed.toLocaleString('en-US')} files:* Quarterly claims handbook`);
    });
  });

  describe.each([0, 1, 50, 2_000, 20_000])('a hostile job with %d files', (n) => {
    const job = hostileJob(n);
    it.each(VARIANTS)('%s', (_, options) => {
      const payload = renderCard(job, options);
      expectWithinLimits(payload);
      // Fits by its caps, not by the backstop dropping sections: everything is still there.
      for (const purpose of ['header', 'status', 'files', 'alignment', 'timeline', 'fine-tuning', 'context']) {
        expect(purposes(payload)).toContain(purpose);
      }
      // Every failed file fails the same (hostile) way: one cause.
      expect(purposes(payload).filter((p) => p === 'failed-file')).toHaveLength(Math.min(1, n));
    });
  });

  describe.each([5, 50, 20_000])('a hostile job whose %d failed files each fail their own way', (n) => {
    const job = hostileJob(n * 3, {}, (i) => `${hostile(`cause ${wordFor(i)}`)}`);
    it.each(VARIANTS)('%s', (_, options) => {
      const payload = renderCard(job, options);
      expectWithinLimits(payload);
      for (const purpose of ['header', 'status', 'files', 'alignment', 'timeline', 'fine-tuning', 'context']) {
        expect(purposes(payload)).toContain(purpose);
      }
      expect(purposes(payload).filter((p) => p === 'failed-file')).toHaveLength(5);
    });
  });

  it('keeps the worst case of five causes of many files each, with long names, well under the budget', () => {
    // 5 causes × 40 files, every name and text 5,000 characters of trouble.
    const job = hostileJob(600, {}, (i) => hostile(`cause ${wordFor(i % 5)}`));
    const payload = renderCard(job, VARIANTS[2]?.[1] ?? { fetchedAt, mode: 'living' });
    expectWithinLimits(payload);
    const groups = payload.blocks.filter((b) => b.block_id.startsWith('failed-file.'));
    expect(groups).toHaveLength(5);
    for (const g of groups) expect(g.type === 'section' && g.text?.text).toMatch(/^\*40 files:\* /);
    expect(blocksTextLength(payload.blocks)).toBeLessThan(8_500);
  });

  it('keeps the worst case well under the budget', () => {
    const payload = renderCard(hostileJob(20_000), VARIANTS[2]?.[1] ?? { fetchedAt, mode: 'living' });
    expect(blocksTextLength(payload.blocks)).toBeLessThan(8_500);
  });

  it.each(['needs_review', 'completed', 'failed'])('a hostile job with 2,000 files, status %s', (status) => {
    for (const [, options] of VARIANTS) expectWithinLimits(renderCard(hostileJob(2_000, { status }), options));
  });

  it('survives a 5,000-character job id (buttons that need it are left out)', () => {
    const payload = renderCard(hostileJob(50, { id: hostile('id') }), { fetchedAt, mode: 'ephemeral', jobUrl: 'https://x.example/j' });
    expectWithinLimits(payload);
  });

  it.each(VARIANTS)('nulls everywhere: %s', (_, options) => {
    const payload = renderCard(nullJob(), options);
    expectWithinLimits(payload);
    expect(payload.blocks[0]?.type === 'header' && payload.blocks[0].text.text).toBe('Data job');
  });

  it('a job of markdown files only (no records, no status)', () => {
    const files = Array.from({ length: 30 }, (_, i) => makeFile({ name: `notes-${i}.md`, type: 'md', status: null, record_id: null }));
    const payload = renderCard(makeJob({ files, status: 'ready_to_start' }), VARIANTS[0]?.[1] ?? { fetchedAt, mode: 'ephemeral' });
    expectWithinLimits(payload);
    expect(JSON.stringify(payload)).toContain(':white_check_mark: 30 done');
  });
});
