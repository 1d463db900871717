import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { Store } from '../../src/core/ports/store.js';
import type { DataJob } from '../../src/domain/data-job.js';
import { createLogger } from '../../src/logger.js';
import { type RunningBot, startBot } from '../../src/main.js';
import { ALIGNMENT_ACTIONS } from '../../src/slack/blocks/alignment-button.js';
import { DIGEST_ACTIONS } from '../../src/slack/blocks/digest.js';
import { SQLITE_FILE_NAME } from '../../src/storage/open-store.js';
import { openPostgresStore, type PostgresStore } from '../../src/storage/postgres/store.js';
import { openSqliteStore, type SqliteStore } from '../../src/storage/sqlite/store.js';
import { dropSchema, newTestSchemaName, testDatabaseUrl } from '../storage/pg-test-schema.js';
import { type Harness, SIGNING_SECRET, startHarness, USER, visibleText, waitFor } from '../support/harness.js';
import { makeAlignment, makeJobWithFiles } from '../support/make-job.js';

/**
 * The channel's digest end to end, on a clock the test moves: set by `/datajob digest`, planned and
 * stored when due, sent once a day whatever restarts, replicas, downtime or daylight saving do.
 * Both engines: a real SQLite file, and PostgreSQL when TEST_DATABASE_URL is set.
 */

const CHANNEL = 'C_DATA_JOBS';
let n = 0;
const newJobId = () => `dj-dig-${Date.now().toString(36)}-${++n}`;

function runningJob(id: string, name: string): DataJob {
  return makeJobWithFiles(
    [
      { state: 'done', name: 'a.pdf' },
      { state: 'done', name: 'b.pdf' },
    ],
    { id, name, status: 'running', alignment_job: makeAlignment({ status: 'running', progress: 40 }), updated_at: '2026-01-15T06:00:00Z' },
  );
}

const ENGINES = [
  { engine: 'sqlite', skip: false },
  { engine: 'postgres', skip: !testDatabaseUrl },
] as const;

for (const { engine, skip } of ENGINES) {
  describe.skipIf(skip)(`the daily digest (${engine})`, () => {
    let h: Harness | null = null;
    const extra: RunningBot[] = [];
    const schemas: string[] = [];
    let clock = new Date('2026-01-15T07:00:00Z');
    const now = () => clock;

    async function start(more: Record<string, string> = {}): Promise<Harness> {
      const schema = newTestSchemaName('datajob_digest');
      schemas.push(schema);
      const env: Record<string, string> = engine === 'postgres' ? { DATABASE_URL: testDatabaseUrl as string, DATABASE_SCHEMA: schema } : {};
      h = await startHarness({ now, env: { ...env, ...more } });
      return h;
    }
    /** Another bot on the same store: a replica (PostgreSQL), or this one after a restart. */
    async function anotherBot(harness: Harness): Promise<RunningBot> {
      const destination = new Writable({
        write(chunk, _enc, done) {
          harness.logs.push(...String(chunk).split('\n').filter(Boolean));
          done();
        },
      });
      const bot = await startBot(loadConfig(harness.env), {
        now,
        logger: createLogger({ level: 'debug', secrets: [SIGNING_SECRET], destination }),
      });
      extra.push(bot);
      return bot;
    }
    const digests = (harness: Harness) => harness.slack.topLevel(CHANNEL).filter((m) => visibleText(m).includes('Data jobs digest'));

    afterEach(async () => {
      for (const bot of extra.splice(0)) await bot.stop();
      await h?.stop();
      h = null;
    });
    afterAll(async () => {
      if (engine === 'postgres') for (const s of schemas) await dropSchema(testDatabaseUrl as string, s);
    });

    /** A channel following one running job, with a digest every day at 08:00 in the setter's zone (Europe/London). */
    async function channelWithDigest(harness: Harness, command = 'digest daily 08:00') {
      const id = newJobId();
      harness.sim.putJob(runningJob(id, 'Claims handbook'));
      await harness.ask(`subscribe ${id}`);
      const answer = visibleText((await harness.ask(command)).body as object);
      return { id, answer };
    }

    it('goes at its hour, in its time zone, once; list shows it', async () => {
      clock = new Date('2026-01-15T07:59:00Z');
      const harness = await start();
      const { answer } = await channelWithDigest(harness);
      expect(answer).toMatch(/gets a digest of its data jobs every day at 08:00 \(Europe\/London\)/);
      expect(visibleText((await harness.ask('list')).body as object)).toMatch(/Digest\* every day at 08:00 \(Europe\/London\)/);
      await harness.bot.deliverNow();
      expect(digests(harness)).toHaveLength(0);

      clock = new Date('2026-01-15T08:00:00Z');
      await harness.bot.deliverNow();
      const [digest] = await waitFor(() => digests(harness).length === 1 && digests(harness), 'the digest');
      const text = visibleText(digest);
      expect(text).toMatch(/Still running/);
      const card = harness.slack.topLevel(CHANNEL)[0];
      // The line links to the job's living card.
      expect(text).toContain(`<https://slack.com/archives/${CHANNEL}/p${card?.ts.replace('.', '')}|Claims handbook>`);
      expect(text).toMatch(/40%/);

      clock = new Date('2026-01-15T08:30:00Z');
      await harness.bot.deliverNow();
      await harness.bot.deliverNow();
      expect(digests(harness)).toHaveLength(1);
      clock = new Date('2026-01-16T08:00:00Z');
      await harness.bot.deliverNow();
      await waitFor(() => digests(harness).length === 2, 'the next day’s digest');
    });

    it('tells a failed job’s largest causes and why a job waits, each read from SeekrFlow', async () => {
      clock = new Date('2026-01-15T07:00:00Z');
      const harness = await start();
      const failedId = newJobId();
      const reviewId = newJobId();
      const files = [
        { state: 'failed' as const, name: 'a.pdf', error: 'No extractable text', fix: 'Run OCR' },
        { state: 'failed' as const, name: 'b.pdf', error: 'No extractable text', fix: 'Run OCR' },
        { state: 'done' as const, name: 'c.pdf' },
      ];
      harness.sim.putJob(
        makeJobWithFiles(files, { id: failedId, name: 'Policies', status: 'file_processing', updated_at: '2026-01-15T06:00:00Z' }),
      );
      harness.sim.putJob(
        makeJobWithFiles(files, { id: reviewId, name: 'Forms', status: 'needs_review', updated_at: '2026-01-15T06:00:00Z' }),
      );
      await harness.ask(`subscribe ${failedId}`);
      await harness.ask(`subscribe ${reviewId}`);
      await harness.ask('digest daily 08:00');
      harness.sim.putJob(makeJobWithFiles(files, { id: failedId, name: 'Policies', status: 'failed', updated_at: '2026-01-15T07:30:00Z' }));
      clock = new Date('2026-01-15T07:30:00Z');
      await harness.bot.pollNow();
      clock = new Date('2026-01-15T08:00:00Z');
      await harness.bot.deliverNow();
      const digest = await waitFor(() => digests(harness)[0], 'the digest');
      const text = visibleText(digest);
      expect(text).toMatch(/Failed\* \(1\)\n• <[^|]+\|Policies> — Failed · 1 done, 2 failed · 2× No extractable text/);
      expect(text).toMatch(/Waiting for a person\* \(1\)\n• <[^|]+\|Forms> — Needs review: 2 files failed/);
    });

    it('offers Start alignment on a ready job when actions are on: a click starts it and leaves the digest as it was', async () => {
      clock = new Date('2026-01-15T07:00:00Z');
      const harness = await start({ ACTION_USERGROUPS: 'S0ACTORS' });
      harness.slack.addUsergroup({ id: 'S0ACTORS', users: [USER.id] });
      const id = newJobId();
      harness.sim.putJob(
        makeJobWithFiles([{ state: 'done' }], { id, name: 'Forms', status: 'ready_to_start', updated_at: '2026-01-15T06:00:00Z' }),
      );
      await harness.ask(`subscribe ${id}`);
      await harness.ask('digest daily 08:00');
      clock = new Date('2026-01-15T08:00:00Z');
      await harness.bot.deliverNow();
      const digest = await waitFor(() => digests(harness)[0], 'the digest');
      const before = visibleText(digest);
      expect(before).toMatch(/Waiting for a person\* \(1\)\n• <[^|]+\|Forms> — Ready to start/);
      expect(before).toContain('Start “Forms”');

      const posts = () => harness.sim.requests.filter((r) => r.method === 'POST' && r.rawPath === `/v1/flow/data-jobs/${id}/start`).length;
      await harness.click({ channel: CHANNEL, ts: digest.ts }, ALIGNMENT_ACTIONS.start);
      await waitFor(
        () =>
          harness.slack
            .responsesAll()
            .find((r) => r.effect === 'ephemeral' && /Alignment started: \*Forms\*/.test(visibleText(r.body as object))),
        'the answer to the clicker',
      );
      expect(posts()).toBe(1);
      // The digest is a digest still: the click answered the clicker, it did not turn it into a card.
      expect(visibleText(harness.slack.message(CHANNEL, digest.ts))).toBe(before);
    });

    it('says so in one short line on a day with nothing to say, or nothing at all when the channel chose `quiet`', async () => {
      clock = new Date('2026-01-15T07:00:00Z');
      const harness = await start();
      expect(visibleText((await harness.ask('digest daily 08:00 quiet', { channel: 'C_GENERAL' })).body as object)).toMatch(
        /nothing on a day with nothing to say/,
      );
      await harness.ask('digest daily 08:00', { channel: 'C_RANDOM' });
      clock = new Date('2026-01-15T08:00:00Z');
      await harness.bot.deliverNow();
      const [line] = await waitFor(
        () => harness.slack.topLevel('C_RANDOM').length === 1 && harness.slack.topLevel('C_RANDOM'),
        'the short line',
      );
      expect(visibleText(line)).toMatch(/^:newspaper: Nothing to report on this channel's data jobs\./);
      await harness.bot.deliverNow();
      expect(harness.slack.topLevel('C_GENERAL')).toHaveLength(0);
      expect(harness.slack.topLevel('C_RANDOM')).toHaveLength(1);
    });

    it('is not sent to a channel shared with another organisation since it was set', async () => {
      clock = new Date('2026-01-15T07:00:00Z');
      const harness = await start({ ACCESS_CACHE_SECONDS: '1' });
      await channelWithDigest(harness);
      harness.slack.addChannel({ id: CHANNEL, isExtShared: true });
      // What Slack said of the channel is remembered a second (on the process's own clock), from the card's last delivery.
      await new Promise((r) => setTimeout(r, 1_200));
      clock = new Date('2026-01-15T08:00:00Z');
      await harness.bot.deliverNow();
      await waitFor(() => harness.logs.some((l) => l.includes('"digest dropped"')), 'the digest dropped');
      expect(digests(harness)).toHaveLength(0);
    });

    it('stops for a channel that was archived', async () => {
      clock = new Date('2026-01-15T07:00:00Z');
      const harness = await start();
      await channelWithDigest(harness);
      harness.slack.addChannel({ id: CHANNEL, isArchived: true });
      clock = new Date('2026-01-15T08:00:00Z');
      await harness.bot.deliverNow();
      await waitFor(() => harness.logs.some((l) => l.includes('"digest stopped: the channel is gone"')), 'the digest stopped');
      expect(digests(harness)).toHaveLength(0);
      harness.slack.addChannel({ id: CHANNEL, isArchived: false });
      expect(visibleText((await harness.ask('list')).body as object)).toMatch(/Digest\*: none/);
    });

    it('refuses a time zone Intl does not know, in one sentence, and keeps none', async () => {
      const harness = await start();
      const answer = visibleText((await harness.ask('digest daily 08:00 Mars/Olympus')).body as object);
      expect(answer).toMatch(/^:warning: That is not a time zone I know: use an IANA name like `Europe\/Berlin`/);
      expect(visibleText((await harness.ask('list')).body as object)).toMatch(/Digest\*: none/);
      const help = visibleText((await harness.ask('help')).body as object);
      expect(help).toContain('`/datajob digest daily|weekdays <HH:MM> [time zone] [quiet]`');
      expect(help).toContain('`/datajob quiet <HH:MM>-<HH:MM> [time zone] [all]`');
    });

    it('goes once when the bot restarts one second before the hour', async () => {
      clock = new Date('2026-01-15T07:59:59Z');
      const harness = await start();
      await channelWithDigest(harness);
      await harness.bot.deliverNow();
      await harness.bot.stop();
      clock = new Date('2026-01-15T08:00:00Z');
      harness.bot = await anotherBot(harness);
      extra.pop();
      await harness.bot.deliverNow();
      await waitFor(() => digests(harness).length === 1, 'the digest after the restart');
      await harness.bot.deliverNow();
      expect(digests(harness)).toHaveLength(1);
    });

    it('goes once after downtime over two days: one catch-up digest, then the next at its hour', async () => {
      clock = new Date('2026-01-15T07:00:00Z');
      const harness = await start();
      await channelWithDigest(harness);
      await harness.bot.stop();
      clock = new Date('2026-01-17T12:00:00Z');
      harness.bot = await anotherBot(harness);
      extra.pop();
      await harness.bot.deliverNow();
      await waitFor(() => digests(harness).length === 1, 'the catch-up digest');
      await harness.bot.deliverNow();
      expect(digests(harness)).toHaveLength(1);
      // The next is due at its own hour, not one per missed day.
      clock = new Date('2026-01-18T07:59:00Z');
      await harness.bot.deliverNow();
      expect(digests(harness)).toHaveLength(1);
      clock = new Date('2026-01-18T08:00:00Z');
      await harness.bot.deliverNow();
      await waitFor(() => digests(harness).length === 2, 'the next day’s digest');
    });

    it('keeps its local hour over a daylight-saving change, neither skipped nor doubled', async () => {
      // New York springs forward on 2026-03-08: 09:00 is 14:00Z the day before, 13:00Z that day.
      clock = new Date('2026-03-07T13:00:00Z');
      const harness = await start();
      await channelWithDigest(harness, 'digest daily 09:00 America/New_York');
      for (const [iso, expected] of [
        ['2026-03-07T13:59:00Z', 0],
        ['2026-03-07T14:00:00Z', 1],
        ['2026-03-08T12:59:00Z', 1],
        ['2026-03-08T13:00:00Z', 2],
        ['2026-03-08T14:00:00Z', 2],
      ] as const) {
        clock = new Date(iso);
        await harness.bot.deliverNow();
        await waitFor(() => digests(harness).length === expected, `${expected} digests at ${iso}`);
      }
    });

    /** Another connection to the bot's store, as a second process would have: to seed a channel following many jobs. */
    async function storeOf(harness: Harness): Promise<Store> {
      if (engine === 'sqlite') return openSqliteStore({ path: join(harness.dataDir, SQLITE_FILE_NAME) });
      return openPostgresStore({ connectionString: testDatabaseUrl as string, schema: harness.env.DATABASE_SCHEMA as string });
    }

    /** As a process that posted the day's digest and died before recording it would leave it: claimed, its claim run out, unsent. */
    async function forgetDigestSent(harness: Harness): Promise<void> {
      const store = await storeOf(harness);
      const sql = "UPDATE digests SET sent_at = NULL, ref = NULL, claimed_by = 'dead-replica', claimed_until = created_at";
      if ('db' in store) (store as SqliteStore).db.prepare(sql).run();
      else await (store as PostgresStore).pool.query(sql);
      await store.close();
    }

    it('is not posted again when its sender died after Slack took it', async () => {
      clock = new Date('2026-01-15T07:59:00Z');
      const harness = await start();
      await channelWithDigest(harness);
      clock = new Date('2026-01-15T08:00:00Z');
      await harness.bot.deliverNow();
      await waitFor(() => digests(harness).length === 1, 'the digest');
      await forgetDigestSent(harness);
      clock = new Date('2026-01-15T08:05:00Z');
      const looked = harness.slack.callsTo('conversations.history').length;
      await harness.bot.deliverNow();
      await harness.bot.deliverNow();
      expect(digests(harness)).toHaveLength(1);
      // It was looked for in the channel, found, and recorded as sent.
      expect(harness.slack.callsTo('conversations.history').length).toBeGreaterThan(looked);
    });

    it('tells of 500 jobs within Block Kit’s limits, the rest a button away in a paged modal', async () => {
      clock = new Date('2026-01-15T07:00:00Z');
      const harness = await start();
      const store = await storeOf(harness);
      const statuses = ['running', 'needs_review', 'completed', 'failed', 'ready_to_start'];
      for (let i = 0; i < 500; i++) {
        const jobId = `dj-many-${i}`;
        const status = statuses[i % statuses.length] as string;
        const { subscription } = await store.addSubscription({
          channelId: CHANNEL,
          jobId,
          filter: 'changes',
          createdBy: 'U_ALICE',
          createdAt: clock,
        });
        await store.setCardTs(subscription.id, `1768460000.${String(i).padStart(6, '0')}`);
        await store.initWatch(jobId, {
          snapshot: {
            name: `Batch <!channel> ${i}`,
            status,
            alignment: null,
            counts: { done: i, failed: i % 3, processing: 0, queued: 0 },
            reportedFailures: [],
            updatedAt: '2026-01-15T06:00:00Z',
          },
          lastChangeAt: '2026-01-15T06:00:00Z',
          stallNotified: false,
          unreachableSince: null,
          unreachableNotified: false,
        });
      }
      await store.close();
      await harness.ask('digest daily 08:00');
      clock = new Date('2026-01-15T08:00:00Z');
      await harness.bot.deliverNow();
      const digest = await waitFor(() => digests(harness).length === 1 && digests(harness)[0], 'the digest');
      const text = visibleText(digest);
      expect(text).not.toContain('<!channel>');
      expect(text).toMatch(/100 failed · 200 waiting · 100 running · 100 completed/);
      await harness.click({ channel: CHANNEL, ts: digest.ts }, DIGEST_ACTIONS.open);
      const view = await waitFor(() => harness.slack.views().find((v) => /Page 1 of 25/.test(visibleText({ blocks: v.blocks }))), 'page 1');
      await harness.click({ viewId: view.id }, DIGEST_ACTIONS.next);
      await waitFor(() => /Page 2 of 25/.test(visibleText({ blocks: harness.slack.view(view.id)?.blocks })), 'page 2');
    });

    it.skipIf(engine !== 'postgres')('goes once with two replicas due at the same instant', async () => {
      clock = new Date('2026-01-15T07:59:00Z');
      const harness = await start();
      await channelWithDigest(harness);
      const replica = await anotherBot(harness);
      clock = new Date('2026-01-15T08:00:00Z');
      await Promise.all([harness.bot.deliverNow(), replica.deliverNow(), harness.bot.deliverNow(), replica.deliverNow()]);
      await waitFor(() => digests(harness).length === 1, 'the digest');
      // The lease moves to the replica: it finds the day's digest planned and sent.
      await harness.bot.stop();
      harness.bot = await anotherBot(harness);
      extra.pop();
      await replica.deliverNow();
      await new Promise((r) => setTimeout(r, 300));
      expect(digests(harness)).toHaveLength(1);
    });
  });
}
