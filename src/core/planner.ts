import { isTerminalStatus } from '../domain/data-job.js';
import { type DiffSettings, diff, GONE_REASON, type Observation } from '../domain/diff.js';
import { hears, isLoud, type JobEvent, type SubscriptionFilter } from '../domain/events.js';
import { cardOfSnapshot } from '../domain/job-card.js';
import type { CountedSummary } from '../domain/job-summary.js';
import type { CardState, ThreadReply } from '../domain/messages.js';
import { type JobWatch, lastBodyHash } from '../domain/snapshot.js';
import type { NewDelivery } from './ports/outbox.js';

/**
 * The one place that decides what a poll means to the people watching a job. Pure: given what the
 * bot remembered, what SeekrFlow answered (or that it did not), the job's subscriptions and the
 * settings, it says what must happen. The poll pass, `/datajob subscribe` (for the baseline) and
 * `datajob-bot diff` (the preview) all call it, so the preview is what the bot really sends.
 */

export type PlanSettings = DiffSettings;

/**
 * Where a subscription's living card stands:
 * - `posted`: it is in the channel; it is updated when what it shows changes;
 * - `setting_up`: `/datajob subscribe` is posting it right now and records the baseline itself (for a
 *   minute at most: one older was cut off, and is `to_post`);
 * - `to_post`: it is posted through the outbox (a team feed's subscription), with the next plan;
 * - `on_need`: a `failures` feed's subscription: the card is posted only once the job first needs a
 *   person (failed files, review, a failed end), so a busy team's channel stays quiet while all is well.
 */
export type CardStage = 'posted' | 'setting_up' | 'to_post' | 'on_need';

/** How long `/datajob subscribe` may take to post a card and store its ref, before it is taken for cut off. */
export const SETTING_UP_MS = 60_000;

/** A subscription as the planner sees it. */
export interface Listener {
  id: number;
  filter: SubscriptionFilter;
  card: CardStage;
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
  /** `on_need` subscriptions whose card goes out with this plan: they wait no more. */
  stopWaiting: number[];
  /** One reply per event (whoever hears it), with its key: what an owner is told is taken from here. */
  replies: { key: string; reply: ThreadReply }[];
  /** Nothing to say and nothing new to remember: the pass writes nothing. */
  idle: boolean;
}

export function planJob(input: PlanInput): JobPlan {
  const { previous, observation, listeners, now } = input;
  let { events, cardChanged, watch } = diff(previous, observation, now, input.settings);
  const summary = observation.kind === 'seen' ? observation.reading.summary : null;
  const ended = summary?.ended ?? false;
  // A job is only polled while a subscription is active, so an ended job seen here has listeners
  // that never heard the end (they subscribed or resumed after it, or its first sighting was
  // already final): the end is a state to act on, not only an edge.
  if (summary && ended && !events.some((e) => e.type === 'ended')) {
    const { counts, job } = summary;
    events = [...events, { type: 'ended', status: job.status, failedFiles: counts.failed, doneFiles: counts.done }];
    cardChanged = true;
  }
  // The card shows data, so it changes only with new data; an outage is told in the thread. A job
  // that is gone shows what the bot last knew of it, saying so.
  const goneForGood = events.some((e) => e.type === 'gone_for_good');
  const state = cardState(input.jobId, observation, watch, now, goneForGood);
  const card = cardChanged ? state : null;
  const idle = events.length === 0 && !cardChanged && JSON.stringify(previous) === JSON.stringify(watch);

  const jobRef = { id: input.jobId, name: watch.snapshot?.name ?? input.jobId };
  const replies: { key: string; reply: ThreadReply }[] = events.map((event, i) => ({
    key: `event:${input.version}:${i}`,
    reply: { event, job: jobRef, eventId: `${input.version}.${i}`, loud: isLoud(event) },
  }));
  const needed = events.some(needsAPerson);
  const deliveries: NewDelivery[] = [];
  const stopWaiting: number[] = [];
  for (const listener of listeners) {
    if (listener.card === 'setting_up' || (listener.card === 'on_need' && !needed)) continue;
    // A card not yet in the channel goes now, whatever changed; one that is there, when it changed.
    const cardNow = listener.card === 'posted' ? card : state;
    if (listener.card === 'on_need') stopWaiting.push(listener.id);
    if (cardNow) deliveries.push({ subscriptionId: listener.id, key: 'card', item: { kind: 'card', state: cardNow } });
    for (const { key, reply } of replies) {
      if (hears(listener.filter, reply.event)) deliveries.push({ subscriptionId: listener.id, key, item: { kind: 'reply', reply } });
    }
  }
  return {
    events,
    watch,
    card,
    deliveries,
    end: endOf(summary, goneForGood, listeners),
    stopWaiting,
    replies,
    idle: idle && deliveries.length === 0,
  };
}

function cardState(jobId: string, observation: Observation, watch: JobWatch, now: Date, final: boolean): CardState | null {
  const fetchedAt = now.toISOString();
  if (observation.kind === 'seen') return { card: observation.reading.card, fetchedAt };
  if (observation.kind === 'gone' && watch.snapshot && watch.gone) {
    return { card: cardOfSnapshot(jobId, watch.snapshot), fetchedAt, gone: { since: watch.gone.since, final } };
  }
  return null;
}

/** The job ended, or has been gone too long: its subscriptions end with it (the reason is what `list` shows). */
function endOf(summary: CountedSummary | null, goneForGood: boolean, listeners: readonly Listener[]): JobPlan['end'] {
  const ids = listeners.map((l) => l.id);
  if (summary?.ended) return { ids, reason: summary.job.status };
  return goneForGood ? { ids, reason: GONE_REASON } : null;
}

/**
 * The hash of the answer a poll may leave unread when SeekrFlow sends it again, or null when the job
 * must be read whatever it sends. Unread, an answer can only tell the stall clock's news (see
 * `diff`), so it is allowed only where nothing else could be due: the watch was read from an answer
 * by this build, SeekrFlow was reachable (coming back is told with the card), the job had not ended
 * (an end is told to every newcomer), and no listener's card waits to be posted (a card needs the job).
 */
export function answerToSkip(previous: JobWatch | null, listeners: readonly Listener[]): string | null {
  const known = lastBodyHash(previous);
  // A job that was gone and answers again must be read: its return is told.
  if (known === null || !previous?.snapshot || previous.unreachableSince !== null || previous.gone) return null;
  if (isTerminalStatus(previous.snapshot.status) || listeners.some((l) => l.card === 'to_post')) return null;
  return known;
}

/** What needs a person: files failed, the job waits for review, or it ended without success. */
export function needsAPerson(event: JobEvent): boolean {
  return event.type === 'files_failed' || event.type === 'needs_review' || (event.type === 'ended' && event.status !== 'completed');
}

/**
 * What the owner of a job is told directly: what needs them, and (unless they asked for quiet) the
 * clean end. One message per event, however many channels follow the job.
 */
export function ownerDeliveries(plan: JobPlan, owner: { subscriptionId: number; quiet: boolean }): NewDelivery[] {
  return plan.replies.flatMap(({ key, reply }) => {
    const tells = needsAPerson(reply.event) || (reply.event.type === 'ended' && !owner.quiet);
    if (!tells) return [];
    return [
      {
        subscriptionId: owner.subscriptionId,
        key: `owner:${key}`,
        item: { kind: 'reply' as const, reply: { ...reply, audience: 'owner' as const } },
      },
    ];
  });
}
