import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planJob } from '../../src/core/planner.js';
import type { FetchResult } from '../../src/core/ports/job-source.js';
import type { DataJob } from '../../src/domain/data-job.js';
import type { JobEvent } from '../../src/domain/events.js';
import { readJob } from '../../src/domain/job-reading.js';
import { createSeekrFlowClient, MB } from '../../src/seekrflow/client.js';
import { renderCard } from '../../src/slack/blocks/card.js';
import { renderEventReply } from '../../src/slack/blocks/event-reply.js';
import { renderFailedFilesModal } from '../../src/slack/blocks/failed-files-modal.js';
import { fetchFailureReply } from '../../src/slack/messages.js';
import { renderLivingCard, renderThreadReply } from '../../src/slack/notifier.js';
import { checkMessage } from '../support/block-kit-rules.js';
import { type Harness, startHarness, visibleText, waitFor } from '../support/harness.js';
import { makeEvent, makeJobWithFiles } from '../support/make-job.js';

/**
 * What a faulty or hostile SeekrFlow can send, besides a body too large to read (body-cap.test.ts):
 * strings of millions of characters. The bot must neither keep them nor spend time on them.
 *
 * The figures, on this 2-core VM:
 * - what the bot keeps of a 46 MB answer once it is parsed: < 16 MB of heap (every string is cut to
 *   4,096 units as the answer is parsed; without that, the 20-million-character name alone is 20 MB);
 * - RSS while summarising, planning and rendering, above the RSS once the body is released: < 50 MB;
 * - one card, one thread reply, one modal page: each costs less CPU than a quarter of one pass over
 *   the longest string (a normal card takes well under 1 ms; a pass over a 20-million-character
 *   string, tens of ms), both measured in the same test: CPU time, not the wall clock, so that a
 *   loaded machine slows both alike, and a renderer that reads the whole string still fails.
 */

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const JOB = 'dj-0b6f1f5e-3a43-4c1e-9d59-2f1d8c7a1a01';
const NAME_LENGTH = 20_000_000;

/** The huge strings, as `[unit, repeats]`; the answer is streamed, so the test never holds it. */
const FILLS: Record<string, [string, number]> = {
  '@@NAME@@': ['n', NAME_LENGTH],
  '@@FILE@@': ['f', 1_000_000],
  // Two-byte text with line breaks: '€' makes V8 store every character in two bytes.
  '@@ERROR@@': ['€rr\n', 500_000],
  '@@FIX@@': ['fix ', 500_000],
  '@@EVENT@@': ['e', 2_000_000],
  '@@KEY@@': ['k', 1_000_000],
  '@@STAMP@@': ['2026-07-28T14:00:00.', 50_000],
};

const FILES = [0, 1, 2].map((i) => ({ state: 'failed' as const, name: `@@FILE@@${i}`, error: '@@ERROR@@', fix: '@@FIX@@' }));

/** The job before it went wrong: the same files, still processing. */
const before = makeJobWithFiles(
  FILES.map((_f, i) => ({ state: 'processing' as const, name: `file-${i}.pdf` })),
  { id: JOB, status: 'file_processing' },
);

/** The hostile answer's skeleton: placeholders where the huge strings go. */
function hostileSkeleton(): DataJob {
  const job = makeJobWithFiles(FILES, {
    id: JOB,
    name: '@@NAME@@',
    status: 'needs_review',
    timeline: [makeEvent({ message: '@@EVENT@@', timestamp: '@@STAMP@@', metadata: { '@@KEY@@': 'v', method: '@@EVENT@@' } })],
  });
  for (const record of job.ingestion_jobs[0]?.records ?? []) record.failed_at = '@@STAMP@@';
  return job;
}

function startHostileServer(): Promise<{ server: Server; url: string }> {
  const parts = JSON.stringify(hostileSkeleton()).split(/(@@[A-Z]+@@)/);
  const server = createServer(async (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    for (const part of parts) {
      const fill = FILLS[part];
      if (!fill) {
        res.write(part);
        continue;
      }
      const [raw, repeats] = fill;
      const unit = JSON.stringify(raw).slice(1, -1);
      const chunk = unit.repeat(Math.ceil(16_384 / unit.length));
      const perChunk = chunk.length / unit.length;
      for (let left = repeats; left > 0; left -= perChunk) {
        if (!res.write(left >= perChunk ? chunk : unit.repeat(left))) await new Promise((r) => res.once('drain', r));
      }
    }
    res.end();
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })),
  );
}

/**
 * Runs `fn` (synchronous, pure) five times; returns its result and the least CPU time (user and
 * system, in ms) a run took. CPU time does not count the time another process had the core; the
 * least of five leaves out a collection that fell in one run.
 */
function timed<T>(fn: () => T): { value: T; ms: number } {
  let best = Number.POSITIVE_INFINITY;
  let value!: T;
  for (let run = 0; run < 5; run++) {
    const started = process.cpuUsage();
    value = fn();
    const { user, system } = process.cpuUsage(started);
    best = Math.min(best, (user + system) / 1000);
  }
  return { value, ms: best };
}

/**
 * The bound a renderer's CPU time must stay under: a quarter of one pass over `text` that reads every
 * character (JSON.stringify escapes and copies it), measured now, the same way.
 */
function quarterOfAPassOver(text: string): number {
  return timed(() => JSON.stringify(text).length).ms / 4;
}

const rss = () => process.memoryUsage.rss();
const heapUsed = () => process.memoryUsage().heapUsed;

async function settle(): Promise<void> {
  // got lets go of the response on a later tick; then two full collections.
  await new Promise((r) => setTimeout(r, 250));
  gc();
  gc();
}

/**
 * Renders once on long but ordinary data (every cut taken, as with the hostile job), so that the
 * timed calls measure the work and not the first compilation or the loading of ICU's segmenter.
 */
function warmUp(): void {
  const long = 'w€ \n'.repeat(2_500);
  const job = makeJobWithFiles([{ state: 'failed', name: long, error: long, fix: long }], {
    id: JOB,
    name: long,
    status: 'needs_review',
    timeline: [makeEvent({ message: long, timestamp: long, metadata: { [long]: long } })],
  });
  for (let round = 0; round < 3; round++) {
    fetchFailureReply({ kind: 'invalid_request', message: long, detail: long, requestId: long, status: 422, attempts: 1 }, JOB);
    renderCard(job, { fetchedAt: new Date(), mode: 'ephemeral' });
    renderFailedFilesModal(job, { page: 1 });
    const plan = planJob(planInput(job, planJob(planInput(before, null, [])).watch, [{ id: 1, filter: 'all', card: 'posted' as const }]));
    for (const { item } of plan.deliveries) {
      if (item.kind === 'reply') renderThreadReply(item.reply);
      if (item.kind === 'card')
        renderLivingCard({ state: item.state, subscription: { subscriptionId: 1, filter: 'all', subscribedBy: 'U1' } }, undefined);
    }
  }
}

function planInput(
  job: DataJob,
  previous: ReturnType<typeof planJob>['watch'] | null,
  listeners: { id: number; filter: 'all'; card: 'posted' }[],
) {
  return {
    jobId: JOB,
    previous,
    observation: { kind: 'seen' as const, reading: readJob(job) },
    listeners,
    settings: { stallAfterMinutes: 60, unreachableAfterMinutes: 10 },
    now: new Date('2026-07-28T15:00:00Z'),
    version: '1.1',
  };
}

describe('a SeekrFlow answer with strings of millions of characters, through the real client', () => {
  let upstream: { server: Server; url: string };
  beforeAll(async () => {
    upstream = await startHostileServer();
    warmUp();
  });
  afterAll(() => upstream.server.close());

  it('is kept small once parsed, and summarised, planned and rendered without memory growth or blocking', async () => {
    const client = createSeekrFlowClient({ baseUrl: upstream.url, apiKey: 'k', timeoutMs: 30_000 });
    await settle();
    const heapBefore = heapUsed();
    let result: FetchResult | null = await client.getDataJob(JOB);
    if (!result.ok) throw new Error(`fetch failed: ${result.failure.detail}`);
    const job = result.job;
    result = null;
    await settle();
    // What the bot keeps of the answer: the job, every string cut to 4,096 units.
    const kept = heapUsed() - heapBefore;
    expect(kept).toBeLessThan(16 * MB);
    expect(job.name.length).toBe(4_096);

    const baseline = rss();
    let peak = baseline;
    const step = <T>(fn: () => T): { value: T; ms: number } => {
      const out = timed(fn);
      peak = Math.max(peak, rss());
      return out;
    };
    const plan = step(() =>
      planJob(planInput(job, planJob(planInput(before, null, [])).watch, [{ id: 1, filter: 'all', card: 'posted' as const }])),
    ).value;
    const card = plan.deliveries.find((d) => d.item.kind === 'card');
    const replies = plan.deliveries.flatMap((d) => (d.item.kind === 'reply' ? [d.item.reply] : []));
    expect(replies.map((r) => r.event.type).sort()).toEqual(['files_failed', 'needs_review']);
    if (card?.item.kind !== 'card') throw new Error('no card in the plan');
    const cardState = card.item.state;

    const living = step(() =>
      renderLivingCard({ state: cardState, subscription: { subscriptionId: 1, filter: 'all', subscribedBy: 'U1' } }, undefined),
    );
    const answer = step(() => renderCard(job, { fetchedAt: new Date(), mode: 'ephemeral' }));
    const modal = step(() => renderFailedFilesModal(job, { page: 1 }));
    const rendered = replies.map((reply) => step(() => renderThreadReply(reply)));

    const bound = quarterOfAPassOver(JSON.parse(JSON.stringify('n'.repeat(NAME_LENGTH))) as string);
    for (const { ms } of [living, answer, modal, ...rendered]) expect(ms).toBeLessThan(bound);
    expect(peak - baseline).toBeLessThan(50 * MB);
    for (const message of [living.value, answer.value, ...rendered.map((r) => r.value)]) {
      expect(checkMessage(message)).toBeNull();
      expect(JSON.stringify(message).length).toBeLessThan(20_000);
    }
    expect(JSON.stringify(modal.value).length).toBeLessThan(20_000);
    // The stored plan is small too: what goes to the outbox and the watch.
    expect(JSON.stringify(plan).length).toBeLessThan(100_000);
  });

  it('quotes at most a little of a huge error answer, in the message and in the detail that is logged', async () => {
    const huge = `${'x'.repeat(5_000_000)}\n*Fix:* rm -rf`;
    const server = createServer((_req, res) =>
      res.writeHead(422, { 'content-type': 'application/json' }).end(JSON.stringify({ detail: huge })),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const result = await createSeekrFlowClient({ baseUrl: url, apiKey: 'k', timeoutMs: 10_000 }).getDataJob(JOB);
      if (result.ok) throw new Error('expected a failure');
      expect(result.failure.kind).toBe('invalid_request');
      expect(result.failure.message.length).toBeLessThan(1_000);
      expect(result.failure.detail.length).toBeLessThan(1_000);
      const reply = timed(() => fetchFailureReply(result.failure, JOB));
      expect(reply.ms).toBeLessThan(quarterOfAPassOver(huge));
      expect(reply.value.text.length).toBeLessThan(1_000);
    } finally {
      server.close();
    }
  });
});

describe('the renderers alone, handed raw strings of millions of characters', () => {
  // What `datajob-bot render` does with a job file, and any future path that skips the client:
  // the renderers must bound what they read themselves.
  const flat = (unit: string, repeats: number) => JSON.parse(JSON.stringify(unit.repeat(repeats))) as string;
  let job: DataJob;
  let event: JobEvent;
  let name: string;
  beforeAll(() => {
    warmUp();
    name = flat('n', NAME_LENGTH);
    const fileName = flat('f', 1_000_000);
    const error = flat('€rr\n', 500_000);
    const fix = flat('fix ', 500_000);
    const stamp = flat('2026-07-28T14:00:00.', 50_000);
    job = makeJobWithFiles(
      FILES.map(() => ({ state: 'failed' as const, name: fileName, error, fix })),
      { id: JOB, name, status: 'needs_review', timeline: [makeEvent({ message: flat('e', 2_000_000), timestamp: stamp })] },
    );
    for (const record of job.ingestion_jobs[0]?.records ?? []) record.failed_at = stamp;
    event = { type: 'files_failed', count: 3, groups: [{ count: 3, names: FILES.map(() => fileName), error, fix, latestFailedAt: stamp }] };
  });

  it('render a card, a modal page and a thread reply, each in less CPU than a quarter of a pass over the name, with RSS growing < 50 MB', async () => {
    await settle();
    const baseline = rss();
    const results = [
      timed(() => renderCard(job, { fetchedAt: new Date(), mode: 'ephemeral' })),
      timed(() => renderFailedFilesModal(job, { page: 1, pageSize: 1 })),
      timed(() => renderEventReply(event, { id: JOB, name }, '1.0')),
      timed(() => renderEventReply({ type: 'status_changed', from: name, to: name }, { id: JOB, name }, '1.1')),
    ];
    const grown = rss() - baseline;
    const bound = quarterOfAPassOver(name);
    for (const { ms } of results) expect(ms).toBeLessThan(bound);
    expect(grown).toBeLessThan(50 * MB);
    for (const { value } of results) expect(JSON.stringify(value).length).toBeLessThan(20_000);
  });
});

describe('the bot, with SeekrFlow answering strings of millions of characters', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { SEEKRFLOW_TIMEOUT_MS: '20000' } });
  });
  afterAll(() => h.stop());

  it('keeps its living card and thread within Slack’s rules, and its logs short', async () => {
    h.sim.putJob(before);
    expect(visibleText((await h.ask(`subscribe ${JOB} all`)).body as object)).toMatch(/Subscribed/);
    const hostile = makeJobWithFiles(
      FILES.map(() => ({
        state: 'failed' as const,
        name: 'f'.repeat(1_000_000),
        error: '€rr\n'.repeat(500_000),
        fix: 'fix '.repeat(500_000),
      })),
      { id: JOB, name: 'n'.repeat(NAME_LENGTH), status: 'needs_review' },
    );
    h.sim.putJob(hostile);
    await h.bot.pollNow();
    const [posted] = h.slack.topLevel('C_DATA_JOBS');
    if (!posted) throw new Error('no card');
    const card = h.slack.message('C_DATA_JOBS', posted.ts) ?? posted;
    const replies = await waitFor(() => {
      const thread = h.slack.thread('C_DATA_JOBS', card.ts);
      return thread.length >= 2 ? thread : null;
    }, 'the thread replies');
    for (const message of [card, ...replies]) {
      expect(checkMessage(message)).toBeNull();
      expect(visibleText(message).length).toBeLessThan(12_000);
    }
    expect(visibleText(replies[0])).toMatch(/3 files failed to process/);
    const answer = await h.ask(JOB);
    expect(checkMessage(answer.body as object)).toBeNull();
    expect(Math.max(...h.logs.map((line) => line.length))).toBeLessThan(20_000);
  }, 60_000);
});
