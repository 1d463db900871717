import { clip, clipLong, clipNullable, clipShort, LONG_TEXT_BOUND, SHORT_TEXT_BOUND } from './bounds.js';
import type { IngestionJob, TimelineEvent } from './data-job.js';
import { type FailureGroup, groupFailures } from './failure-groups.js';
import type { AlignmentView, FileCounts, JobSummary } from './job-summary.js';
import type { JobSnapshot } from './snapshot.js';
import { timestampMillis } from './timestamps.js';

/**
 * What a card of a job shows, and nothing more: a small, bounded digest of the job that any surface
 * (the channel card, the answer to `/datajob <id>`, a thread reply's job line) renders from. The
 * outbox stores it instead of a rendered message, so it must stay small whatever the job holds:
 * lists keep only what can be shown, with their totals, and every string is cut to a bound.
 */

/** The most any surface shows of each list. Renderers show these or fewer. */
export const JOB_CARD_LIMITS = {
  /** Causes of failure shown, the largest first. */
  failureGroups: 5,
  /** Names shown under a cause; the rest are counted. */
  failureGroupNames: 3,
  timelineEvents: 5,
  eventFacts: 2,
  /** Runs listed one by one when there are no more than this; otherwise counted by status. */
  ingestionRunsListed: 3,
  ingestionStatusesListed: 4,
  fineTuningIds: 5,
} as const;

export interface CardTimelineEvent {
  timestamp: string;
  /** The event's message, else its type; empty when it has neither. */
  message: string;
  /** A few metadata facts the message does not already say (`method: best`). */
  facts: { key: string; value: string }[];
}

export interface JobCard {
  id: string;
  /** False when the id was too long to keep whole: nothing may act on it (buttons would name another job). */
  idComplete: boolean;
  name: string;
  jobType: string;
  status: string;
  createdAt: string;
  updatedAt: string;
  ended: boolean;
  reviewReason: string | null;
  files: { total: number; counts: FileCounts; bytes: number };
  /**
   * Failed files grouped by cause (`groupFailures`): how many in all, how many causes, and the largest
   * causes. A group of one file reads as that file: its name, error and fix.
   */
  failures: CardFailures;
  ingestionRuns: {
    total: number;
    listed: { status: string; files: number }[];
    byStatus: { status: string; runs: number }[];
    otherStatuses: number;
  };
  alignment: AlignmentView | null;
  timeline: { total: number; latest: CardTimelineEvent[] };
  fineTuning: { total: number; ids: string[] };
}

export interface CardFailures {
  total: number;
  causes: number;
  groups: FailureGroup[];
}

/** An id longer than this cannot be carried by a button (Slack's button value limit) anyway. */
const ID_BOUND = 2_000;

export function toJobCard(summary: JobSummary): JobCard {
  const { job } = summary;
  return {
    id: job.id.length <= ID_BOUND ? job.id : clipShort(job.id),
    idComplete: job.id.length <= ID_BOUND,
    name: clipShort(job.name),
    jobType: clipShort(job.job_type),
    status: clipShort(job.status),
    createdAt: clipShort(job.created_at),
    updatedAt: clipShort(job.updated_at),
    ended: summary.ended,
    reviewReason: summary.reviewReason,
    files: { total: summary.fileCount, counts: { ...summary.counts }, bytes: summary.totalBytes },
    failures: groupFailures(summary.failed, { groups: JOB_CARD_LIMITS.failureGroups, names: JOB_CARD_LIMITS.failureGroupNames }),
    ingestionRuns: ingestionRuns(job.ingestion_jobs),
    alignment: summary.alignment && alignmentCard(summary.alignment),
    timeline: { total: job.timeline.length, latest: latestEvents(job.timeline, JOB_CARD_LIMITS.timelineEvents).map(cardEvent) },
    fineTuning: {
      total: job.fine_tuning_job_ids.length,
      ids: job.fine_tuning_job_ids.slice(0, JOB_CARD_LIMITS.fineTuningIds).map(clipShort),
    },
  };
}

/**
 * The card of a job SeekrFlow no longer has: what the bot remembers of it (its snapshot), which is
 * all there is to show. Lists are empty; counts, status and alignment are as last seen.
 */
export function cardOfSnapshot(jobId: string, snapshot: JobSnapshot): JobCard {
  const counts = { ...snapshot.counts };
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const a = snapshot.alignment;
  return {
    id: jobId.length <= ID_BOUND ? jobId : clipShort(jobId),
    idComplete: jobId.length <= ID_BOUND,
    name: snapshot.name,
    jobType: '',
    status: snapshot.status,
    createdAt: '',
    updatedAt: snapshot.updatedAt,
    ended: false,
    reviewReason: null,
    files: { total, counts, bytes: 0 },
    failures: { total: counts.failed, causes: 0, groups: [] },
    ingestionRuns: { total: 0, listed: [], byStatus: [], otherStatuses: 0 },
    alignment: a
      ? {
          status: a.status,
          step: a.step,
          stepProgress: a.stepProgress,
          progress: a.progress === null ? null : a.progress / 100,
          etaMinutes: null,
          estimatedCompletionAt: null,
          statusMessage: null,
        }
      : null,
    timeline: { total: 0, latest: [] },
    fineTuning: { total: 0, ids: [] },
  };
}

/**
 * The card's failures, also as an earlier build stored them: before causes were grouped, a card
 * listed its latest failed files one by one (`latest`). Such a card, still waiting in the outbox
 * after an upgrade, reads as groups of one file each.
 */
export function cardFailures(failures: CardFailures): CardFailures {
  if (Array.isArray(failures.groups)) return failures;
  const latest: unknown = (failures as { latest?: unknown }).latest;
  const total = typeof failures.total === 'number' ? failures.total : 0;
  if (!Array.isArray(latest)) return { total, causes: total, groups: [] };
  const groups = latest.slice(0, JOB_CARD_LIMITS.failureGroups).map((f: Record<string, unknown>): FailureGroup => {
    const text = (v: unknown) => (typeof v === 'string' ? clipLong(v) : null);
    const name = text(f.name)?.trim() || text(f.fileId) || '';
    return { count: 1, error: text(f.error), fix: text(f.fix), names: [clipShort(name)], latestFailedAt: null };
  });
  return { total, causes: total, groups };
}

function alignmentCard(a: AlignmentView): AlignmentView {
  return {
    ...a,
    status: clipShort(a.status),
    step: clipNullable(a.step, SHORT_TEXT_BOUND),
    stepProgress: clipNullable(a.stepProgress, SHORT_TEXT_BOUND),
    estimatedCompletionAt: clipNullable(a.estimatedCompletionAt, SHORT_TEXT_BOUND),
    statusMessage: clipNullable(a.statusMessage, LONG_TEXT_BOUND),
  };
}

function ingestionRuns(runs: IngestionJob[]): JobCard['ingestionRuns'] {
  // file_ids can be empty while records exist (seen in the wild): count whichever says more.
  const listed =
    runs.length <= JOB_CARD_LIMITS.ingestionRunsListed
      ? runs.map((run) => ({ status: clipShort(run.status), files: Math.max(run.file_ids.length, run.records.length) }))
      : [];
  const counts = new Map<string, number>();
  if (listed.length === 0) for (const run of runs) counts.set(run.status, (counts.get(run.status) ?? 0) + 1);
  // The commonest first; ties keep the order in which the statuses first appear.
  const sorted = [...counts].sort((a, b) => b[1] - a[1]);
  return {
    total: runs.length,
    listed,
    byStatus: sorted.slice(0, JOB_CARD_LIMITS.ingestionStatusesListed).map(([status, n]) => ({ status: clipShort(status), runs: n })),
    otherStatuses: Math.max(0, sorted.length - JOB_CARD_LIMITS.ingestionStatusesListed),
  };
}

/**
 * The `k` newest events, newest first, in one pass (no sort of 500 events to show 5). Events whose
 * time cannot be read count as oldest; ties keep the API's order, later meaning newer.
 */
function latestEvents(events: TimelineEvent[], k: number): TimelineEvent[] {
  if (k <= 0) return [];
  // Kept newest first; at most k entries.
  const top: { event: TimelineEvent; at: number }[] = [];
  for (const event of events) {
    const at = timestampMillis(event.timestamp) ?? Number.NEGATIVE_INFINITY;
    // Later in the list wins ties, so an equal time goes before the entries already kept.
    let pos = top.length;
    while (pos > 0 && at >= (top[pos - 1]?.at ?? Number.POSITIVE_INFINITY)) pos--;
    if (pos >= k) continue;
    top.splice(pos, 0, { event, at });
    if (top.length > k) top.pop();
  }
  return top.map((t) => t.event);
}

function cardEvent(event: TimelineEvent): CardTimelineEvent {
  const message = clipLong(event.message.trim() || event.event_type.trim());
  return { timestamp: clipShort(event.timestamp), message, facts: eventFacts(event.metadata, message) };
}

/** `id`, `ids`, `file_id`, `record_ids`…: only the key's end is read, however long the key. */
const isIdKey = (key: string) => /(^|_)ids?$/i.test(key.length > 8 ? key.slice(-8) : key);

/**
 * A couple of metadata facts the message does not already say (`method: best`, `qa_pairs: 1248`).
 * Ids are left out: they mean nothing to a reader.
 */
function eventFacts(metadata: Record<string, unknown>, message: string): CardTimelineEvent['facts'] {
  const facts: CardTimelineEvent['facts'] = [];
  let looked = 0;
  for (const key in metadata) {
    // A pathological metadata object must not cost more than a normal one.
    if (++looked > 20 || facts.length >= JOB_CARD_LIMITS.eventFacts) break;
    if (!Object.hasOwn(metadata, key) || isIdKey(key)) continue;
    const value = metadata[key];
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') continue;
    const shown = clip(String(value), 200);
    if (shown.trim() === '' || message.includes(shown)) continue;
    facts.push({ key: clip(key, 120), value: shown });
  }
  return facts;
}
