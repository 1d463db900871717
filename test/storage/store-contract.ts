import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { feedMatches } from '../../src/core/feeds.js';
import { type Delivery, type NewDelivery, REPLIES_WAIT_FOR_CARD_MS } from '../../src/core/ports/outbox.js';
import type { EmailResolution } from '../../src/core/ports/owners.js';
import type { PurgeResult } from '../../src/core/ports/retention.js';
import type { Store } from '../../src/core/ports/store.js';
import type { ListedJob } from '../../src/domain/feed.js';
import type { JobWatch } from '../../src/domain/snapshot.js';
import {
  isDestinationGone,
  type NewSubscription,
  PAUSED_BY_PERSON,
  pauseReason,
  type Subscription,
} from '../../src/domain/subscription.js';
import { cardItem, itemText, replyItem } from '../support/outbox-items.js';
import { digestContract } from './digest-contract.js';

/**
 * The behaviour every storage engine must have: what the poll pass, the outbox worker and the
 * coordinator rely on. Run against each engine by its own test file.
 */

export interface StoreFixture {
  /** A fresh, empty, migrated store. */
  store: Store;
  /** Opens another store on the same database: a second replica, or this one after a restart. */
  open(): Promise<Store>;
  /** Closes every store still open and removes the database. */
  dispose(): Promise<void>;
}

const T0 = new Date('2030-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const LEASE = 30_000;

let seq = 0;
function newSub(overrides: Partial<NewSubscription> = {}): NewSubscription {
  seq += 1;
  return {
    channelId: `C${seq}`,
    jobId: `dj-${seq}`,
    filter: 'changes',
    createdBy: 'U1',
    createdAt: new Date('2026-07-28T14:00:00.000Z'),
    ...overrides,
  };
}

function makeWatch(overrides: Partial<JobWatch> = {}): JobWatch {
  return {
    snapshot: {
      name: 'ingest docs',
      status: 'running',
      alignment: null,
      counts: { done: 1, failed: 0, processing: 2, queued: 3 },
      reportedFailures: [],
      updatedAt: '2026-07-28T14:05:00.000000Z',
    },
    lastChangeAt: '2026-07-28T14:05:00.000Z',
    stallNotified: false,
    unreachableSince: null,
    unreachableNotified: false,
    ...overrides,
  };
}

const reply = (subscriptionId: number, key: string, text = key): NewDelivery => ({ subscriptionId, key, item: replyItem(text) });
const card = (subscriptionId: number, text: string): NewDelivery => ({ subscriptionId, key: 'card', item: cardItem(text) });
const keys = (ds: Delivery[]) => ds.map((d) => d.key);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A time strictly between what happened before the call and what happens after it. The stores
 * stamp pauses and ends with their own clock (PostgreSQL's, on this machine), so the tests take
 * their cutoffs from the wall clock too, with a margin on each side.
 */
async function aMomentLater(): Promise<Date> {
  await sleep(25);
  const moment = new Date();
  await sleep(25);
  return moment;
}

/** Whatever the store holds now is older than this. */
const afterEverything = () => new Date(Date.now() + 60_000);

export function describeStoreContract(engine: Store['engine'], makeStore: () => Promise<StoreFixture>): void {
  describe(`Store contract: ${engine}`, () => {
    let fixture: StoreFixture;
    let store: Store;

    beforeEach(async () => {
      fixture = await makeStore();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.dispose();
    });

    async function addActive(overrides: Partial<NewSubscription> = {}) {
      return (await store.addSubscription(newSub(overrides))).subscription;
    }

    /** Ends a subscription the way a pass does, with its last deliveries; returns it as stored. */
    async function end(s: Subscription, deliveries: NewDelivery[] = []): Promise<Subscription> {
      const stored = await store.getWatch(s.jobId);
      const ended = await store.commitPass(s.jobId, {
        expectedVersion: stored?.version ?? null,
        watch: makeWatch(),
        deliveries,
        endSubscriptions: { ids: [s.id], reason: 'completed' },
      });
      expect(ended).toBe(true);
      const after = await store.getSubscription(s.id);
      if (!after) throw new Error('ended subscription gone');
      return after;
    }

    it('says which engine it is', () => {
      expect(store.engine).toBe(engine);
    });

    describe('subscriptions', () => {
      it('creates an active subscription and returns the existing one when asked again', async () => {
        const input = newSub({ filter: 'failures' });
        const first = await store.addSubscription(input);
        expect(first.created).toBe(true);
        expect(first.subscription).toMatchObject({
          channelId: input.channelId,
          jobId: input.jobId,
          filter: 'failures',
          createdBy: 'U1',
          cardTs: null,
          state: 'active',
          stateReason: null,
          lastDelivery: null,
          lastDeliveryAt: null,
        });
        expect(first.subscription.createdAt).toEqual(input.createdAt);
        expect(await store.getSubscription(first.subscription.id)).toEqual(first.subscription);

        const again = await store.addSubscription({ ...input, filter: 'all', createdBy: 'U2' });
        expect(again.created).toBe(false);
        expect(again.subscription).toEqual(first.subscription);
      });

      it('creates one subscription when the same channel subscribes twice at once', async () => {
        const input = newSub();
        const replica = await fixture.open();
        const results = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? replica : store).addSubscription(input)));
        expect(results.filter((r) => r.created)).toHaveLength(1);
        expect(new Set(results.map((r) => r.subscription.id)).size).toBe(1);
      });

      it('returns a paused subscription instead of creating another', async () => {
        const input = newSub();
        const { subscription } = await store.addSubscription(input);
        await store.pauseSubscription(subscription.id, 'not_in_channel');
        const again = await store.addSubscription(input);
        expect(again.created).toBe(false);
        expect(again.subscription.id).toBe(subscription.id);
        expect(again.subscription.state).toBe('paused');
      });

      it('replaces an ended subscription with a new active one', async () => {
        const input = newSub();
        const old = (await store.addSubscription(input)).subscription;
        await store.initWatch(input.jobId, makeWatch());
        expect(
          await store.commitPass(input.jobId, {
            expectedVersion: 1,
            watch: makeWatch({ stallNotified: true }),
            deliveries: [],
            endSubscriptions: { ids: [old.id], reason: 'completed' },
          }),
        ).toBe(true);
        expect(await store.findSubscription(input.channelId, input.jobId)).toBeNull();

        const again = await store.addSubscription(input);
        expect(again.created).toBe(true);
        expect(again.subscription.id).not.toBe(old.id);
        expect(again.subscription.state).toBe('active');
        expect(await store.findSubscription(input.channelId, input.jobId)).toEqual(again.subscription);
        expect((await store.listSubscriptions(input.channelId)).map((s) => s.id)).toEqual([again.subscription.id]);
      });

      it('keeps an ended subscription whose final summary is still pending when it is replaced', async () => {
        const input = newSub();
        const old = (await store.addSubscription(input)).subscription;
        await store.initWatch(input.jobId, makeWatch());
        await store.commitPass(input.jobId, {
          expectedVersion: 1,
          watch: makeWatch(),
          deliveries: [reply(old.id, 'ended')],
          endSubscriptions: { ids: [old.id], reason: 'completed' },
        });
        const fresh = (await store.addSubscription(input)).subscription;
        expect(fresh.id).not.toBe(old.id);
        expect(await store.getSubscription(old.id)).toMatchObject({ state: 'ended', stateReason: 'completed' });
        const claimed = await store.claimDeliveries('w1', T0, LEASE, 10);
        expect(claimed.map((d) => [d.subscriptionId, d.key])).toEqual([[old.id, 'ended']]);
      });

      it('finds and lists only active and paused subscriptions, oldest first', async () => {
        const a = await addActive({ channelId: 'C-list', jobId: 'dj-a' });
        const b = await addActive({ channelId: 'C-list', jobId: 'dj-b' });
        const c = await addActive({ channelId: 'C-list', jobId: 'dj-c' });
        await addActive({ channelId: 'C-other', jobId: 'dj-a' });
        await store.pauseSubscription(b.id, 'is_archived');
        await store.initWatch('dj-c', makeWatch());
        await store.commitPass('dj-c', {
          expectedVersion: 1,
          watch: makeWatch(),
          deliveries: [],
          endSubscriptions: { ids: [c.id], reason: 'failed' },
        });

        expect((await store.listSubscriptions('C-list')).map((s) => [s.id, s.state])).toEqual([
          [a.id, 'active'],
          [b.id, 'paused'],
        ]);
        expect((await store.findSubscription('C-list', 'dj-b'))?.id).toBe(b.id);
        expect(await store.findSubscription('C-list', 'dj-c')).toBeNull();
        expect(await store.findSubscription('C-nobody', 'dj-a')).toBeNull();
        expect(await store.listSubscriptions('C-nobody')).toEqual([]);
        expect(await store.getSubscription(c.id)).toMatchObject({ state: 'ended', stateReason: 'failed' });
        expect(await store.getSubscription(999_999)).toBeNull();
      });

      it('lists a job’s active subscriptions and the distinct watched jobs', async () => {
        const a1 = await addActive({ channelId: 'C1-w', jobId: 'dj-w1' });
        const a2 = await addActive({ channelId: 'C2-w', jobId: 'dj-w1' });
        const paused = await addActive({ channelId: 'C3-w', jobId: 'dj-w1' });
        const onlyPaused = await addActive({ channelId: 'C1-w', jobId: 'dj-w2' });
        await addActive({ channelId: 'C1-w', jobId: 'dj-w3' });
        await store.pauseSubscription(paused.id, 'not_in_channel');
        await store.pauseSubscription(onlyPaused.id, 'not_in_channel');

        expect((await store.subscriptionsForJob('dj-w1')).map((s) => s.id)).toEqual([a1.id, a2.id]);
        expect(await store.subscriptionsForJob('dj-w2')).toEqual([]);
        expect((await store.watchedJobIds()).sort()).toEqual(['dj-w1', 'dj-w3']);
        // Many jobs in one read: the same answer per job; a job without active ones is absent.
        const many = await store.subscriptionsForJobs(['dj-w1', 'dj-w2', 'dj-w3', 'dj-none']);
        expect([...many.keys()].sort()).toEqual(['dj-w1', 'dj-w3']);
        expect(many.get('dj-w1')).toEqual(await store.subscriptionsForJob('dj-w1'));
        expect(many.get('dj-w3')).toEqual(await store.subscriptionsForJob('dj-w3'));
        expect(await store.subscriptionsForJobs([])).toEqual(new Map());
      });

      it('lists what a person created across channels: paused, active, then ended, newest first, a page at a time', async () => {
        const old = await addActive({ createdBy: 'U_HOME', channelId: 'C-h1', jobId: 'dj-h1' });
        const paused = await addActive({ createdBy: 'U_HOME', channelId: 'C-h2', jobId: 'dj-h2' });
        const ended = await addActive({ createdBy: 'U_HOME', channelId: 'C-h1', jobId: 'dj-h3' });
        const recent = await addActive({ createdBy: 'U_HOME', channelId: 'C-h3', jobId: 'dj-h1' });
        await addActive({ createdBy: 'U_OTHER', channelId: 'C-h1', jobId: 'dj-h4' });
        await store.pauseSubscription(paused.id, PAUSED_BY_PERSON, { userId: 'U_BOB', at: at(1) });
        await store.initWatch('dj-h3', makeWatch());
        await store.commitPass('dj-h3', {
          expectedVersion: 1,
          watch: makeWatch(),
          deliveries: [],
          endSubscriptions: { ids: [ended.id], reason: 'completed' },
        });

        const all = await store.subscriptionsCreatedBy('U_HOME', { limit: 10, offset: 0 });
        expect(all.total).toBe(4);
        expect(all.subscriptions.map((s) => [s.id, s.state])).toEqual([
          [paused.id, 'paused'],
          [recent.id, 'active'],
          [old.id, 'active'],
          [ended.id, 'ended'],
        ]);
        expect(all.subscriptions[0]).toMatchObject({ channelId: 'C-h2', jobId: 'dj-h2', stateBy: 'U_BOB', stateReason: PAUSED_BY_PERSON });
        expect(all.subscriptions[3]).toMatchObject({ stateReason: 'completed' });

        const second = await store.subscriptionsCreatedBy('U_HOME', { limit: 2, offset: 2 });
        expect({ ids: second.subscriptions.map((s) => s.id), total: second.total }).toEqual({ ids: [old.id, ended.id], total: 4 });
        expect(await store.subscriptionsCreatedBy('U_HOME', { limit: 2, offset: 8 })).toEqual({ subscriptions: [], total: 4 });
        expect(await store.subscriptionsCreatedBy('U_NOBODY', { limit: 2, offset: 0 })).toEqual({ subscriptions: [], total: 0 });
      });

      it('records the card ts and the last delivery result', async () => {
        const s = await addActive({ channelId: 'C-ts' });
        await store.setCardTs(s.id, '1722170000.000100');
        const when = new Date('2026-07-28T15:00:00.000Z');
        await store.recordDeliveryResult(s.id, 'ratelimited', when);
        const [listed] = await store.listSubscriptions('C-ts');
        expect(listed).toMatchObject({ cardTs: '1722170000.000100', lastDelivery: 'ratelimited' });
        expect(listed?.lastDeliveryAt).toEqual(when);
        await store.recordDeliveryResult(s.id, 'ok', at(1));
        expect(await store.getSubscription(s.id)).toMatchObject({ lastDelivery: 'ok', lastDeliveryAt: at(1) });
      });

      it('records many delivery results at once, the last one per subscription winning', async () => {
        const a = await addActive();
        const b = await addActive();
        const untouched = await addActive();
        await store.recordDeliveryResults([
          { subscriptionId: a.id, result: 'ratelimited', at: at(1) },
          { subscriptionId: b.id, result: 'ok', at: at(2) },
          { subscriptionId: 999_999, result: 'ok', at: at(3) },
          { subscriptionId: a.id, result: 'ok', at: at(4) },
        ]);
        await store.recordDeliveryResults([]);
        expect(await store.getSubscription(a.id)).toMatchObject({ lastDelivery: 'ok', lastDeliveryAt: at(4) });
        expect(await store.getSubscription(b.id)).toMatchObject({ lastDelivery: 'ok', lastDeliveryAt: at(2) });
        expect(await store.getSubscription(untouched.id)).toMatchObject({ lastDelivery: null, lastDeliveryAt: null });
        // Last in the batch, not latest in time: the caller lists them in the order they happened.
        await store.recordDeliveryResults([
          { subscriptionId: b.id, result: 'internal_error', at: at(10) },
          { subscriptionId: b.id, result: 'ok', at: at(9) },
        ]);
        expect(await store.getSubscription(b.id)).toMatchObject({ lastDelivery: 'ok', lastDeliveryAt: at(9) });
      });

      it('removes a subscription with its pending deliveries', async () => {
        const s = await addActive();
        const other = await addActive();
        await store.enqueue([card(s.id, 'v1'), reply(s.id, 'r1'), reply(other.id, 'r1')]);
        expect(await store.pendingDeliveries()).toBe(3);
        await store.removeSubscription(s.id);
        expect(await store.getSubscription(s.id)).toBeNull();
        expect(await store.findSubscription(s.channelId, s.jobId)).toBeNull();
        expect(await store.pendingDeliveries(s.id)).toBe(0);
        expect(await store.pendingDeliveries()).toBe(1);
        expect(await store.watchedJobIds()).toEqual([other.jobId]);
      });

      it('pauses once (true, then false), and resumes', async () => {
        const s = await addActive();
        expect(await store.pauseSubscription(s.id, 'channel_not_found')).toBe(true);
        expect(await store.pauseSubscription(s.id, 'channel_not_found')).toBe(false);
        expect(await store.getSubscription(s.id)).toMatchObject({ state: 'paused', stateReason: 'channel_not_found' });
        expect(await store.watchedJobIds()).toEqual([]);

        await store.resumeSubscription(s.id);
        expect(await store.getSubscription(s.id)).toMatchObject({ state: 'active', stateReason: null });
        expect(await store.watchedJobIds()).toEqual([s.jobId]);
        expect(await store.pauseSubscription(s.id, 'is_archived')).toBe(true);
        expect(await store.pauseSubscription(999_999, 'x')).toBe(false);
      });

      it('remembers who paused a subscription and when, until it is resumed', async () => {
        const s = await addActive();
        expect(await store.getSubscription(s.id)).toMatchObject({ stateBy: null, stateAt: null });
        const at = new Date('2026-07-28T15:00:00.000Z');
        expect(await store.pauseSubscription(s.id, 'paused_by_person', { userId: 'U_BOB', at })).toBe(true);
        expect(await store.getSubscription(s.id)).toMatchObject({
          state: 'paused',
          stateReason: 'paused_by_person',
          stateBy: 'U_BOB',
          stateAt: at,
        });
        expect(await store.listSubscriptions(s.channelId)).toMatchObject([{ stateBy: 'U_BOB', stateAt: at }]);
        await store.resumeSubscription(s.id);
        expect(await store.getSubscription(s.id)).toMatchObject({ state: 'active', stateReason: null, stateBy: null, stateAt: null });
      });

      it('does not pause or resume an ended subscription', async () => {
        const s = await addActive();
        await store.initWatch(s.jobId, makeWatch());
        await store.commitPass(s.jobId, {
          expectedVersion: 1,
          watch: makeWatch(),
          deliveries: [],
          endSubscriptions: { ids: [s.id], reason: 'completed' },
        });
        expect(await store.pauseSubscription(s.id, 'is_archived')).toBe(false);
        await store.resumeSubscription(s.id);
        expect(await store.getSubscription(s.id)).toMatchObject({ state: 'ended', stateReason: 'completed' });
      });
    });

    describe('watches', () => {
      it('records a baseline once and keeps an existing one', async () => {
        expect(await store.getWatch('dj-none')).toBeNull();
        const first = makeWatch();
        await store.initWatch('dj-init', first);
        expect(await store.getWatch('dj-init')).toEqual({ watch: first, version: 1 });
        await store.initWatch('dj-init', makeWatch({ stallNotified: true }));
        expect(await store.getWatch('dj-init')).toEqual({ watch: first, version: 1 });
      });

      it('reads the watches of many jobs at once, as one by one', async () => {
        const ids = Array.from({ length: 250 }, (_, i) => `dj-many-${i}`);
        for (const [i, id] of ids.entries()) if (i % 3 !== 0) await store.initWatch(id, makeWatch({ lastChangeAt: `t${i}` }));
        const watches = await store.getWatches([...ids, 'dj-nowhere']);
        expect(watches.size).toBe(166);
        for (const id of ids) expect(watches.get(id) ?? null).toEqual(await store.getWatch(id));
      });

      it('finds one page of the jobs a channel follows in a status, their names and how many, but for those excepted', async () => {
        const ready = (name: string) =>
          makeWatch({ snapshot: { ...(makeWatch().snapshot as NonNullable<JobWatch['snapshot']>), name, status: 'ready_to_start' } });
        const followed = async (jobId: string, watch: JobWatch, sub: Partial<NewSubscription> = {}) => {
          await store.addSubscription(newSub({ jobId, ...sub }));
          await store.initWatch(jobId, watch);
        };
        await followed('dj-st-a', ready('A'));
        await followed('dj-st-b', ready('B'));
        await followed('dj-st-c', ready('C'));
        await followed('dj-st-d', ready('D'));
        await followed('dj-st-running', makeWatch());
        // Not followed by a channel: an owner's subscription, an ended one, none at all.
        await followed('dj-st-owner', ready('Owner'), { kind: 'owner', channelId: 'U-owner' });
        const ended = await store.addSubscription(newSub({ jobId: 'dj-st-ended' }));
        await store.initWatch('dj-st-ended', ready('Ended'));
        await store.commitPass('dj-st-ended', {
          expectedVersion: 1,
          watch: ready('Ended'),
          deliveries: [],
          endSubscriptions: { ids: [ended.subscription.id], reason: 'completed' },
        });
        await store.initWatch('dj-st-orphan', ready('Orphan'));

        expect(await store.watchedJobsInStatus('ready_to_start', { limit: 2, except: ['dj-st-b'] })).toEqual({
          jobs: [
            { jobId: 'dj-st-a', name: 'A' },
            { jobId: 'dj-st-c', name: 'C' },
          ],
          total: 3,
        });
        expect(await store.watchedJobsInStatus('ready_to_start', { limit: 10, except: [] })).toMatchObject({ total: 4 });
        expect(await store.watchedJobsInStatus('needs_review', { limit: 10, except: [] })).toEqual({ jobs: [], total: 0 });
      });

      it('commits the watch and the deliveries together and bumps the version', async () => {
        const s = await addActive();
        await store.initWatch(s.jobId, makeWatch());
        const next = makeWatch({ stallNotified: true, lastChangeAt: '2026-07-28T15:00:00.000Z' });
        expect(
          await store.commitPass(s.jobId, { expectedVersion: 1, watch: next, deliveries: [card(s.id, 'v2'), reply(s.id, 'status')] }),
        ).toBe(true);
        expect(await store.getWatch(s.jobId)).toEqual({ watch: next, version: 2 });
        expect(await store.pendingDeliveries(s.id)).toBe(2);

        expect(await store.commitPass(s.jobId, { expectedVersion: 2, watch: makeWatch(), deliveries: [] })).toBe(true);
        expect((await store.getWatch(s.jobId))?.version).toBe(3);
      });

      it('writes nothing and returns false when the version moved', async () => {
        const s = await addActive();
        const base = makeWatch();
        await store.initWatch(s.jobId, base);
        expect(
          await store.commitPass(s.jobId, {
            expectedVersion: 7,
            watch: makeWatch({ stallNotified: true }),
            deliveries: [reply(s.id, 'stalled')],
            endSubscriptions: { ids: [s.id], reason: 'completed' },
          }),
        ).toBe(false);
        expect(await store.getWatch(s.jobId)).toEqual({ watch: base, version: 1 });
        expect(await store.pendingDeliveries()).toBe(0);
        expect((await store.getSubscription(s.id))?.state).toBe('active');
      });

      it('commits a first watch when none was expected, and refuses it once one exists', async () => {
        const s = await addActive();
        const first = makeWatch();
        expect(await store.commitPass(s.jobId, { expectedVersion: null, watch: first, deliveries: [card(s.id, 'first')] })).toBe(true);
        expect(await store.getWatch(s.jobId)).toEqual({ watch: first, version: 1 });
        expect(await store.pendingDeliveries(s.id)).toBe(1);

        expect(
          await store.commitPass(s.jobId, {
            expectedVersion: null,
            watch: makeWatch({ stallNotified: true }),
            deliveries: [reply(s.id, 'x')],
          }),
        ).toBe(false);
        expect(await store.getWatch(s.jobId)).toEqual({ watch: first, version: 1 });
        expect(await store.pendingDeliveries(s.id)).toBe(1);
      });

      it('lets exactly one of two concurrent passes from the same version win', async () => {
        const s = await addActive();
        await store.initWatch(s.jobId, makeWatch());
        const replica = await fixture.open();
        const mine = makeWatch({ lastChangeAt: 'mine' });
        const theirs = makeWatch({ lastChangeAt: 'theirs' });
        const results = await Promise.all([
          store.commitPass(s.jobId, { expectedVersion: 1, watch: mine, deliveries: [reply(s.id, 'mine')] }),
          replica.commitPass(s.jobId, { expectedVersion: 1, watch: theirs, deliveries: [reply(s.id, 'theirs')] }),
        ]);
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = results[0] ? 'mine' : 'theirs';
        expect(await store.getWatch(s.jobId)).toEqual({ watch: makeWatch({ lastChangeAt: winner }), version: 2 });
        expect(keys(await store.claimDeliveries('w', T0, LEASE, 10))).toEqual([winner]);
      });

      it('lets exactly one of many concurrent first passes win', async () => {
        const s = await addActive();
        const replica = await fixture.open();
        const results = await Promise.all(
          Array.from({ length: 6 }, (_, i) =>
            (i % 2 ? replica : store).commitPass(s.jobId, {
              expectedVersion: null,
              watch: makeWatch({ lastChangeAt: `p${i}` }),
              deliveries: [reply(s.id, `p${i}`)],
            }),
          ),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await store.pendingDeliveries()).toBe(1);
      });

      it('ends subscriptions with the reason; the job stops being watched, its deliveries stay deliverable', async () => {
        const jobId = 'dj-ending';
        const a = await addActive({ jobId });
        const b = await addActive({ jobId });
        await store.initWatch(jobId, makeWatch());

        expect(
          await store.commitPass(jobId, {
            expectedVersion: 1,
            watch: makeWatch(),
            deliveries: [reply(a.id, 'ended')],
            endSubscriptions: { ids: [a.id], reason: 'completed' },
          }),
        ).toBe(true);
        expect(await store.getSubscription(a.id)).toMatchObject({ state: 'ended', stateReason: 'completed' });
        expect(await store.watchedJobIds()).toEqual([jobId]);
        expect((await store.subscriptionsForJob(jobId)).map((s) => s.id)).toEqual([b.id]);

        expect(
          await store.commitPass(jobId, {
            expectedVersion: 2,
            watch: makeWatch(),
            deliveries: [card(b.id, 'final'), reply(b.id, 'ended')],
            endSubscriptions: { ids: [b.id], reason: 'completed' },
          }),
        ).toBe(true);
        expect(await store.watchedJobIds()).toEqual([]);
        expect(await store.subscriptionsForJob(jobId)).toEqual([]);
        const claimed = await store.claimDeliveries('w', T0, LEASE, 10);
        expect(claimed.map((d) => [d.subscriptionId, d.key])).toEqual([
          [a.id, 'ended'],
          [b.id, 'card'],
          [b.id, 'ended'],
        ]);
      });

      it('drops deliveries for a subscription removed during the pass', async () => {
        const gone = await addActive({ jobId: 'dj-removed' });
        const kept = await addActive({ jobId: 'dj-removed' });
        await store.initWatch('dj-removed', makeWatch());
        await store.removeSubscription(gone.id);
        expect(
          await store.commitPass('dj-removed', {
            expectedVersion: 1,
            watch: makeWatch(),
            deliveries: [reply(gone.id, 'status'), reply(kept.id, 'status')],
          }),
        ).toBe(true);
        expect(await store.pendingDeliveries()).toBe(1);
        expect(await store.pendingDeliveries(kept.id)).toBe(1);
      });

      it('deletes a watch', async () => {
        await store.initWatch('dj-del', makeWatch());
        await store.deleteWatch('dj-del');
        expect(await store.getWatch('dj-del')).toBeNull();
        await store.deleteWatch('dj-del');
      });
    });

    describe('team feeds, discovered jobs and owners', () => {
      const job = (id: string, over: Partial<ListedJob> = {}): ListedJob => ({
        id,
        name: `job ${id}`,
        jobType: 'principle_files',
        userId: 'user-1',
        createdAt: '2026-07-28T14:00:00Z',
        ...over,
      });

      it('keeps one feed per channel: subscribing again changes its filters, not its start', async () => {
        const first = await store.saveFeed({
          channelId: 'C-feed',
          filter: 'all',
          jobType: null,
          nameGlob: null,
          createdBy: 'U1',
          createdAt: T0,
        });
        expect(first.created).toBe(true);
        const again = await store.saveFeed({
          channelId: 'C-feed',
          filter: 'failures',
          jobType: 'principle_files',
          nameGlob: 'prod-*',
          createdBy: 'U2',
          createdAt: at(5_000),
        });
        expect(again).toEqual({
          created: false,
          feed: { ...first.feed, filter: 'failures', jobType: 'principle_files', nameGlob: 'prod-*' },
        });
        expect(await store.findFeed('C-feed')).toEqual(again.feed);
        expect(await store.listFeeds()).toEqual([again.feed]);
        await store.removeFeed(first.feed.id);
        expect(await store.findFeed('C-feed')).toBeNull();
      });

      it('remembers the jobs discovery has seen, once each, and says which are known', async () => {
        await store.recordJobs([job('a'), job('b')], T0);
        await store.recordJobs([job('b', { name: 'renamed' }), job('c')], at(1));
        expect(await store.knownJobs(['a', 'c', 'x'])).toEqual(new Set(['a', 'c']));
        const { jobs, total } = await store.jobsOfUser('user-1', 10);
        expect({ jobs: [...jobs].sort((x, y) => x.id.localeCompare(y.id)), total }).toEqual({
          jobs: [job('a'), job('b'), job('c')],
          total: 3,
        });
        expect(await store.knownJobs([])).toEqual(new Set());
      });

      it('keeps a NUL character or a lone surrogate as U+FFFD, and knows the job by the id it was given', async () => {
        const odd = job('dj-nul\u0000id', { name: 'a\u0000b\ud800c', userId: 'user-odd', createdAt: '2026-07-28T14:00:00Z\u0000' });
        await store.recordJobs([odd], T0);
        expect(await store.knownJobs(['dj-nul\u0000id', 'dj-other'])).toEqual(new Set(['dj-nul\u0000id']));
        expect(await store.jobsOfUser('user-odd', 10)).toEqual({
          jobs: [{ ...odd, id: 'dj-nul\ufffdid', name: 'a\ufffdb\ufffdc', createdAt: '2026-07-28T14:00:00Z\ufffd' }],
          total: 1,
        });
        expect(await store.countMatchingJobs({ jobType: null, nameGlob: 'a?b?c' })).toBe(1);
      });

      it('lists a SeekrFlow user’s jobs newest first by their creation time, times it cannot read last, with the total', async () => {
        const times: Record<string, string> = {
          'dj-o-a': '2026-07-28T14:00:00Z',
          // Later as text, earlier in time: 13:00 UTC.
          'dj-o-b': '2026-07-28T16:00:00+03:00',
          'dj-o-c': '2026-07-28T14:30:00.123456Z',
          'dj-o-d': 'not a time',
          'dj-o-e': '',
          'dj-o-f': '2026-07-29 09:00:00',
        };
        const mine = Object.entries(times).map(([id, createdAt]) => job(id, { userId: 'user-order', createdAt }));
        await store.recordJobs([...mine, job('dj-o-other', { userId: 'user-else', createdAt: '2030-01-01T00:00:00Z' })], T0);
        const ids = async (limit: number) => {
          const { jobs, total } = await store.jobsOfUser('user-order', limit);
          return { ids: jobs.map((j) => j.id), total };
        };
        expect(await ids(10)).toEqual({ ids: ['dj-o-f', 'dj-o-c', 'dj-o-a', 'dj-o-b', 'dj-o-e', 'dj-o-d'], total: 6 });
        expect(await ids(3)).toEqual({ ids: ['dj-o-f', 'dj-o-c', 'dj-o-a'], total: 6 });
        expect(await ids(0)).toEqual({ ids: [], total: 6 });
        expect((await store.jobsOfUser('user-order', 1)).jobs).toEqual([mine[5]]);
        expect(await store.jobsOfUser('user-nobody', 10)).toEqual({ jobs: [], total: 0 });
      });

      it('counts the jobs a feed covers exactly as feedMatches matches them, whatever the names', async () => {
        const names = [
          'prod-router',
          'PROD-Router',
          'prod_router',
          'prod%router',
          'prod\\router',
          'prodXrouter',
          'a\\',
          '100%',
          '%',
          '_',
          '',
          'ÉCOLE',
          'école',
          'İstanbul',
          'istanbul',
          'ΟΔΟΣ',
          'οδος',
          'STRASSE',
          'straße',
          'Ⅻ-roman',
          '\u212Aelvin',
          'kelvin',
          'ſhort',
          'a😀b',
          '😀',
          'tab\tname',
          'new\nline',
          'nul\u0000name',
          'lone\ud800x',
          'x\udc00',
          '*star*',
          '?q?',
          '[bracket]',
          'nightly-eval-3',
        ];
        const types = ['principle_files', 'context_grounded_files', 'Principle_Files'];
        const jobs = names.map((name, i) => job(`dj-g-${i}`, { name, jobType: types[i % types.length] ?? 'principle_files' }));
        await store.recordJobs(jobs, T0);
        const globs = [
          '*',
          '',
          '?',
          '??',
          'prod-*',
          'PROD-*',
          'prod_*',
          'prod?router',
          'prod_router',
          'prod%router',
          '*router',
          '*%*',
          '*_*',
          '*\\*',
          '%',
          '_',
          '\\',
          'a\\',
          'a\\*',
          'é*',
          'É*',
          'İ*',
          'i̇*',
          '?stanbul',
          '??stanbul',
          'οδοσ',
          'οδος',
          '*ß*',
          'strasse',
          'ⅻ*',
          'k*',
          's*',
          'ſ*',
          'a?b',
          '?',
          '*😀*',
          '*\t*',
          '*?*?*?*',
          '**',
          'nul?name',
          'lone?x',
          'lone??x',
          'x?',
          '[*',
          '[bracket]',
          '\\[*',
          '*-eval-?',
          '*-*-*',
        ];
        for (const jobType of [null, 'principle_files', 'Principle_Files', 'nope']) {
          for (const nameGlob of [null, ...globs]) {
            const expected = jobs.filter((j) => feedMatches({ jobType, nameGlob }, j)).length;
            expect(await store.countMatchingJobs({ jobType, nameGlob }), `type ${jobType}, glob ${JSON.stringify(nameGlob)}`).toBe(
              expected,
            );
          }
        }
        // Not a vacuous agreement: LIKE's own wildcards are literal, case folds as JavaScript folds it.
        const count = (nameGlob: string) => store.countMatchingJobs({ jobType: null, nameGlob });
        expect(await count('*')).toBe(names.length);
        expect(await count('prod_router')).toBe(1);
        expect(await count('*_*')).toBe(2);
        expect(await count('%')).toBe(1);
        expect(await count('prod?router')).toBe(6);
        expect(await count('??stanbul')).toBe(1);
        expect(await count('οδος')).toBe(2);
      });

      it('links a person to their SeekrFlow user, finds them by it, and unlinks them', async () => {
        await store.linkOwner({ slackUserId: 'U1', seekrflowUserId: 'user-1', quiet: false }, T0);
        await store.linkOwner({ slackUserId: 'U2', seekrflowUserId: 'user-1', quiet: true }, T0);
        await store.linkOwner({ slackUserId: 'U1', seekrflowUserId: 'user-9', quiet: true }, at(1));
        expect(await store.ownerLink('U1')).toEqual({ slackUserId: 'U1', seekrflowUserId: 'user-9', quiet: true });
        expect(await store.ownersOf('user-1')).toEqual([{ slackUserId: 'U2', seekrflowUserId: 'user-1', quiet: true }]);
        await store.unlinkOwner('U2');
        expect(await store.ownersOf('user-1')).toEqual([]);
        expect(await store.ownerLink('U2')).toBeNull();
      });

      it('keeps what Slack said of each email of the owner mapping file, one row per email, as last saved', async () => {
        const found: EmailResolution = {
          email: 'bob@example.com',
          slackUserId: 'U_BOB',
          resolvedAt: T0,
          lastError: null,
          failedAt: null,
          failures: 0,
          nextAttemptAt: at(7 * 86_400_000),
        };
        const unknown: EmailResolution = {
          email: 'nobody@example.com',
          slackUserId: null,
          resolvedAt: null,
          lastError: 'users_not_found',
          failedAt: at(1),
          failures: 1,
          nextAttemptAt: at(3_600_000),
        };
        expect(await store.emailResolutions(['bob@example.com'])).toEqual([]);
        await store.saveEmailResolution(found);
        await store.saveEmailResolution(unknown);
        const byEmail = async (emails: string[]) => new Map((await store.emailResolutions(emails)).map((r) => [r.email, r] as const));
        expect(await byEmail(['bob@example.com', 'nobody@example.com', 'new@example.com'])).toEqual(
          new Map([
            ['bob@example.com', found],
            ['nobody@example.com', unknown],
          ]),
        );
        // Saved again: replaced whole (Slack could not say this time; who it named before is kept by the caller).
        const failedLater = { ...found, lastError: 'request_failed', failedAt: at(2), failures: 1, nextAttemptAt: at(60_000) };
        await store.saveEmailResolution(failedLater);
        expect(await store.emailResolutions(['bob@example.com'])).toEqual([failedLater]);
        expect(await store.emailResolutions([])).toEqual([]);
        // A file of thousands of emails is read in one call.
        const many = Array.from({ length: 2_000 }, (_, i) => `person-${i}@example.com`);
        for (const email of many.slice(0, 3)) await store.saveEmailResolution({ ...unknown, email });
        expect((await store.emailResolutions(many)).map((r) => r.email).sort()).toEqual(many.slice(0, 3).sort());
      });

      it('keeps owners’ subscriptions out of what is polled and of channels’ lists; a feed finds its own', async () => {
        const owner = (await store.addSubscription(newSub({ channelId: 'U_OWNER', jobId: 'dj-owned', kind: 'owner' }))).subscription;
        expect(owner).toMatchObject({ kind: 'owner', feedId: null, waitsForNeed: false });
        expect(await store.watchedJobIds()).toEqual([]);
        expect(await store.subscriptionsForJob('dj-owned')).toEqual([]);
        expect(await store.listSubscriptions('U_OWNER')).toEqual([]);
        // Nor is it one of the subscriptions a person made (the App Home lists those).
        expect((await store.subscriptionsCreatedBy(owner.createdBy, { limit: 10, offset: 0 })).total).toBe(0);
        const fromFeed = (await store.addSubscription(newSub({ channelId: 'C-f', jobId: 'dj-owned', feedId: 7, waitsForNeed: true })))
          .subscription;
        expect(fromFeed).toMatchObject({ kind: 'channel', feedId: 7, waitsForNeed: true });
        expect(await store.watchedJobIds()).toEqual(['dj-owned']);
        expect(await store.subscriptionsOfFeed(7)).toEqual([fromFeed]);
        await store.commitPass('dj-owned', { expectedVersion: null, watch: makeWatch(), deliveries: [], stopWaiting: [fromFeed.id] });
        expect(await store.getSubscription(fromFeed.id)).toMatchObject({ waitsForNeed: false });
      });
    });

    describe('outbox', () => {
      it('hands out a subscription’s deliveries in enqueue order, with their fields', async () => {
        const s = await addActive();
        await store.enqueue([reply(s.id, 'a'), reply(s.id, 'b')]);
        await store.enqueue([{ subscriptionId: s.id, key: 'c', item: replyItem('c', { loud: true }) }]);
        const claimed = await store.claimDeliveries('w', T0, LEASE, 10);
        expect(keys(claimed)).toEqual(['a', 'b', 'c']);
        const [a, , c] = claimed;
        expect(a).toMatchObject({ subscriptionId: s.id, item: replyItem('a'), attempts: 0, lastError: null });
        expect(c?.item).toEqual(replyItem('c', { loud: true }));
        expect(a?.createdAt).toBeInstanceOf(Date);
        expect(a?.notBefore).toBeInstanceOf(Date);
        expect(a?.notBefore.getTime()).toBeLessThanOrEqual(Date.now());
        expect(claimed.map((d) => d.id)).toEqual([...claimed.map((d) => d.id)].sort((x, y) => x - y));
      });

      it('replaces a pending card’s payload, keeping its place', async () => {
        const s = await addActive();
        await store.enqueue([card(s.id, 'v1'), reply(s.id, 'r1')]);
        await store.enqueue([card(s.id, 'v2')]);
        await store.enqueue([card(s.id, 'v3'), card(s.id, 'v4')]);
        expect(await store.pendingDeliveries(s.id)).toBe(2);
        const claimed = await store.claimDeliveries('w', T0, LEASE, 10);
        expect(claimed.map((d) => [d.key, itemText(d.item)])).toEqual([
          ['card', 'v4'],
          ['r1', 'r1'],
        ]);
      });

      it('enqueues a reply key that is already pending only once', async () => {
        const s = await addActive();
        await store.enqueue([reply(s.id, 'status:running', 'first'), reply(s.id, 'status:running', 'second')]);
        await store.enqueue([reply(s.id, 'status:running', 'third')]);
        const claimed = await store.claimDeliveries('w', T0, LEASE, 10);
        expect(claimed.map((d) => itemText(d.item))).toEqual(['first']);
      });

      it('keeps a card replaced while it was being sent, so the newer payload goes out too', async () => {
        const s = await addActive();
        await store.enqueue([card(s.id, 'v1')]);
        const [inFlight] = await store.claimDeliveries('w', T0, LEASE, 10);
        expect(inFlight && itemText(inFlight.item)).toBe('v1');
        await store.enqueue([card(s.id, 'v2'), reply(s.id, 'after')]);
        await store.completeDelivery(inFlight?.id ?? -1);
        expect(await store.pendingDeliveries(s.id)).toBe(2);
        const next = await store.claimDeliveries('w', at(1), LEASE, 10);
        expect(next.map((d) => [d.id, itemText(d.item)])).toEqual([
          [inFlight?.id, 'v2'],
          [expect.any(Number), 'after'],
        ]);
        for (const d of next) await store.completeDelivery(d.id);
        expect(await store.pendingDeliveries()).toBe(0);
      });

      it('completes a batch: removes what was sent, keeps each card replaced in flight, ignores ids already gone', async () => {
        const s = await addActive();
        const other = await addActive();
        await store.enqueue([card(s.id, 'v1'), reply(s.id, 'a'), card(other.id, 'o1'), reply(other.id, 'x'), reply(other.id, 'y')]);
        const claimed = await store.claimDeliveries('w', T0, LEASE, 10);
        expect(claimed.map((d) => [d.subscriptionId, d.key])).toEqual([
          [s.id, 'card'],
          [s.id, 'a'],
          [other.id, 'card'],
          [other.id, 'x'],
          [other.id, 'y'],
        ]);
        const [sCard, , otherCard, , y] = claimed;
        // While they are in flight, a pass replaces s's card; other's card stays as it was sent.
        await store.enqueue([card(s.id, 'v2')]);
        // y was completed one by one already: its id is gone.
        await store.completeDelivery(y?.id ?? -1);
        await store.completeDeliveries([...claimed.map((d) => d.id), 999_999]);
        await store.completeDeliveries([]);

        expect(await store.pendingDeliveries(other.id)).toBe(0);
        expect(await store.pendingDeliveries(s.id)).toBe(1);
        // Released at once (not left to its lease), with the newer payload, in its old place.
        const again = await store.claimDeliveries('w', at(1), LEASE, 10);
        expect(again.map((d) => [d.id, itemText(d.item), d.reclaimed])).toEqual([[sCard?.id, 'v2', false]]);
        expect(otherCard?.id).not.toBe(sCard?.id);
        await store.completeDeliveries([sCard?.id ?? -1]);
        expect(await store.pendingDeliveries()).toBe(0);
      });

      it('completes a batch like one by one: a card replaced twice in flight stays once, a repeated id counts once', async () => {
        const s = await addActive();
        await store.enqueue([card(s.id, 'v1')]);
        const [c1] = await store.claimDeliveries('w', at(1), LEASE, 10);
        await store.enqueue([card(s.id, 'v2')]);
        await store.enqueue([card(s.id, 'v3')]);
        await store.completeDeliveries([c1?.id ?? -1]);
        const [c3] = await store.claimDeliveries('w', at(2), LEASE, 10);
        expect(c3 && [c3.id, itemText(c3.item)]).toEqual([c1?.id, 'v3']);
        await store.completeDeliveries([c3?.id ?? -1, c3?.id ?? -1]);
        expect(await store.pendingDeliveries()).toBe(0);
      });

      it('renews a claim only for the owner that still holds it', async () => {
        const s = await addActive();
        await store.enqueue([reply(s.id, 'a')]);
        const [mine] = await store.claimDeliveries('w1', T0, 1_000, 10);
        expect(await store.renewClaim(mine?.id ?? -1, 'w1', at(30_000))).toBe(true);
        // Renewed: not claimable at +2 s although the first lease was 1 s.
        expect(await store.claimDeliveries('w2', at(2_000), 1_000, 10)).toEqual([]);
        // Once it runs out, another process takes it, and the first owner may no longer send it.
        const [theirs] = await store.claimDeliveries('w2', at(31_000), 1_000, 10);
        expect(theirs?.id).toBe(mine?.id);
        expect(await store.renewClaim(mine?.id ?? -1, 'w1', at(60_000))).toBe(false);
        expect(await store.renewClaim(theirs?.id ?? -1, 'w2', at(60_000))).toBe(true);
      });

      it('does not hand out a claimed delivery again until its lease expires', async () => {
        const s = await addActive();
        await store.enqueue([reply(s.id, 'a')]);
        const [first] = await store.claimDeliveries('w1', T0, 1_000, 10);
        expect(first).toMatchObject({ key: 'a', reclaimed: false });
        expect(await store.claimDeliveries('w1', at(500), 1_000, 10)).toEqual([]);
        expect(await store.claimDeliveries('w2', at(999), 1_000, 10)).toEqual([]);
        // The first claimer died: the delivery comes back, saying so, with no attempt counted.
        const again = await store.claimDeliveries('w2', at(1_000), 1_000, 10);
        expect(again.map((d) => [d.id, d.reclaimed, d.attempts])).toEqual([[first?.id, true, 0]]);
        expect(await store.claimDeliveries('w1', at(1_500), 1_000, 10)).toEqual([]);
        const third = await store.claimDeliveries('w3', at(2_000), 1_000, 10);
        expect(third.map((d) => d.reclaimed)).toEqual([true]);
      });

      it('holds a subscription’s later deliveries behind an earlier claimed one', async () => {
        const s = await addActive();
        const other = await addActive();
        await store.enqueue([reply(s.id, 'a'), reply(s.id, 'b'), reply(other.id, 'x')]);
        const first = await store.claimDeliveries('w', T0, LEASE, 1);
        expect(keys(first)).toEqual(['a']);
        expect(keys(await store.claimDeliveries('w', at(1), LEASE, 10))).toEqual(['x']);
        expect(await store.claimDeliveries('w', at(2), LEASE, 10)).toEqual([]);
        await store.completeDelivery(first[0]?.id ?? -1);
        expect(keys(await store.claimDeliveries('w', at(3), LEASE, 10))).toEqual(['b']);
      });

      it('keeps a card and the replies of one subscription apart: neither waits for the other', async () => {
        const s = await addActive();
        await store.enqueue([card(s.id, 'v1'), reply(s.id, 'a'), reply(s.id, 'b')]);
        // The card is claimed and slow to go out (its method is rate limited): the replies go meanwhile.
        expect(keys(await store.claimDeliveries('w', T0, LEASE, 10, 'card'))).toEqual(['card']);
        expect(keys(await store.claimDeliveries('w', at(1), LEASE, 1, 'reply'))).toEqual(['a']);
        // A reply waiting for its turn does not hold the card back either.
        const other = await addActive();
        await store.enqueue([reply(other.id, 'x'), card(other.id, 'v1')]);
        const [x] = await store.claimDeliveries('w', at(2), LEASE, 1, 'reply');
        await store.retryDelivery(x?.id ?? -1, at(60_000), 'ratelimited');
        expect(keys(await store.claimDeliveries('w', at(3), LEASE, 10, 'card'))).toEqual(['card']);
        // Only replies when asked for replies, only cards when asked for cards.
        expect(await store.claimDeliveries('w', at(4), LEASE, 10, 'card')).toEqual([]);
        expect(keys(await store.claimDeliveries('w', at(LEASE + 10), LEASE, 10, 'reply'))).toEqual(['a', 'b']);
      });

      it('holds later deliveries behind one that is not due yet; retry counts attempts and sets notBefore', async () => {
        const s = await addActive();
        await store.enqueue([reply(s.id, 'a'), reply(s.id, 'b')]);
        const [a] = await store.claimDeliveries('w', T0, LEASE, 1);
        await store.retryDelivery(a?.id ?? -1, at(60_000), 'ratelimited');
        expect(await store.claimDeliveries('w', at(1_000), LEASE, 10)).toEqual([]);
        const later = await store.claimDeliveries('w', at(60_000), LEASE, 10);
        expect(keys(later)).toEqual(['a', 'b']);
        expect(later[0]).toMatchObject({ attempts: 1, lastError: 'ratelimited', notBefore: at(60_000) });

        await store.retryDelivery(a?.id ?? -1, at(120_000), 'internal_error');
        await store.releaseDeliveries([later[1]?.id ?? -1]);
        const third = await store.claimDeliveries('w', at(120_000), LEASE, 10);
        expect(third[0]).toMatchObject({ key: 'a', attempts: 2, lastError: 'internal_error', notBefore: at(120_000) });
        expect(third[1]).toMatchObject({ key: 'b', attempts: 0 });
      });

      it('makes released deliveries claimable again without counting an attempt', async () => {
        const s = await addActive();
        await store.enqueue([reply(s.id, 'a'), reply(s.id, 'b')]);
        const claimed = await store.claimDeliveries('w', T0, LEASE, 10);
        await store.releaseDeliveries(claimed.map((d) => d.id));
        await store.releaseDeliveries([]);
        const again = await store.claimDeliveries('w', at(1), LEASE, 10);
        expect(again.map((d) => [d.key, d.attempts, d.reclaimed])).toEqual([
          ['a', 0, false],
          ['b', 0, false],
        ]);
      });

      it('does not call a delivery reclaimed when its claim ended with an outcome', async () => {
        const s = await addActive();
        await store.enqueue([reply(s.id, 'a'), card(s.id, 'v1')]);
        const [a, c] = await store.claimDeliveries('w', T0, 1_000, 10);
        await store.retryDelivery(a?.id ?? -1, at(5_000), 'ratelimited');
        await store.enqueue([card(s.id, 'v2')]);
        // Sent with the old payload: the card stays pending for v2, but nothing is in doubt.
        await store.completeDelivery(c?.id ?? -1);
        const later = await store.claimDeliveries('w', at(10_000), 1_000, 10);
        expect(later.map((d) => [d.key, d.reclaimed])).toEqual([
          ['a', false],
          ['card', false],
        ]);
      });

      it('removes a completed delivery', async () => {
        const s = await addActive();
        await store.enqueue([reply(s.id, 'a'), reply(s.id, 'b')]);
        const [a] = await store.claimDeliveries('w', T0, LEASE, 1);
        await store.completeDelivery(a?.id ?? -1);
        expect(await store.pendingDeliveries(s.id)).toBe(1);
        expect(keys(await store.claimDeliveries('w', at(LEASE), LEASE, 10))).toEqual(['b']);
        // The key is free again once the delivery is gone.
        await store.enqueue([reply(s.id, 'a', 'a again')]);
        expect(await store.pendingDeliveries(s.id)).toBe(2);
      });

      it('holds a channel’s replies while its card is not in the channel, for REPLIES_WAIT_FOR_CARD_MS from when each was stored', async () => {
        const waiting = await addActive();
        const owner = await addActive({ kind: 'owner', channelId: 'U_OWNER' });
        const posted = await addActive();
        await store.setCardTs(posted.id, '1700000000.000100');
        const stored = Date.now();
        await store.enqueue([reply(waiting.id, 'a'), card(waiting.id, 'its card'), reply(owner.id, 'o'), reply(posted.id, 'p')]);
        // Its card goes meanwhile, and so do the owner's and the posted card's replies; its own wait.
        const meanwhile = await store.claimDeliveries('w', new Date(stored + 60_000), LEASE, 10);
        expect(keys(meanwhile).sort()).toEqual(['card', 'o', 'p']);
        await store.releaseDeliveries(meanwhile.map((d) => d.id));
        // Claimed once its wait is over (and at once if the card had come).
        const later = await store.claimDeliveries('w', new Date(stored + REPLIES_WAIT_FOR_CARD_MS + 60_000), LEASE, 10, 'reply');
        expect(keys(later).sort()).toEqual(['a', 'o', 'p']);
        await store.releaseDeliveries(later.map((d) => d.id));
        await store.setCardTs(waiting.id, '1700000000.000200');
        expect(keys(await store.claimDeliveries('w', new Date(stored + 60_000), LEASE, 10, 'reply')).sort()).toEqual(['a', 'o', 'p']);
      });

      it('does not claim a paused subscription’s deliveries until it is resumed', async () => {
        const paused = await addActive();
        const active = await addActive();
        await store.enqueue([reply(paused.id, 'p'), reply(active.id, 'x')]);
        await store.pauseSubscription(paused.id, 'not_in_channel');
        expect(keys(await store.claimDeliveries('w', T0, LEASE, 10))).toEqual(['x']);
        expect(await store.claimDeliveries('w', at(1), LEASE, 10)).toEqual([]);
        await store.resumeSubscription(paused.id);
        expect(keys(await store.claimDeliveries('w', at(2), LEASE, 10))).toEqual(['p']);
      });

      it('respects the limit and hands out the oldest first', async () => {
        const subs = [await addActive(), await addActive(), await addActive()];
        for (const s of subs) await store.enqueue([reply(s.id, 'one'), reply(s.id, 'two')]);
        const first = await store.claimDeliveries('w', T0, LEASE, 4);
        expect(first.map((d) => [d.subscriptionId, d.key])).toEqual([
          [subs[0]?.id, 'one'],
          [subs[0]?.id, 'two'],
          [subs[1]?.id, 'one'],
          [subs[1]?.id, 'two'],
        ]);
        const rest = await store.claimDeliveries('w', T0, LEASE, 4);
        expect(rest.map((d) => [d.subscriptionId, d.key])).toEqual([
          [subs[2]?.id, 'one'],
          [subs[2]?.id, 'two'],
        ]);
        expect(await store.claimDeliveries('w', T0, LEASE, 0)).toEqual([]);
      });

      it('says how deep and how old the outbox is, and how many subscriptions are in each state', async () => {
        expect(await store.outboxStats()).toEqual({ pending: 0, oldestCreatedAt: null, held: 0 });
        const a = await addActive();
        const b = await addActive();
        await addActive();
        await store.pauseSubscription(b.id, 'destination:archived');
        await store.enqueue([reply(a.id, 'x'), reply(a.id, 'y')]);
        const stats = await store.outboxStats();
        expect(stats).toMatchObject({ pending: 2, held: 0 });
        expect(Math.abs((stats.oldestCreatedAt?.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
        expect(await store.subscriptionCounts()).toEqual({ active: 2, paused: 1, ended: 0 });
      });

      it('counts what paused subscriptions hold apart from what waits to go out, and never as the oldest', async () => {
        const paused = await addActive();
        const active = await addActive();
        const ended = await addActive();
        await store.enqueue([reply(paused.id, 'held 1'), card(paused.id, 'held card')]);
        await store.pauseSubscription(paused.id, PAUSED_BY_PERSON, { userId: 'U1', at: T0 });
        expect(await store.outboxStats()).toEqual({ pending: 0, oldestCreatedAt: null, held: 2 });
        const before = await aMomentLater();
        await store.enqueue([reply(active.id, 'a')]);
        await end(ended, [reply(ended.id, 'final')]);
        const stats = await store.outboxStats();
        // An ended subscription's last words still go out: pending, not held.
        expect(stats).toMatchObject({ pending: 2, held: 2 });
        expect(stats.oldestCreatedAt?.getTime()).toBeGreaterThanOrEqual(before.getTime());
        await store.resumeSubscription(paused.id);
        const resumed = await store.outboxStats();
        expect(resumed).toMatchObject({ pending: 4, held: 0 });
        expect(resumed.oldestCreatedAt?.getTime()).toBeLessThan(before.getTime());
      });

      it('counts pending deliveries, in all and per subscription', async () => {
        const a = await addActive();
        const b = await addActive();
        expect(await store.pendingDeliveries()).toBe(0);
        await store.enqueue([reply(a.id, '1'), reply(a.id, '2'), reply(b.id, '1')]);
        await store.enqueue([]);
        expect(await store.pendingDeliveries()).toBe(3);
        expect(await store.pendingDeliveries(a.id)).toBe(2);
        expect(await store.pendingDeliveries(b.id)).toBe(1);
        // Claimed ones are still pending until completed.
        await store.claimDeliveries('w', T0, LEASE, 10);
        expect(await store.pendingDeliveries()).toBe(3);
      });

      it('never hands the same delivery to two concurrent claimers, nor one out of order', async () => {
        const replica = await fixture.open();
        const subs = [];
        for (let i = 0; i < 12; i++) subs.push(await addActive());
        const batch: NewDelivery[] = [];
        for (let k = 0; k < 5; k++) for (const s of subs) batch.push(reply(s.id, `k${k}`));
        await store.enqueue(batch);
        const total = batch.length;

        const doneInRound = new Map<number, number>();
        const byId = new Map<number, Delivery>();
        for (let round = 0; doneInRound.size < total && round < 50; round++) {
          const now = at(round);
          const claims = await Promise.all(
            Array.from({ length: 6 }, (_, i) => (i % 2 ? replica : store).claimDeliveries(`w${i}`, now, LEASE, 7)),
          );
          const flat = claims.flat();
          expect(new Set(flat.map((d) => d.id)).size, 'a delivery handed to two claimers').toBe(flat.length);
          for (const d of flat) expect(doneInRound.has(d.id), `delivery ${d.id} handed out after it was sent`).toBe(false);
          // One subscription's deliveries go to one claimer at a time.
          for (const s of subs) expect(claims.filter((c) => c.some((d) => d.subscriptionId === s.id)).length).toBeLessThanOrEqual(1);
          for (const d of flat) {
            // Now and then a worker gives a subscription's whole run back, as when Slack says wait.
            if (round % 2 === 0 && d.subscriptionId % 3 === 0) {
              await store.releaseDeliveries([d.id]);
            } else {
              await store.completeDelivery(d.id);
              doneInRound.set(d.id, round);
              byId.set(d.id, d);
            }
          }
        }
        expect(doneInRound.size).toBe(total);
        expect(await store.pendingDeliveries()).toBe(0);
        // Per subscription, in enqueue order (k0, k1, …), each went out no earlier than the one before.
        for (const s of subs) {
          const sent = [...byId.values()].filter((d) => d.subscriptionId === s.id).sort((x, y) => x.id - y.id);
          expect(sent.map((d) => d.key)).toEqual(['k0', 'k1', 'k2', 'k3', 'k4']);
          const rounds = sent.map((d) => doneInRound.get(d.id) ?? -1);
          expect(rounds).toEqual([...rounds].sort((x, y) => x - y));
        }
      });
    });

    describe('retention', () => {
      const nothing: PurgeResult = { subscriptions: 0, pausedExpired: [], watches: 0, deliveries: 0, discoveredJobs: 0, actionClaims: 0 };

      it('times every pause and every end, by the store’s clock unless a person gave the time', async () => {
        const before = Date.now() - 1_000; // PostgreSQL's clock, on this machine: a second of slack
        const paused = await addActive();
        expect(await store.pauseSubscription(paused.id, pauseReason.destination('archived'))).toBe(true);
        const ended = await end(await addActive());
        const byPerson = await addActive();
        const when = new Date('2026-07-28T15:00:00.000Z');
        await store.pauseSubscription(byPerson.id, PAUSED_BY_PERSON, { userId: 'U_BOB', at: when });
        const after = Date.now() + 1_000;

        for (const s of [await store.getSubscription(paused.id), ended]) {
          expect(s?.stateAt).toBeInstanceOf(Date);
          expect(s?.stateAt?.getTime()).toBeGreaterThanOrEqual(before);
          expect(s?.stateAt?.getTime()).toBeLessThanOrEqual(after);
        }
        expect(await store.getSubscription(paused.id)).toMatchObject({ stateReason: 'destination:archived', stateBy: null });
        expect(await store.getSubscription(byPerson.id)).toMatchObject({ stateAt: when, stateBy: 'U_BOB' });
        await store.resumeSubscription(paused.id);
        expect(await store.getSubscription(paused.id)).toMatchObject({ state: 'active', stateAt: null });
      });

      it('forgets subscriptions that ended before the cutoff, with their pending deliveries and their job’s watch', async () => {
        const active = await addActive();
        await store.initWatch(active.jobId, makeWatch());
        await store.enqueue([reply(active.id, 'live')]);
        const first = await addActive();
        const old = await end(first, [reply(first.id, 'final'), card(first.id, 'final card')]);
        const cutoff = await aMomentLater();
        const second = await addActive();
        const recent = await end(second, [reply(second.id, 'final')]);
        expect(old.stateAt?.getTime()).toBeLessThan(cutoff.getTime());
        expect(recent.stateAt?.getTime()).toBeGreaterThan(cutoff.getTime());

        expect(await store.purgeExpired(cutoff)).toEqual({ ...nothing, subscriptions: 1, watches: 1, deliveries: 2 });
        expect(await store.getSubscription(old.id)).toBeNull();
        expect(await store.getWatch(old.jobId)).toBeNull();
        // Ended since the cutoff: kept, its summary still deliverable.
        expect(await store.getSubscription(recent.id)).toMatchObject({ state: 'ended' });
        expect(await store.getWatch(recent.jobId)).not.toBeNull();
        expect(keys(await store.claimDeliveries('w', T0, LEASE, 10))).toEqual(['live', 'final']);
        // An active subscription is never forgotten, nor the watch it uses, however old.
        expect(await store.getSubscription(active.id)).toMatchObject({ state: 'active' });
        expect(await store.getWatch(active.jobId)).not.toBeNull();
        expect(await store.purgeExpired(cutoff)).toEqual(nothing);
      });

      it('forgets subscriptions paused before the cutoff because their channel is gone, naming each; other pauses stay', async () => {
        const gone = await addActive({ channelId: 'C-gone' });
        const archived = await addActive({ channelId: 'C-archived' });
        const byPerson = await addActive();
        const noScope = await addActive();
        const legacy = await addActive();
        for (const s of [gone, archived, byPerson, noScope, legacy]) await store.initWatch(s.jobId, makeWatch());
        await store.enqueue([reply(archived.id, 'waiting'), reply(archived.id, 'waiting too'), reply(byPerson.id, 'waiting')]);
        await store.pauseSubscription(gone.id, pauseReason.destination('not_found'));
        await store.pauseSubscription(archived.id, pauseReason.destination('archived'));
        await store.pauseSubscription(byPerson.id, pauseReason.byPerson, { userId: 'U_BOB', at: new Date('2026-01-01T00:00:00Z') });
        await store.pauseSubscription(noScope.id, pauseReason.scope('chat:write'));
        // A reason as builds before neutral reasons stored it: not known to be a gone channel.
        await store.pauseSubscription(legacy.id, 'channel_not_found');
        const cutoff = await aMomentLater();
        const recentlyGone = await addActive();
        await store.initWatch(recentlyGone.jobId, makeWatch());
        await store.pauseSubscription(recentlyGone.id, pauseReason.destination('not_a_member'));

        const result = await store.purgeExpired(cutoff);
        expect({ ...result, pausedExpired: [...result.pausedExpired].sort((a, b) => a.id - b.id) }).toEqual({
          subscriptions: 0,
          pausedExpired: [
            { id: gone.id, channelId: 'C-gone', jobId: gone.jobId, reason: 'destination:not_found' },
            { id: archived.id, channelId: 'C-archived', jobId: archived.jobId, reason: 'destination:archived' },
          ],
          // Their jobs' watches, which nothing else used.
          watches: 2,
          deliveries: 2,
          discoveredJobs: 0,
          actionClaims: 0,
        });
        expect(result.pausedExpired.every((p) => isDestinationGone(p.reason))).toBe(true);
        expect(await store.getSubscription(gone.id)).toBeNull();
        expect(await store.getSubscription(archived.id)).toBeNull();
        expect(await store.getWatch(gone.jobId)).toBeNull();
        for (const kept of [byPerson, noScope, legacy, recentlyGone]) {
          expect(await store.getSubscription(kept.id)).toMatchObject({ state: 'paused' });
          expect(await store.getWatch(kept.jobId)).not.toBeNull();
        }
        expect(await store.pendingDeliveries(byPerson.id)).toBe(1);
        expect(await store.purgeExpired(cutoff)).toEqual(nothing);
      });

      it('forgets a watch no active or paused subscription uses, once it is older than the cutoff', async () => {
        await store.initWatch('dj-nobody-old', makeWatch());
        const paused = await addActive();
        await store.initWatch(paused.jobId, makeWatch());
        await store.pauseSubscription(paused.id, PAUSED_BY_PERSON, { userId: 'U1', at: T0 });
        const active = await addActive();
        await store.initWatch(active.jobId, makeWatch());
        const cutoff = await aMomentLater();
        await store.initWatch('dj-nobody-new', makeWatch());

        expect(await store.purgeExpired(cutoff)).toEqual({ ...nothing, watches: 1 });
        expect(await store.getWatch('dj-nobody-old')).toBeNull();
        expect(await store.getWatch('dj-nobody-new')).not.toBeNull();
        expect(await store.getWatch(paused.jobId)).not.toBeNull();
        expect(await store.getWatch(active.jobId)).not.toBeNull();
        // Once later than everything, only what a live subscription uses stays.
        expect(await store.purgeExpired(afterEverything())).toEqual({ ...nothing, watches: 1 });
        expect(await store.getWatch('dj-nobody-new')).toBeNull();
        expect(await store.getWatch(active.jobId)).not.toBeNull();
      });

      it('forgets discovered jobs seen and created before the cutoff that nothing follows, and how far it went', async () => {
        const listed = (id: string, createdAt: string): ListedJob => ({ id, name: `job ${id}`, jobType: 't', userId: 'user-p', createdAt });
        const longAgo = new Date('2026-01-15T00:00:00Z');
        const cutoff = new Date('2026-06-01T00:00:00Z');
        await store.recordJobs(
          [
            listed('dj-p-old-1', '2026-01-01T00:00:00Z'),
            // The newest of the forgotten: 22:00 UTC the day before.
            listed('dj-p-old-2', '2026-02-01T00:00:00+02:00'),
            listed('dj-p-active', '2026-01-01T00:00:00Z'),
            listed('dj-p-paused', '2026-01-01T00:00:00Z'),
            listed('dj-p-ended', '2026-01-02T00:00:00Z'),
            listed('dj-p-no-time', 'yesterday'),
            listed('dj-p-new', '2026-07-01T00:00:00Z'),
          ],
          longAgo,
        );
        // Created long ago, but only seen of late (a feed's first read of the whole team).
        await store.recordJobs([listed('dj-p-seen-late', '2026-01-01T00:00:00Z')], new Date('2026-07-01T00:00:00Z'));
        const active = await addActive({ jobId: 'dj-p-active' });
        const paused = await addActive({ jobId: 'dj-p-paused' });
        await store.pauseSubscription(paused.id, PAUSED_BY_PERSON, { userId: 'U1', at: longAgo });
        await end(await addActive({ jobId: 'dj-p-ended' }));
        const all = ['dj-p-old-1', 'dj-p-old-2', 'dj-p-active', 'dj-p-paused', 'dj-p-ended', 'dj-p-no-time', 'dj-p-new', 'dj-p-seen-late'];
        expect(await store.discoveryHorizon()).toBeNull();

        expect(await store.purgeExpired(cutoff, 2)).toEqual({ ...nothing, discoveredJobs: 2 });
        expect(await store.purgeExpired(cutoff, 2)).toEqual({ ...nothing, discoveredJobs: 1 });
        expect(await store.knownJobs(all)).toEqual(new Set(['dj-p-active', 'dj-p-paused', 'dj-p-no-time', 'dj-p-new', 'dj-p-seen-late']));
        expect(await store.discoveryHorizon()).toEqual(new Date('2026-01-31T22:00:00Z'));
        expect(await store.purgeExpired(cutoff)).toEqual(nothing);

        // The horizon never goes back: a job older than it, forgotten later, leaves it where it was.
        await end(active);
        expect(await store.purgeExpired(cutoff)).toEqual({ ...nothing, discoveredJobs: 1 });
        expect(await store.discoveryHorizon()).toEqual(new Date('2026-01-31T22:00:00Z'));
        // Once later than everything, only the followed job and the one without a time stay.
        expect(await store.purgeExpired(afterEverything())).toMatchObject({ discoveredJobs: 2 });
        expect(await store.knownJobs(all)).toEqual(new Set(['dj-p-paused', 'dj-p-no-time']));
        expect(await store.discoveryHorizon()).toEqual(new Date('2026-07-01T00:00:00Z'));
        expect((await store.jobsOfUser('user-p', 10)).total).toBe(2);
      });

      it('removes at most `limit` of each kind per call, the oldest first', async () => {
        const ended: Subscription[] = [];
        for (let i = 0; i < 5; i++) {
          const s = await addActive();
          await store.enqueue([reply(s.id, 'final')]);
          ended.push(await end(s));
          await sleep(2); // distinct times, so that "oldest first" is testable
        }
        for (let i = 0; i < 3; i++) await store.pauseSubscription((await addActive()).id, pauseReason.destination('not_found'));
        for (let i = 0; i < 4; i++) await store.initWatch(`dj-orphan-${i}`, makeWatch());
        const cutoff = afterEverything();

        const first = await store.purgeExpired(cutoff, 2);
        expect([first.subscriptions, first.pausedExpired.length, first.watches, first.deliveries]).toEqual([2, 2, 2, 2]);
        expect(await store.getSubscription(ended[0]?.id ?? -1)).toBeNull();
        expect(await store.getSubscription(ended[1]?.id ?? -1)).toBeNull();
        expect(await store.getSubscription(ended[2]?.id ?? -1)).not.toBeNull();

        const total = { subscriptions: 0, paused: 0, watches: 0, deliveries: 0 };
        let calls = 0;
        const full = (r: PurgeResult) => r.subscriptions === 2 || r.pausedExpired.length === 2 || r.watches === 2;
        for (let last = first; ; ) {
          calls += 1;
          expect(Math.max(last.subscriptions, last.pausedExpired.length, last.watches)).toBeLessThanOrEqual(2);
          total.subscriptions += last.subscriptions;
          total.paused += last.pausedExpired.length;
          total.watches += last.watches;
          total.deliveries += last.deliveries;
          if (!full(last)) break;
          last = await store.purgeExpired(cutoff, 2);
        }
        // 5 ended and 3 paused subscriptions; 4 watches of no subscription and the 5 ended jobs' own.
        expect(total).toEqual({ subscriptions: 5, paused: 3, watches: 9, deliveries: 5 });
        expect(calls).toBe(5);
        expect(await store.pendingDeliveries()).toBe(0);
        expect(await store.purgeExpired(cutoff, 2)).toEqual(nothing);
      });
    });

    describe('digests and quiet hours', () => {
      digestContract(() => ({ store, fixture }));
    });

    describe('leases', () => {
      it('is taken, renewed by its owner, refused to others until it expires, then taken over', async () => {
        expect(await store.tryLease('poll', 'a', 10_000, T0)).toBe(true);
        expect(await store.tryLease('poll', 'a', 10_000, at(5_000))).toBe(true);
        expect(await store.tryLease('poll', 'b', 10_000, at(10_000))).toBe(false);
        expect(await store.tryLease('other', 'b', 10_000, at(10_000))).toBe(true);
        expect(await store.tryLease('poll', 'b', 10_000, at(15_001))).toBe(true);
        expect(await store.tryLease('poll', 'a', 10_000, at(16_000))).toBe(false);
      });

      it('is released only by its owner', async () => {
        expect(await store.tryLease('poll', 'a', 60_000, T0)).toBe(true);
        await store.releaseLease('poll', 'b');
        expect(await store.tryLease('poll', 'b', 60_000, at(1))).toBe(false);
        await store.releaseLease('poll', 'a');
        expect(await store.tryLease('poll', 'b', 60_000, at(2))).toBe(true);
      });

      it('lets exactly one of several concurrent takers have it', async () => {
        const replica = await fixture.open();
        const results = await Promise.all(
          Array.from({ length: 6 }, (_, i) => (i % 2 ? replica : store).tryLease('poll', `owner-${i}`, 60_000, T0)),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
      });
    });

    describe('action claims', () => {
      const key = { jobId: 'dj-act', action: 'start' as const, shownState: 'ready_to_start' };
      const claim = (userId: string, ms = 0) => ({ ...key, userId, channelId: 'C-act', at: at(ms) });

      it('one claim per job, action and shown state: the first holds it, later ones learn who', async () => {
        expect(await store.claimAction(claim('U1'))).toEqual({ claimed: true });
        expect(await store.claimAction(claim('U2', 5))).toEqual({ claimed: false, by: 'U1', at: T0 });
        // Another action, or the same action for another state, is another claim.
        expect(await store.claimAction({ ...claim('U2'), action: 'cancel', shownState: 'queued' })).toEqual({ claimed: true });
        expect(await store.claimAction({ ...claim('U2'), shownState: 'other' })).toEqual({ claimed: true });
        expect(await store.claimAction({ ...claim('U2'), jobId: 'dj-other' })).toEqual({ claimed: true });
      });

      it('are forgotten by the retention purge once older than its cutoff, in bounded calls; newer ones hold', async () => {
        const DAY = 24 * 3_600_000;
        for (const jobId of ['dj-old-1', 'dj-old-2', 'dj-old-3']) await store.claimAction({ ...claim('U1'), jobId, at: at(-40 * DAY) });
        await store.claimAction(claim('U1'));
        const cutoff = at(-30 * DAY);
        expect((await store.purgeExpired(cutoff, 2)).actionClaims).toBe(2);
        expect((await store.purgeExpired(cutoff, 2)).actionClaims).toBe(1);
        expect((await store.purgeExpired(cutoff)).actionClaims).toBe(0);
        expect(await store.claimAction({ ...claim('U2'), jobId: 'dj-old-1' })).toEqual({ claimed: true });
        expect(await store.claimAction(claim('U2'))).toMatchObject({ claimed: false, by: 'U1' });
      });

      it('a claim from the App Home has no channel', async () => {
        expect(await store.claimAction({ ...claim('U1'), channelId: null })).toEqual({ claimed: true });
        expect(await store.claimAction(claim('U2'))).toMatchObject({ claimed: false, by: 'U1' });
      });

      it('released, the same state can be claimed again', async () => {
        await store.claimAction(claim('U1'));
        await store.releaseAction(key);
        expect(await store.claimAction(claim('U2', 10))).toEqual({ claimed: true });
        expect(await store.claimAction(claim('U3', 20))).toEqual({ claimed: false, by: 'U2', at: at(10) });
      });

      it('many claims at once, from two processes: exactly one is granted, and it holds after a restart', async () => {
        const replica = await fixture.open();
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? store : replica).claimAction(claim(`U${i}`, i))),
        );
        const granted = results.filter((r) => r.claimed);
        expect(granted).toHaveLength(1);
        const holder = results.find((r) => !r.claimed);
        expect(holder).toMatchObject({ claimed: false });
        await replica.close();
        const reopened = await fixture.open();
        expect(await reopened.claimAction(claim('U-late'))).toMatchObject({ claimed: false });
      });
    });

    it('keeps everything across close and reopen', async () => {
      const s = await addActive({ channelId: 'C-keep', jobId: 'dj-keep' });
      await store.setCardTs(s.id, '1.2');
      const paused = await addActive({ channelId: 'C-keep', jobId: 'dj-keep-2' });
      await store.pauseSubscription(paused.id, 'not_in_channel');
      const w = makeWatch({ unreachableSince: '2026-07-28T15:00:00.000Z' });
      await store.commitPass('dj-keep', { expectedVersion: null, watch: w, deliveries: [card(s.id, 'v1'), reply(s.id, 'r')] });
      const [claimed] = await store.claimDeliveries('w', T0, LEASE, 1);
      await store.tryLease('poll', 'a', 60_000, T0);
      await store.close();

      const reopened = await fixture.open();
      expect(reopened.engine).toBe(engine);
      expect(await reopened.listSubscriptions('C-keep')).toEqual([
        { ...s, cardTs: '1.2' },
        { ...paused, state: 'paused', stateReason: 'not_in_channel', stateAt: expect.any(Date) },
      ]);
      expect(await reopened.getWatch('dj-keep')).toEqual({ watch: w, version: 1 });
      expect(await reopened.pendingDeliveries(s.id)).toBe(2);
      // The claim survived too: the card is still leased (only the reply, which never waits for a card, is free).
      expect((await reopened.claimDeliveries('w2', at(1), LEASE, 10)).map((d) => d.key)).toEqual(['r']);
      expect((await reopened.claimDeliveries('w2', at(LEASE), LEASE, 10)).map((d) => d.id)).toEqual([claimed?.id]);
      expect(await reopened.tryLease('poll', 'b', 60_000, at(1))).toBe(false);
      // A new subscription does not reuse an id.
      expect((await reopened.addSubscription(newSub())).subscription.id).toBeGreaterThan(paused.id);
    });
  });
}
