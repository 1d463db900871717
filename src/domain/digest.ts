/** What a channel's digest tells: neutral, stored when it is planned and rendered when it is sent. */

/** One job's line in a digest. Strings are SeekrFlow's (bounded, unescaped): renderers escape them. */
export interface DigestLine {
  jobId: string;
  name: string;
  status: string;
  /** The living card's message ts, when it is in the channel. */
  cardTs: string | null;
  /** Done and failed files. */
  done: number;
  failed: number;
  /** The largest causes of failure, when they were read. */
  causes?: { count: number; error: string | null }[];
  /** Why it waits (needs_review). */
  why?: string | null;
  /** Whole percent, and minutes to go, while running. */
  progress?: number | null;
  etaMinutes?: number | null;
  /** Looking stalled: unchanged for this many minutes. */
  stalledMinutes?: number;
}

export const DIGEST_SECTIONS = ['failed', 'waiting', 'stalled', 'running', 'completed'] as const;
export type DigestSection = (typeof DIGEST_SECTIONS)[number];

export interface DigestContent {
  channelId: string;
  /** The local date it is for (`YYYY-MM-DD`) and since when it tells (ISO; null for a first digest). */
  localDate: string;
  since: string | null;
  sections: Record<DigestSection, DigestLine[]>;
}
