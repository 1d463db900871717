import type { DataJob } from './data-job.js';
import { type JobCard, toJobCard } from './job-card.js';
import { type CountedSummary, summarizeJob } from './job-summary.js';

/**
 * What a poll takes from a job: its summary (what the planner compares and tells) and its card
 * (what a living card shows). Small on purpose, so that a job read on another thread comes back
 * cheaply: the summary keeps the job's fields but not its long lists (files, ingestion runs,
 * timeline), since it has counted them and the card holds what it shows of them.
 */
export interface JobReading {
  summary: CountedSummary;
  card: JobCard;
}

export function readJob(job: DataJob): JobReading {
  const summary = summarizeJob(job);
  const card = toJobCard(summary);
  const { files: _files, ingestion_jobs: _runs, timeline: _timeline, ...listless } = job;
  return { summary: { ...summary, job: listless }, card };
}
