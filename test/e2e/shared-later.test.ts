import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataJob } from '../../src/domain/data-job.js';
import { type Harness, startHarness, USER, visibleText, waitFor } from '../support/harness.js';
import { makeJobWithFiles } from '../support/make-job.js';

/**
 * A channel that subscribed while it was the organisation's own, and was shared with another
 * organisation since: job data stops going there. Its subscription pauses (saying why) instead.
 */

const job = (id: string, failed: boolean): DataJob =>
  makeJobWithFiles(
    [failed ? { state: 'failed', name: 'secret-file.pdf', error: 'No text', fix: 'Run OCR' } : { state: 'processing', name: 'a.pdf' }],
    {
      id,
      name: 'Internal job',
      status: failed ? 'needs_review' : 'file_processing',
      updated_at: failed ? '2026-07-28T14:05:00Z' : '2026-07-28T14:00:00Z',
    },
  );

describe('a channel shared with another organisation after it subscribed', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      env: { ACCESS_CACHE_SECONDS: '1' },
      slack: { channels: [{ id: 'C_LATER', name: 'later', botIsMember: true }] },
    });
  });
  afterAll(() => h.stop());

  it('gets no more job data: the subscription pauses and its creator is told why', async () => {
    h.sim.putJob(job('dj-later', false));
    await h.ask('subscribe dj-later', { channel: 'C_LATER' });
    const card = h.slack.topLevel('C_LATER')[0];
    if (!card) throw new Error('no card');
    h.slack.addChannel({ id: 'C_LATER', name: 'later', botIsMember: true, isExtShared: true });
    await new Promise((r) => setTimeout(r, 1_200));
    h.sim.putJob(job('dj-later', true));
    await h.bot.pollNow();
    await waitFor(() => h.slack.directMessages(USER.id).length > 0, 'the creator to be told');
    expect(visibleText(h.slack.directMessages(USER.id)[0])).toMatch(/paused: the channel is now shared with another organisation/);
    expect(JSON.stringify(h.slack.messages('C_LATER'))).not.toContain('secret-file.pdf');
    expect(h.slack.thread('C_LATER', card.ts)).toHaveLength(0);
    expect(visibleText((await h.ask('list', { channel: 'C_LATER' })).body as object)).toMatch(/paused\*: the channel is now shared/);
  });
});
