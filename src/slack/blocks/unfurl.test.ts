import { describe, expect, it } from 'vitest';
import { checkUnfurls } from '../../../test/support/block-kit-rules.js';
import { makeAlignment, makeBusyJob, makeJob, makeJobWithFiles } from '../../../test/support/make-job.js';
import type { Block, Button } from './block-kit.js';
import { ACTIONS } from './card.js';
import { parseUnfurlButtonValue, renderUnfurl, UNFURL_ACTIONS, unfurlButtonValue } from './unfurl.js';

const URL_ = 'https://apps.seekr.com/flow/data-jobs/dj-0b6f1f5e-3a43-4c1e-9d59-2f1d8c7a1a01';
const fetchedAt = new Date('2026-07-28T15:45:00Z');

const buttons = (blocks: Block[]): Button[] => blocks.flatMap((b) => (b.type === 'actions' ? b.elements : []));
const text = (blocks: Block[]) =>
  blocks
    .flatMap((b) => (b.type === 'section' ? [b.text?.text ?? ''] : b.type === 'context' ? b.elements.map((e) => e.text) : []))
    .join('\n');

describe('renderUnfurl', () => {
  it('shows the status, the files by state, the failed count and the progress, with Refresh and Subscribe', () => {
    const job = makeJobWithFiles(
      [{ state: 'done' }, { state: 'failed' }, { state: 'processing' }, { state: 'queued' }, { state: 'done' }],
      {
        name: 'Claims handbook',
        status: 'running',
        alignment_job: makeAlignment({ progress: 0.43 }),
      },
    );
    const unfurl = renderUnfurl(job, { url: URL_, fetchedAt, refreshedBy: 'U_BOB' });
    expect(checkUnfurls({ [URL_]: unfurl })).toBeNull();
    const seen = text(unfurl.blocks);
    expect(seen).toContain('*Claims handbook*');
    expect(seen).toContain('*Running*');
    expect(seen).toMatch(/\*Files:\* 5 .*2 done .*1 failed .*1 processing .*1 queued/);
    expect(seen).toContain('*1 failed file*');
    expect(seen).toContain('43%');
    expect(seen).toContain('refreshed by <@U_BOB>');
    expect(seen).toContain('<!date^');
    expect(unfurl.blocks.length).toBeLessThanOrEqual(3);
    expect(buttons(unfurl.blocks).map((b) => [b.action_id, b.value])).toEqual([
      [UNFURL_ACTIONS.refresh, unfurlButtonValue(job.id, URL_)],
      [ACTIONS.subscribe, job.id],
    ]);
    expect(parseUnfurlButtonValue(buttons(unfurl.blocks)[0]?.value)).toEqual({ jobId: job.id, url: URL_ });
  });

  it('says why a job waits for review', () => {
    const job = makeJob({ status: 'needs_review', name: 'Review me' });
    const seen = text(renderUnfurl(job, { url: URL_, fetchedAt }).blocks);
    expect(seen).toContain('Needs review');
  });

  it('offers no buttons for an ended job: nothing to refresh or follow', () => {
    const unfurl = renderUnfurl(makeJob({ status: 'completed' }), { url: URL_, fetchedAt });
    expect(buttons(unfurl.blocks)).toEqual([]);
    expect(unfurl.blocks.map((b) => b.type)).toEqual(['section', 'context']);
  });

  it('leaves Refresh out when the link is too long to carry, and every button out for an id that is not one', () => {
    const long = `${URL_}?pad=${'x'.repeat(2_000)}`;
    expect(buttons(renderUnfurl(makeJob(), { url: long, fetchedAt }).blocks).map((b) => b.action_id)).toEqual([ACTIONS.subscribe]);
    expect(buttons(renderUnfurl(makeJob({ id: 'not an id' }), { url: URL_, fetchedAt }).blocks)).toEqual([]);
  });

  it('is accepted by Slack and stays small for 20,000 files and hostile strings; API text stays inert', () => {
    const hostile = '<!channel> & <https://evil.example|login>\n*Fix:* rm -rf \u202e '.repeat(200);
    const job = makeBusyJob(20_000, { failedEvery: 3 }, { name: hostile, status: 'needs_review' });
    job.ingestion_jobs[0]?.records.forEach((r) => {
      r.error_message = hostile;
    });
    const unfurl = renderUnfurl(job, { url: URL_, fetchedAt });
    expect(checkUnfurls({ [URL_]: unfurl })).toBeNull();
    const seen = text(unfurl.blocks);
    expect(seen).not.toContain('<!channel>');
    expect(seen).not.toContain('<https://evil');
    expect(seen).not.toContain('\u202e');
    expect(seen.split('\n')[0]).toContain('&lt;!channel&gt;');
    expect(seen.length).toBeLessThan(1_500);
  });

  it('reads back only its own button values', () => {
    for (const bad of [undefined, '', 'dj-1', '{}', '[]', 'null', '{"jobId":"../x","url":"u"}', '{"jobId":"dj-1"}', 'x'.repeat(10_000)]) {
      expect(parseUnfurlButtonValue(bad)).toBeNull();
    }
  });
});
