import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ACTIONS } from '../../src/slack/blocks/card.js';
import { FAILED_FILES_ACTIONS } from '../../src/slack/blocks/failed-files-modal.js';
import { checkMessage, checkView } from '../support/block-kit-rules.js';
import { type Harness, startHarness, USER, visibleText, waitFor } from '../support/harness.js';
import { makeJobWithFiles, makeJobWithManyFiles, wordFor } from '../support/make-job.js';

const JOB = 'dj-7d1c2a4e-0000-4000-8000-000000000002';

describe('card buttons', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { SEEKRFLOW_JOB_URL_TEMPLATE: 'https://apps.seekr.com/flow/data-jobs/{id}' } });
  });
  afterAll(() => h.stop());
  beforeEach(() => {
    h.sim.clearFaults();
    h.sim.resetRequests();
    h.sim.putJob(
      makeJobWithFiles([{ state: 'processing' }, { state: 'queued' }], { id: JOB, name: 'Refresh me', status: 'file_processing' }),
    );
  });

  it('Refresh replaces the ephemeral card with the new state, saying who refreshed', async () => {
    const first = await h.ask(JOB);
    expect(visibleText(first.body as object)).toMatch(/Processing files/);
    h.sim.putJob(makeJobWithFiles([{ state: 'done' }, { state: 'done' }], { id: JOB, name: 'Refresh me', status: 'ready_to_start' }));

    h.slack.addUser({ id: 'U_BOB', name: 'bob' });
    await h.click({ ephemeralTs: first.ts as string }, ACTIONS.refresh, 'U_BOB');
    const card = await waitFor(() => {
      const e = h.slack.ephemeral(first.ts as string);
      return e && e.replaced > 0 ? e : undefined;
    }, 'the card to be replaced');
    expect(checkMessage(card)).toBeNull();
    const seen = visibleText(card);
    expect(seen).toMatch(/Ready to start/);
    expect(seen).toContain('<@U_BOB>');
  });

  it('several clicks at once cause one SeekrFlow request', async () => {
    const first = await h.ask(JOB);
    h.sim.resetRequests();
    h.sim.setFault({ kind: 'latency', ms: 300 }, { jobId: JOB });
    await Promise.all(Array.from({ length: 5 }, () => h.click({ ephemeralTs: first.ts as string }, ACTIONS.refresh)));
    await waitFor(() => (h.slack.ephemeral(first.ts as string)?.replaced ?? 0) >= 5, 'five replacements');
    expect(h.sim.requestCount(JOB)).toBe(1);
  });

  it('Share in channel posts the card visibly, saying who shared it', async () => {
    const first = await h.ask(JOB, { channel: 'C_GENERAL' });
    const before = h.slack.topLevel('C_GENERAL').length;
    await h.click({ ephemeralTs: first.ts as string }, ACTIONS.share);
    const posted = await waitFor(() => h.slack.topLevel('C_GENERAL')[before], 'the shared card');
    expect(checkMessage(posted)).toBeNull();
    expect(visibleText(posted)).toContain(`<@${USER.id}>`);
    expect(visibleText(posted)).toMatch(/Refresh me/);
  });

  it('Share where the bot cannot post says how to fix it', async () => {
    const first = await h.ask(JOB, { channel: 'C_SECRET' });
    await h.click({ ephemeralTs: first.ts as string }, ACTIONS.share);
    const told = await waitFor(() => h.slack.responsesAll().find((r) => /\/invite/.test(visibleText(r.body as object))), 'the invite hint');
    expect(told.effect).toBe('ephemeral');
    expect(h.slack.topLevel('C_SECRET')).toHaveLength(0);
  });

  it('View in SeekrFlow is a link made from the template', async () => {
    const first = await h.ask(JOB);
    const blocks = JSON.stringify((first.body as { blocks: unknown[] }).blocks);
    expect(blocks).toContain(`https://apps.seekr.com/flow/data-jobs/${JOB}`);
  });

  it('a modal whose filling fails says so instead of loading for ever', async () => {
    h.sim.putJob(makeJobWithManyFiles(10, 8, { id: JOB, status: 'needs_review' }));
    const first = await h.ask(JOB);
    h.slack.failNext('views.update', 'internal_error', { times: 1 });
    const before = h.slack.views().length;
    await h.click({ ephemeralTs: first.ts as string }, ACTIONS.openFailedFiles);
    const view = await waitFor(() => h.slack.views()[before], 'the modal');
    await waitFor(() => /Something went wrong/.test(visibleText({ blocks: h.slack.view(view.id)?.blocks })), 'the error note in the modal');
  });

  it('Show all failed files opens a modal and pages through every failed file', async () => {
    // 25 files failing each its own way: 25 causes, 10 a page.
    const specs = Array.from({ length: 35 }, (_, i) =>
      i < 25 ? { state: 'failed' as const, error: `Reason ${wordFor(i)}` } : { state: 'done' as const },
    );
    h.sim.putJob(makeJobWithFiles(specs, { id: JOB, name: 'Many failures', status: 'needs_review' }));
    const first = await h.ask(JOB);
    await h.click({ ephemeralTs: first.ts as string }, ACTIONS.openFailedFiles);
    const view = await waitFor(
      () => h.slack.views().find((v) => v.updates > 0 && /Page 1 of/.test(visibleText({ blocks: v.blocks }))),
      'page 1',
    );
    expect(checkView(h.slack.callsTo('views.update').at(-1)?.args.view)).toBeNull();

    const seen = new Set<string>();
    const collect = () => {
      for (const m of visibleText({ blocks: h.slack.view(view.id)?.blocks }).matchAll(/document-(\d+)\.pdf/g)) seen.add(m[1] as string);
    };
    collect();
    for (let page = 2; page <= 3; page++) {
      const updates = h.slack.view(view.id)?.updates ?? 0;
      await h.click({ viewId: view.id }, FAILED_FILES_ACTIONS.next);
      await waitFor(() => (h.slack.view(view.id)?.updates ?? 0) > updates, `page ${page}`);
      expect(visibleText({ blocks: h.slack.view(view.id)?.blocks })).toMatch(new RegExp(`Page ${page} of 3`));
      collect();
    }
    expect(seen.size).toBe(25);
    const updates = h.slack.view(view.id)?.updates ?? 0;
    await h.click({ viewId: view.id }, FAILED_FILES_ACTIONS.prev);
    await waitFor(() => (h.slack.view(view.id)?.updates ?? 0) > updates, 'back to page 2');
    expect(visibleText({ blocks: h.slack.view(view.id)?.blocks })).toMatch(/Page 2 of 3/);
  });

  it('Show all failed files shows the files failing the same way as one cause, with their names', async () => {
    h.sim.putJob(makeJobWithManyFiles(35, 25, { id: JOB, name: 'Many failures', status: 'needs_review' }));
    const first = await h.ask(JOB);
    expect(visibleText(first.body as object)).toMatch(/25 files:\* document-0\.pdf, document-1\.pdf, document-2\.pdf and 22 more/);
    await h.click({ ephemeralTs: first.ts as string }, ACTIONS.openFailedFiles);
    const view = await waitFor(
      () => h.slack.views().find((v) => v.updates > 0 && /Page 1 of 1/.test(visibleText({ blocks: v.blocks }))),
      'the modal',
    );
    const text = visibleText({ blocks: view.blocks });
    expect(text).toMatch(/25 failed files, 1 cause/);
    expect([...text.matchAll(/document-(\d+)\.pdf/g)]).toHaveLength(20);
    expect(text).toMatch(/and 5 more/);
    expect(checkView(h.slack.callsTo('views.update').at(-1)?.args.view)).toBeNull();
  });
});
