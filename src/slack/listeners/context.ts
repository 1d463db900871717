import { type AccessDeps, type AccessRequest, checkAccess } from '../../core/access.js';
import type { ActDeps, ActionPolicy } from '../../core/actions.js';
import type { ActionClaimStore } from '../../core/ports/actions.js';
import type { DigestStore } from '../../core/ports/digest.js';
import type { FeedStore } from '../../core/ports/feeds.js';
import type { JobActions, JobSource } from '../../core/ports/job-source.js';
import type { Log } from '../../core/ports/log.js';
import type { OwnerStore } from '../../core/ports/owners.js';
import type { WatchStore } from '../../core/ports/watches.js';
import type { SubscriptionDeps } from '../../core/subscriptions.js';
import type { JobLinkRules } from '../../domain/job-link.js';
import { type Reply, refusalReply } from '../messages.js';
import type { SlackPoster } from '../poster.js';

/** What every listener may use. Built once in main.ts. */
export interface ListenerDeps {
  jobs: JobSource;
  /** Posts as the bot: Share in channel. */
  poster: SlackPoster;
  /** The subscription operations, and the stores and notifier they work with. */
  subscriptions: SubscriptionDeps;
  /** Team feeds (`subscribe team`) and owner links (`me`). */
  feeds: FeedStore;
  owners: OwnerStore;
  /** Channels' digests and quiet hours. */
  digests: DigestStore;
  /** Who may see and do what: every command, button and modal asks before anything else. */
  access: AccessDeps;
  jobUrl: (jobId: string) => string | undefined;
  /** Which links name a job: the unfurl domains (none: links are not unfurled) and the job link template. */
  links: JobLinkRules;
  /** The App Home is published at most once per this many ms per person. */
  homeRefreshMs: number;
  logger: Log;
  now: () => Date;
  /** Starting and cancelling alignments: who may, SeekrFlow's actions, the store's claims. */
  actions: {
    policy: ActionPolicy;
    client: JobActions;
    claims: ActionClaimStore;
    /** The Home's "Waiting for you" asks the store for one page of the watched jobs ready to start. */
    watches: Pick<WatchStore, 'watchedJobsInStatus'>;
    count?: ActDeps['count'];
    deliverSoon?: () => void;
  };
}

/** What the action operations need, from the listeners' own parts. */
export function actDeps(deps: ListenerDeps): ActDeps {
  const { actions } = deps;
  return {
    ...{ access: deps.access, policy: actions.policy, jobs: deps.jobs, actions: actions.client, claims: actions.claims },
    ...{ owners: deps.owners, subscriptions: deps.subscriptions.subscriptions, outbox: deps.subscriptions.outbox },
    ...{ logger: deps.logger, now: deps.now },
    ...(actions.count ? { count: actions.count } : {}),
    ...(actions.deliverSoon ? { deliverSoon: actions.deliverSoon } : {}),
  };
}

/**
 * Asks the access policy. On a refusal the person is told why in one sentence (through `say`), and
 * nothing else happens: no SeekrFlow request, nothing of the job.
 */
export async function permitted(deps: ListenerDeps, request: AccessRequest, say: (reply: Reply) => Promise<unknown>): Promise<boolean> {
  const decision = await checkAccess(deps.access, request);
  if (!decision.allowed) await say(refusalReply(decision.refusal));
  return decision.allowed;
}

/**
 * Runs a listener's work so that nothing escapes it: the error is logged with its context, and
 * the user gets one sentence (through `tell`) instead of silence or Slack's operation_timeout.
 */
export async function guarded(
  deps: ListenerDeps,
  context: Record<string, unknown>,
  tell: () => Promise<unknown>,
  work: () => Promise<void>,
): Promise<void> {
  try {
    await work();
  } catch (error) {
    deps.logger.error({ err: error, ...context }, 'listener failed');
    try {
      await tell();
    } catch (tellError) {
      deps.logger.error({ err: tellError, ...context }, 'could not tell the user about a failure');
    }
  }
  // Whatever became of it: what an operator (and a test) reads to know the listener is done.
  deps.logger.debug(context, 'listener done');
}
