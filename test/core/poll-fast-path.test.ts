import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../simulator/server.js';
import { runPollPass } from '../../src/core/poll-pass.js';
import type { JobSource } from '../../src/core/ports/job-source.js';
import type { DataJob } from '../../src/domain/data-job.js';
import type { OutboxItem } from '../../src/domain/messages.js';
import { createSeekrFlowClient, type SeekrFlowClientOptions } from '../../src/seekrflow/client.js';
import { openSqliteStore, type SqliteStore } from '../../src/storage/sqlite/store.js';
import { makeAlignment, makeBusyJob, makeEvent, makeJobWithFiles } from '../support/make-job.js';

/**
 * The fast path (an answer byte for byte the one the watch was read from is not read again) must
 * never hide a change. Two bots poll the same simulator, each with its own SQLite store: one as
 * built, one whose poll always reads the answer in full (what the bot did before the fast path).
 * For every change the table makes to the job, both must queue the same messages; for a change the
 * card shows, that is at least one message.
 */

const logger = pino({ level: 'silent' });
const JOB = 'dj-fast-path-0001';
const CHANNEL = 'C0FASTPATH';
const T0 = Date.UTC(2026, 6, 28, 15, 0);
const settings = { stallAfterMinutes: 60, unreachableAfterMinutes: 10, concurrency: 4 };

let sim: Simulator;
let dir: string;

interface Bot {
  store: SqliteStore;
  jobs: JobSource;
  /** Answers the poll left unread because they were the same bytes. */
  unread: number;
}

/** The same client, counting the answers it did not read. */
function counting(bot: Omit<Bot, 'jobs' | 'unread'>, source: JobSource): Bot {
  const counted: Bot = {
    ...bot,
    unread: 0,
    jobs: {
      getDataJob: (id) => source.getDataJob(id),
      recheckDataJob: async (id, knownHash) => {
        const result = await source.recheckDataJob(id, knownHash);
        if (result.ok && 'unchanged' in result) counted.unread += 1;
        return result;
      },
    },
  };
  return counted;
}

const seekrflow = (more: Partial<SeekrFlowClientOptions> = {}) =>
  createSeekrFlowClient({
    baseUrl: sim.url,
    apiKey: sim.apiKey,
    teamId: sim.teamId ?? undefined,
    timeoutMs: 5_000,
    retry: { limit: 0 },
    ...more,
  });

async function startBot(name: string, alwaysRead: boolean): Promise<Bot> {
  const store = openSqliteStore({ path: join(dir, `${name}.sqlite`) });
  const client = seekrflow();
  // Before the fast path: every answer read, whatever the watch remembers.
  const source: JobSource = alwaysRead ? { getDataJob: client.getDataJob, recheckDataJob: (id) => client.getDataJob(id) } : client;
  const { subscription } = await store.addSubscription({
    channelId: CHANNEL,
    jobId: JOB,
    filter: 'all',
    createdBy: 'U0OWNER',
    createdAt: new Date(T0),
  });
  await store.setCardTs(subscription.id, '1700000000.000100');
  return counting({ store }, source);
}

/** One pass at `minute` past T0, then what it queued (taken out of the outbox). */
async function pass(bot: Bot, minute: number): Promise<OutboxItem[]> {
  const at = new Date(T0 + minute * 60_000);
  await runPollPass({ watches: bot.store, subscriptions: bot.store, jobs: bot.jobs, settings, logger, now: () => at });
  const claimed = await bot.store.claimDeliveries('test', at, 60_000, 100);
  await bot.store.completeDeliveries(claimed.map((d) => d.id));
  return claimed.map((d) => d.item);
}

const baseJob = (): DataJob =>
  makeJobWithFiles(
    [
      { state: 'done', name: 'intro.pdf' },
      { state: 'failed', name: 'scan-01.pdf', error: 'No extractable text found.', fix: 'Run OCR and upload it again.' },
      { state: 'processing', name: 'appendix.pdf' },
      { state: 'queued', name: 'glossary.pdf' },
    ],
    {
      id: JOB,
      status: 'file_processing',
      alignment_job: makeAlignment({ status: 'running', step_progress: '184/520', progress: 42.5 }),
      timeline: [makeEvent()],
    },
  );

const record = (job: DataJob, i: number) => {
  const r = job.ingestion_jobs[0]?.records[i];
  if (!r) throw new Error(`no record ${i}`);
  return r;
};

/** A change to the served job, and whether the card shows it (so the full read queues something). */
const CHANGES: { what: string; shown: boolean; ends?: true; change: (job: DataJob) => void }[] = [
  { what: 'name', shown: true, change: (j) => Object.assign(j, { name: 'Claims handbook, renamed' }) },
  { what: 'status to queued', shown: true, change: (j) => Object.assign(j, { status: 'queued' }) },
  { what: 'status to needs_review', shown: true, change: (j) => Object.assign(j, { status: 'needs_review' }) },
  { what: 'status to completed (the end)', shown: true, ends: true, change: (j) => Object.assign(j, { status: 'completed' }) },
  { what: 'status to an unknown value', shown: true, change: (j) => Object.assign(j, { status: 'paused_by_ops' }) },
  { what: 'updated_at', shown: true, change: (j) => Object.assign(j, { updated_at: '2026-07-28T15:30:00.000000Z' }) },
  {
    what: 'a processing file fails',
    shown: true,
    change: (j) =>
      Object.assign(record(j, 2), { status: 'failed', error_message: 'Password protected.', failed_at: '2026-07-28T15:10:00Z' }),
  },
  { what: 'a queued file completes', shown: true, change: (j) => Object.assign(record(j, 3), { status: 'completed' }) },
  {
    what: 'a file is added',
    shown: true,
    change: (j) => {
      const more = makeJobWithFiles([{ state: 'queued', name: 'late.pdf' }]);
      j.files.push(...more.files.map((f) => ({ ...f, file_id: 'file-late', record_id: 'rec-late' })));
      j.ingestion_jobs[0]?.records.push(...(more.ingestion_jobs[0]?.records ?? []).map((r) => ({ ...r, record_id: 'rec-late' })));
    },
  },
  { what: 'alignment progress', shown: true, change: (j) => Object.assign(j.alignment_job ?? {}, { progress: 61 }) },
  { what: 'alignment step progress', shown: true, change: (j) => Object.assign(j.alignment_job ?? {}, { step_progress: '300/520' }) },
  { what: 'alignment finishes', shown: true, change: (j) => Object.assign(j.alignment_job ?? {}, { status: 'completed' }) },
  { what: 'alignment removed', shown: true, change: (j) => Object.assign(j, { alignment_job: null }) },
  // What the card shows but the bot does not diff: a change alone never moved the card before either.
  {
    what: "the failed file's error text",
    shown: false,
    change: (j) => Object.assign(record(j, 1), { error_message: 'Scanned image only.' }),
  },
  { what: 'a timeline event', shown: false, change: (j) => j.timeline.push(makeEvent({ event_type: 'note', message: 'A note' })) },
  { what: 'a fine-tuning job', shown: false, change: (j) => j.fine_tuning_job_ids.push('ft-0001') },
  { what: 'job_type', shown: false, change: (j) => Object.assign(j, { job_type: 'qa_pairs' }) },
  { what: 'a field the bot does not know', shown: false, change: (j) => Object.assign(j, { from_the_future: { v: 2 } }) },
];

beforeEach(async () => {
  sim = await startSimulator({ clock: 'manual' });
  dir = mkdtempSync(join(tmpdir(), 'datajob-fast-path-'));
  sim.putJob(baseJob());
});
afterEach(async () => {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the poll fast path', () => {
  it('leaves an unchanged answer unread, queues nothing and writes nothing', async () => {
    const bot = await startBot('fast', false);
    expect(await pass(bot, 0)).toEqual([]); // the baseline
    const before = await bot.store.getWatch(JOB);
    for (let minute = 1; minute <= 3; minute++) expect(await pass(bot, minute)).toEqual([]);
    expect(bot.unread).toBe(3);
    expect(sim.requestCount(JOB)).toBe(4);
    expect((await bot.store.getWatch(JOB))?.version).toBe(before?.version);
    await bot.store.close();
  });

  it.each(CHANGES)('queues what a full read queues when $what changes', async ({ change, shown, ends }) => {
    const { fast, passBoth, close } = await fastAndFull();
    await passBoth(0);
    await passBoth(1); // unchanged: the fast bot leaves it unread
    expect(fast.unread).toBe(1);
    sim.updateJob(JOB, change);
    const fromFull = await passBoth(2);
    if (shown) expect(fromFull.length).toBeGreaterThan(0);
    // And after the change, the new answer is the one left unread (an ended job is polled no more).
    expect(await passBoth(3)).toEqual([]);
    expect(fast.unread).toBe(ends ? 1 : 2);
    await close();
  });

  it('still tells a stall: the clock runs while the answer stays the same', async () => {
    const { fast, passBoth, close } = await fastAndFull();
    const told: string[] = [];
    for (const minute of [0, 30, 59, 61, 90, 200]) told.push(...(await passBoth(minute)).map(eventType));
    expect(told).toEqual(['stalled']);
    expect(fast.unread).toBe(5);
    await close();
  });

  it('still tells an outage and the way back, when the answer after it is the same', async () => {
    const { fast, passBoth, close } = await fastAndFull();
    const told: string[] = [];
    const passes = async (...minutes: number[]) => {
      for (const minute of minutes) told.push(...(await passBoth(minute)).map(eventType));
    };
    await passes(0);
    sim.setFault({ kind: 'status', status: 503 }, { jobId: JOB });
    await passes(1, 5, 12);
    sim.clearFaults();
    await passes(13, 14);
    expect(told).toEqual(['unreachable', 'card', 'reachable_again']);
    // The first answer after the outage is read in full (it brings the card back); the next is not.
    expect(fast.unread).toBe(1);
    await close();
  });
});

describe('a deploy that reads jobs differently', () => {
  it('reads a watch stored by another reading version in full once, then leaves it unread again', async () => {
    const bot = await startBot('versions', false);
    const earlier = counting({ store: bot.store }, seekrflow({ readingVersion: 'an-earlier-build' }));
    await pass(earlier, 0);
    await pass(earlier, 1);
    expect(earlier.unread).toBe(1);
    expect((await bot.store.getWatch(JOB))?.watch.answer).toMatch(/^an-earlier-build:/);
    // This build, the same store, SeekrFlow's bytes unchanged: read in full (it queues nothing new), then left unread.
    expect(await pass(bot, 2)).toEqual([]);
    expect(bot.unread).toBe(0);
    expect((await bot.store.getWatch(JOB))?.watch.answer).not.toMatch(/^an-earlier-build:/);
    await pass(bot, 3);
    expect(bot.unread).toBe(1);
    await bot.store.close();
  });
});

describe('where a poll reads a large job', () => {
  it("hands a job seen large to the client's reader, a full read after an outage included", async () => {
    sim.putJob(makeBusyJob(1_000, { failedEvery: 10 }, { id: JOB, status: 'file_processing' })); // over 512 KB
    const asked: (string | null)[] = [];
    const inline = seekrflow();
    const client = seekrflow({
      // Where the reader threads would make it: here, another client (what is asked is what matters).
      reader: {
        recheck(id, knownHash) {
          asked.push(knownHash === null ? 'in full' : 'may skip');
          return inline.recheckDataJob(id, knownHash);
        },
      },
    });
    const bot = await startBot('large', false);
    const passAt = (minute: number) => pass({ ...bot, jobs: client }, minute);
    await passAt(0); // its size not known yet: read where the pass runs
    await passAt(1);
    sim.setFault({ kind: 'status', status: 503 }, { jobId: JOB });
    await passAt(2);
    expect((await bot.store.getWatch(JOB))?.watch.unreachableSince).not.toBeNull();
    sim.clearFaults();
    await passAt(3); // SeekrFlow back: read in full, on the reader
    expect(asked).toEqual(['may skip', 'may skip', 'in full']);
    expect((await bot.store.getWatch(JOB))?.watch.unreachableSince).toBeNull();
    await bot.store.close();
  });
});

/**
 * A bot as built and one that always reads in full, side by side. `passBoth` runs one pass in each
 * at the same minute, asserts that they queued the same messages, and gives them back.
 */
async function fastAndFull() {
  const fast = await startBot('fast', false);
  const full = await startBot('full', true);
  return {
    fast,
    async passBoth(minute: number): Promise<OutboxItem[]> {
      const [fromFast, fromFull] = [await pass(fast, minute), await pass(full, minute)];
      expect(fromFast).toEqual(fromFull);
      return fromFull;
    },
    close: async () => {
      await fast.store.close();
      await full.store.close();
    },
  };
}

function eventType(item: OutboxItem): string {
  return item.kind === 'reply' ? item.reply.event.type : item.kind;
}

describe('a pass over more jobs than it reads at once', () => {
  it('gives each job its own memory: 450 jobs, one changes, one channel hears it', async () => {
    const store = openSqliteStore({ path: join(dir, 'many.sqlite') });
    const client = seekrflow();
    const ids = Array.from({ length: 450 }, (_, i) => `dj-many-${String(i).padStart(4, '0')}`);
    const channelOf = new Map<number, string>();
    for (const [i, id] of ids.entries()) {
      sim.putJob(makeJobWithFiles([{ state: 'processing' }], { id, name: `Job ${i}`, status: 'file_processing' }));
      const { subscription } = await store.addSubscription({
        channelId: `C${i}`,
        jobId: id,
        filter: 'all',
        createdBy: 'U0OWNER',
        createdAt: new Date(T0),
      });
      await store.setCardTs(subscription.id, `1700000000.${String(i).padStart(6, '0')}`);
      channelOf.set(subscription.id, `C${i}`);
    }
    const run = async (minute: number) => {
      const at = new Date(T0 + minute * 60_000);
      const report = await runPollPass({ watches: store, subscriptions: store, jobs: client, settings, logger, now: () => at });
      const claimed = await store.claimDeliveries('test', at, 60_000, 1_000);
      await store.completeDeliveries(claimed.map((d) => d.id));
      return { report, told: claimed.map((d) => `${channelOf.get(d.subscriptionId)}:${eventType(d.item)}:${cardName(d.item)}`) };
    };
    expect((await run(0)).report).toMatchObject({ jobs: 450, fetchFailures: 0, changedJobs: 0, conflicts: 0 });
    sim.updateJob('dj-many-0437', (j) => Object.assign(j, { status: 'needs_review' }));
    const { report, told } = await run(1);
    expect(report).toMatchObject({ jobs: 450, changedJobs: 1, conflicts: 0 });
    expect(told.sort()).toEqual(['C437:card:Job 437', 'C437:needs_review:Job 437']);
    await store.close();
  });
});

function cardName(item: OutboxItem): string {
  return item.kind === 'card' ? item.state.card.name : item.kind === 'reply' ? item.reply.job.name : '';
}
