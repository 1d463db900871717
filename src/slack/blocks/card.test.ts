import { describe, expect, it } from 'vitest';
import { checkMessage } from '../../../test/support/block-kit-rules.js';
import {
  makeAlignment,
  makeEvent,
  makeFile,
  makeJob,
  makeJobWithFiles,
  makeJobWithManyFiles,
  wordFor,
} from '../../../test/support/make-job.js';
import { KNOWN_STATUSES } from '../../domain/data-job.js';
import { type JobCard, toJobCard } from '../../domain/job-card.js';
import { summarizeJob } from '../../domain/job-summary.js';
import type { Block, Button, MessagePayload } from './block-kit.js';
import { ACTIONS, type CardOptions, renderCard, renderJobCard } from './card.js';

const fetchedAt = new Date('2026-07-28T15:45:00Z');
const base: CardOptions = { fetchedAt, mode: 'ephemeral' };

/** The block whose id starts with `purpose.` (ids are purpose.counter.suffix). */
function blocksOf(payload: MessagePayload, purpose: string): Block[] {
  return payload.blocks.filter((b) => b.block_id.startsWith(`${purpose}.`));
}
function textOf(payload: MessagePayload, purpose: string): string {
  const block = blocksOf(payload, purpose)[0];
  if (!block) throw new Error(`no ${purpose} block`);
  if (block.type === 'section' || block.type === 'header') return block.text?.text ?? '';
  if (block.type === 'context') return block.elements.map((e) => e.text).join(' | ');
  throw new Error(`${purpose} has no text`);
}
function allButtons(payload: MessagePayload): Button[] {
  return payload.blocks.flatMap((b) => (b.type === 'actions' ? b.elements : b.type === 'section' && b.accessory ? [b.accessory] : []));
}
function cardButtonIds(payload: MessagePayload): string[] {
  return payload.blocks.flatMap((b) => (b.type === 'actions' ? b.elements.map((e) => e.action_id) : []));
}
/** Every mrkdwn string a reader sees. */
function mrkdwnTexts(payload: MessagePayload): string[] {
  return payload.blocks.flatMap((b) => {
    if (b.type === 'section') return [b.text?.text ?? '', ...(b.fields ?? []).map((f) => f.text)];
    if (b.type === 'context') return b.elements.map((e) => e.text);
    return [];
  });
}
/** What is left of the markup once our own date tokens, user mentions and quote markers are taken out. */
const markupLeft = (s: string) =>
  s
    .replace(/<!date\^\d+\^\{date_short_pretty\} \{time\}\|[^<>]*>/g, '')
    .replace(/<@[UW][A-Z0-9]+>/g, '')
    .replace(/^> /gm, '');

describe('status', () => {
  const expected: Record<string, string> = {
    file_processing: ':gear: *Processing files*',
    needs_review: ':warning: *Needs review*',
    ready_to_start: ':inbox_tray: *Ready to start*',
    pending: ':hourglass: *Pending*',
    queued: ':clock3: *Queued*',
    running: ':arrows_counterclockwise: *Running*',
    completed: ':white_check_mark: *Completed*',
    failed: ':x: *Failed*',
    cancelled: ':no_entry_sign: *Cancelled*',
    stopped: ':octagonal_sign: *Stopped*',
    weird_new_status: ':white_circle: *weird_new_status*',
    '': ':white_circle: *no status*',
    '<!channel>': ':white_circle: *&lt;!channel&gt;*',
  };

  it('has a row for every known status', () => {
    expect(Object.keys(expected)).toEqual(expect.arrayContaining([...KNOWN_STATUSES]));
  });

  it.each(Object.entries(expected))('%j reads %j', (status, shown) => {
    const payload = renderCard(makeJob({ status }), base);
    expect(textOf(payload, 'status').split('\n')[0]).toBe(shown);
    const words = shown.replace(/^:[a-z_0-9]+: \*/, '').replace(/\*$/, '');
    expect(payload.text).toContain(words);
    expect(checkMessage(payload)).toBeNull();
  });

  it('shows type, id and times as date tokens', () => {
    const payload = renderCard(makeJob({ created_at: '2026-07-28T14:00:00.000000Z', updated_at: '2026-07-28T15:00:00+00:00' }), base);
    const status = blocksOf(payload, 'status')[0];
    expect(status?.type === 'section' && status.fields?.map((f) => f.text)).toEqual([
      '*Type*\nprinciple_files',
      '*Job ID*\n`dj-0b6f1f5e-3a43-4c1e-9d59-2f1d8c7a1a01`',
      '*Created*\n<!date^1785247200^{date_short_pretty} {time}|2026-07-28 14:00 UTC>',
      '*Updated*\n<!date^1785250800^{date_short_pretty} {time}|2026-07-28 15:00 UTC>',
    ]);
  });

  it('says unknown, never failed, when SeekrFlow is unreachable', () => {
    const since = new Date('2026-07-28T15:00:00Z');
    const payload = renderCard(makeJob({ status: 'running' }), { ...base, stale: { reason: 'unreachable', since } });
    const status = textOf(payload, 'status');
    expect(status).toMatch(/^:grey_question: \*Unknown\*: SeekrFlow could not be reached since <!date\^/);
    expect(status).toContain('Last known status: Running');
    expect(payload.text).toBe('Claims handbook Q3 refresh: status unknown (SeekrFlow unreachable)');
    expect(mrkdwnTexts(payload).join('\n')).not.toMatch(/:x:|\bFailed\b/);
  });

  it('gives needs_review its reason', () => {
    const job = makeJobWithFiles([{ state: 'failed' }, { state: 'failed' }, { state: 'done' }], { status: 'needs_review' });
    expect(textOf(renderCard(job, base), 'status')).toBe(':warning: *Needs review*\n*Why:* 2 files failed to process');
    const noPrompt = makeJobWithFiles([{ state: 'done' }], { status: 'needs_review', system_prompt: null });
    expect(textOf(renderCard(noPrompt, base), 'status')).toBe(':warning: *Needs review*\n*Why:* the job has no system prompt');
    const unknown = makeJobWithFiles([{ state: 'done' }], { status: 'needs_review' });
    expect(textOf(renderCard(unknown, base), 'status')).toContain('*Why:* someone needs to act in SeekrFlow');
    expect(textOf(renderCard(makeJob({ status: 'running' }), base), 'status')).not.toContain('Why');
  });
});

describe('escaping', () => {
  const hostile = '<!channel> <@U123> <https://evil.example|click me> & *bold*';
  const job = makeJobWithFiles([{ state: 'failed', name: hostile, error: hostile, fix: hostile }], {
    name: hostile,
    status: hostile,
    job_type: hostile,
    id: `dj-${hostile}`,
    alignment_job: makeAlignment({ current_step: hostile, status_message: hostile, step_progress: hostile, status: hostile }),
    timeline: [makeEvent({ message: hostile, event_type: hostile, metadata: { [hostile]: hostile } })],
    fine_tuning_job_ids: [hostile],
    ingestion_jobs: [],
  });
  const payload = renderCard(job, {
    ...base,
    refreshedBy: hostile,
    sharedBy: '<!here>',
    subscription: { filter: hostile, subscribedBy: hostile },
  });

  it('makes API text inert everywhere it reaches mrkdwn', () => {
    for (const text of [...mrkdwnTexts(payload), payload.text]) {
      expect(markupLeft(text)).not.toMatch(/[<>]/);
      expect(text).not.toMatch(/&(?!amp;|lt;|gt;)/);
    }
    const all = mrkdwnTexts(payload).join('\n');
    expect(all).toContain('&lt;!channel&gt;');
    expect(all).toContain('&lt;https://evil.example|click me&gt;');
    expect(all).toContain('&lt;!here&gt;');
  });

  it('keeps the header as plain text', () => {
    const header = payload.blocks[0];
    expect(header?.type === 'header' && header.text).toEqual({ type: 'plain_text', text: hostile, emoji: true });
  });

  it('mentions a real user id and only that', () => {
    const ok = renderCard(makeJob(), { ...base, refreshedBy: 'U0123ABCD', sharedBy: 'W99' });
    expect(textOf(ok, 'context')).toContain('Refreshed by <@U0123ABCD>');
    expect(textOf(ok, 'context')).toContain('Shared by <@W99>');
    const bad = renderCard(makeJob(), { ...base, refreshedBy: 'U123> <!channel' });
    expect(textOf(bad, 'context')).toContain('Refreshed by U123&gt; &lt;!channel');
  });

  it('turns off Slack auto-parsing of bare @channel and URLs', () => {
    for (const b of payload.blocks) if (b.type === 'section' && b.text) expect(b.text.verbatim).toBe(true);
  });
});

describe('buttons', () => {
  const job = makeJob();
  const url = 'https://apps.seekr.com/data-jobs/dj-1';
  it.each<[string, Partial<CardOptions>, string[]]>([
    ['ephemeral', { mode: 'ephemeral' }, [ACTIONS.refresh, ACTIONS.subscribe, ACTIONS.share, ACTIONS.viewInSeekrflow]],
    ['shared', { mode: 'shared' }, [ACTIONS.refresh, ACTIONS.viewInSeekrflow]],
    ['living', { mode: 'living' }, [ACTIONS.refresh, ACTIONS.unsubscribe, ACTIONS.viewInSeekrflow]],
    ['living, ended', { mode: 'living', ended: true }, [ACTIONS.viewInSeekrflow]],
    ['living, unsubscribed', { mode: 'living', stale: { reason: 'unsubscribed' } }, [ACTIONS.refresh, ACTIONS.viewInSeekrflow]],
    ['living, paused', { mode: 'living', stale: { reason: 'paused' } }, [ACTIONS.refresh, ACTIONS.unsubscribe, ACTIONS.viewInSeekrflow]],
  ])('%s', (_, options, ids) => {
    const payload = renderCard(job, { ...base, ...options, jobUrl: url });
    expect(cardButtonIds(payload)).toEqual(ids);
    for (const b of allButtons(payload)) {
      if (b.action_id === ACTIONS.viewInSeekrflow) expect(b.url).toBe(url);
      else expect(b.value).toBe(job.id);
    }
    expect(checkMessage(payload)).toBeNull();
  });

  it('has no View in SeekrFlow without a usable URL', () => {
    expect(cardButtonIds(renderCard(job, base))).toEqual([ACTIONS.refresh, ACTIONS.subscribe, ACTIONS.share]);
    expect(cardButtonIds(renderCard(job, { ...base, jobUrl: 'javascript:alert(1)' }))).not.toContain(ACTIONS.viewInSeekrflow);
    expect(cardButtonIds(renderCard(job, { ...base, jobUrl: `https://x/${'a'.repeat(3000)}` }))).not.toContain(ACTIONS.viewInSeekrflow);
  });

  it('asks before unsubscribing', () => {
    const unsubscribe = allButtons(renderCard(job, { ...base, mode: 'living' })).find((b) => b.action_id === ACTIONS.unsubscribe);
    expect(unsubscribe?.style).toBe('danger');
    expect(unsubscribe?.confirm?.title.text).toBe('Unsubscribe this channel?');
  });

  it('notes a living card, a final one and a stale one', () => {
    expect(textOf(renderCard(job, { ...base, mode: 'living' }), 'context')).toContain('Live: updated automatically');
    expect(textOf(renderCard(job, { ...base, mode: 'living', ended: true }), 'context')).toContain('Final state, no longer updated');
    expect(textOf(renderCard(job, { ...base, mode: 'living', stale: { reason: 'unsubscribed' } }), 'context')).toContain(
      'No longer updated',
    );
    expect(textOf(renderCard(job, { ...base, mode: 'shared' }), 'context')).not.toContain('Live');
  });

  it('leaves out buttons whose value could not carry the id', () => {
    const payload = renderCard(makeJob({ id: 'x'.repeat(2001) }), { ...base, jobUrl: url });
    expect(cardButtonIds(payload)).toEqual([ACTIONS.viewInSeekrflow]);
    expect(checkMessage(payload)).toBeNull();
  });
});

describe('failed files', () => {
  /**
   * 3 done, then `n` failed named failed-0…, failed-0 failing first and failed-(n-1) last, each for its
   * own reason ("error a", "error b"…: words, not numbers, so that no two are one cause).
   */
  function jobWithFailures(n: number) {
    const job = makeJobWithFiles([
      { state: 'done' },
      { state: 'done' },
      { state: 'done' },
      ...Array.from({ length: n }, (_, i) => ({
        state: 'failed' as const,
        name: `failed-${i}`,
        error: `error ${wordFor(i)}`,
        fix: `fix ${wordFor(i)}`,
      })),
    ]);
    let i = 0;
    for (const r of job.ingestion_jobs[0]?.records ?? []) {
      if (r.status === 'failed') r.failed_at = new Date(Date.UTC(2026, 6, 28, 14, 0, i++)).toISOString();
    }
    return job;
  }

  it('come first, most recent first, with error and fix', () => {
    const payload = renderCard(jobWithFailures(3), base);
    const purposes = payload.blocks.map((b) => b.block_id.split('.')[0]);
    expect(purposes.indexOf('failed')).toBeLessThan(purposes.indexOf('files'));
    expect(purposes.indexOf('failed')).toBe(2); // right after header and status
    expect(textOf(payload, 'failed')).toBe(':x: *3 failed files*, most recent first');
    expect(blocksOf(payload, 'failed-file').map((b) => (b.type === 'section' ? b.text?.text : ''))).toEqual([
      '*failed-2*\n*Error:* error c\n*Fix:* fix c',
      '*failed-1*\n*Error:* error b\n*Fix:* fix b',
      '*failed-0*\n*Error:* error a\n*Fix:* fix a',
    ]);
    expect(blocksOf(payload, 'failed-more')).toEqual([]);
  });

  it.each([
    [5, null],
    [6, '+1 more failed file'],
    [8, '+3 more failed files'],
    [2_000, '+1,995 more failed files'],
  ])('%d failed: "+N more" says %j', (n, more) => {
    const payload = renderCard(jobWithFailures(n), base);
    expect(blocksOf(payload, 'failed-file')).toHaveLength(5);
    const moreBlock = blocksOf(payload, 'failed-more')[0];
    if (more === null) {
      expect(moreBlock).toBeUndefined();
      expect(allButtons(payload).map((b) => b.action_id)).not.toContain(ACTIONS.openFailedFiles);
    } else {
      expect(moreBlock?.type === 'section' && moreBlock.text?.text).toBe(more);
      expect(moreBlock?.type === 'section' && moreBlock.accessory).toMatchObject({
        text: { text: 'Show all failed files' },
        action_id: ACTIONS.openFailedFiles,
        value: makeJob().id,
      });
    }
    expect(checkMessage(payload)).toBeNull();
  });

  it('says when an error or fix is missing', () => {
    const job = makeJobWithFiles([{ state: 'failed', name: 'scan.pdf', error: '', fix: '  ' }]);
    expect(textOf(renderCard(job, base), 'failed-file')).toBe('*scan.pdf*\n*Error:* _no error message_\n*Fix:* _no suggested fix_');
  });
});

describe('failed files by cause', () => {
  /** `similar` files failing the same way (each named in its error and fix, with its page count), then `others`. */
  function jobWithCauses(similar: number, others: { name: string; error: string; fix: string | null }[] = []) {
    const job = makeJobWithFiles([
      ...Array.from({ length: similar }, (_, i) => ({
        state: 'failed' as const,
        name: `scan-${i + 1}.pdf`,
        error: `No extractable text layer in scan-${i + 1}.pdf (${i + 2} pages).`,
        fix: `Export scan-${i + 1}.pdf again with OCR.`,
      })),
      ...others.map((o) => ({ state: 'failed' as const, ...o, fix: o.fix ?? '' })),
      { state: 'done' },
    ]);
    // The similar ones failed first, in order: scan-1 longest ago.
    let i = 0;
    for (const r of job.ingestion_jobs[0]?.records ?? []) {
      if (r.status === 'failed') r.failed_at = new Date(Date.UTC(2026, 6, 28, 14, 0, i++)).toISOString();
    }
    return job;
  }
  const sections = (payload: MessagePayload) => blocksOf(payload, 'failed-file').map((b) => (b.type === 'section' ? b.text?.text : ''));

  it('nine files failing the same way are one section: how many, the first names, the error and the fix', () => {
    const payload = renderCard(
      jobWithCauses(9, [
        { name: 'minutes.docx', error: 'Password protected', fix: 'Ask the owner for an unprotected copy.' },
        { name: 'empty.txt', error: 'The file is empty', fix: null },
      ]),
      base,
    );
    expect(textOf(payload, 'failed')).toBe(':x: *11 failed files*, 3 causes, the commonest first');
    expect(sections(payload)).toEqual([
      '*9 files:* scan-9.pdf, scan-8.pdf, scan-7.pdf and 6 more\n*Error:* No extractable text layer in … (… pages).\n*Fix:* Export … again with OCR.',
      '*empty.txt*\n*Error:* The file is empty\n*Fix:* _no suggested fix_',
      '*minutes.docx*\n*Error:* Password protected\n*Fix:* Ask the owner for an unprotected copy.',
    ]);
    // Every cause is on the card; the names it leaves out are in the modal.
    expect(textOf(payload, 'failed-more')).toBe('More of their names in the list');
    expect(allButtons(payload).map((b) => b.action_id)).toContain(ACTIONS.openFailedFiles);
    expect(checkMessage(payload)).toBeNull();
  });

  it('a cause of two or three files names them all, and needs no button for it', () => {
    const payload = renderCard(jobWithCauses(3), base);
    expect(textOf(payload, 'failed')).toBe(':x: *3 failed files*, 1 cause, the commonest first');
    expect(sections(payload)).toEqual([
      '*3 files:* scan-3.pdf, scan-2.pdf, scan-1.pdf\n*Error:* No extractable text layer in … (… pages).\n*Fix:* Export … again with OCR.',
    ]);
    expect(blocksOf(payload, 'failed-more')).toEqual([]);
  });

  it('shows the 5 commonest causes and counts the files and causes it leaves out', () => {
    const others = Array.from({ length: 7 }, (_, i) => ({ name: `other-${i}.pdf`, error: `Reason ${wordFor(i)}`, fix: null }));
    const payload = renderCard(jobWithCauses(4, others), base);
    expect(blocksOf(payload, 'failed-file')).toHaveLength(5);
    expect(sections(payload)[0]).toMatch(/^\*4 files:\*/);
    expect(textOf(payload, 'failed-more')).toBe('+3 more failed files');
    const many = renderCard(jobWithCauses(4, [...others, ...others.map((o) => ({ ...o, name: `again-${o.name}` }))]), base);
    expect(textOf(many, 'failed')).toBe(':x: *18 failed files*, 8 causes, the commonest first');
    // 4 + 2 + 2 + 2 + 2 shown: 6 files of 3 causes left.
    expect(textOf(many, 'failed-more')).toBe('+6 more failed files (3 more causes)');
  });

  it('reads a card an earlier build stored, with its latest failed files one by one', () => {
    const card = toJobCard(summarizeJob(jobWithCauses(2)));
    const stored = {
      ...card,
      failures: {
        total: 7,
        latest: [
          { fileId: 'file-1', name: 'a.pdf', error: 'No text', fix: 'Run OCR' },
          { fileId: 'file-2', name: '', error: null, fix: null },
        ],
      },
    } as unknown as JobCard;
    const payload = renderJobCard(stored, base);
    expect(textOf(payload, 'failed')).toBe(':x: *7 failed files*, most recent first');
    expect(sections(payload)).toEqual([
      '*a.pdf*\n*Error:* No text\n*Fix:* Run OCR',
      '*file-2*\n*Error:* _no error message_\n*Fix:* _no suggested fix_',
    ]);
    expect(textOf(payload, 'failed-more')).toBe('+5 more failed files');
    expect(checkMessage(payload)).toBeNull();
  });

  it('keeps the names of a cause to what fits, however long they are', () => {
    const long = makeJobWithFiles(
      Array.from({ length: 4 }, (_, i) => ({
        state: 'failed' as const,
        name: `${'long-name-'.repeat(30)}${i}.pdf`,
        error: 'Broken',
        fix: 'Redo',
      })),
    );
    const [text] = sections(renderCard(long, base));
    expect(text?.split('\n')[0]).toMatch(/^\*4 files:\* long-name-.*… and 3 more$/);
  });
});

describe('files, runs, alignment, timeline', () => {
  it('counts files by state with the total size', () => {
    const job = makeJobWithFiles([
      { state: 'done', bytes: 2_000_000 },
      { state: 'done', bytes: 500_000 },
      { state: 'failed' },
      { state: 'processing' },
      { state: 'queued' },
    ]);
    expect(textOf(renderCard(job, base), 'files')).toBe(
      '*Files:* 5 · 2.5 MB\n' +
        ':white_check_mark: 2 done   :x: 1 failed   :gear: 1 processing   :clock3: 1 queued\n' +
        '*Ingestion run:* running (5 files)',
    );
  });

  it('counts markdown files, which have no record, as done', () => {
    const job = makeJob({ files: [makeFile({ name: 'FAQ.md', type: 'md', status: null, record_id: null })] });
    expect(textOf(renderCard(job, base), 'files')).toContain(':white_check_mark: 1 done');
  });

  it('summarises many ingestion runs by state', () => {
    const runs = ['completed', 'completed', 'failed', 'running', 'completed'].map((status, i) => ({
      id: `ing-${i}`,
      status,
      created_at: '2026-07-28T14:00:00Z',
      updated_at: '2026-07-28T14:00:00Z',
      file_ids: [],
      records: [],
    }));
    expect(textOf(renderCard(makeJob({ ingestion_jobs: runs }), base), 'files')).toContain(
      '*Ingestion runs:* 5: 3 completed, 1 failed, 1 running',
    );
  });

  it.each([
    [0.425, '184/520', '*Step:* generating_qa_pairs · 184/520 (35%)\n▓▓▓▓░░░░░░ 43%'],
    [42.5, '184/520', '*Step:* generating_qa_pairs · 184/520 (35%)\n▓▓▓▓░░░░░░ 43%'],
    [42.5, 12, '*Step:* generating_qa_pairs · 12\n▓▓▓▓░░░░░░ 43%'],
  ])('progress %d, step progress %j', (progress, stepProgress, shown) => {
    const job = makeJob({ status: 'running', alignment_job: makeAlignment({ progress, step_progress: stepProgress }) });
    const text = textOf(renderCard(job, base), 'alignment');
    expect(text).toContain(shown);
    expect(text).toContain('*ETA:* about 53 min (<!date^');
    expect(text).toContain('> Generating question-answer pairs');
  });

  it('leaves out the ETA once the job ended', () => {
    const job = makeJob({ status: 'completed', alignment_job: makeAlignment({ status: 'completed', progress: 100 }) });
    const text = textOf(renderCard(job, base), 'alignment');
    expect(text).not.toContain('ETA');
    expect(text).toContain('▓▓▓▓▓▓▓▓▓▓ 100%');
  });

  it('shows the latest events, newest first', () => {
    const at = (m: number) => new Date(Date.UTC(2026, 6, 28, 14, m)).toISOString();
    const timeline = [3, 1, 7, 5, 2, 6, 4, 0].map((m) => makeEvent({ timestamp: at(m), message: `event ${m}` }));
    const text = textOf(renderCard(makeJob({ timeline }), base), 'timeline');
    expect(text.split('\n')[0]).toBe('*Latest events* (5 of 8)');
    expect([...text.matchAll(/event (\d)/g)].map((m) => m[1])).toEqual(['7', '6', '5', '4', '3']);
  });

  it('orders events across timestamp formats and keeps API order on ties', () => {
    const events = [
      makeEvent({ timestamp: '2026-07-28T14:00:00+00:00', message: 'a' }),
      makeEvent({ timestamp: '2026-07-28T16:00:00+02:00', message: 'b' }),
      makeEvent({ timestamp: 'garbage', message: 'c' }),
      makeEvent({ timestamp: '2026-07-28T14:00:01.5Z', message: 'd' }),
    ];
    expect(toJobCard(summarizeJob(makeJob({ timeline: events }))).timeline.latest.map((e) => e.message)).toEqual(['d', 'b', 'a', 'c']);
  });

  it('adds metadata the message does not already say', () => {
    const timeline = [makeEvent({ message: '8 files added', metadata: { file_count: 8, method: 'best', ingestion_job_id: 'ing-1' } })];
    expect(textOf(renderCard(makeJob({ timeline }), base), 'timeline')).toContain('8 files added (method: best)');
  });

  it('lists fine-tuning jobs once there are any', () => {
    expect(blocksOf(renderCard(makeJob(), base), 'fine-tuning')).toEqual([]);
    const text = textOf(renderCard(makeJob({ fine_tuning_job_ids: ['ft-1', 'ft-2'] }), base), 'fine-tuning');
    expect(text).toBe('*Fine-tuning jobs:* `ft-1`, `ft-2`');
  });
});

describe('payload', () => {
  it('is the same for the same input, with unique block ids', () => {
    const job = makeJobWithManyFiles(20, 8);
    const a = renderCard(job, base);
    expect(renderCard(job, base)).toEqual(a);
    const ids = a.blocks.map((b) => b.block_id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('gets new block ids when re-rendered from a new fetch', () => {
    const job = makeJob();
    const a = renderCard(job, base).blocks.map((b) => b.block_id);
    const b = renderCard(job, { ...base, fetchedAt: new Date(fetchedAt.getTime() + 1000) }).blocks.map((x) => x.block_id);
    expect(a.some((id) => b.includes(id))).toBe(false);
  });

  it('has a plain fallback with name and status', () => {
    expect(renderCard(makeJobWithManyFiles(3, 2, { status: 'needs_review' }), base).text).toBe(
      'Claims handbook Q3 refresh: Needs review, 2 failed files',
    );
    expect(renderCard(makeJob({ status: 'weird_new_status', name: 'A & B' }), base).text).toBe('A &amp; B: status weird_new_status');
  });

  it('says when the data was fetched and by whose refresh', () => {
    const context = textOf(
      renderCard(makeJob(), { ...base, refreshedBy: 'U1', subscription: { filter: 'failures', subscribedBy: 'U2' } }),
      'context',
    );
    expect(context).toBe(
      'Fetched <!date^1785253500^{date_short_pretty} {time}|2026-07-28 15:45 UTC> | Refreshed by <@U1> | Subscribed by <@U2> (failures)',
    );
  });
});
