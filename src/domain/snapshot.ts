import { clipNullable, clipShort, SHORT_TEXT_BOUND } from './bounds.js';
import type { CountedSummary, FileCounts } from './job-summary.js';

/**
 * What the bot remembers of a job between polls: small on purpose (no file lists, no timeline), so
 * that thousands of large jobs cost kilobytes, not the payloads themselves.
 */
export interface JobSnapshot {
  name: string;
  status: string;
  alignment: { status: string; step: string | null; stepProgress: string | null; progress: number | null } | null;
  counts: FileCounts;
  /**
   * Ids (record id, else file id) of the failures already reported, oldest first: a file is reported
   * failed once. The job's current failures are always here; of the earlier ones only the most recent
   * EARLIER_FAILURES_KEPT, so that a job cycling through failures for months keeps a small watch.
   */
  reportedFailures: string[];
  updatedAt: string;
}

/** Bounded, because every key is stored with the job's watch for as long as it is watched. */
export const failureKey = (f: { recordId: string | null; fileId: string }): string => clipShort(f.recordId ?? f.fileId);

/**
 * Earlier failures (no longer failing) remembered besides the current ones. One forgotten and failing
 * again is reported again: after a thousand other failures since, that is news, not noise.
 */
export const EARLIER_FAILURES_KEPT = 1_000;

/** The current failures (never forgotten while they fail, so never re-reported) after the most recent earlier ones. */
function rememberFailures(summary: CountedSummary, previouslyReported: readonly string[]): string[] {
  const current = new Set<string>();
  for (const f of summary.failed) current.add(failureKey(f));
  const seen = new Set(current);
  const earlier: string[] = [];
  // Newest first, so that the cap keeps the most recent; put back oldest first below.
  for (let i = previouslyReported.length - 1; i >= 0 && earlier.length < EARLIER_FAILURES_KEPT; i--) {
    const id = previouslyReported[i] as string;
    if (seen.has(id)) continue;
    seen.add(id);
    earlier.push(id);
  }
  return [...earlier.reverse(), ...current];
}

export function takeSnapshot(summary: CountedSummary, previouslyReported: readonly string[] = []): JobSnapshot {
  const a = summary.alignment;
  return {
    name: clipShort(summary.job.name),
    status: clipShort(summary.job.status),
    alignment: a
      ? {
          status: clipShort(a.status),
          step: clipNullable(a.step, SHORT_TEXT_BOUND),
          stepProgress: clipNullable(a.stepProgress, SHORT_TEXT_BOUND),
          // Whole percent: finer movement would update cards for noise.
          progress: a.progress == null ? null : Math.round(a.progress * 100),
        }
      : null,
    counts: { ...summary.counts },
    reportedFailures: rememberFailures(summary, previouslyReported),
    updatedAt: clipShort(summary.job.updated_at),
  };
}

/** Everything the bot tracks per watched job: the snapshot plus what it has already said. */
export interface JobWatch {
  snapshot: JobSnapshot | null;
  /** When the snapshot last changed (ISO); a job still unchanged after STALL_AFTER_MINUTES is stalled. */
  lastChangeAt: string;
  stallNotified: boolean;
  /** First failed fetch of the current outage (ISO), or null while reachable. */
  unreachableSince: string | null;
  unreachableNotified: boolean;
  /**
   * Which answer the snapshot was read from: its `bodyHash` (see lastBodyHash). The same bytes again
   * mean the same job, so the next poll need not read them (absent in watches stored before).
   */
  answer?: string | null;
  /**
   * SeekrFlow has said the job does not exist (404) since `since` (ISO), last asked at `checkedAt`:
   * told once, then asked less often, and after GONE_FOR_GOOD_HOURS its subscriptions end. Absent or
   * null while the job is there.
   */
  gone?: { since: string; checkedAt: string } | null;
}

/**
 * The identity of the answer the watch was read from, whichever build read it: the client's
 * `bodyHash`, which names the reading the build made of it (seekrflow/reading-version.ts), the bytes'
 * hash and their length. Only an answer read by this build can be found unchanged: a build that reads
 * jobs differently never matches it, and reads the next answer in full once, even if SeekrFlow's
 * bytes did not change. Its size still says where a large answer is best read.
 */
export function lastBodyHash(watch: JobWatch | null): string | null {
  return watch?.answer ?? null;
}
