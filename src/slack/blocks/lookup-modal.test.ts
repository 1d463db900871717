import { describe, expect, it } from 'vitest';
import { checkView } from '../../../test/support/block-kit-rules.js';
import { makeBusyJob, makeJobWithManyFiles } from '../../../test/support/make-job.js';
import { ACTIONS } from './card.js';
import { LOOKUP_INPUT, renderLookupForm, renderLookupNote, renderLookupResult } from './lookup-modal.js';

const fetchedAt = new Date('2026-07-28T15:45:00Z');
const actionIds = (blocks: unknown[]) => [...JSON.stringify(blocks).matchAll(/"action_id":"([^"]+)"/g)].map((m) => m[1]);

describe('the look-up modal', () => {
  it('asks for one id, with a submit button', () => {
    const form = renderLookupForm();
    expect(checkView(form)).toBeNull();
    expect(form.blocks).toEqual([
      expect.objectContaining({
        type: 'input',
        block_id: LOOKUP_INPUT.blockId,
        element: expect.objectContaining({ action_id: LOOKUP_INPUT.actionId }),
      }),
    ]);
  });

  it('shows the card without the buttons that need a channel, keeping the link to SeekrFlow', () => {
    const job = makeJobWithManyFiles(20, 12, { status: 'needs_review' });
    const view = renderLookupResult(job, { fetchedAt, jobUrl: `https://apps.seekr.com/data-jobs/${job.id}` });
    expect(checkView(view)).toBeNull();
    expect(actionIds(view.blocks)).toEqual([ACTIONS.viewInSeekrflow]);
    // 12 files failing the same way: one cause, three names, no pointer to a list the modal cannot open.
    expect(JSON.stringify(view.blocks)).toContain('*12 files:* document-0.pdf, document-1.pdf, document-2.pdf and 9 more');
    expect(JSON.stringify(view.blocks)).not.toContain('More of their names');
    expect(actionIds(renderLookupResult(job, { fetchedAt }).blocks)).toEqual([]);
  });

  it('is accepted by Slack for 20,000 files and hostile strings', () => {
    const hostile = '<!channel> & <https://evil.example|login> 💥e\u0301 '.repeat(120);
    const view = renderLookupResult(makeBusyJob(20_000, { failedEvery: 3 }, { name: hostile }), { fetchedAt });
    expect(checkView(view)).toBeNull();
  });

  it('says one sentence while looking, or when refused', () => {
    expect(checkView(renderLookupNote(':hourglass_flowing_sand: Looking up `dj-1`…', fetchedAt))).toBeNull();
  });
});
