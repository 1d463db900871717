import type { OwnerLink } from '../../domain/people.js';

/** Job owners: people linked with `/datajob me`, the admin's mapping file, and what Slack said of its emails. */

export interface OwnerStore {
  linkOwner(link: OwnerLink, at: Date): Promise<void>;
  unlinkOwner(slackUserId: string): Promise<void>;
  ownerLink(slackUserId: string): Promise<OwnerLink | null>;
  /** The people linked to a SeekrFlow user (usually one). */
  ownersOf(seekrflowUserId: string): Promise<OwnerLink[]>;
}

/** What Slack said of an email of the owner mapping file, and when to ask it again. */
export interface EmailResolution {
  /** Lower-cased. */
  email: string;
  /** The person Slack named for it; null while it has named nobody (or no longer does). */
  slackUserId: string | null;
  /** When Slack last named someone for it. */
  resolvedAt: Date | null;
  /** Slack's word the last time it did not (`users_not_found`, `request_failed`, …), and when. */
  lastError: string | null;
  failedAt: Date | null;
  /** Asks that named nobody since the last one that did. */
  failures: number;
  nextAttemptAt: Date;
}

export interface OwnerEmailStore {
  /** The stored resolutions of these emails; one never asked about is absent. */
  emailResolutions(emails: readonly string[]): Promise<EmailResolution[]>;
  /** Stores what Slack said of one email, replacing what was stored of it. */
  saveEmailResolution(resolution: EmailResolution): Promise<void>;
}

/** Who is told directly about a SeekrFlow user's jobs: people linked with `/datajob me`, and the admin's mapping file. */
export interface OwnerDirectory {
  ownersOf(seekrflowUserId: string): Promise<Array<{ slackUserId: string; quiet: boolean }>>;
}
