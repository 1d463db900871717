import { clipLong } from './bounds.js';
import { isTerminalStatus } from './data-job.js';
import { FAILURE_GROUPS_PER_EVENT, type JobEvent, NAMES_PER_EVENT_GROUP } from './events.js';
import { groupFailures } from './failure-groups.js';
import type { JobReading } from './job-reading.js';
import type { CountedSummary } from './job-summary.js';
import { failureKey, type JobSnapshot, type JobWatch, takeSnapshot } from './snapshot.js';

/**
 * Edge-triggered change detection: compares what a poll saw with what the bot remembered and says
 * what happened. Pure: the clock and the settings come in as arguments, the new memory goes out.
 *
 * Noise rules: one status event per change, the most specific one wins (`ended` over
 * `alignment_finished` over `status_changed`), newly failed files are reported once each (in one
 * event, grouped by cause), and progress alone only refreshes the card.
 */

export interface DiffSettings {
  stallAfterMinutes: number;
  unreachableAfterMinutes: number;
}

/**
 * What a poll found: the job read (with the hash of the answer it was read from, when there was one,
 * and its card when it was made where the job was read: see job-reading.ts),
 * the very answer the watch was read from again (so not read: only the clocks move), or no answer.
 */
export type Observation =
  /** The job was read: what the planner compares, and the card drawn from the whole job. */
  | { kind: 'seen'; reading: JobReading; bodyHash?: string }
  | { kind: 'unchanged' }
  | { kind: 'unreachable'; reason: string }
  /** SeekrFlow says there is no such job (404), while it answers for others. */
  | { kind: 'gone' };

/** A job gone this long is given up: its subscriptions end. */
export const GONE_FOR_GOOD_HOURS = 24;
/** Why subscriptions end when their job has been gone from SeekrFlow for good (what `list` and the Home read back). */
export const GONE_REASON = 'gone';
/** A gone job is asked again this often, not every pass. */
export const GONE_RECHECK_MINUTES = 10;

/** A job last seen gone less than GONE_RECHECK_MINUTES ago is left out of this pass. */
export function goneRecheckDue(watch: JobWatch | null, now: Date): boolean {
  return !watch?.gone || minutesBetween(watch.gone.checkedAt, now) >= GONE_RECHECK_MINUTES;
}

export interface DiffResult {
  events: JobEvent[];
  /** The living card should be re-rendered (something it shows changed). */
  cardChanged: boolean;
  watch: JobWatch;
}

/** Statuses in which a job waits for a person, so an unchanged job is not stalled. */
const WAITING_FOR_A_PERSON = new Set(['needs_review', 'ready_to_start']);
const ALIGNMENT_ENDED = new Set(['completed', 'failed', 'cancelled', 'stopped']);

const minutesBetween = (fromIso: string, to: Date) => (to.getTime() - Date.parse(fromIso)) / 60_000;

function sameSnapshot(a: JobSnapshot, b: JobSnapshot): boolean {
  return (
    a.name === b.name &&
    a.status === b.status &&
    a.updatedAt === b.updatedAt &&
    JSON.stringify(a.alignment) === JSON.stringify(b.alignment) &&
    JSON.stringify(a.counts) === JSON.stringify(b.counts)
  );
}

function statusEvents(prev: JobSnapshot, cur: JobSnapshot, summary: CountedSummary): JobEvent[] {
  const alignmentStarted = prev.alignment === null && cur.alignment !== null;
  const alignmentFinished =
    cur.alignment !== null && ALIGNMENT_ENDED.has(cur.alignment.status) && !(prev.alignment && ALIGNMENT_ENDED.has(prev.alignment.status));

  if (cur.status !== prev.status) {
    if (isTerminalStatus(cur.status)) {
      return [{ type: 'ended', status: cur.status, failedFiles: cur.counts.failed, doneFiles: cur.counts.done }];
    }
    if (cur.status === 'needs_review') return [{ type: 'needs_review', reason: summary.reviewReason }];
    if (alignmentStarted) return [{ type: 'alignment_started', status: cur.alignment?.status ?? cur.status }];
    if (alignmentFinished) return [{ type: 'alignment_finished', status: cur.alignment?.status ?? cur.status }];
    return [{ type: 'status_changed', from: prev.status, to: cur.status }];
  }
  if (alignmentStarted) return [{ type: 'alignment_started', status: cur.alignment?.status ?? cur.status }];
  if (alignmentFinished) return [{ type: 'alignment_finished', status: cur.alignment?.status ?? cur.status }];
  return [];
}

function onSeen(prev: JobWatch | null, summary: CountedSummary, now: Date, settings: DiffSettings): DiffResult {
  const nowIso = now.toISOString();
  const events: JobEvent[] = [];
  let cardChanged = false;

  if (prev?.unreachableNotified && prev.unreachableSince) {
    events.push({ type: 'reachable_again', since: prev.unreachableSince });
    cardChanged = true;
  }
  if (prev?.gone) {
    events.push({ type: 'back_in_seekrflow', since: prev.gone.since });
    cardChanged = true;
  }

  const before = prev?.snapshot ?? null;
  const current = takeSnapshot(summary, before?.reportedFailures);
  if (!before || !prev) {
    // First sighting: a baseline, nothing to tell (the card was posted when subscribing).
    return {
      events,
      cardChanged,
      watch: { snapshot: current, lastChangeAt: nowIso, stallNotified: false, unreachableSince: null, unreachableNotified: false },
    };
  }

  const reported = new Set(before.reportedFailures);
  const newlyFailed = summary.failed.filter((f) => !reported.has(failureKey(f)));
  if (newlyFailed.length > 0) {
    // Grouped by cause among the newly failed only: what the reply tells is what is new.
    const { groups } = groupFailures(newlyFailed, { groups: FAILURE_GROUPS_PER_EVENT, names: NAMES_PER_EVENT_GROUP });
    events.push({ type: 'files_failed', count: newlyFailed.length, groups });
  }
  events.push(...statusEvents(before, current, summary));

  const changed = !sameSnapshot(before, current) || newlyFailed.length > 0;
  cardChanged ||= changed;
  let { lastChangeAt, stallNotified } = prev;
  // After an outage the job's quiet time is unknown: count it from now, so "back" is not followed by "stalled".
  if (changed || prev.unreachableSince) {
    lastChangeAt = nowIso;
    stallNotified = false;
  } else {
    const stall = stallCheck(prev, current.status, now, settings);
    if (stall.event) events.push(stall.event);
    stallNotified = stall.notified;
  }

  return {
    events,
    cardChanged,
    // No `gone`: a job seen is there (and a watch that never was gone stays as it was written).
    watch: { snapshot: current, lastChangeAt, stallNotified, unreachableSince: null, unreachableNotified: false },
  };
}

/**
 * SeekrFlow says the job does not exist: said once (and the card shows it), then nothing until it is
 * back, or until it has been gone GONE_FOR_GOOD_HOURS, when the end is said and the watching stops.
 * It replaces any outage: the job is not unreachable, it is not there.
 */
function onGone(prev: JobWatch | null, now: Date): DiffResult {
  const nowIso = now.toISOString();
  const base: JobWatch = prev ?? {
    snapshot: null,
    lastChangeAt: nowIso,
    stallNotified: false,
    unreachableSince: null,
    unreachableNotified: false,
  };
  const watch: JobWatch = { ...base, unreachableSince: null, unreachableNotified: false };
  if (!base.gone)
    return {
      events: [{ type: 'gone', since: nowIso }],
      cardChanged: true,
      watch: { ...watch, gone: { since: nowIso, checkedAt: nowIso } },
    };
  const { since } = base.gone;
  const hours = minutesBetween(since, now) / 60;
  const gone = { since, checkedAt: nowIso };
  if (hours >= GONE_FOR_GOOD_HOURS) {
    return { events: [{ type: 'gone_for_good', since, hours: Math.floor(hours) }], cardChanged: true, watch: { ...watch, gone } };
  }
  return { events: [], cardChanged: false, watch: { ...watch, gone } };
}

function onUnreachable(prev: JobWatch | null, reason: string, now: Date, settings: DiffSettings): DiffResult {
  const nowIso = now.toISOString();
  const base: JobWatch = prev ?? {
    snapshot: null,
    lastChangeAt: nowIso,
    stallNotified: false,
    unreachableSince: null,
    unreachableNotified: false,
  };
  // An outage says nothing new of a job SeekrFlow said is gone.
  if (base.gone) return { events: [], cardChanged: false, watch: base };
  const since = base.unreachableSince ?? nowIso;
  const minutes = minutesBetween(since, now);
  if (!base.unreachableNotified && minutes >= settings.unreachableAfterMinutes) {
    return {
      events: [{ type: 'unreachable', since, minutes: Math.floor(minutes), reason: clipLong(reason) }],
      cardChanged: true,
      watch: { ...base, unreachableSince: since, unreachableNotified: true },
    };
  }
  return { events: [], cardChanged: false, watch: { ...base, unreachableSince: since } };
}

export function diff(prev: JobWatch | null, observation: Observation, now: Date, settings: DiffSettings): DiffResult {
  switch (observation.kind) {
    case 'seen': {
      const result = onSeen(prev, observation.reading.summary, now, settings);
      const answer = observation.bodyHash ?? null;
      // Without a hash (a preview), a watch that never had one stays as it was written before hashes.
      return answer === null && !prev?.answer ? result : { ...result, watch: { ...result.watch, answer } };
    }
    case 'unchanged':
      return onUnchanged(prev, now, settings);
    case 'unreachable':
      return onUnreachable(prev, observation.reason, now, settings);
    case 'gone':
      return onGone(prev, now);
  }
}

/**
 * The answer the watch was read from, again. Reading it would find the same snapshot and no new
 * failure, so what `onSeen` would say comes down to its clock: a stall. Only a watch that
 * `answerToSkip` (planner.ts) allows gets here (read, reachable, not ended).
 */
function onUnchanged(prev: JobWatch | null, now: Date, settings: DiffSettings): DiffResult {
  if (!prev?.snapshot || prev.unreachableSince) throw new Error('an unchanged answer needs a watch read from an answer, reachable');
  const stall = stallCheck(prev, prev.snapshot.status, now, settings);
  return { events: stall.event ? [stall.event] : [], cardChanged: false, watch: { ...prev, stallNotified: stall.notified } };
}

/** A job unchanged for `stallAfterMinutes` (and not waiting for a person, not ended) is told stalled, once. */
function stallCheck(prev: JobWatch, status: string, now: Date, settings: DiffSettings): { event: JobEvent | null; notified: boolean } {
  const { lastChangeAt, stallNotified } = prev;
  if (
    stallNotified ||
    isTerminalStatus(status) ||
    WAITING_FOR_A_PERSON.has(status) ||
    minutesBetween(lastChangeAt, now) < settings.stallAfterMinutes
  ) {
    return { event: null, notified: stallNotified };
  }
  return { event: { type: 'stalled', since: lastChangeAt, minutes: Math.floor(minutesBetween(lastChangeAt, now)) }, notified: true };
}
