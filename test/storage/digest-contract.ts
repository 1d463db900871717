import { expect, it } from 'vitest';
import type { DigestSchedule, PlannedDigest, QuietSetting } from '../../src/core/ports/digest.js';
import type { Store } from '../../src/core/ports/store.js';
import type { DigestContent } from '../../src/domain/digest.js';
import type { NewSubscription } from '../../src/domain/subscription.js';
import { replyItem } from '../support/outbox-items.js';
import type { StoreFixture } from './store-contract.js';

/** The digest store's part of the storage contract: run by describeStoreContract against each engine. */

const T0 = new Date('2030-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const DAY = 86_400_000;

const schedule: DigestSchedule = { days: 'daily', minutes: 540, tz: 'Europe/Berlin', skipEmpty: false, setBy: 'U1' };
const quiet: QuietSetting = { start: 1140, end: 480, tz: 'Europe/London', all: false, setBy: 'U2' };

const content = (channelId: string, localDate: string, name = 'nightly ingest'): DigestContent => ({
  channelId,
  localDate,
  since: null,
  sections: {
    failed: [],
    waiting: [],
    stalled: [],
    running: [{ jobId: 'dj-1', name, status: 'running', cardTs: '1.2', done: 1, failed: 0, progress: 40 }],
    completed: [],
  },
});

let seq = 0;
const newSub = (overrides: Partial<NewSubscription> = {}): NewSubscription => ({
  channelId: `CD${++seq}`,
  jobId: `dj-d${seq}`,
  filter: 'changes',
  createdBy: 'U1',
  createdAt: T0,
  ...overrides,
});

export function digestContract(get: () => { store: Store; fixture: StoreFixture }): void {
  const plan = (channelId: string, dueAt: Date, localDate: string, overrides: Partial<PlannedDigest> = {}): PlannedDigest => ({
    channelId,
    dueAt,
    nextDueAt: new Date(dueAt.getTime() + DAY),
    localDate,
    content: content(channelId, localDate),
    silent: false,
    now: dueAt,
    ...overrides,
  });

  it('keeps a channel’s digest and quiet hours, and forgets each when turned off', async () => {
    const { store } = get();
    expect(await store.channelSettings('C-set')).toBeNull();
    await store.setDigest('C-set', schedule, at(DAY), T0);
    await store.setQuiet('C-set', quiet, T0);
    expect(await store.channelSettings('C-set')).toEqual({
      channelId: 'C-set',
      digest: schedule,
      digestDueAt: at(DAY),
      lastDigestAt: null,
      quiet,
    });
    expect(await store.quietHours(['C-set', 'C-none'])).toEqual(new Map([['C-set', quiet]]));
    await store.setDigest('C-set', null, null, T0);
    expect(await store.dueDigests(at(10 * DAY), 10)).toEqual([]);
    await store.setQuiet('C-set', null, T0);
    expect(await store.quietHours(['C-set'])).toEqual(new Map());
  });

  it('plans a day’s digest once, however many replicas plan it at the same time', async () => {
    const { store, fixture } = get();
    await store.setDigest('C-once', schedule, at(1_000), T0);
    expect(await store.dueDigests(at(999), 10)).toEqual([]);
    const [due] = await store.dueDigests(at(1_000), 10);
    expect(due?.digestDueAt).toEqual(at(1_000));
    const replica = await fixture.open();
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => (i % 2 ? replica : store).planDigest(plan('C-once', at(1_000), '2030-01-01'))),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const after = await store.channelSettings('C-once');
    expect(after?.digestDueAt).toEqual(at(1_000 + DAY));
    expect(after?.lastDigestAt).toEqual(at(1_000));
    // The same local date again (a due time moved by a new `digest` command the same day) stores nothing.
    await store.setDigest('C-once', schedule, at(2_000), T0);
    expect(await store.planDigest(plan('C-once', at(2_000), '2030-01-01'))).toBe(false);
    const claimed = await store.claimDigests('w', at(3_000), 60_000, 10);
    expect(claimed.map((d) => [d.channelId, d.localDate, d.content.sections.running[0]?.name])).toEqual([
      ['C-once', '2030-01-01', 'nightly ingest'],
    ]);
  });

  it('hands a digest to one sender at a time, keeps it once sent, and retries it when asked', async () => {
    const { store } = get();
    await store.setDigest('C-send', schedule, T0, T0);
    expect(await store.planDigest(plan('C-send', T0, '2030-01-01'))).toBe(true);
    const [first] = await store.claimDigests('a', T0, 10_000, 10);
    if (!first) throw new Error('nothing claimed');
    expect(first.reclaimed).toBe(false);
    expect(await store.claimDigests('b', at(5_000), 10_000, 10)).toEqual([]);
    // Its claim ran out with no outcome: reclaimed, so the sender knows it may have gone.
    const [again] = await store.claimDigests('b', at(10_000), 10_000, 10);
    expect(again).toMatchObject({ id: first.id, reclaimed: true });
    await store.retryDigest(first.id, at(60_000), 'ratelimited');
    expect(await store.claimDigests('b', at(59_999), 10_000, 10)).toEqual([]);
    const [retried] = await store.claimDigests('b', at(60_000), 10_000, 10);
    expect(retried).toMatchObject({ id: first.id, attempts: 1 });
    await store.completeDigest(first.id, '99.1', at(61_000));
    expect(await store.claimDigests('b', at(DAY), 10_000, 10)).toEqual([]);
    expect((await store.getDigest(first.id))?.content).toEqual(content('C-send', '2030-01-01'));
  });

  it('stores a silent digest as sent: it is never claimed', async () => {
    const { store } = get();
    await store.setDigest('C-silent', { ...schedule, skipEmpty: true }, T0, T0);
    expect(await store.planDigest(plan('C-silent', T0, '2030-01-01', { silent: true }))).toBe(true);
    expect(await store.claimDigests('w', at(1), 10_000, 10)).toEqual([]);
    expect((await store.channelSettings('C-silent'))?.digestDueAt).toEqual(at(DAY));
  });

  it('tells a digest of the channel’s live subscriptions and those ended since the last one', async () => {
    const { store } = get();
    const live = (await store.addSubscription(newSub({ channelId: 'C-jobs' }))).subscription;
    const paused = (await store.addSubscription(newSub({ channelId: 'C-jobs' }))).subscription;
    await store.pauseSubscription(paused.id, 'paused_by_person', { userId: 'U1', at: T0 });
    const endedEarly = (await store.addSubscription(newSub({ channelId: 'C-jobs' }))).subscription;
    await store.commitPass(endedEarly.jobId, {
      expectedVersion: null,
      watch: watchOf(),
      deliveries: [],
      endSubscriptions: { ids: [endedEarly.id], reason: 'completed' },
    });
    await new Promise((r) => setTimeout(r, 30));
    const since = new Date();
    await new Promise((r) => setTimeout(r, 30));
    const endedLater = (await store.addSubscription(newSub({ channelId: 'C-jobs' }))).subscription;
    await store.commitPass(endedLater.jobId, {
      expectedVersion: null,
      watch: watchOf(),
      deliveries: [],
      endSubscriptions: { ids: [endedLater.id], reason: 'failed' },
    });
    await store.addSubscription(newSub({ channelId: 'C-jobs', kind: 'owner' }));
    await store.addSubscription(newSub({ channelId: 'C-other' }));
    const ids = (await store.digestSubscriptions('C-jobs', since)).map((s) => s.id);
    expect(ids).toEqual([live.id, paused.id, endedLater.id]);
    expect((await store.digestSubscriptions('C-jobs', null)).map((s) => s.id)).toEqual([live.id, paused.id, endedEarly.id, endedLater.id]);
  });

  it('holds replies until quiet hours end, without holding back those behind them, across a reopen', async () => {
    const { store, fixture } = get();
    const s = (await store.addSubscription(newSub())).subscription;
    await store.setCardTs(s.id, '1.1');
    await store.enqueue([
      { subscriptionId: s.id, key: 'routine', item: replyItem('routine') },
      { subscriptionId: s.id, key: 'loud', item: replyItem('loud', { loud: true }) },
    ]);
    const [routine] = await store.claimDeliveries('w', T0, 60_000, 1, 'reply');
    expect(routine?.key).toBe('routine');
    await store.holdDeliveries([routine?.id ?? 0], at(8 * 3_600_000));
    // Waiting for the morning on purpose: held, not a stale outbox.
    expect(await store.outboxStats()).toMatchObject({ pending: 1, held: 1 });
    await store.close();
    const reopened = await fixture.open();
    const next = await reopened.claimDeliveries('w', at(1), 60_000, 10, 'reply');
    expect(next.map((d) => [d.key, d.heldUntil ?? null])).toEqual([['loud', null]]);
    await reopened.completeDelivery(next[0]?.id ?? 0);
    expect(await reopened.claimDeliveries('w', at(8 * 3_600_000 - 1), 60_000, 10, 'reply')).toEqual([]);
    const after = await reopened.claimDeliveries('w', at(8 * 3_600_000), 60_000, 10, 'reply');
    expect(after.map((d) => [d.key, d.heldUntil])).toEqual([['routine', at(8 * 3_600_000)]]);
  });

  it('lets what was held go when the channel turns its quiet hours off', async () => {
    const { store } = get();
    const s = (await store.addSubscription(newSub({ channelId: 'C-off' }))).subscription;
    const other = (await store.addSubscription(newSub({ channelId: 'C-still-quiet' }))).subscription;
    await store.enqueue([
      { subscriptionId: s.id, key: 'r1', item: replyItem('r1') },
      { subscriptionId: other.id, key: 'r2', item: replyItem('r2') },
    ]);
    const claimed = await store.claimDeliveries('w', T0, 60_000, 10);
    await store.holdDeliveries(
      claimed.map((d) => d.id),
      at(DAY),
    );
    await store.setQuiet('C-off', null, at(1_000));
    const now = await store.claimDeliveries('w', at(1_000), 60_000, 10);
    expect(now.map((d) => [d.key, d.heldUntil])).toEqual([['r1', at(1_000)]]);
  });
}

function watchOf() {
  return {
    snapshot: null,
    lastChangeAt: T0.toISOString(),
    stallNotified: false,
    unreachableSince: null,
    unreachableNotified: false,
  };
}
