import type { DataJob } from './data-job.js';
import { type JobCard, toJobCard } from './job-card.js';
import { type JobSummary, summarizeJob } from './job-summary.js';

/**
 * What a poll takes from a job: its summary (what the planner compares and tells) and its card
 * (what a living card shows). Small on purpose, so that a job read on another thread comes back
 * cheaply: the summary's job keeps its fields but not its long lists (files, ingestion runs,
 * timeline are empty), since the summary has counted them and the card holds what it shows of them.
 * Read the card from here, never `toJobCard(reading.summary)`.
 */
export interface JobReading {
  summary: JobSummary;
  card: JobCard;
}

export function readJob(job: DataJob): JobReading {
  const summary = summarizeJob(job);
  const card = toJobCard(summary);
  return { summary: { ...summary, job: { ...job, files: [], ingestion_jobs: [], timeline: [] } }, card };
}
