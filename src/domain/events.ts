/** What a change in a job means to the people watching it. Renderers switch on `type` exhaustively. */

export interface FailedFileNote {
  id: string;
  name: string;
  error: string | null;
  fix: string | null;
}

export type JobEvent =
  | { type: 'status_changed'; from: string; to: string }
  /** `files` are the first few (most recent first); `count` says how many failed in all. */
  | { type: 'files_failed'; count: number; files: FailedFileNote[] }
  | { type: 'alignment_started'; status: string }
  | { type: 'alignment_finished'; status: string }
  | { type: 'needs_review'; reason: string | null }
  | { type: 'ended'; status: string; failedFiles: number; doneFiles: number }
  | { type: 'stalled'; since: string; minutes: number }
  | { type: 'unreachable'; since: string; minutes: number; reason: string }
  | { type: 'reachable_again'; since: string };

export type JobEventType = JobEvent['type'];

/** Which events a subscription hears. `changes` is the default: the useful middle. */
export const FILTERS = ['all', 'changes', 'failures'] as const;
export type SubscriptionFilter = (typeof FILTERS)[number];

const HEARD: Record<SubscriptionFilter, ReadonlySet<JobEventType>> = {
  all: new Set<JobEventType>([
    'status_changed',
    'files_failed',
    'alignment_started',
    'alignment_finished',
    'needs_review',
    'ended',
    'stalled',
    'unreachable',
    'reachable_again',
  ]),
  changes: new Set<JobEventType>([
    'status_changed',
    'alignment_started',
    'files_failed',
    'needs_review',
    'ended',
    'stalled',
    'unreachable',
    'reachable_again',
  ]),
  failures: new Set<JobEventType>(['files_failed', 'needs_review', 'ended', 'unreachable', 'reachable_again']),
};

export function hears(filter: SubscriptionFilter, event: JobEvent): boolean {
  return HEARD[filter].has(event.type);
}

/** Events that need a person also go to the channel, not only the thread. */
export function isLoud(event: JobEvent): boolean {
  return event.type === 'files_failed' || event.type === 'needs_review' || event.type === 'ended';
}
