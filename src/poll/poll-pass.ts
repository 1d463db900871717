import { type DiffSettings, diff, type Observation } from '../domain/diff.js';
import { hears, isLoud } from '../domain/events.js';
import { summarizeJob } from '../domain/job-summary.js';
import type { Logger } from '../logger.js';
import type { SeekrFlowClient } from '../seekrflow/client.js';
import { renderCardFromSummary } from '../slack/blocks/card.js';
import { renderEventReply } from '../slack/blocks/event-reply.js';
import type { NewDelivery, Store } from '../storage/store.js';
import { mapWithConcurrency } from '../util/concurrency.js';

/**
 * One poll pass: each watched job is fetched once (however many channels watch it), compared with
 * what the bot remembered, and what changed becomes deliveries in the outbox, stored in the same
 * transaction as the new memory. Sending is deliver.ts's job: a crash after this commit loses
 * nothing (the outbox is on disk) and repeats nothing (the memory moved with it).
 */

export interface PollPassDeps {
  store: Store;
  seekrflow: SeekrFlowClient;
  settings: DiffSettings & { concurrency: number };
  jobUrl: (jobId: string) => string | undefined;
  logger: Logger;
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
  const jobIds = await deps.store.watchedJobIds();
  report.jobs = jobIds.length;
  deps.logger.debug({ jobs: jobIds.length }, 'poll pass started');

  await mapWithConcurrency(jobIds, deps.settings.concurrency, async (jobId) => {
    try {
      await pollJob(jobId, deps, now, report);
    } catch (error) {
      // One job's trouble (a storage hiccup, a renderer bug) must never stop the others.
      deps.logger.error({ err: error, jobId }, 'poll of one job failed');
    }
  });
  report.ms = Math.round(performance.now() - started);
  return report;
}

async function pollJob(jobId: string, deps: PollPassDeps, now: () => Date, report: PollPassReport): Promise<void> {
  // Read the memory while SeekrFlow answers: the database round trip then costs the pass nothing.
  // A pass elsewhere that commits in between makes ours lose at commitPass (version check).
  const [result, stored] = await Promise.all([deps.seekrflow.getDataJob(jobId), deps.store.getWatch(jobId)]);
  const at = now();
  let observation: Observation;
  if (result.ok) {
    observation = { kind: 'seen', summary: summarizeJob(result.job) };
  } else {
    report.fetchFailures += 1;
    deps.logger.warn(
      { jobId, kind: result.failure.kind, detail: result.failure.detail, requestId: result.failure.requestId },
      'job fetch failed',
    );
    observation = { kind: 'unreachable', reason: result.failure.message };
  }

  let outcome = diff(stored?.watch ?? null, observation, at, deps.settings);
  const summary = observation.kind === 'seen' ? observation.summary : null;
  // A job is only polled while a subscription is active, so an ended job seen here has listeners
  // that never heard the end (they subscribed or resumed after it, or its first sighting was
  // already final): the end is a state to act on, not only an edge.
  const ended = summary?.ended ?? false;
  if (summary && ended && !outcome.events.some((e) => e.type === 'ended')) {
    const { counts, job } = summary;
    outcome = {
      ...outcome,
      cardChanged: true,
      events: [...outcome.events, { type: 'ended', status: job.status, failedFiles: counts.failed, doneFiles: counts.done }],
    };
  }
  const quiet = outcome.events.length === 0 && !outcome.cardChanged;
  if (quiet && stored && JSON.stringify(stored.watch) === JSON.stringify(outcome.watch)) return; // nothing to write

  const subscriptions = quiet ? [] : await deps.store.subscriptionsForJob(jobId);
  // Unique across watches too: a watch deleted and made again starts its versions over.
  const version = `${at.getTime()}.${(stored?.version ?? 0) + 1}`;
  // Each reply is the same for every channel: rendered once here, picked per subscription below.
  const jobRef = summary?.job ?? { id: jobId, name: outcome.watch.snapshot?.name ?? jobId };
  const replies = outcome.events.map((event, i) => ({
    event,
    key: `event:${version}:${i}`,
    payload: { ...renderEventReply(event, jobRef, `${version}.${i}`), broadcast: isLoud(event) },
  }));
  const jobUrl = deps.jobUrl(jobId);
  const deliveries: NewDelivery[] = [];
  for (const subscription of subscriptions) {
    // No card yet: it is being posted by /datajob subscribe right now, which records the baseline.
    if (subscription.cardTs === null) continue;
    // The card shows data, so it changes only when there is new data; an outage is told in the thread.
    if (outcome.cardChanged && summary) {
      const card = renderCardFromSummary(summary, {
        fetchedAt: at,
        mode: 'living',
        subscription: { filter: subscription.filter, subscribedBy: subscription.createdBy },
        ...(ended ? { ended: true } : {}),
        ...(jobUrl ? { jobUrl } : {}),
      });
      deliveries.push({ subscriptionId: subscription.id, key: 'card', kind: 'card', payload: card });
    }
    for (const reply of replies) {
      if (hears(subscription.filter, reply.event)) {
        deliveries.push({ subscriptionId: subscription.id, key: reply.key, kind: 'reply', payload: reply.payload });
      }
    }
  }

  const committed = await deps.store.commitPass(jobId, {
    expectedVersion: stored?.version ?? null,
    watch: outcome.watch,
    deliveries,
    ...(summary && ended ? { endSubscriptions: { ids: subscriptions.map((s) => s.id), reason: summary.job.status } } : {}),
  });
  if (!committed) {
    report.conflicts += 1;
    return;
  }
  if (!quiet) report.changedJobs += 1;
  if (ended) report.endedJobs += 1;
  report.deliveries += deliveries.length;
}
