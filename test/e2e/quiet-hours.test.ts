import { Writable } from 'node:stream';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { DataJob } from '../../src/domain/data-job.js';
import { createLogger } from '../../src/logger.js';
import { startBot } from '../../src/main.js';
import { dropSchema, newTestSchemaName, testDatabaseUrl } from '../storage/pg-test-schema.js';
import { type Harness, SIGNING_SECRET, startHarness, visibleText, waitFor } from '../support/harness.js';
import { makeAlignment, makeJobWithFiles } from '../support/make-job.js';

/**
 * Quiet hours and `digest` subscriptions end to end, on a clock the test moves, both engines: routine
 * replies wait (stored), what needs a person goes at once, cards update in place throughout, and what
 * waited goes as one reply per card when the hours end, also after a restart during them.
 */

const CHANNEL = 'C_DATA_JOBS';
let n = 0;
const newJobId = () => `dj-quiet-${Date.now().toString(36)}-${++n}`;

/** A job from processing to a failure: two routine changes, then what needs a person. */
function states(id: string, createdAt = '2026-01-15T17:00:00Z'): DataJob[] {
  const base = { id, name: 'Night batch', created_at: createdAt, job_type: 'principle_files', user_id: 'user-carol' };
  const done = [
    { state: 'done' as const, name: 'a.pdf' },
    { state: 'done' as const, name: 'b.pdf' },
  ];
  return [
    makeJobWithFiles(
      [
        { state: 'processing', name: 'a.pdf' },
        { state: 'processing', name: 'b.pdf' },
      ],
      {
        ...base,
        status: 'file_processing',
        updated_at: '2026-01-15T17:00:00Z',
      },
    ),
    makeJobWithFiles(done, { ...base, status: 'ready_to_start', updated_at: '2026-01-15T20:00:00Z' }),
    makeJobWithFiles(done, {
      ...base,
      status: 'running',
      alignment_job: makeAlignment({ status: 'running', progress: 20 }),
      updated_at: '2026-01-15T20:10:00Z',
    }),
    makeJobWithFiles(
      [
        { state: 'done', name: 'a.pdf' },
        { state: 'failed', name: 'b.pdf', error: 'No extractable text', fix: 'Run OCR' },
      ],
      { ...base, status: 'running', alignment_job: makeAlignment({ status: 'running', progress: 30 }), updated_at: '2026-01-15T20:20:00Z' },
    ),
  ];
}

const ENGINES = [
  { engine: 'sqlite', skip: false },
  { engine: 'postgres', skip: !testDatabaseUrl },
] as const;

for (const { engine, skip } of ENGINES) {
  describe.skipIf(skip)(`quiet hours and digest subscriptions (${engine})`, () => {
    let h: Harness | null = null;
    const schemas: string[] = [];
    let clock = new Date('2026-01-15T18:00:00Z');
    const now = () => clock;

    async function start(): Promise<Harness> {
      const schema = newTestSchemaName('datajob_quiet');
      schemas.push(schema);
      const env: Record<string, string> = engine === 'postgres' ? { DATABASE_URL: testDatabaseUrl as string, DATABASE_SCHEMA: schema } : {};
      h = await startHarness({ now, env: { ...env, STALL_AFTER_MINUTES: '6000', UNREACHABLE_AFTER_MINUTES: '6000' } });
      return h;
    }
    async function restart(harness: Harness): Promise<void> {
      await harness.bot.stop();
      const destination = new Writable({
        write(chunk, _enc, done) {
          harness.logs.push(...String(chunk).split('\n').filter(Boolean));
          done();
        },
      });
      harness.bot = await startBot(loadConfig(harness.env), {
        now,
        logger: createLogger({ level: 'debug', secrets: [SIGNING_SECRET], destination }),
      });
    }
    const threadOf = (harness: Harness) => {
      const card = harness.slack.topLevel(CHANNEL)[0];
      return card ? harness.slack.thread(CHANNEL, card.ts).filter((m) => m.ts !== card.ts) : [];
    };

    afterEach(async () => {
      await h?.stop();
      h = null;
    });
    afterAll(async () => {
      if (engine === 'postgres') for (const s of schemas) await dropSchema(testDatabaseUrl as string, s);
    });

    it('holds routine replies, lets a failure through, and folds what waited into one reply, across a restart', async () => {
      clock = new Date('2026-01-15T18:00:00Z');
      const harness = await start();
      const id = newJobId();
      const [first, ready, running, failed] = states(id);
      harness.sim.putJob(first as DataJob);
      await harness.ask(`subscribe ${id}`);
      const answer = visibleText((await harness.ask('quiet 19:00-08:00')).body as object);
      expect(answer).toMatch(/Quiet hours in <#C_DATA_JOBS>: 19:00–08:00 \(Europe\/London\)/);
      expect(visibleText((await harness.ask('list')).body as object)).toMatch(/Quiet hours\* 19:00–08:00 \(Europe\/London\)/);

      clock = new Date('2026-01-15T20:00:00Z');
      for (const state of [ready, running]) {
        harness.sim.putJob(state as DataJob);
        await harness.bot.pollNow();
      }
      // The card is current; its thread says nothing yet.
      await waitFor(() => visibleText(harness.slack.topLevel(CHANNEL)[0]).includes('Running'), 'the card updated in place');
      expect(threadOf(harness)).toHaveLength(0);

      harness.sim.putJob(failed as DataJob);
      await harness.bot.pollNow();
      const [failure] = await waitFor(() => threadOf(harness).length === 1 && threadOf(harness), 'the failure at once');
      expect(visibleText(failure)).toMatch(/1 file failed to process/);

      clock = new Date('2026-01-15T23:00:00Z');
      await restart(harness);
      await harness.bot.deliverNow();
      expect(threadOf(harness)).toHaveLength(1);

      clock = new Date('2026-01-16T08:00:00Z');
      await harness.bot.deliverNow();
      const replies = await waitFor(() => threadOf(harness).length === 2 && threadOf(harness), 'the folded reply');
      const folded = visibleText(replies[1]);
      expect(folded).toMatch(/While it was quiet/);
      expect(folded).toMatch(
        /While it was quiet:\*\n• Status changed from .*Processing files.* to .*Ready to start.*\n• .*Alignment started/,
      );
      await harness.bot.deliverNow();
      expect(threadOf(harness)).toHaveLength(2);
    });

    it('with `all`, holds the failure too', async () => {
      clock = new Date('2026-01-15T18:00:00Z');
      const harness = await start();
      const id = newJobId();
      const [first, , , failed] = states(id);
      harness.sim.putJob(first as DataJob);
      await harness.ask(`subscribe ${id}`);
      await harness.ask('quiet 19:00-08:00 Europe/London all');
      clock = new Date('2026-01-15T20:00:00Z');
      harness.sim.putJob(failed as DataJob);
      await harness.bot.pollNow();
      expect(threadOf(harness)).toHaveLength(0);
      clock = new Date('2026-01-16T08:00:00Z');
      await harness.bot.deliverNow();
      const [reply] = await waitFor(() => threadOf(harness).length === 1 && threadOf(harness), 'the folded reply');
      expect(visibleText(reply)).toMatch(/While it was quiet[\s\S]*1 file failed/);
    });

    it('keeps a `digest` subscription’s card current and sends no replies, a team feed’s too', async () => {
      clock = new Date('2026-01-15T16:00:00Z');
      const harness = await start();
      const id = newJobId();
      const [first, ready, running, failed] = states(id);
      harness.sim.putJob(first as DataJob);
      expect(visibleText((await harness.ask(`subscribe ${id} digest`)).body as object)).toMatch(/Subscribed/);
      await harness.ask('subscribe team digest', { channel: 'C_GENERAL' });
      await harness.bot.discoverNow();
      for (const state of [ready, running, failed]) {
        harness.sim.putJob(state as DataJob);
        await harness.bot.pollNow();
        await harness.bot.discoverNow();
      }
      await harness.bot.pollNow();
      await waitFor(() => visibleText(harness.slack.topLevel(CHANNEL)[0]).includes('Running'), 'the card current');
      expect(threadOf(harness)).toHaveLength(0);
      const teamCard = await waitFor(() => harness.slack.topLevel('C_GENERAL')[0], 'the team feed’s card');
      expect(visibleText(teamCard)).toContain('Night batch');
      expect(harness.slack.thread('C_GENERAL', teamCard.ts).filter((m) => m.ts !== teamCard.ts)).toHaveLength(0);
    });
  });
}
