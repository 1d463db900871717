import type { OwnerLink } from '../domain/people.js';
import { audit } from './access.js';
import type { FeedStore } from './ports/feeds.js';
import type { Log } from './ports/log.js';
import type { OwnerDirectory, OwnerStore } from './ports/owners.js';
import type { WatchStore } from './ports/watches.js';

/**
 * Owners told directly. A person links themselves to their SeekrFlow user once (`/datajob me <id>`),
 * or an admin maps SeekrFlow users to people in a file (OWNER_MAP_FILE); then the owner of a job the
 * bot follows gets a direct message when it needs them (see ownerDeliveries in ./planner.ts).
 */

/** SeekrFlow user ids are opaque (uuids today): letters, digits and `-_.:`, at most 128. */
const SEEKRFLOW_USER_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

export type MeRequest =
  | { kind: 'show' }
  | { kind: 'link'; seekrflowUserId: string }
  | { kind: 'unlink' }
  | { kind: 'quiet'; quiet: boolean };

export type MeResult =
  | { kind: 'shown'; link: OwnerLink | null }
  | { kind: 'linked'; link: OwnerLink }
  | { kind: 'unlinked'; was: OwnerLink | null }
  | { kind: 'quiet'; link: OwnerLink | null }
  | { kind: 'invalid_id' };

export async function me(
  deps: { owners: OwnerStore; logger: Log; now?: () => Date },
  userId: string,
  request: MeRequest,
): Promise<MeResult> {
  const now = (deps.now ?? (() => new Date()))();
  const current = await deps.owners.ownerLink(userId);
  switch (request.kind) {
    case 'show':
      return { kind: 'shown', link: current };
    case 'link': {
      if (!SEEKRFLOW_USER_ID.test(request.seekrflowUserId)) return { kind: 'invalid_id' };
      const link = { slackUserId: userId, seekrflowUserId: request.seekrflowUserId, quiet: current?.quiet ?? false };
      await deps.owners.linkOwner(link, now);
      audit(deps.logger, { action: 'help', userId }, 'done', 'linked to a SeekrFlow user');
      return { kind: 'linked', link };
    }
    case 'unlink':
      await deps.owners.unlinkOwner(userId);
      return { kind: 'unlinked', was: current };
    case 'quiet': {
      if (!current) return { kind: 'quiet', link: null };
      const link = { ...current, quiet: request.quiet };
      await deps.owners.linkOwner(link, now);
      return { kind: 'quiet', link };
    }
  }
}

/** One line of an owner mapping file: a SeekrFlow user and a Slack user id or email. */
export interface OwnerMapEntry {
  seekrflowUserId: string;
  slack: { userId: string } | { email: string };
}

/**
 * `seekrflow_user_id slack_user_id_or_email` a line; `#` starts a comment; blank lines are skipped.
 * Bad lines are reported by number (never with their content, which may hold an email), not fatal.
 */
export function parseOwnerMap(text: string): { entries: OwnerMapEntry[]; problems: string[] } {
  const entries: OwnerMapEntry[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const [seekrflowUserId = '', who = '', ...extra] = line.split(/\s+/);
    if (extra.length > 0 || !SEEKRFLOW_USER_ID.test(seekrflowUserId) || who === '') {
      problems.push(`line ${i + 1}: expected "<seekrflow user id> <slack user id or email>"`);
    } else if (/^[UW][A-Z0-9_]{2,39}$/.test(who)) {
      entries.push({ seekrflowUserId, slack: { userId: who } });
    } else if (/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(who) && who.length <= 254 && !/\p{Cc}/u.test(who)) {
      entries.push({ seekrflowUserId, slack: { email: who } });
    } else {
      problems.push(`line ${i + 1}: the second word is neither a Slack user id (U…) nor an email`);
    }
  });
  return { entries, problems };
}

/**
 * Who is told about a SeekrFlow user's jobs: whoever linked themselves (their own choice, quiet or
 * not, wins), then whoever the mapping file names (by id, and by the emails resolved so far: see
 * owner-emails.ts). Each person at most once.
 */
export function ownerDirectory(
  store: Pick<OwnerStore, 'ownersOf'>,
  mapped: { slackUsersOf(seekrflowUserId: string): readonly string[] },
): OwnerDirectory {
  return {
    async ownersOf(seekrflowUserId) {
      const linked = await store.ownersOf(seekrflowUserId);
      const people = new Map(linked.map((l) => [l.slackUserId, { slackUserId: l.slackUserId, quiet: l.quiet }]));
      for (const slackUserId of mapped.slackUsersOf(seekrflowUserId)) {
        if (!people.has(slackUserId)) people.set(slackUserId, { slackUserId, quiet: false });
      }
      return [...people.values()];
    },
  };
}

/**
 * The jobs a person owns, as far as the bot knows them: those of the SeekrFlow user they linked
 * themselves to, among the team's jobs discovery has seen, newest first, with the status the bot last
 * saw (when it follows the job). Empty without a link.
 */
export async function jobsOwnedBy(
  deps: { owners: Pick<OwnerStore, 'ownerLink'>; feeds: Pick<FeedStore, 'jobsOfUser'>; watches: Pick<WatchStore, 'getWatch'> },
  userId: string,
  limit = 10,
): Promise<{ jobs: Array<{ jobId: string; name: string; status: string }>; total: number }> {
  const link = await deps.owners.ownerLink(userId);
  if (!link) return { jobs: [], total: 0 };
  const owned = await deps.feeds.jobsOfUser(link.seekrflowUserId, limit);
  const jobs = await Promise.all(
    owned.jobs.map(async (j) => ({ jobId: j.id, name: j.name, status: (await deps.watches.getWatch(j.id))?.watch.snapshot?.status ?? '' })),
  );
  return { jobs, total: owned.total };
}
