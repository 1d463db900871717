import type { Installation, Person } from '../domain/people.js';
import type { Subscription } from '../domain/subscription.js';
import type { Directory } from './ports/directory.js';
import type { Log } from './ports/log.js';
import type { AudienceCheck } from './ports/notifier.js';

/**
 * Who may see and do what. Job data (file names, errors, owners) belongs to the team that runs the
 * bot: guests are refused unless allowed, people of another organisation always are, nothing is
 * posted into a channel shared with another organisation unless allowed, an optional allow-list of
 * user groups narrows it further, and one person cannot spend the SeekrFlow key's rate limit for
 * everyone. Every refusal is decided here, before anything asks SeekrFlow.
 */

export type Action =
  | 'help'
  | 'me'
  | 'list'
  | 'lookup'
  | 'refresh'
  | 'refresh_in_channel'
  | 'failed_files'
  | 'share'
  | 'subscribe'
  | 'unsubscribe'
  | 'pause'
  | 'resume'
  /** A link to a job, posted in a channel, gets a card attached that the whole channel reads. */
  | 'unfurl'
  /** The App Home: the person's own subscriptions, from the bot's store. */
  | 'home'
  /** "Watch this job" opens its form; subscribing from it is a 'subscribe'. */
  | 'watch'
  /** Asking SeekrFlow to start or cancel a job's alignment (core/actions.ts narrows who may). */
  | 'start_alignment'
  | 'cancel_alignment';

/** Actions that read SeekrFlow: they count against the per-user limit. */
const READS_SEEKRFLOW: ReadonlySet<Action> = new Set([
  'lookup',
  'refresh',
  'refresh_in_channel',
  'failed_files',
  'share',
  'subscribe',
  'unsubscribe',
  'pause',
  'resume',
  'unfurl',
  'start_alignment',
  'cancel_alignment',
]);
/**
 * Actions that put job data where everyone in the channel reads it (or, for 'watch', are about to),
 * through the bot's own posts: where the platform will not even describe the channel to the bot, the
 * post fails by itself, so only a channel known to be shared is refused.
 */
const PUBLISHES: ReadonlySet<Action> = new Set(['share', 'subscribe', 'resume', 'refresh_in_channel', 'watch']);
/**
 * Actions that attach job data to a conversation without the bot's membership (chat.unfurl works in
 * direct messages, group DMs and Slack Connect conversations the bot is not in): refused unless the
 * conversation is known to be of this organisation alone.
 */
const ATTACHES: ReadonlySet<Action> = new Set(['unfurl']);

export interface AccessSettings {
  allowGuests: boolean;
  allowSharedChannels: boolean;
  /** When not empty, only members of these user groups may use the bot. */
  allowedUsergroups: readonly string[];
  lookupsPerUserPerMinute: number;
}

export type Refusal =
  | 'guest'
  | 'other_organisation'
  | 'not_in_allowed_groups'
  | 'shared_channel'
  /** A conversation the bot cannot see, so it cannot know who reads it (a DM between people, a private channel it is not in). */
  | 'unseen_conversation'
  | 'cannot_check'
  | 'too_many_lookups';

export type AccessDecision = { allowed: true; person: Person } | { allowed: false; refusal: Refusal };

export interface AccessRequest {
  userId: string;
  /** Where the action was taken; the channel the job data would go to. */
  channelId?: string | undefined;
  action: Action;
  jobId?: string | undefined;
  /** What the platform's event said of the bot's membership there, when it said (an unfurl's event does). */
  botIsMember?: boolean | undefined;
}

export interface AccessDeps {
  directory: Directory;
  installation: Installation;
  settings: AccessSettings;
  limiter: UserLimiter;
  logger: Log;
  now?: () => Date;
}

export async function checkAccess(deps: AccessDeps, request: AccessRequest): Promise<AccessDecision> {
  const decision = await decide(deps, request);
  if (!decision.allowed) audit(deps.logger, request, 'refused', decision.refusal);
  return decision;
}

async function decide(deps: AccessDeps, request: AccessRequest): Promise<AccessDecision> {
  const person = await personVerdict(deps, request.userId);
  if (!person.allowed) return person;
  const how = ATTACHES.has(request.action) ? 'attached' : PUBLISHES.has(request.action) ? 'posted' : null;
  if (how) {
    if (!request.channelId) return { allowed: false, refusal: 'cannot_check' };
    const refusal = await placeRefusal(deps, request.channelId, how, request.botIsMember);
    if (refusal) return { allowed: false, refusal };
  }
  if (READS_SEEKRFLOW.has(request.action)) {
    const now = (deps.now ?? (() => new Date()))().getTime();
    if (!deps.limiter.take(request.userId, now)) return { allowed: false, refusal: 'too_many_lookups' };
  }
  return person;
}

type PolicyDeps = Pick<AccessDeps, 'directory' | 'installation' | 'settings'>;

/** Whether this person may use the bot at all, wherever they are. */
async function personVerdict(deps: PolicyDeps, userId: string): Promise<AccessDecision> {
  const { directory, settings } = deps;
  const person = await directory.person(userId);
  // Slack could not say who this is: refuse rather than let an unknown person through.
  if (!person.ok || person.value.deleted) return { allowed: false, refusal: 'cannot_check' };
  if (isOtherOrganisation(person.value, deps.installation)) return { allowed: false, refusal: 'other_organisation' };
  if (person.value.guest && !settings.allowGuests) return { allowed: false, refusal: 'guest' };
  if (settings.allowedUsergroups.length > 0) {
    const member = await inAnyGroup(directory, settings.allowedUsergroups, userId);
    if (member === null) return { allowed: false, refusal: 'cannot_check' };
    if (!member) return { allowed: false, refusal: 'not_in_allowed_groups' };
  }
  return { allowed: true, person: person.value };
}

/**
 * Why job data may not go to this conversation, or null when it may. `posted`: through the bot's
 * own post, which fails by itself where the bot cannot see the conversation. `attached`: an unfurl,
 * which reaches conversations the bot is not in: only one the bot can see, of this organisation
 * alone, takes it. A direct message or a group DM is shared when anyone in it is of another
 * organisation. Whatever cannot be checked is refused.
 */
async function placeRefusal(
  deps: PolicyDeps,
  channelId: string,
  how: 'posted' | 'attached',
  botIsMember?: boolean,
): Promise<Refusal | null> {
  // Allowed anywhere the bot itself can post: nothing to ask.
  if (how === 'posted' && deps.settings.allowSharedChannels) return null;
  const place = await deps.directory.place(channelId);
  if (!place.ok) return 'cannot_check';
  const p = place.value;
  if (how === 'attached') {
    if (!p.visibleToBot) return 'unseen_conversation';
    // Outside the bot's membership only a public channel is readable by the workspace alone.
    if ((botIsMember === false || !p.botIsMember) && p.kind !== 'public') return 'unseen_conversation';
  } else if (!p.visibleToBot) {
    return null;
  }
  if (deps.settings.allowSharedChannels) return null;
  if (p.sharedWithOtherOrganisation) return 'shared_channel';
  for (const userId of p.people ?? []) {
    const someone = await deps.directory.person(userId);
    if (!someone.ok) return 'cannot_check';
    if (isOtherOrganisation(someone.value, deps.installation)) return 'shared_channel';
  }
  return null;
}

/**
 * Whether a message may still go where a subscription sends it, asked at delivery: a channel must
 * not have been shared with another organisation since, and a person told directly (a job's owner)
 * must still be someone the policy allows. `cannot_check` means not now: the delivery waits and is
 * tried again, it never goes on a guess.
 */
async function deliveryRefusal(
  deps: PolicyDeps,
  to: { kind: 'channel'; channelId: string } | { kind: 'person'; userId: string },
): Promise<Refusal | null> {
  if (to.kind === 'person') {
    const verdict = await personVerdict(deps, to.userId);
    return verdict.allowed ? null : verdict.refusal;
  }
  return placeRefusal(deps, to.channelId, 'posted');
}

/**
 * Whether job data may be told to this person directly (a job's owner hearing who acted on it): the
 * same rules as for a person's own use of the bot. Whatever cannot be checked is no.
 */
export async function mayBeTold(deps: PolicyDeps, userId: string): Promise<boolean> {
  return (await personVerdict(deps, userId)).allowed;
}

/** Their organisation (Enterprise Grid), or their team where there is none, is not the installation's. */
function isOtherOrganisation(person: Person, installation: Installation): boolean {
  if (person.stranger) return true;
  if (installation.enterpriseId) return person.enterpriseId !== installation.enterpriseId;
  return person.enterpriseId !== null || person.teamId !== installation.teamId;
}

/** True, false, or null when a group's members could not be read. */
export async function inAnyGroup(
  directory: Pick<Directory, 'groupMembers'>,
  groups: readonly string[],
  userId: string,
): Promise<boolean | null> {
  let unknown = false;
  for (const group of groups) {
    const members = await directory.groupMembers(group);
    if (!members.ok) unknown = true;
    else if (members.value.has(userId)) return true;
  }
  return unknown ? null : false;
}

/**
 * One structured line per refusal and per change to what a channel receives: who, where, which job,
 * what and why. Never the job's contents.
 */
export function audit(logger: Log, request: AccessRequest, outcome: 'refused' | 'done' | 'failed', reason?: string): void {
  logger.info(
    {
      audit: true,
      action: request.action,
      outcome,
      user: request.userId,
      ...(request.channelId ? { channel: request.channelId } : {}),
      ...(request.jobId ? { jobId: request.jobId } : {}),
      ...(reason ? { reason } : {}),
    },
    'audit',
  );
}

/**
 * At most `perMinute` actions per person in any 60 seconds (a sliding window). Memory stays bounded:
 * a person's entry holds at most `perMinute` times, and people idle for a minute are forgotten.
 */
export class UserLimiter {
  readonly #perMinute: number;
  readonly #recent = new Map<string, number[]>();
  #lastSweep = 0;

  constructor(perMinute: number) {
    this.#perMinute = perMinute;
  }

  /** Counts one action of `userId` at `now` (ms) if the limit allows it. */
  take(userId: string, now: number): boolean {
    this.#sweep(now);
    const since = now - 60_000;
    const times = (this.#recent.get(userId) ?? []).filter((t) => t > since);
    const allowed = times.length < this.#perMinute;
    if (allowed) times.push(now);
    this.#recent.set(userId, times);
    return allowed;
  }

  #sweep(now: number): void {
    if (now - this.#lastSweep < 60_000) return;
    this.#lastSweep = now;
    for (const [user, times] of this.#recent) if ((times.at(-1) ?? 0) <= now - 60_000) this.#recent.delete(user);
  }
}

/**
 * Delivery's check of a subscription's audience (see deliveryRefusal): a channel that became shared
 * with another organisation refuses as `shared`; a person the policy no longer allows, as `refused`.
 */
export function deliveryAudience(deps: PolicyDeps): (subscription: Pick<Subscription, 'kind' | 'channelId'>) => Promise<AudienceCheck> {
  return async (subscription) => {
    const to =
      subscription.kind === 'owner'
        ? ({ kind: 'person', userId: subscription.channelId } as const)
        : ({ kind: 'channel', channelId: subscription.channelId } as const);
    const refusal = await deliveryRefusal(deps, to);
    if (refusal === null) return { kind: 'allowed' };
    if (refusal === 'cannot_check') return { kind: 'unknown', detail: 'access_check_failed' };
    return to.kind === 'person'
      ? { kind: 'refused', why: 'refused', detail: `person_${refusal}` }
      : { kind: 'refused', why: 'shared', detail: 'channel_shared_externally' };
  };
}
