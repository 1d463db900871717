import { describe, expect, it } from 'vitest';
import type { JobWatch } from '../domain/snapshot.js';
import type { Subscription } from '../domain/subscription.js';
import { digestContent, digestJobs, isEmptyDigest } from './digest-content.js';
import type { StoredWatch } from './ports/watches.js';

const NOW = new Date('2026-01-15T08:00:00Z');

function sub(id: number, jobId: string, over: Partial<Subscription> = {}): Subscription {
  return {
    id,
    channelId: 'C1',
    jobId,
    filter: 'changes',
    createdBy: 'U1',
    createdAt: NOW,
    cardTs: `1.${id}`,
    state: 'active',
    stateReason: null,
    stateBy: null,
    stateAt: null,
    lastDelivery: null,
    lastDeliveryAt: null,
    kind: 'channel',
    feedId: null,
    waitsForNeed: false,
    ...over,
  };
}

function watch(status: string, over: Partial<JobWatch> = {}): StoredWatch {
  return {
    version: 1,
    watch: {
      snapshot: {
        name: `job ${status}`,
        status,
        alignment: status === 'running' ? { status: 'running', step: null, stepProgress: null, progress: 40 } : null,
        counts: { done: 3, failed: 1, processing: 0, queued: 0 },
        reportedFailures: [],
        updatedAt: '',
      },
      lastChangeAt: '2026-01-15T05:00:00Z',
      stallNotified: false,
      unreachableSince: null,
      unreachableNotified: false,
      ...over,
    },
  };
}

describe('what a digest tells', () => {
  it('puts each job of the channel once in its section, from its subscription’s end or its watch', () => {
    const subscriptions = [
      sub(1, 'dj-done', { state: 'ended', stateReason: 'completed' }),
      sub(2, 'dj-failed', { state: 'ended', stateReason: 'failed' }),
      sub(3, 'dj-gone', { state: 'ended', stateReason: 'gone' }),
      sub(4, 'dj-review'),
      sub(5, 'dj-ready', { state: 'paused' }),
      sub(6, 'dj-stuck'),
      sub(7, 'dj-run'),
      // The same job followed again through the team feed: told once, with the newer subscription's card.
      sub(8, 'dj-run', { feedId: 3, cardTs: '1.8' }),
    ];
    const watches = new Map<string, StoredWatch>([
      ['dj-done', watch('completed')],
      ['dj-failed', watch('failed')],
      ['dj-gone', watch('running')],
      ['dj-review', watch('needs_review')],
      ['dj-ready', watch('ready_to_start')],
      ['dj-stuck', watch('file_processing', { stallNotified: true })],
      ['dj-run', watch('running')],
    ]);
    const content = digestContent({
      channelId: 'C1',
      localDate: '2026-01-15',
      since: null,
      jobs: digestJobs(subscriptions, watches),
      now: NOW,
    });
    const ids = Object.fromEntries(Object.entries(content.sections).map(([s, lines]) => [s, lines.map((l) => l.jobId)]));
    expect(ids).toEqual({
      failed: ['dj-failed'],
      waiting: ['dj-ready', 'dj-review'],
      stalled: ['dj-stuck'],
      running: ['dj-run'],
      completed: ['dj-done'],
    });
    expect(content.sections.running[0]).toMatchObject({ cardTs: '1.8', progress: 40, done: 3, failed: 1 });
    expect(content.sections.stalled[0]?.stalledMinutes).toBe(180);
    expect(isEmptyDigest(content)).toBe(false);
    expect(isEmptyDigest(digestContent({ channelId: 'C1', localDate: '2026-01-15', since: null, jobs: [], now: NOW }))).toBe(true);
  });
});
