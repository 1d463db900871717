import { goneRecheckDue, type Observation } from '../domain/diff.js';
import { readJob } from '../domain/job-reading.js';
import { lastBodyHash } from '../domain/snapshot.js';
import type { Subscription } from '../domain/subscription.js';
import { mapWithConcurrency } from '../util/concurrency.js';
import type { KeyState } from './credentials.js';
import {
  answerToSkip,
  type CardStage,
  type JobPlan,
  needsAPerson,
  ownerDeliveries,
  type PlanSettings,
  planJob,
  SETTING_UP_MS,
} from './planner.js';
import type { FetchFailure, FetchFailureKind, JobLister, JobSource, RecheckResult } from './ports/job-source.js';
import type { Log } from './ports/log.js';
import type { NewDelivery } from './ports/outbox.js';
import type { OwnerDirectory } from './ports/owners.js';
import type { SubscriptionStore } from './ports/subscriptions.js';
import type { StoredWatch, WatchStore } from './ports/watches.js';

/**
 * One poll pass: each watched job is fetched once (however many channels watch it), the planner
 * says what it means, and what is to be said goes into the outbox in the same transaction as the
 * new memory of the job. Sending is delivery's job: a crash after this commit loses nothing (the
 * outbox is on disk) and repeats nothing (the memory moved with it).
 */

export interface PollPassDeps {
  watches: WatchStore;
  subscriptions: Pick<SubscriptionStore, 'subscriptionsForJobs' | 'addSubscription'>;
  /** Owners told directly: without it, nobody is. */
  owners?: OwnerDirectory;
  jobs: JobSource;
  /**
   * Whether SeekrFlow accepts the bot's key: while it refuses it, a pass is one probe (a minute
   * apart at most) and says nothing about any job. Without it, every failure is the job's.
   */
  key?: KeyState;
  /** Asked when a pass's only answers were 404s or 403s for a single job: does the key see the team at all? */
  lister?: JobLister;
  settings: PlanSettings & { concurrency: number };
  logger: Log;
  now?: () => Date;
}

export interface PollPassReport {
  jobs: number;
  fetchFailures: number;
  changedJobs: number;
  deliveries: number;
  endedJobs: number;
  /** Jobs whose commit lost a race to another pass (another replica got there first). */
  conflicts: number;
  /** Jobs SeekrFlow says are gone (404 while it answers for others). */
  goneJobs: number;
  /** The pass only probed whether SeekrFlow accepts the key again (`refused`: it still does not). */
  probe?: 'refused' | 'accepted' | 'not_due';
  ms: number;
}

/** A job's answer that may say more about the key than about the job (403, 404): judged once the pass has seen the others. */
interface Doubt {
  jobId: string;
  memory: Memory;
  failure: FetchFailure;
}

export async function runPollPass(deps: PollPassDeps): Promise<PollPassReport> {
  const started = performance.now();
  const now = deps.now ?? (() => new Date());
  const report: PollPassReport = {
    jobs: 0,
    fetchFailures: 0,
    changedJobs: 0,
    deliveries: 0,
    endedJobs: 0,
    conflicts: 0,
    goneJobs: 0,
    ms: 0,
  };
  const done = () => ({ ...report, ms: Math.round(performance.now() - started) });
  const jobIds = await deps.watches.watchedJobIds();
  report.jobs = jobIds.length;
  deps.logger.debug({ jobs: jobIds.length }, 'poll pass started');

  if (deps.key?.refused) {
    report.probe = await probeKey(deps, deps.key, jobIds, now);
    if (report.probe !== 'accepted') return done();
  }

  const memory = readAhead(jobIds, deps);
  const doubts: Doubt[] = [];
  let answered = false;
  await mapWithConcurrency(jobIds, deps.settings.concurrency, async (jobId, i) => {
    // A 401 met elsewhere in the pass: the rest waits for the key, not for the job.
    if (deps.key?.refused) return;
    try {
      const remembered = await memory(i);
      if (!goneRecheckDue(remembered.stored?.watch ?? null, now())) return;
      const result = await recheck(jobId, remembered, deps, now());
      if (result.ok) answered = true;
      else if (result.failure.kind === 'unauthorized' && deps.key)
        return void deps.key.refuse('unauthorized', result.failure.detail, now());
      else if (DOUBTFUL.has(result.failure.kind) && deps.key)
        return void doubts.push({ jobId, memory: remembered, failure: result.failure });
      await commitJob(jobId, remembered, observationOf(jobId, result, deps, report), deps, now, report);
    } catch (error) {
      // One job's trouble (a storage hiccup, a bug) must never stop the others.
      deps.logger.error({ err: error, jobId }, 'poll of one job failed');
    }
  });
  if (doubts.length > 0 && deps.key && !deps.key.refused) await settleDoubts(doubts, answered, deps, deps.key, now, report);
  return done();
}

/** Failures that, met for every job of a pass, are the key's (or the team's), not the jobs'. */
const DOUBTFUL: ReadonlySet<FetchFailureKind> = new Set(['not_found', 'forbidden']);

/**
 * 404s and 403s, once every other job of the pass has answered: when SeekrFlow answered for some job,
 * these are the jobs' own (a 404 is a job gone, a 403 one the key may not see). When it answered for
 * none, a 404 or 403 for every job at once is the key's: another team's id, a key without access.
 * A single job cannot tell, so the team's job list is asked whether the key sees the team.
 */
async function settleDoubts(
  doubts: Doubt[],
  answered: boolean,
  deps: PollPassDeps,
  key: KeyState,
  now: () => Date,
  report: PollPassReport,
) {
  let keyWorks = answered;
  if (!keyWorks && doubts.length === 1 && deps.lister) {
    const listed = await deps.lister.listJobs({ offset: 0, limit: 1 });
    if (listed.ok) keyWorks = true;
    else if (!DOUBTFUL.has(listed.failure.kind) && listed.failure.kind !== 'unauthorized') return; // cannot tell now: asked again next pass
  }
  if (!keyWorks) {
    const why = doubts.some((d) => d.failure.kind === 'forbidden') ? 'forbidden' : 'not_found';
    key.refuse(
      why,
      `${doubts.length} of ${doubts.length} jobs answered ${why === 'forbidden' ? '403' : '404'}: ${doubts[0]?.failure.detail ?? ''}`,
      now(),
    );
    return;
  }
  await mapWithConcurrency(doubts, deps.settings.concurrency, async ({ jobId, memory, failure }) => {
    try {
      const result = { ok: false as const, failure };
      await commitJob(jobId, memory, observationOf(jobId, result, deps, report), deps, now, report);
    } catch (error) {
      deps.logger.error({ err: error, jobId }, 'poll of one job failed');
    }
  });
}

/**
 * While SeekrFlow refuses the key: one request, at most once a minute. A key refused outright (401)
 * is asked with the smallest answer there is, one listed job; a key that could see no followed job
 * (403, 404 for every one) is asked for a job it follows. Answered, the key works again, and the pass
 * goes on as any pass: what changed meanwhile is told once.
 */
async function probeKey(deps: PollPassDeps, key: KeyState, jobIds: readonly string[], now: () => Date): Promise<PollPassReport['probe']> {
  if (!key.probeDue(now())) return 'not_due';
  const followed = jobIds[0];
  const byList = deps.lister && (key.refused?.why === 'unauthorized' || followed === undefined);
  const result = byList
    ? await deps.lister?.listJobs({ offset: 0, limit: 1 })
    : followed !== undefined
      ? await deps.jobs.getDataJob(followed)
      : undefined;
  // Not answered (SeekrFlow unreachable) is no proof either way: still refused.
  if (result && !result.ok) {
    deps.logger.debug({ kind: result.failure.kind, detail: result.failure.detail }, 'SeekrFlow still refuses the key');
    return 'refused';
  }
  key.accept();
  return 'accepted';
}

/** What the bot remembers of a job when its turn in the pass comes. */
interface Memory {
  stored: StoredWatch | null;
  subscriptions: Subscription[];
}

/** Jobs whose memory is read in one go: two statements for 200 jobs, rather than two per job. */
const READ_AHEAD = 200;

/**
 * The memory of the i-th job, read a block of jobs at a time, the next block while this one is
 * polled. Read a little before its use: a pass elsewhere that commits in between makes ours lose at
 * commitPass, as it would have anyway.
 */
function readAhead(jobIds: readonly string[], deps: PollPassDeps): (i: number) => Promise<Memory> {
  const blocks = new Map<number, Promise<(jobId: string) => Memory>>();
  const block = (b: number) => {
    let read = blocks.get(b);
    if (!read) {
      const ids = jobIds.slice(b * READ_AHEAD, (b + 1) * READ_AHEAD);
      read = Promise.all([deps.watches.getWatches(ids), deps.subscriptions.subscriptionsForJobs(ids)]).then(
        ([watches, subscriptions]) =>
          (jobId) => ({ stored: watches.get(jobId) ?? null, subscriptions: subscriptions.get(jobId) ?? [] }),
      );
      blocks.set(b, read);
      blocks.delete(b - 2); // every job of it has had its turn
      // A failed read (a storage hiccup) fails the job that asked; the next job of the block reads again.
      const failed = read;
      failed.catch(() => blocks.get(b) === failed && blocks.delete(b));
    }
    return read;
  };
  return async (i) => {
    const b = Math.floor(i / READ_AHEAD);
    if (i % READ_AHEAD === READ_AHEAD / 2 && (b + 1) * READ_AHEAD < jobIds.length) void block(b + 1).catch(() => {});
    return (await block(b))(jobIds[i] as string);
  };
}

/** The job's answer, read as the planner needs it: skipped unread when it is the very answer the watch was read from. */
function recheck(jobId: string, memory: Memory, deps: PollPassDeps, now: Date): Promise<RecheckResult> {
  const previous = memory.stored?.watch ?? null;
  return deps.jobs.recheckDataJob(jobId, answerToSkip(previous, listenersOf(memory, now)), lastBodyHash(previous));
}

const listenersOf = (memory: Memory, now: Date) =>
  memory.subscriptions.map((s) => ({ id: s.id, filter: s.filter, card: cardStage(s, now) }));

function observationOf(jobId: string, result: RecheckResult, deps: PollPassDeps, report: PollPassReport): Observation {
  if (result.ok) {
    if ('unchanged' in result) return { kind: 'unchanged' };
    const reading = 'reading' in result ? result.reading : readJob(result.job);
    return { kind: 'seen', reading, bodyHash: result.bodyHash };
  }
  report.fetchFailures += 1;
  const { kind, detail, requestId } = result.failure;
  deps.logger.warn({ jobId, kind, detail, requestId }, 'job fetch failed');
  // With no judge of the key (no KeyState), a 404 is still the job's own: gone, never unreachable.
  if (kind === 'not_found') {
    report.goneJobs += 1;
    return { kind: 'gone' };
  }
  return { kind: 'unreachable', reason: result.failure.message };
}

async function commitJob(
  jobId: string,
  memory: Memory,
  observation: Observation,
  deps: PollPassDeps,
  now: () => Date,
  report: PollPassReport,
) {
  const { stored } = memory;
  const at = now();
  const plan = planJob({
    jobId,
    previous: stored?.watch ?? null,
    observation,
    listeners: listenersOf(memory, at),
    settings: deps.settings,
    now: at,
    // Unique across watches too: a watch deleted and made again starts its versions over.
    version: `${at.getTime()}.${(stored?.version ?? 0) + 1}`,
  });
  if (plan.idle) return;

  const { deliveries, end } = await withOwners(plan, observation, jobId, deps, at);
  const committed = await deps.watches.commitPass(jobId, {
    expectedVersion: stored?.version ?? null,
    watch: plan.watch,
    deliveries,
    ...(end ? { endSubscriptions: end } : {}),
    ...(plan.stopWaiting.length > 0 ? { stopWaiting: plan.stopWaiting } : {}),
  });
  if (!committed) {
    report.conflicts += 1;
    return;
  }
  if (plan.events.length > 0 || plan.card) report.changedJobs += 1;
  if (plan.end) report.endedJobs += 1;
  report.deliveries += deliveries.length;
}

function cardStage(s: Subscription, now: Date): CardStage {
  if (s.cardTs !== null) return 'posted';
  // Cut off between storing the subscription and storing its card's ref: the pass posts it (delivery looks for it first).
  if (s.feedId === null) return now.getTime() - s.createdAt.getTime() < SETTING_UP_MS ? 'setting_up' : 'to_post';
  return s.waitsForNeed ? 'on_need' : 'to_post';
}

/**
 * The job's owner hears what needs them directly, once per event however many channels follow the
 * job: through a subscription of their own (kind `owner`), made the first time there is something
 * to tell them, and ended with the job.
 */
async function withOwners(
  plan: JobPlan,
  observation: Observation,
  jobId: string,
  deps: PollPassDeps,
  at: Date,
): Promise<{ deliveries: NewDelivery[]; end: JobPlan['end'] }> {
  const ownerId = observation.kind === 'seen' ? observation.reading.summary.job.user_id : '';
  if (!deps.owners || !ownerId || !plan.replies.some(({ reply }) => needsAPerson(reply.event) || reply.event.type === 'ended')) {
    return { deliveries: plan.deliveries, end: plan.end };
  }
  const deliveries = [...plan.deliveries];
  const endIds = plan.end ? [...plan.end.ids] : [];
  for (const owner of await deps.owners.ownersOf(ownerId)) {
    const told = ownerDeliveries(plan, { subscriptionId: 0, quiet: owner.quiet });
    if (told.length === 0) continue;
    const { subscription } = await deps.subscriptions.addSubscription({
      channelId: owner.slackUserId,
      jobId,
      filter: 'all',
      createdBy: owner.slackUserId,
      createdAt: at,
      kind: 'owner',
    });
    deliveries.push(...told.map((d) => ({ ...d, subscriptionId: subscription.id })));
    endIds.push(subscription.id);
  }
  return { deliveries, end: plan.end ? { ...plan.end, ids: endIds } : null };
}
