import type { Feed, ListedJob, NewFeed } from '../../domain/feed.js';

/** Where team feeds and the jobs discovery has seen are kept. */

export interface FeedStore {
  /** One feed per channel: a second `subscribe team` changes the filters of the first. */
  saveFeed(feed: NewFeed): Promise<{ feed: Feed; created: boolean }>;
  findFeed(channelId: string): Promise<Feed | null>;
  listFeeds(): Promise<Feed[]>;
  removeFeed(id: number): Promise<void>;
  /** Which of these job ids discovery has seen before. */
  knownJobs(ids: readonly string[]): Promise<Set<string>>;
  /**
   * Remembers jobs as seen (a job seen again keeps its first sighting). Text is kept as both engines
   * can keep it: a NUL character or a lone surrogate reads back as U+FFFD.
   */
  recordJobs(jobs: readonly ListedJob[], at: Date): Promise<void>;
  /** How many of the jobs discovery has seen match these filters, by feedMatches' rules exactly: what a feed covers. */
  countMatchingJobs(filter: Pick<Feed, 'jobType' | 'nameGlob'>): Promise<number>;
  /**
   * The jobs discovery has seen of one SeekrFlow user: newest first (by creation time; those whose time
   * SeekrFlow did not write as one, last), at most `limit`, and how many there are in all.
   */
  jobsOfUser(seekrflowUserId: string, limit: number): Promise<{ jobs: ListedJob[]; total: number }>;
  /**
   * Every job the retention purge has forgotten was created at or before this time (null: none has
   * been). Discovery takes a job older than this for a known one, announced long ago or never to be.
   */
  discoveryHorizon(): Promise<Date | null>;
}
