import { toJobCard } from '../domain/job-card.js';
import { summarizeJob } from '../domain/job-summary.js';
import { canonicalTimeZone, type DigestDays, nextOccurrence } from '../domain/local-time.js';
import { mapWithConcurrency } from '../util/concurrency.js';
import { type DigestJob, digestContent, digestJobs, isEmptyDigest, sectionOf } from './digest-content.js';
import type { ChannelSettings, DigestNotifier, DigestSchedule, DigestStore, QuietSetting, StoredDigest } from './ports/digest.js';
import type { Directory } from './ports/directory.js';
import type { JobSource } from './ports/job-source.js';
import type { Log } from './ports/log.js';
import type { AudienceCheck, SendOutcome } from './ports/notifier.js';
import type { WatchStore } from './ports/watches.js';

/**
 * A channel's digest: set by a command, planned by the lease holder when due (stored with a key of
 * its channel and local date, so it is planned once whoever plans it), then sent from that store like
 * every other message. After downtime the next due time counts from now: one catch-up digest.
 */

export type DigestRequest = { kind: 'set'; days: DigestDays; minutes: number; tz: string | null; skipEmpty: boolean } | { kind: 'off' };

export type QuietRequest = { kind: 'set'; start: number; end: number; tz: string | null; all: boolean } | { kind: 'off' };

export type ZoneProblem = { kind: 'bad_tz'; tz: string } | { kind: 'no_tz' };

export type DigestResult = { kind: 'set'; digest: DigestSchedule; dueAt: Date } | { kind: 'off' } | ZoneProblem;
export type QuietResult = { kind: 'set'; quiet: QuietSetting } | { kind: 'off' } | ZoneProblem;

export interface SettingsDeps {
  digests: Pick<DigestStore, 'setDigest' | 'setQuiet'>;
  directory: Pick<Directory, 'person'>;
  now: () => Date;
}

/** The zone named, else the person's own (`users.info`). */
async function zoneFor(deps: SettingsDeps, userId: string, named: string | null): Promise<{ kind: 'zone'; tz: string } | ZoneProblem> {
  if (named !== null) {
    const tz = canonicalTimeZone(named);
    return tz ? { kind: 'zone', tz } : { kind: 'bad_tz', tz: named };
  }
  const person = await deps.directory.person(userId);
  const tz = person.ok && person.value.tz ? canonicalTimeZone(person.value.tz) : null;
  return tz ? { kind: 'zone', tz } : { kind: 'no_tz' };
}

export async function setDigest(
  deps: SettingsDeps,
  where: { channelId: string; userId: string },
  request: DigestRequest,
): Promise<DigestResult> {
  const at = deps.now();
  if (request.kind === 'off') {
    await deps.digests.setDigest(where.channelId, null, null, at);
    return { kind: 'off' };
  }
  const zone = await zoneFor(deps, where.userId, request.tz);
  if (zone.kind !== 'zone') return zone;
  const digest: DigestSchedule = {
    days: request.days,
    minutes: request.minutes,
    tz: zone.tz,
    skipEmpty: request.skipEmpty,
    setBy: where.userId,
  };
  const dueAt = nextOccurrence(at, digest).at;
  await deps.digests.setDigest(where.channelId, digest, dueAt, at);
  return { kind: 'set', digest, dueAt };
}

export async function setQuiet(
  deps: SettingsDeps,
  where: { channelId: string; userId: string },
  request: QuietRequest,
): Promise<QuietResult> {
  const at = deps.now();
  if (request.kind === 'off') {
    await deps.digests.setQuiet(where.channelId, null, at);
    return { kind: 'off' };
  }
  const zone = await zoneFor(deps, where.userId, request.tz);
  if (zone.kind !== 'zone') return zone;
  const quiet: QuietSetting = { start: request.start, end: request.end, tz: zone.tz, all: request.all, setBy: where.userId };
  await deps.digests.setQuiet(where.channelId, quiet, at);
  return { kind: 'set', quiet };
}

export interface PlanDigestDeps {
  digests: Pick<DigestStore, 'dueDigests' | 'planDigest' | 'digestSubscriptions'>;
  watches: Pick<WatchStore, 'getWatches'>;
  /** Reads the jobs whose lines are shown first, for what only a read tells (causes, why it waits, the ETA). */
  jobs?: Pick<JobSource, 'getDataJob'>;
  logger: Log;
  now: () => Date;
}

/** Jobs read afresh per digest (the lines a message shows first); the rest are told from their watches. */
const READS_PER_SECTION = 5;
const DUE_PER_RUN = 50;

/** Plans every digest that is due: one per channel and local date, whoever else plans at the same time. */
export async function planDueDigests(deps: PlanDigestDeps): Promise<number> {
  const now = deps.now();
  const due = await deps.digests.dueDigests(now, DUE_PER_RUN);
  let planned = 0;
  for (const channel of due) {
    if (await planOne(deps, channel, now)) planned += 1;
  }
  return planned;
}

async function planOne(deps: PlanDigestDeps, channel: ChannelSettings, now: Date): Promise<boolean> {
  const { digest, digestDueAt } = channel;
  if (!digest || !digestDueAt) return false;
  const jobs = await channelJobs(deps, channel.channelId, channel.lastDigestAt);
  // The day it was due, in the channel's zone: the key that makes the day's digest one.
  const localDate = nextOccurrence(new Date(digestDueAt.getTime() - 1), digest).localDate;
  const content = digestContent({ channelId: channel.channelId, localDate, since: channel.lastDigestAt, jobs, now });
  const stored = await deps.digests.planDigest({
    channelId: channel.channelId,
    dueAt: digestDueAt,
    // From now, not from when it was due: days missed while the bot was down are one digest.
    nextDueAt: nextOccurrence(now, digest).at,
    localDate,
    content,
    silent: digest.skipEmpty && isEmptyDigest(content),
    now,
  });
  deps.logger.info({ channel: channel.channelId, localDate, stored, dueAt: digestDueAt.toISOString() }, 'digest planned');
  return stored;
}

async function channelJobs(deps: PlanDigestDeps, channelId: string, since: Date | null): Promise<DigestJob[]> {
  const subscriptions = await deps.digests.digestSubscriptions(channelId, since);
  const watches = await deps.watches.getWatches([...new Set(subscriptions.map((s) => s.jobId))]);
  const jobs = digestJobs(subscriptions, watches);
  const { jobs: source } = deps;
  if (!source) return jobs;
  const shownFirst = new Map<string, number>();
  const toRead = jobs.filter((j) => {
    const section = sectionOf(j);
    if (section === null || section === 'completed') return false;
    const n = shownFirst.get(section) ?? 0;
    shownFirst.set(section, n + 1);
    return n < READS_PER_SECTION;
  });
  await mapWithConcurrency(toRead, 4, async (job) => {
    const read = await source.getDataJob(job.jobId);
    if (read.ok) job.card = toJobCard(summarizeJob(read.job));
  });
  return jobs;
}

/** Posts the digest, unless its channel may no longer be told of jobs (then it is dropped), or that cannot be checked now (retried). */
async function sendOne(deps: SendDigestDeps, digest: StoredDigest): Promise<SendOutcome | 'already_sent'> {
  // Its sender died, maybe after Slack took it: the channel tells (a rare double when it cannot).
  if (digest.reclaimed && (await deps.notifier.digestInChannel(digest.channelId, digest)) === true) return 'already_sent';
  const check = deps.audience ? await deps.audience({ kind: 'channel', channelId: digest.channelId }) : { kind: 'allowed' as const };
  if (check.kind === 'refused') return { kind: 'destination_gone', why: check.why, detail: check.detail };
  if (check.kind === 'unknown') return { kind: 'retry', afterMs: null, rateLimited: false, maybeDelivered: false, detail: check.detail };
  return deps.notifier.postDigest(digest.channelId, digest);
}

export interface SendDigestDeps {
  digests: Pick<DigestStore, 'claimDigests' | 'completeDigest' | 'retryDigest' | 'setDigest'>;
  notifier: DigestNotifier;
  /** Whether job data may still go to the channel (it may have been shared with another organisation since). */
  audience?: (to: { kind: 'channel'; channelId: string }) => Promise<AudienceCheck>;
  owner: string;
  logger: Log;
  now: () => Date;
}

const DIGEST_LEASE_MS = 60_000;

/** Sends the digests planned and not yet sent; one whose sender died is looked for in its channel first. */
export async function sendDigests(deps: SendDigestDeps): Promise<number> {
  const claimed = await deps.digests.claimDigests(deps.owner, deps.now(), DIGEST_LEASE_MS, 20);
  let sent = 0;
  for (const digest of claimed) {
    const outcome = await sendOne(deps, digest);
    const at = deps.now();
    if (outcome === 'already_sent') {
      await deps.digests.completeDigest(digest.id, null, at);
      continue;
    }
    if (outcome.kind === 'delivered' || outcome.kind === 'rejected' || outcome.kind === 'destination_gone' || digest.attempts >= 11) {
      await deps.digests.completeDigest(digest.id, outcome.kind === 'delivered' ? outcome.ref : null, at);
      if (outcome.kind === 'delivered') sent += 1;
      else deps.logger.error({ channel: digest.channelId, detail: 'detail' in outcome ? outcome.detail : '' }, 'digest dropped');
      // A channel that is gone will take no digest tomorrow either.
      if (outcome.kind === 'destination_gone' && (outcome.why === 'not_found' || outcome.why === 'archived')) {
        await deps.digests.setDigest(digest.channelId, null, null, at);
        deps.logger.warn({ channel: digest.channelId, why: outcome.why }, 'digest stopped: the channel is gone');
      }
      continue;
    }
    const afterMs = outcome.kind === 'retry' && outcome.afterMs !== null ? outcome.afterMs : 2_000 * 2 ** digest.attempts;
    await deps.digests.retryDigest(digest.id, new Date(at.getTime() + afterMs), outcome.detail);
  }
  if (sent > 0) deps.logger.info({ sent }, 'digests sent');
  return sent;
}
