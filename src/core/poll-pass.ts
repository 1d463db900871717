import type { Observation } from '../domain/diff.js';
import { readJob } from '../domain/job-reading.js';
import { lastBodyHash } from '../domain/snapshot.js';
import { mapWithConcurrency } from '../util/concurrency.js';
import { answerToSkip, type CardStage, type JobPlan, needsAPerson, ownerDeliveries, type PlanSettings, planJob } from './planner.js';
import type { JobSource, Log, NewDelivery, OwnerDirectory, StoredWatch, Subscription, SubscriptionStore, WatchStore } from './ports.js';

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
  ms: number;
}

export async function runPollPass(deps: PollPassDeps): Promise<PollPassReport> {
  const started = performance.now();
  const now = deps.now ?? (() => new Date());
  const report: PollPassReport = { jobs: 0, fetchFailures: 0, changedJobs: 0, deliveries: 0, endedJobs: 0, conflicts: 0, ms: 0 };
  const jobIds = await deps.watches.watchedJobIds();
  report.jobs = jobIds.length;
  deps.logger.debug({ jobs: jobIds.length }, 'poll pass started');

  const memory = readAhead(jobIds, deps);
  await mapWithConcurrency(jobIds, deps.settings.concurrency, async (jobId, i) => {
    try {
      await pollJob(jobId, await memory(i), deps, now, report);
    } catch (error) {
      // One job's trouble (a storage hiccup, a bug) must never stop the others.
      deps.logger.error({ err: error, jobId }, 'poll of one job failed');
    }
  });
  report.ms = Math.round(performance.now() - started);
  return report;
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

async function pollJob(jobId: string, memory: Memory, deps: PollPassDeps, now: () => Date, report: PollPassReport): Promise<void> {
  // An answer identical to the one the watch was read from is not read again.
  const { stored, subscriptions } = memory;
  const listeners = subscriptions.map((s) => ({ id: s.id, filter: s.filter, card: cardStage(s) }));
  const previous = stored?.watch ?? null;
  const result = await deps.jobs.recheckDataJob(jobId, answerToSkip(previous, listeners), lastBodyHash(previous));
  const at = now();
  let observation: Observation;
  if (result.ok) {
    if ('unchanged' in result) observation = { kind: 'unchanged' };
    else {
      const { summary, card } = 'reading' in result ? result.reading : readJob(result.job);
      observation = { kind: 'seen', summary, card, bodyHash: result.bodyHash };
    }
  } else {
    report.fetchFailures += 1;
    const { kind, detail, requestId } = result.failure;
    deps.logger.warn({ jobId, kind, detail, requestId }, 'job fetch failed');
    observation = { kind: 'unreachable', reason: result.failure.message };
  }

  const plan = planJob({
    jobId,
    previous: stored?.watch ?? null,
    observation,
    listeners,
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

function cardStage(s: Subscription): CardStage {
  if (s.cardTs !== null) return 'posted';
  if (s.feedId === null) return 'setting_up';
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
  const ownerId = observation.kind === 'seen' ? observation.summary.job.user_id : '';
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
