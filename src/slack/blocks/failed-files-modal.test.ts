import { describe, expect, it } from 'vitest';
import { blocksTextLength, checkView, codePoints } from '../../../test/support/block-kit-rules.js';
import { makeJob, makeJobWithFiles, wordFor } from '../../../test/support/make-job.js';
import { summarizeJob } from '../../domain/job-summary.js';
import type { ModalView } from './block-kit.js';
import {
  FAILED_FILES_ACTIONS,
  FAILED_FILES_CALLBACK_ID,
  parseFailedFilesMetadata,
  renderFailedFilesModal,
  renderFailedFilesModalFromSummary,
} from './failed-files-modal.js';

/**
 * `failed` failed files named failed-<i> (failed-0 failed first), mixed with done ones, each failing
 * its own way ("error a", "error b"…) unless `strings` gives them all the same error or fix.
 */
function jobWithFailures(failed: number, strings: { error?: string; fix?: string; name?: (i: number) => string } = {}) {
  const job = makeJobWithFiles(
    Array.from({ length: failed * 2 }, (_, i) =>
      i % 2
        ? { state: 'done' as const }
        : {
            state: 'failed' as const,
            name: strings.name?.(i / 2) ?? `failed-${i / 2}`,
            error: strings.error ?? `error ${wordFor(i / 2)}`,
            fix: strings.fix ?? `fix ${wordFor(i / 2)}`,
          },
    ),
  );
  let k = 0;
  for (const r of job.ingestion_jobs[0]?.records ?? []) {
    if (r.status === 'failed') r.failed_at = new Date(Date.UTC(2026, 6, 28) + k++ * 1000).toISOString();
  }
  return job;
}

const fileSections = (view: ModalView) =>
  view.blocks.flatMap((b) => (b.type === 'section' && b.block_id.startsWith('file.') && b.text ? [b.text.text] : []));
const pageButtons = (view: ModalView) =>
  view.blocks.flatMap((b) => (b.type === 'actions' ? b.elements.map((e) => [e.action_id, e.value] as const) : []));
const pageLine = (view: ModalView) => view.blocks.flatMap((b) => (b.type === 'context' ? b.elements.map((e) => e.text) : []))[0];

function expectModalWithinLimits(view: ModalView): void {
  expect(checkView(view)).toBeNull();
  expect(view.blocks.length).toBeLessThanOrEqual(100);
  expect(blocksTextLength(view.blocks)).toBeLessThanOrEqual(10_000);
  expect(codePoints(view.title.text)).toBeLessThanOrEqual(24);
  expect(codePoints(view.private_metadata)).toBeLessThanOrEqual(3_000);
}

describe('failed files modal', () => {
  it('is a modal with a title, a close button and its callback id', () => {
    const view = renderFailedFilesModal(jobWithFailures(3), { page: 1 });
    expect(view).toMatchObject({
      type: 'modal',
      callback_id: FAILED_FILES_CALLBACK_ID,
      title: { type: 'plain_text', text: 'Failed files' },
      close: { type: 'plain_text', text: 'Close' },
    });
    expect(parseFailedFilesMetadata(view.private_metadata)).toEqual({ jobId: makeJob().id, page: 1 });
    expectModalWithinLimits(view);
  });

  it('shows each file with its error and fix, most recent first', () => {
    const view = renderFailedFilesModal(jobWithFailures(3), { page: 1 });
    expect(fileSections(view)).toEqual([
      '*failed-2* · failed <!date^1785196802^{date_short_pretty} {time}|2026-07-28 00:00 UTC>\n*Error:* error c\n*Fix:* fix c',
      '*failed-1* · failed <!date^1785196801^{date_short_pretty} {time}|2026-07-28 00:00 UTC>\n*Error:* error b\n*Fix:* fix b',
      '*failed-0* · failed <!date^1785196800^{date_short_pretty} {time}|2026-07-28 00:00 UTC>\n*Error:* error a\n*Fix:* fix a',
    ]);
    expect(pageLine(view)).toBe('Page 1 of 1 · files 1–3');
    expect(pageButtons(view)).toEqual([]);
  });

  it('pages: "Page 2 of 7", Previous and Next carry the page they go to', () => {
    const job = jobWithFailures(65);
    const first = renderFailedFilesModal(job, { page: 1 });
    const second = renderFailedFilesModal(job, { page: 2 });
    const last = renderFailedFilesModal(job, { page: 7 });
    expect(pageLine(second)).toBe('Page 2 of 7 · files 11–20');
    expect(pageButtons(first)).toEqual([[FAILED_FILES_ACTIONS.next, '2']]);
    expect(pageButtons(second)).toEqual([
      [FAILED_FILES_ACTIONS.prev, '1'],
      [FAILED_FILES_ACTIONS.next, '3'],
    ]);
    expect(pageButtons(last)).toEqual([[FAILED_FILES_ACTIONS.prev, '6']]);
    expect(fileSections(last)).toHaveLength(5);
    expect(parseFailedFilesMetadata(second.private_metadata)).toEqual({ jobId: job.id, page: 2 });
  });

  it('clamps pages that do not exist', () => {
    const job = jobWithFailures(25);
    expect(pageLine(renderFailedFilesModal(job, { page: 0 }))).toBe('Page 1 of 3 · files 1–10');
    expect(pageLine(renderFailedFilesModal(job, { page: 99 }))).toBe('Page 3 of 3 · files 21–25');
    expect(pageLine(renderFailedFilesModal(job, { page: Number.NaN }))).toBe('Page 1 of 3 · files 1–10');
    expect(pageLine(renderFailedFilesModal(job, { page: 2, pageSize: 1000 }))).toBe('Page 2 of 2 · files 21–25');
    expect(pageLine(renderFailedFilesModal(job, { page: 4, pageSize: 1 }))).toBe('Page 4 of 25 · file 4');
  });

  it.each([
    [65, 10],
    [65, 1],
  ])('%d failed files each failing its own way, %d a page: the pages cover every file exactly once, in order', (n, pageSize) => {
    const summary = summarizeJob(jobWithFailures(n, { name: (i) => `f${i}` }));
    const seen: string[] = [];
    const pages = Math.ceil(n / pageSize);
    for (let page = 1; page <= pages; page++) {
      const view = renderFailedFilesModalFromSummary(summary, { page, pageSize });
      for (const text of fileSections(view)) seen.push(/^\*(f\d+)\*/.exec(text)?.[1] ?? '?');
      if (page === 1 || page === pages) expectModalWithinLimits(view);
    }
    expect(seen).toEqual(summary.failed.map((f) => f.name));
    expect(new Set(seen).size).toBe(n);
  });

  it('20,000 failed files each failing its own way, 20 a page: 1,000 pages, the last one of the oldest', () => {
    const summary = summarizeJob(jobWithFailures(20_000, { name: (i) => `f${i}` }));
    const first = renderFailedFilesModalFromSummary(summary, { page: 1, pageSize: 20 });
    const last = renderFailedFilesModalFromSummary(summary, { page: 1_000, pageSize: 20 });
    expect(pageLine(first)).toBe('Page 1 of 1,000 · files 1–20');
    expect(pageLine(last)).toBe('Page 1,000 of 1,000 · files 19,981–20,000');
    expect(fileSections(last).map((t) => /^\*(f\d+)\*/.exec(t)?.[1])).toEqual(summary.failed.slice(-20).map((f) => f.name));
    expectModalWithinLimits(first);
    expectModalWithinLimits(last);
  });

  it('pages over causes: each with how many files, 20 of their names, its error and its fix', () => {
    const job = makeJobWithFiles([
      ...Array.from({ length: 30 }, (_, i) => ({
        state: 'failed' as const,
        name: `scan-${i}.pdf`,
        error: `No extractable text layer in scan-${i}.pdf (${i + 1} pages).`,
        fix: `Export scan-${i}.pdf again with OCR.`,
      })),
      { state: 'failed', name: 'minutes.docx', error: 'Password protected', fix: 'Ask the owner.' },
      { state: 'done' },
    ]);
    const view = renderFailedFilesModal(job, { page: 1 });
    expect(view.blocks[0]?.type === 'section' && view.blocks[0].text?.text).toBe(
      '*Claims handbook Q3 refresh*: 31 failed files, 2 causes, the commonest first',
    );
    expect(pageLine(view)).toBe('Page 1 of 1 · causes 1–2');
    const [many, one] = fileSections(view);
    const names = Array.from({ length: 20 }, (_, i) => `scan-${i}.pdf`).join(', ');
    expect(many).toBe(
      `*30 files:* ${names} and 10 more · latest <!date^1785247560^{date_short_pretty} {time}|2026-07-28 14:06 UTC>\n` +
        '*Error:* No extractable text layer in … (… pages).\n*Fix:* Export … again with OCR.',
    );
    expect(one).toBe(
      '*minutes.docx* · failed <!date^1785247560^{date_short_pretty} {time}|2026-07-28 14:06 UTC>\n*Error:* Password protected\n*Fix:* Ask the owner.',
    );
    expectModalWithinLimits(view);
  });

  it.each([1, 10, 20])('stays within the limits with 20 causes of 100 files, 5,000-character names and texts, %d a page', (pageSize) => {
    const long = (seed: string) => `${seed} <!channel> & 😀e\u0301 `.repeat(300);
    const summary = summarizeJob(
      makeJobWithFiles(
        Array.from({ length: 2_000 }, (_, i) => ({
          state: 'failed' as const,
          name: long(`name ${wordFor(i)}`),
          error: long(`error ${wordFor(i % 20)}`),
          fix: long('fix'),
        })),
      ),
    );
    for (const page of [1, 2, 20]) {
      const view = renderFailedFilesModalFromSummary(summary, { page, pageSize });
      expectModalWithinLimits(view);
      for (const text of fileSections(view)) expect(text).toMatch(/^\*100 files:\* name .* and \d+ more · latest .*\n\*Error:\* error /);
    }
  });

  it.each([1, 3, 10, 20])('stays within the limits with 5,000-character strings, %d files a page', (pageSize) => {
    const long = '<!channel> & 😀e\u0301 '.repeat(400);
    const summary = summarizeJob(jobWithFailures(20_000, { name: () => long, error: long, fix: long }));
    for (const page of [1, 2, 500, 20_000]) {
      const view = renderFailedFilesModalFromSummary(summary, { page, pageSize });
      expectModalWithinLimits(view);
      for (const text of fileSections(view)) {
        expect(text).not.toContain('<!channel>');
        expect(text).toContain('&lt;!channel&gt;');
      }
    }
  });

  it('explains when there are no failed files', () => {
    const view = renderFailedFilesModal(makeJobWithFiles([{ state: 'done' }]), { page: 3 });
    expect(view.blocks).toHaveLength(1);
    expect(JSON.stringify(view.blocks)).toContain('has no failed files right now');
    expect(view).toEqual(renderFailedFilesModal(makeJobWithFiles([{ state: 'done' }]), { page: 1 }));
    expectModalWithinLimits(view);
  });

  it('keeps private_metadata small even for an absurd job id', () => {
    const view = renderFailedFilesModal({ ...jobWithFailures(2), id: '"'.repeat(3000) }, { page: 1 });
    expectModalWithinLimits(view);
    expect(parseFailedFilesMetadata(view.private_metadata)).toEqual({ jobId: '', page: 1 });
  });

  it.each(['', 'not json', '[]', '{"jobId":1,"page":1}', '{"jobId":"x","page":0}', '{"jobId":"x"}'])(
    'rejects metadata that is not ours: %j',
    (raw) => {
      expect(parseFailedFilesMetadata(raw)).toBeNull();
    },
  );
});
