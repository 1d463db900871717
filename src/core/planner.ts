import { type DiffSettings, diff, type Observation } from '../domain/diff.js';
import { hears, isLoud, type JobEvent, type SubscriptionFilter } from '../domain/events.js';
import { toJobCard } from '../domain/job-card.js';
import type { JobWatch } from '../domain/snapshot.js';
import type { CardState, NewDelivery, ThreadReply } from './ports.js';

/**
 * The one place that decides what a poll means to the people watching a job. Pure: given what the
 * bot remembered, what SeekrFlow answered (or that it did not), the job's subscriptions and the
 * settings, it says what must happen. The poll pass, `/datajob subscribe` (for the baseline) and
 * `datajob-bot diff` (the preview) all call it, so the preview is what the bot really sends.
 */

export type PlanSettings = DiffSettings;

/** A subscription as the planner sees it. */
export interface Listener {
  id: number;
  filter: SubscriptionFilter;
  /** Its living card is posted. Without one, subscribing is still under way and records the baseline itself. */
  hasCard: boolean;
}

export interface PlanInput {
  jobId: string;
  previous: JobWatch | null;
  observation: Observation;
  listeners: readonly Listener[];
  settings: PlanSettings;
  now: Date;
  /** Unique for this write of the job's watch; keys the replies so each is sent once. */
  version: string;
}

export interface JobPlan {
  events: JobEvent[];
  /** What to remember of the job from now on. */
  watch: JobWatch;
  /** The living cards' new state, when what a card shows changed. */
  card: CardState | null;
  /** Each listener's messages, in the order they are to be sent. */
  deliveries: NewDelivery[];
  /** The job has ended: these subscriptions end with it, and the job is polled no more. */
  end: { ids: number[]; reason: string } | null;
  /** Nothing to say and nothing new to remember: the pass writes nothing. */
  idle: boolean;
}

export function planJob(input: PlanInput): JobPlan {
  const { previous, observation, listeners, now } = input;
  let { events, cardChanged, watch } = diff(previous, observation, now, input.settings);
  const summary = observation.kind === 'seen' ? observation.summary : null;
  const ended = summary?.ended ?? false;
  // A job is only polled while a subscription is active, so an ended job seen here has listeners
  // that never heard the end (they subscribed or resumed after it, or its first sighting was
  // already final): the end is a state to act on, not only an edge.
  if (summary && ended && !events.some((e) => e.type === 'ended')) {
    const { counts, job } = summary;
    events = [...events, { type: 'ended', status: job.status, failedFiles: counts.failed, doneFiles: counts.done }];
    cardChanged = true;
  }
  // The card shows data, so it changes only with new data; an outage is told in the thread.
  const card = cardChanged && summary ? { card: toJobCard(summary), fetchedAt: now.toISOString() } : null;
  const idle = events.length === 0 && !cardChanged && JSON.stringify(previous) === JSON.stringify(watch);

  const jobRef = { id: input.jobId, name: watch.snapshot?.name ?? input.jobId };
  const replies: { key: string; reply: ThreadReply }[] = events.map((event, i) => ({
    key: `event:${input.version}:${i}`,
    reply: { event, job: jobRef, eventId: `${input.version}.${i}`, loud: isLoud(event) },
  }));
  const deliveries: NewDelivery[] = [];
  for (const listener of listeners) {
    if (!listener.hasCard) continue;
    if (card) deliveries.push({ subscriptionId: listener.id, key: 'card', item: { kind: 'card', state: card } });
    for (const { key, reply } of replies) {
      if (hears(listener.filter, reply.event)) deliveries.push({ subscriptionId: listener.id, key, item: { kind: 'reply', reply } });
    }
  }
  return {
    events,
    watch,
    card,
    deliveries,
    end: summary && ended ? { ids: listeners.map((l) => l.id), reason: summary.job.status } : null,
    idle,
  };
}
