import { type OfferedAction, offeredAction } from '../domain/alignment-action.js';
import type { DataJob } from '../domain/data-job.js';
import { toJobCard } from '../domain/job-card.js';
import { summarizeJob } from '../domain/job-summary.js';
import { type AccessDeps, type Action, audit, checkAccess, inAnyGroup, type Refusal } from './access.js';
import type { ActionClaimStore, ActionKey, AlignmentAction } from './ports/actions.js';
import type { FetchFailure, JobActions, JobSource } from './ports/job-source.js';
import type { Log } from './ports/log.js';
import type { NewDelivery, Outbox } from './ports/outbox.js';
import type { OwnerStore } from './ports/owners.js';
import type { SubscriptionStore } from './ports/subscriptions.js';

/**
 * Starting and cancelling a job's alignment from Slack. The access policy comes first; the operator's
 * groups (or, when allowed, being the job's owner) narrow it; the job is read again, so that a card
 * older than the job's state asks nothing; the store's claim lets SeekrFlow be asked once, however
 * many clicks, replicas or retries; and the channels following the job hear who did it, once.
 */

/** Who may act: members of these groups (none: actions are off), and, when `owners`, a job's linked owner. */
export interface ActionPolicy {
  usergroups: readonly string[];
  owners: boolean;
}

export const actionsOn = (policy: ActionPolicy): boolean => policy.usergroups.length > 0;

/** What SeekrFlow answers when it refuses an action for a reason of the job's: its `detail` says why. */
const SEEKRFLOW_REFUSES: ReadonlySet<number> = new Set([400, 409, 422]);

const offeredByJob = (job: DataJob) =>
  offeredAction({ status: job.status, alignment: job.alignment_job ? { status: job.alignment_job.status } : null });

export interface ActDeps {
  access: AccessDeps;
  policy: ActionPolicy;
  jobs: JobSource;
  actions: JobActions;
  claims: ActionClaimStore;
  owners: Pick<OwnerStore, 'ownerLink'>;
  subscriptions: Pick<SubscriptionStore, 'subscriptionsForJob'>;
  outbox: Pick<Outbox, 'enqueue'>;
  logger: Log;
  now: () => Date;
  /** Counts each outcome (the metric). */
  count?: (action: AlignmentAction, outcome: ActOutcome) => void;
  /** What was queued for the channels goes out now, not at the next tick. */
  deliverSoon?: () => void;
}

export interface ActRequest extends ActionKey {
  userId: string;
  /** Where it was asked; null from the App Home. */
  channelId: string | null;
}

export type ActResult =
  | { kind: 'off' }
  | { kind: 'refused'; refusal: Refusal }
  /** Within the policy, but in none of the groups allowed to act (nor, when allowed, the job's owner). */
  | { kind: 'not_allowed' }
  | { kind: 'fetch_failed'; failure: FetchFailure }
  /** The job is no longer in the state the card showed: `offered` is what it offers now. */
  | { kind: 'stale'; job: DataJob; offered: OfferedAction | null }
  /** Someone asked for this already (a second click, another replica): who, and when. */
  | { kind: 'already'; by: string; at: Date }
  /** SeekrFlow refused it, for a reason of the job's (its own words in the failure). */
  | { kind: 'seekrflow_refused'; failure: FetchFailure }
  /** SeekrFlow could not be asked, or did not say: it may have acted, so the claim stays. */
  | { kind: 'failed'; failure: FetchFailure }
  | { kind: 'done'; job: DataJob };

export type ActOutcome = ActResult['kind'];

/** What `/datajob start|cancel <id>` shows before anything is done: the confirmation, or why not. */
export type PreviewResult =
  | Exclude<ActResult, { kind: 'already' | 'seekrflow_refused' | 'failed' | 'done' }>
  | { kind: 'confirm'; job: DataJob };

const ACCESS_ACTION: Record<AlignmentAction, Action> = { start: 'start_alignment', cancel: 'cancel_alignment' };

/** Does it, once; one audit line and one count whatever became of it. */
export async function act(deps: ActDeps, request: ActRequest): Promise<ActResult> {
  const result = await attempt(deps, request);
  record(deps, request, result);
  return result;
}

/** The same checks as `act`, without acting: what the command's confirmation needs. */
export async function previewAction(deps: ActDeps, request: Omit<ActRequest, 'shownState'>): Promise<PreviewResult> {
  const admitted = await admit(deps, request);
  if (admitted.kind !== 'admitted') {
    if (admitted.kind === 'not_allowed') record(deps, { ...request, shownState: '' }, admitted);
    return admitted;
  }
  const offered = offeredByJob(admitted.job);
  if (offered?.action !== request.action) return { kind: 'stale', job: admitted.job, offered };
  return { kind: 'confirm', job: admitted.job };
}

async function attempt(deps: ActDeps, request: ActRequest): Promise<ActResult> {
  const admitted = await admit(deps, request);
  if (admitted.kind !== 'admitted') return admitted;
  const { job } = admitted;
  const offered = offeredByJob(job);
  if (offered?.action !== request.action || offered.shownState !== request.shownState) return { kind: 'stale', job, offered };
  const key: ActionKey = { jobId: request.jobId, action: request.action, shownState: request.shownState };
  const claim = await deps.claims.claimAction({ ...key, userId: request.userId, channelId: request.channelId, at: deps.now() });
  if (!claim.claimed) return { kind: 'already', by: claim.by, at: claim.at };
  const asked = request.action === 'start' ? await deps.actions.startAlignment(job.id) : await deps.actions.cancelAlignment(job.id);
  if (!asked.ok) {
    const status = asked.failure.status;
    // SeekrFlow answered no, so nothing was done: the next click may try again. Otherwise it may have acted.
    if (status !== null && status >= 400 && status < 500) await deps.claims.releaseAction(key);
    return { kind: status !== null && SEEKRFLOW_REFUSES.has(status) ? 'seekrflow_refused' : 'failed', failure: asked.failure };
  }
  await tellChannels(deps, request, asked.job);
  return { kind: 'done', job: asked.job };
}

type Admission = { kind: 'admitted'; job: DataJob } | Extract<ActResult, { kind: 'off' | 'refused' | 'not_allowed' | 'fetch_failed' }>;

/** Whether this person may act on this job here; the job as SeekrFlow says it is now. */
async function admit(deps: ActDeps, request: Omit<ActRequest, 'shownState'>): Promise<Admission> {
  if (!actionsOn(deps.policy)) return { kind: 'off' };
  const { userId, jobId } = request;
  const access = { userId, channelId: request.channelId ?? undefined, action: ACCESS_ACTION[request.action], jobId };
  const decision = await checkAccess(deps.access, access);
  if (!decision.allowed) return { kind: 'refused', refusal: decision.refusal };
  const member = await inAnyGroup(deps.access.directory, deps.policy.usergroups, userId);
  if (member === null) return { kind: 'refused', refusal: 'cannot_check' };
  const link = !member && deps.policy.owners ? await deps.owners.ownerLink(userId) : null;
  if (!member && !link) return { kind: 'not_allowed' };
  const read = await deps.jobs.getDataJob(jobId);
  if (!read.ok) return { kind: 'fetch_failed', failure: read.failure };
  if (!member && read.job.user_id !== link?.seekrflowUserId) return { kind: 'not_allowed' };
  return { kind: 'admitted', job: read.job };
}

/**
 * Every channel following the job hears who did it, in the card's thread, and its card shows the new
 * state: both through the outbox, so they go as every reply does (paced, once, after a restart too).
 */
async function tellChannels(deps: ActDeps, request: ActRequest, job: DataJob): Promise<void> {
  const subscriptions = await deps.subscriptions.subscriptionsForJob(request.jobId);
  const at = deps.now().toISOString();
  const card = toJobCard(summarizeJob(job));
  const eventId = `acted:${request.action}:${request.shownState}`;
  const deliveries: NewDelivery[] = subscriptions.flatMap((s) => [
    {
      subscriptionId: s.id,
      key: eventId,
      item: {
        kind: 'reply',
        reply: {
          event: { type: 'acted_on', action: request.action, by: request.userId },
          job: { id: card.id, name: card.name },
          eventId: `${eventId}:${s.id}`,
          loud: false,
        },
      },
    },
    { subscriptionId: s.id, key: 'card', item: { kind: 'card', state: { card, fetchedAt: at } } },
  ]);
  if (deliveries.length > 0) await deps.outbox.enqueue(deliveries);
  deps.deliverSoon?.();
}

/** Refusals of the access policy are audited there; everything else here. */
function record(deps: ActDeps, request: ActRequest, result: ActResult): void {
  deps.count?.(request.action, result.kind);
  if (result.kind === 'refused') return;
  const access = {
    userId: request.userId,
    channelId: request.channelId ?? undefined,
    action: ACCESS_ACTION[request.action],
    jobId: request.jobId,
  };
  if (result.kind === 'done') audit(deps.logger, access, 'done');
  else if (result.kind === 'failed' || result.kind === 'fetch_failed') audit(deps.logger, access, 'failed', result.failure.kind);
  else audit(deps.logger, access, 'refused', result.kind);
}
