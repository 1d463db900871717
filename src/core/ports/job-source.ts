import type { DataJob } from '../../domain/data-job.js';
import type { ListedJob } from '../../domain/feed.js';
import type { JobReading } from '../../domain/job-reading.js';

/** SeekrFlow as the core sees it: where jobs come from, how a read can fail, and what the bot may ask SeekrFlow to do. Nothing here knows a URL. */

export type FetchFailureKind =
  | 'invalid_id'
  | 'not_found'
  | 'unauthorized'
  | 'forbidden'
  | 'invalid_request'
  | 'rate_limited'
  | 'unavailable'
  | 'invalid_response'
  | 'too_large';

export interface FetchFailure {
  kind: FetchFailureKind;
  /** One sentence a Slack user can act on. Safe for mrkdwn only after escaping (it may quote the API). */
  message: string;
  /** For logs: the status, the API's own words, the field that did not fit. Never a secret. */
  detail: string;
  /** SeekrFlow's request id (the `cf-ray` header) when the response had one. */
  requestId: string | null;
  status: number | null;
  attempts: number;
}

/** `bodyHash`: the answer's identity, `<reading version>:<xxh3 of its bytes>.<bytes>` (seekrflow/client.ts), so a later read by the same build can tell it got the same answer again. */
export type FetchResult =
  | { ok: true; job: DataJob; bodyHash: string; requestId: string | null; attempts: number }
  | { ok: false; failure: FetchFailure };

/**
 * A poll's read: the job's reading (see job-reading.ts; made off the event loop for a large answer), or
 * `unchanged` when the answer was byte for byte the one the bot last read (so it was not read at all),
 * or, when a full read of the job was already on its way, that read's job.
 */
export type RecheckResult =
  | FetchResult
  | { ok: true; reading: JobReading; bodyHash: string; requestId: string | null; attempts: number }
  | { ok: true; unchanged: true; bodyHash: string; requestId: string | null; attempts: number };

/** What the bot may ask SeekrFlow to do to a job (`POST …/{id}/start`, `…/cancel`, no body). */
export interface JobActions {
  /** Starts the job's alignment: the job as SeekrFlow then answers it, or a failure quoting SeekrFlow's reason. */
  startAlignment(id: string): Promise<FetchResult>;
  /** Cancels the job's alignment: likewise. */
  cancelAlignment(id: string): Promise<FetchResult>;
}

/** Where jobs come from. Never throws for anything SeekrFlow or the network does. */
export interface JobSource {
  getDataJob(id: string): Promise<FetchResult>;
  /**
   * The poll's read: when the answer's hash is `knownHash`, it is `unchanged` and nothing of it is
   * parsed, validated or summarised (for a job of 2,000 files, that is most of what a poll costs).
   * `lastHash` is the `bodyHash` of the job's last answer, whether or not it may be skipped: its
   * size says where a large answer is best read, a full read (`knownHash` null) included.
   */
  recheckDataJob(id: string, knownHash: string | null, lastHash?: string | null): Promise<RecheckResult>;
}

/** Reads the list of the team's jobs, newest first, one page at a time. */
export interface JobLister {
  listJobs(page: { offset: number; limit: number }): Promise<{ ok: true; jobs: ListedJob[] } | { ok: false; failure: FetchFailure }>;
}
