import { type FailureGroup, groupFailures } from './failure-groups.js';

/** What a change in a job means to the people watching it. Renderers switch on `type` exhaustively. */

export type JobEvent =
  | { type: 'status_changed'; from: string; to: string }
  /**
   * Files newly failed: `count` in all, by cause (`groups`: the commonest causes first, at most
   * FAILURE_GROUPS_PER_EVENT of them, each with a few names; every string bounded).
   */
  | { type: 'files_failed'; count: number; groups: FailureGroup[] }
  | { type: 'alignment_started'; status: string }
  | { type: 'alignment_finished'; status: string }
  | { type: 'needs_review'; reason: string | null }
  | { type: 'ended'; status: string; failedFiles: number; doneFiles: number }
  | { type: 'stalled'; since: string; minutes: number }
  | { type: 'unreachable'; since: string; minutes: number; reason: string }
  | { type: 'reachable_again'; since: string }
  /** SeekrFlow says the job does not exist (404) while it answers for others: deleted, or moved to another team. */
  | { type: 'gone'; since: string }
  /** Still gone after GONE_FOR_GOOD_HOURS: the job's subscriptions end. */
  | { type: 'gone_for_good'; since: string; hours: number }
  /** A job that was gone is there again. */
  | { type: 'back_in_seekrflow'; since: string }
  /** A person started or cancelled the job's alignment from Slack (`by`: their Slack user id). */
  | { type: 'acted_on'; action: 'start' | 'cancel'; by: string };

export type JobEventType = JobEvent['type'];

/**
 * Which events a subscription hears. `changes` is the default: the useful middle. `digest` hears
 * none: its card is kept current, and the channel's digest tells the rest.
 */
export const FILTERS = ['all', 'changes', 'failures', 'digest'] as const;
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
    'gone',
    'gone_for_good',
    'back_in_seekrflow',
    'acted_on',
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
    'gone',
    'gone_for_good',
    'back_in_seekrflow',
    'acted_on',
  ]),
  failures: new Set<JobEventType>([
    'files_failed',
    'needs_review',
    'ended',
    'unreachable',
    'reachable_again',
    'gone',
    'gone_for_good',
    'back_in_seekrflow',
    'acted_on',
  ]),
  digest: new Set<JobEventType>(),
};

export function hears(filter: SubscriptionFilter, event: JobEvent): boolean {
  return HEARD[filter].has(event.type);
}

/** Events that need a person also go to the channel, not only the thread. */
export function isLoud(event: JobEvent): boolean {
  return event.type === 'files_failed' || event.type === 'needs_review' || event.type === 'ended';
}

/** The causes a `files_failed` event keeps (it is stored until it is sent), and the names of each. */
export const FAILURE_GROUPS_PER_EVENT = 8;
export const NAMES_PER_EVENT_GROUP = 5;

/**
 * The causes of a `files_failed` event, also as an earlier build stored it: before causes were
 * grouped, the event listed its first 20 files one by one (`files`). Such an event, still waiting in
 * the outbox after an upgrade, is grouped when it is read.
 */
export function failedFileGroups(event: Extract<JobEvent, { type: 'files_failed' }>): FailureGroup[] {
  if (Array.isArray(event.groups)) return event.groups;
  const files: unknown = (event as { files?: unknown }).files;
  if (!Array.isArray(files)) return [];
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  const listed = files.map((f: Record<string, unknown>) => ({
    fileId: text(f.id) ?? '',
    name: text(f.name) ?? '',
    error: text(f.error),
    fix: text(f.fix),
  }));
  return groupFailures(listed, { groups: FAILURE_GROUPS_PER_EVENT, names: NAMES_PER_EVENT_GROUP }).groups;
}
