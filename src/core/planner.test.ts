import { describe, expect, it } from 'vitest';
import { makeAlignment, makeJob, makeJobWithFiles } from '../../test/support/make-job.js';
import type { DataJob } from '../domain/data-job.js';
import type { Observation } from '../domain/diff.js';
import type { SubscriptionFilter } from '../domain/events.js';
import { readJob } from '../domain/job-reading.js';
import type { OutboxItem } from '../domain/messages.js';
import type { JobWatch } from '../domain/snapshot.js';
import { answerToSkip, type CardStage, type Listener, ownerDeliveries, type PlanInput, planJob } from './planner.js';

const settings = { stallAfterMinutes: 60, unreachableAfterMinutes: 10 };
const T = (minutes: number) => new Date(Date.UTC(2026, 6, 28, 14, 0) + minutes * 60_000);
const seen = (job: DataJob): Observation => ({ kind: 'seen', reading: readJob(job) });
const down: Observation = { kind: 'unreachable', reason: 'SeekrFlow is not answering right now.' };

const plan = (input: Partial<PlanInput> & Pick<PlanInput, 'observation'>) =>
  planJob({ jobId: 'dj-1', previous: null, listeners: [], settings, now: T(1), version: '7.2', ...input });
/** What the bot remembers after first seeing `job` at minute 0. */
const baseline = (job: DataJob): JobWatch => plan({ observation: seen(job), now: T(0) }).watch;

const listener = (id: number, filter: SubscriptionFilter = 'changes', card: CardStage = 'posted'): Listener => ({ id, filter, card });
/** Each delivery as `subscription:key:what`, what being the card or the event type. */
const routed = (deliveries: { subscriptionId: number; key: string; item: OutboxItem }[]) =>
  deliveries.map(
    ({ subscriptionId, key, item }) => `${subscriptionId}:${key}:${item.kind === 'reply' ? item.reply.event.type : item.kind}`,
  );

const processing = makeJobWithFiles([{ state: 'processing', name: 'a.pdf' }, { state: 'processing' }], {
  id: 'dj-1',
  status: 'file_processing',
});
const oneFailed = makeJobWithFiles([{ state: 'failed', name: 'a.pdf' }, { state: 'processing' }], {
  id: 'dj-1',
  status: 'file_processing',
});
const review = makeJobWithFiles([{ state: 'failed', name: 'a.pdf' }, { state: 'done' }], { id: 'dj-1', status: 'needs_review' });
const running = (progress: number) =>
  makeJob({ id: 'dj-1', status: 'running', alignment_job: makeAlignment({ status: 'running', progress }), updated_at: `u-${progress}` });
const completed = makeJob({ id: 'dj-1', status: 'completed', alignment_job: makeAlignment({ status: 'completed', progress: 100 }) });

describe('planJob: who hears what', () => {
  it.each<[string, DataJob, DataJob, Listener[], string[]]>([
    [
      'a failure: the card for everyone, the reply for those whose filter hears it',
      processing,
      oneFailed,
      [listener(1, 'changes'), listener(2, 'failures'), listener(3, 'all')],
      [
        '1:card:card',
        '1:event:7.2:0:files_failed',
        '2:card:card',
        '2:event:7.2:0:files_failed',
        '3:card:card',
        '3:event:7.2:0:files_failed',
      ],
    ],
    [
      'a status change is not news to a failures-only channel',
      makeJob({ id: 'dj-1', status: 'ready_to_start' }),
      makeJob({ id: 'dj-1', status: 'file_processing' }),
      [listener(1, 'changes'), listener(2, 'failures')],
      ['1:card:card', '1:event:7.2:0:status_changed', '2:card:card'],
    ],
    [
      'alignment finishing is heard only with all',
      running(90),
      makeJob({ id: 'dj-1', status: 'running', alignment_job: makeAlignment({ status: 'completed', progress: 100 }) }),
      [listener(1, 'changes'), listener(2, 'all')],
      ['1:card:card', '2:card:card', '2:event:7.2:0:alignment_finished'],
    ],
    ['progress alone refreshes the card and says nothing', running(40), running(45), [listener(1, 'all')], ['1:card:card']],
    [
      'a subscription whose card is still being posted gets nothing (subscribing records its own baseline)',
      processing,
      oneFailed,
      [listener(1, 'all', 'setting_up'), listener(2, 'all')],
      ['2:card:card', '2:event:7.2:0:files_failed'],
    ],
    [
      'replies keep the order of events, each with its own key',
      processing,
      review,
      [listener(1, 'failures')],
      ['1:card:card', '1:event:7.2:0:files_failed', '1:event:7.2:1:needs_review'],
    ],
  ])('%s', (_name, before, after, listeners, expected) => {
    expect(routed(plan({ previous: baseline(before), observation: seen(after), listeners }).deliveries)).toEqual(expected);
  });

  it('marks what needs a person as loud: failures, review and the end', () => {
    const result = plan({ previous: baseline(processing), observation: seen(review), listeners: [listener(1, 'all')] });
    const loud = result.deliveries.flatMap(({ item }) => (item.kind === 'reply' ? [[item.reply.event.type, item.reply.loud]] : []));
    expect(loud).toEqual([
      ['files_failed', true],
      ['needs_review', true],
    ]);
    const quiet = plan({ previous: baseline(makeJob({ id: 'dj-1', status: 'ready_to_start' })), observation: seen(running(1)) });
    expect(quiet.events.map((e) => e.type)).toEqual(['alignment_started']);
  });

  it('keeps each reply to the job it is about, by id and by the name it had', () => {
    const result = plan({ previous: baseline(processing), observation: seen({ ...oneFailed, name: 'Claims' }), listeners: [listener(1)] });
    const reply = result.deliveries.find((d) => d.item.kind === 'reply')?.item;
    expect(reply?.kind === 'reply' && reply.reply).toMatchObject({ job: { id: 'dj-1', name: 'Claims' }, eventId: '7.2.0' });
  });
});

describe('planJob: the end of a job', () => {
  it('ends every subscription when the job ends, with its final status', () => {
    const result = plan({
      previous: baseline(running(90)),
      observation: seen(completed),
      listeners: [listener(1), listener(2, 'failures')],
    });
    expect(result.events.map((e) => e.type)).toEqual(['ended']);
    expect(result.end).toEqual({ ids: [1, 2], reason: 'completed' });
    expect(result.card?.card.ended).toBe(true);
  });

  it('a job that was already over when last seen still ends its listeners: they never heard the end', () => {
    const result = plan({ previous: baseline(completed), observation: seen(completed), listeners: [listener(3)] });
    expect(result.events).toEqual([{ type: 'ended', status: 'completed', failedFiles: 0, doneFiles: 0 }]);
    expect(routed(result.deliveries)).toEqual(['3:card:card', '3:event:7.2:0:ended']);
    expect(result.end).toEqual({ ids: [3], reason: 'completed' });
  });
});

describe('planJob: when nothing is written', () => {
  it('is idle when the job is as it was and no clock moved', () => {
    const result = plan({ previous: baseline(running(40)), observation: seen(running(40)), now: T(0), listeners: [listener(1)] });
    expect(result).toMatchObject({ idle: true, events: [], card: null, deliveries: [], end: null });
  });

  it('is not idle when only the memory moved (an outage has begun): the clock must be kept', () => {
    const result = plan({ previous: baseline(running(40)), observation: down, listeners: [listener(1)] });
    expect(result.idle).toBe(false);
    expect(result.deliveries).toEqual([]);
    expect(result.watch.unreachableSince).toBe(T(1).toISOString());
  });

  it('tells an outage in the thread only: the card keeps the last data it had', () => {
    const previous = plan({ previous: baseline(running(40)), observation: down, now: T(1) }).watch;
    const result = plan({ previous, observation: down, now: T(20), listeners: [listener(1, 'failures')] });
    expect(result.card).toBeNull();
    expect(routed(result.deliveries)).toEqual(['1:event:7.2:0:unreachable']);
  });

  it('records a baseline at the first sighting and says nothing', () => {
    const result = plan({ observation: seen(review), listeners: [listener(1, 'all')] });
    expect(result.events).toEqual([]);
    expect(result.deliveries).toEqual([]);
    expect(result.watch.snapshot?.status).toBe('needs_review');
  });
});

describe('planJob: a team feed’s subscriptions', () => {
  it('posts the card of a job a feed just found with its first plan, even with nothing new to say', () => {
    const result = plan({ observation: seen(processing), listeners: [listener(4, 'changes', 'to_post')] });
    expect(result.events).toEqual([]);
    expect(routed(result.deliveries)).toEqual(['4:card:card']);
    expect(result.idle).toBe(false);
  });

  it('keeps a failures feed quiet while all is well, and speaks when the job first needs a person', () => {
    const quiet = plan({
      previous: baseline(processing),
      observation: seen(makeJob({ id: 'dj-1', status: 'ready_to_start' })),
      listeners: [listener(5, 'failures', 'on_need')],
    });
    expect(quiet.deliveries).toEqual([]);
    expect(quiet.stopWaiting).toEqual([]);
    const needed = plan({ previous: baseline(processing), observation: seen(oneFailed), listeners: [listener(5, 'failures', 'on_need')] });
    expect(routed(needed.deliveries)).toEqual(['5:card:card', '5:event:7.2:0:files_failed']);
    expect(needed.stopWaiting).toEqual([5]);
  });

  it.each([
    ['completes cleanly: nothing is posted, the subscription ends quietly', completed, [], []],
    ['fails: the card and the end are posted', makeJob({ id: 'dj-1', status: 'failed' }), ['6:card:card', '6:event:7.2:0:ended'], [6]],
  ] as const)('a waiting failures subscription whose job %s', (_name, end, expected, stopped) => {
    const result = plan({ previous: baseline(running(90)), observation: seen(end), listeners: [listener(6, 'failures', 'on_need')] });
    expect(routed(result.deliveries)).toEqual(expected);
    expect(result.stopWaiting).toEqual(stopped);
    expect(result.end?.ids).toEqual([6]);
  });
});

describe('ownerDeliveries', () => {
  const telling = (before: DataJob, after: DataJob, quiet: boolean) =>
    ownerDeliveries(plan({ previous: baseline(before), observation: seen(after), listeners: [listener(1)] }), {
      subscriptionId: 9,
      quiet,
    }).map((d) => `${d.subscriptionId}:${d.key}:${d.item.kind === 'reply' ? `${d.item.reply.event.type}:${d.item.reply.audience}` : ''}`);

  it('tells the owner once per event what needs them: failed files, review, a failed end', () => {
    expect(telling(processing, review, false)).toEqual([
      '9:owner:event:7.2:0:files_failed:owner',
      '9:owner:event:7.2:1:needs_review:owner',
    ]);
    expect(telling(running(90), makeJob({ id: 'dj-1', status: 'failed' }), true)).toEqual(['9:owner:event:7.2:0:ended:owner']);
  });

  it('tells a clean end unless the owner asked for quiet, and never mere progress or status', () => {
    expect(telling(running(90), completed, false)).toEqual(['9:owner:event:7.2:0:ended:owner']);
    expect(telling(running(90), completed, true)).toEqual([]);
    expect(telling(makeJob({ id: 'dj-1', status: 'ready_to_start' }), running(1), false)).toEqual([]);
  });
});

describe('which answer a poll may leave unread', () => {
  const read = (job: DataJob, bodyHash = 'h1'): JobWatch =>
    plan({ observation: { kind: 'seen', reading: readJob(job), bodyHash }, now: T(0) }).watch;
  const cases: { when: string; previous: JobWatch | null; listeners?: Listener[]; skip: string | null }[] = [
    { when: 'the watch was read from an answer', previous: read(processing), skip: 'h1' },
    { when: 'there is no watch yet', previous: null, skip: null },
    { when: 'the watch was stored before hashes', previous: baseline(processing), skip: null },
    {
      // The identity names the reading: the client never finds one of another build's unchanged.
      when: 'the watch was read by a build that read jobs differently (the client tells)',
      previous: { ...read(processing), answer: 'another-reading:h1' },
      skip: 'another-reading:h1',
    },
    {
      when: 'SeekrFlow was unreachable (coming back is told with the card)',
      previous: plan({ previous: read(processing), observation: down, now: T(1) }).watch,
      skip: null,
    },
    { when: 'the job had ended (newcomers hear the end)', previous: read(completed), skip: null },
    {
      when: "a listener's card waits to be posted",
      previous: read(processing),
      listeners: [listener(1), listener(2, 'all', 'to_post')],
      skip: null,
    },
    {
      when: "a failures feed's card waits for a need",
      previous: read(processing),
      listeners: [listener(2, 'failures', 'on_need')],
      skip: 'h1',
    },
  ];
  it.each(cases)('$when: $skip', ({ previous, listeners, skip }) => {
    expect(answerToSkip(previous, listeners ?? [listener(1)])).toBe(skip);
  });

  it('an unchanged answer moves only the stall clock', () => {
    const previous = read(processing);
    const quiet = plan({ previous, observation: { kind: 'unchanged' }, listeners: [listener(1)], now: T(30) });
    expect(quiet).toMatchObject({ events: [], card: null, idle: true, watch: previous });
    const stalled = plan({ previous, observation: { kind: 'unchanged' }, listeners: [listener(1)], now: T(61) });
    expect(routed(stalled.deliveries)).toEqual(['1:event:7.2:0:stalled']);
    expect(stalled.watch).toEqual({ ...previous, stallNotified: true });
  });
});
