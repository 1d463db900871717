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

  it('holds what Slack cannot say is safe (conversations.info fails) and sends it once Slack says: never on a guess', async () => {
    h.slack.addChannel({ id: 'C_HELD', name: 'held', botIsMember: true });
    h.sim.putJob(job('dj-held', false));
    await h.ask('subscribe dj-held', { channel: 'C_HELD' });
    const card = h.slack.topLevel('C_HELD')[0];
    if (!card) throw new Error('no card');
    // What the bot knew of the channel is forgotten (ACCESS_CACHE_SECONDS=1), and Slack cannot say now.
    await new Promise((r) => setTimeout(r, 1_200));
    h.slack.failNext('conversations.info', 'internal_error', { times: 1_000 });
    const logged = h.logs.length;
    h.sim.putJob(job('dj-held', true));
    await h.bot.pollNow();
    await waitFor(
      () => h.logs.slice(logged).find((l) => l.includes('delivery will be retried') && l.includes('access_check_failed')),
      'the delivery to be held',
    );
    expect(h.slack.thread('C_HELD', card.ts)).toHaveLength(0);
    expect(h.slack.callsTo('chat.update').filter((c) => c.args.channel === 'C_HELD')).toEqual([]);
    expect(JSON.stringify(h.slack.messages('C_HELD'))).not.toContain('secret-file.pdf');

    h.slack.clearFaults();
    const reply = await waitFor(() => h.slack.thread('C_HELD', card.ts)[0], 'the held reply, once Slack says', 20_000);
    expect(visibleText(reply)).toContain('secret-file.pdf');
  });
});
