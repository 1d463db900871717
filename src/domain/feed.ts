import type { SubscriptionFilter } from './events.js';

/** A team feed, and a job as the list of the team's jobs shows it. */

/** A channel following every data job of the team, present and future, that matches its filters. */
export interface Feed {
  id: number;
  channelId: string;
  filter: SubscriptionFilter;
  /** Only jobs of this type; null for every type. */
  jobType: string | null;
  /** Only jobs whose name matches this glob (`*`, `?`); null for every name. */
  nameGlob: string | null;
  createdBy: string;
  /** Jobs created before this are the feed's baseline: covered, never announced. */
  createdAt: Date;
}

export type NewFeed = Omit<Feed, 'id'>;

/** A job as the list of the team's jobs shows it. */
export interface ListedJob {
  id: string;
  name: string;
  jobType: string;
  /** Its owner in SeekrFlow. */
  userId: string;
  /** As SeekrFlow wrote it. */
  createdAt: string;
}
