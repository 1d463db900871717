import { isTerminalStatus } from '../domain/data-job.js';
import { GONE_REASON } from '../domain/diff.js';
import { DIGEST_SECTIONS, type DigestContent, type DigestLine, type DigestSection } from '../domain/digest.js';
import type { JobCard } from '../domain/job-card.js';
import type { JobWatch } from '../domain/snapshot.js';
import type { Subscription } from '../domain/subscription.js';
import type { StoredWatch } from './ports/watches.js';

/**
 * What a channel's digest says, from what the bot already stores: the channel's subscriptions (its
 * own and its team feed's), each job's watch, and for the lines shown first, the job as just read.
 * Pure: the digest planner and `datajob-bot render --digest` both build it here.
 */

/** Causes of failure a line keeps: the largest. */
const CAUSES_PER_LINE = 3;
/** A digest tells of at most this many jobs; a channel following more is told their count. */
export const DIGEST_JOBS_BOUND = 2_000;

const WAITING = new Set(['needs_review', 'ready_to_start']);

export interface DigestJob {
  jobId: string;
  /** The subscription's end (its reason is the job's final status) or null while it follows the job. */
  endedAs: string | null;
  cardTs: string | null;
  watch: JobWatch | null;
  /** The job as just read, for the detail only a read has (causes, why it waits, the ETA). */
  card?: JobCard | null;
}

/** Which section a job belongs in, or null when there is nothing to say of it. */
export function sectionOf(job: DigestJob): DigestSection | null {
  const status = job.endedAs ?? job.card?.status ?? job.watch?.snapshot?.status ?? null;
  if (status === null || status === GONE_REASON) return null;
  if (status === 'completed') return 'completed';
  if (isTerminalStatus(status)) return 'failed';
  if (WAITING.has(status)) return 'waiting';
  if (job.watch?.stallNotified) return 'stalled';
  return 'running';
}

function lineOf(job: DigestJob, now: Date): DigestLine {
  const snapshot = job.watch?.snapshot ?? null;
  const card = job.card ?? null;
  const counts = card?.files.counts ?? snapshot?.counts;
  const line: DigestLine = {
    jobId: job.jobId,
    name: card?.name ?? snapshot?.name ?? job.jobId,
    status: job.endedAs ?? card?.status ?? snapshot?.status ?? 'unknown',
    cardTs: job.cardTs,
    done: counts?.done ?? 0,
    failed: counts?.failed ?? 0,
  };
  if (card && card.failures.groups.length > 0) {
    line.causes = card.failures.groups.slice(0, CAUSES_PER_LINE).map((g) => ({ count: g.count, error: g.error }));
  }
  if (card?.reviewReason) line.why = card.reviewReason;
  const progress = card?.alignment?.progress;
  if (progress != null) line.progress = Math.round(progress * 100);
  else if (snapshot?.alignment?.progress != null) line.progress = snapshot.alignment.progress;
  if (card?.alignment?.etaMinutes != null) line.etaMinutes = card.alignment.etaMinutes;
  if (job.watch?.stallNotified) {
    const since = Date.parse(job.watch.lastChangeAt);
    if (!Number.isNaN(since)) line.stalledMinutes = Math.max(0, Math.round((now.getTime() - since) / 60_000));
  }
  return line;
}

export function digestContent(input: {
  channelId: string;
  localDate: string;
  since: Date | null;
  jobs: readonly DigestJob[];
  now: Date;
}): DigestContent {
  const sections = Object.fromEntries(DIGEST_SECTIONS.map((s) => [s, [] as DigestLine[]])) as Record<DigestSection, DigestLine[]>;
  for (const job of input.jobs.slice(0, DIGEST_JOBS_BOUND)) {
    const section = sectionOf(job);
    if (section) sections[section].push(lineOf(job, input.now));
  }
  return { channelId: input.channelId, localDate: input.localDate, since: input.since?.toISOString() ?? null, sections };
}

/** The channel's jobs, once each (a job followed twice, by the channel and its feed, is told once), newest subscription first. */
export function digestJobs(subscriptions: readonly Subscription[], watches: ReadonlyMap<string, StoredWatch>): DigestJob[] {
  const byJob = new Map<string, DigestJob>();
  for (const s of [...subscriptions].reverse()) {
    if (byJob.has(s.jobId)) continue;
    byJob.set(s.jobId, {
      jobId: s.jobId,
      endedAs: s.state === 'ended' ? s.stateReason : null,
      cardTs: s.cardTs,
      watch: watches.get(s.jobId)?.watch ?? null,
    });
  }
  return [...byJob.values()];
}

export const isEmptyDigest = (content: DigestContent): boolean => DIGEST_SECTIONS.every((s) => content.sections[s].length === 0);
