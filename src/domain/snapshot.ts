import { clipNullable, clipShort, SHORT_TEXT_BOUND } from './bounds.js';
import type { FileCounts, JobSummary } from './job-summary.js';

/**
 * What the bot remembers of a job between polls: small on purpose (no file lists, no timeline), so
 * that thousands of large jobs cost kilobytes, not the payloads themselves.
 */
export interface JobSnapshot {
  name: string;
  status: string;
  alignment: { status: string; step: string | null; stepProgress: string | null; progress: number | null } | null;
  counts: FileCounts;
  /** Ids (record id, else file id) of every failure already reported: a file is reported failed once. */
  reportedFailures: string[];
  updatedAt: string;
}

/** Bounded, because every key is stored with the job's watch for as long as it is watched. */
export const failureKey = (f: { recordId: string | null; fileId: string }): string => clipShort(f.recordId ?? f.fileId);

export function takeSnapshot(summary: JobSummary, previouslyReported: readonly string[] = []): JobSnapshot {
  const a = summary.alignment;
  const reported = new Set(previouslyReported);
  for (const f of summary.failed) reported.add(failureKey(f));
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
    reportedFailures: [...reported],
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
}
