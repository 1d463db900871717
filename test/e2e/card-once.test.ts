import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SQLITE_FILE_NAME } from '../../src/storage/open-store.js';
import { type Harness, startHarness, visibleText, waitFor } from '../support/harness.js';
import { makeJobWithFiles } from '../support/make-job.js';

/**
 * A living card is posted once, whatever fails between Slack taking it and the bot storing its ref:
 * the card carries its subscription in its metadata, and a card that may be in the channel already
 * is looked for there before another is posted.
 */

/** The bot's clock, moved on by the test. */
function testClock() {
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    advance(ms: number) {
      offset += ms;
    },
  };
}

/**
 * Takes SQLite's write lock on the bot's database, as another process could: the bot's next write
 * waits its busy timeout, then fails. Returns the release.
 */
function lockDatabase(dataDir: string): () => void {
  const db = new Database(join(dataDir, SQLITE_FILE_NAME));
  db.exec('BEGIN IMMEDIATE');
  return () => {
    db.exec('ROLLBACK');
    db.close();
  };
}

const isCard = (args: Record<string, unknown>) => (args.metadata as { event_type?: string } | undefined)?.event_type === 'datajob_bot_card';

const job = (id: string, failed: boolean) =>
  makeJobWithFiles(
    [failed ? { state: 'failed', name: 'scan.pdf', error: 'No text', fix: 'Run OCR' } : { state: 'processing', name: 'scan.pdf' }],
    {
      id,
      name: `Once ${id}`,
      status: 'file_processing',
      // Created now: a feed announces only jobs created after it started.
      created_at: new Date().toISOString(),
      updated_at: failed ? '2026-07-28T14:05:00Z' : '2026-07-28T14:00:00Z',
    },
  );

describe('a living card, posted once', () => {
  let h: Harness;
  afterEach(async () => h.stop());

  it('subscribing cut off after the card was posted: a minute later the pass finds that card and keeps it', async () => {
    const clock = testClock();
    h = await startHarness({ now: clock.now });
    h.sim.putJob(job('dj-once-1', false));
    let release: (() => void) | undefined;
    h.slack.beforeAnswering('chat.postMessage', isCard, () => {
      release = lockDatabase(h.dataDir);
    });
    const logged = h.logs.length;
    await h.ask('subscribe dj-once-1');
    await waitFor(() => h.logs.slice(logged).find((l) => l.includes('listener failed')), 'the subscribe to fail on the database');
    release?.();
    expect(h.slack.topLevel('C_DATA_JOBS')).toHaveLength(1);
    // Not called live while its card is not known to be there.
    expect(visibleText((await h.ask('list')).body as object)).toMatch(/setting up: its card is on its way/);

    clock.advance(61_000);
    await h.bot.pollNow();
    await waitFor(() => h.logs.find((l) => l.includes('looked for a living card') && l.includes('"found":"found"')), 'the card found');
    expect(visibleText((await h.ask('list')).body as object)).not.toMatch(/setting up/);
    h.sim.putJob(job('dj-once-1', true));
    await h.bot.pollNow();
    const cards = h.slack.topLevel('C_DATA_JOBS');
    expect(cards).toHaveLength(1);
    const reply = await waitFor(() => h.slack.thread('C_DATA_JOBS', cards[0]?.ts as string)[0], 'the reply under that card');
    expect(visibleText(reply)).toMatch(/1 file failed/);
  });

  it('a feed’s card sent, its ref not stored: the delivery taken over finds it instead of posting another', async () => {
    const clock = testClock();
    h = await startHarness({ now: clock.now });
    await h.ask('subscribe team');
    await h.bot.discoverNow();
    h.sim.putJob(job('dj-once-2', false));
    let release: (() => void) | undefined;
    h.slack.beforeAnswering('chat.postMessage', isCard, () => {
      release = lockDatabase(h.dataDir);
    });
    const logged = h.logs.length;
    await h.bot.discoverNow();
    await h.bot.pollNow();
    await waitFor(
      () => h.logs.slice(logged).find((l) => l.includes('delivery failed unexpectedly')),
      'the delivery to fail on the database',
    );
    release?.();
    expect(h.slack.topLevel('C_DATA_JOBS')).toHaveLength(1);

    // The claim runs out; the next run takes the card over, finds it in the channel and updates it there.
    clock.advance(61_000);
    await h.bot.pollNow();
    await waitFor(() => h.logs.find((l) => l.includes('looked for a living card') && l.includes('"found":"found"')), 'the card found');
    expect(h.slack.topLevel('C_DATA_JOBS')).toHaveLength(1);
  });

  it('a reply whose card never reached the channel waits, claims nothing meanwhile, then goes without the thread', async () => {
    const clock = testClock();
    h = await startHarness({ now: clock.now });
    await h.ask('subscribe team all');
    await h.bot.discoverNow();
    h.sim.putJob(job('dj-once-3', false));
    // Slack refuses the feed's card for good (our bug, say): each pass's card is dropped, none posted.
    h.slack.failNext('chat.postMessage', 'invalid_blocks', { times: 100, when: isCard });
    await h.bot.discoverNow();
    await h.bot.pollNow();
    await waitFor(() => h.logs.find((l) => l.includes('delivery dropped')), 'the card dropped');
    h.sim.putJob(job('dj-once-3', true));
    const logged = h.logs.length;
    await h.bot.pollNow();
    await h.bot.pollNow();
    expect(h.slack.topLevel('C_DATA_JOBS')).toEqual([]);
    // Held without a claim: no attempt, no retry line.
    expect(h.logs.slice(logged).filter((l) => /delivery will be retried|reply sent without/.test(l))).toEqual([]);
    clock.advance(11 * 60_000);
    await h.bot.pollNow();
    const alone = await waitFor(() => h.slack.topLevel('C_DATA_JOBS')[0], 'the reply, in the channel');
    expect(visibleText(alone)).toMatch(/1 file failed/);
    expect(h.logs.filter((l) => l.includes('reply sent without its card’s thread'))).toHaveLength(1);
  });
});
