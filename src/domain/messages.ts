import type { JobEvent } from './events.js';
import type { JobCard } from './job-card.js';

/** What the bot has to say about a job, before any platform renders it: a living card's state and a reply in its thread. */

/** A living card's state: what it shows and when that was read. Rendered by the notifier when sent. */
export interface CardState {
  card: JobCard;
  /** ISO time the job was read. */
  fetchedAt: string;
  /**
   * SeekrFlow says the job is gone (since when, ISO): the card shows what the bot last knew, and says
   * so; `final` once the subscriptions ended because of it.
   */
  gone?: { since: string; final: boolean };
}

/** One event told in a card's thread. */
export interface ThreadReply {
  event: JobEvent;
  job: { id: string; name: string };
  /** Unique per event: renderers derive their own ids from it. */
  eventId: string;
  /** Needs a person: also shown in the channel, not only the thread. */
  loud: boolean;
  /** Told to the job's owner directly rather than in a card's thread. */
  audience?: 'owner';
  /** Replies held during quiet hours, told as one: every event, `event` first. */
  folded?: JobEvent[];
}

/** What the outbox holds for a subscription: neutral, rendered by the notifier when sent. */
export type OutboxItem = { kind: 'card'; state: CardState } | { kind: 'reply'; reply: ThreadReply };
