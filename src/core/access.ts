import type { Directory, Installation, Log, Person } from './ports.js';

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
  | 'watch';

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
]);
/** Actions that put job data where everyone in the channel reads it (or, for 'watch', are about to). */
const PUBLISHES: ReadonlySet<Action> = new Set(['share', 'subscribe', 'resume', 'refresh_in_channel', 'unfurl', 'watch']);

export interface AccessSettings {
  allowGuests: boolean;
  allowSharedChannels: boolean;
  /** When not empty, only members of these user groups may use the bot. */
  allowedUsergroups: readonly string[];
  lookupsPerUserPerMinute: number;
}

export type Refusal = 'guest' | 'other_organisation' | 'not_in_allowed_groups' | 'shared_channel' | 'cannot_check' | 'too_many_lookups';

export type AccessDecision = { allowed: true; person: Person } | { allowed: false; refusal: Refusal };

export interface AccessRequest {
  userId: string;
  /** Where the action was taken; the channel the job data would go to. */
  channelId?: string | undefined;
  action: Action;
  jobId?: string | undefined;
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
  const { directory, settings } = deps;
  const person = await directory.person(request.userId);
  // Slack could not say who this is: refuse rather than let an unknown person through.
  if (!person.ok || person.value.deleted) return { allowed: false, refusal: 'cannot_check' };
  if (isOtherOrganisation(person.value, deps.installation)) return { allowed: false, refusal: 'other_organisation' };
  if (person.value.guest && !settings.allowGuests) return { allowed: false, refusal: 'guest' };
  if (settings.allowedUsergroups.length > 0) {
    const member = await inAnyGroup(directory, settings.allowedUsergroups, request.userId);
    if (member === null) return { allowed: false, refusal: 'cannot_check' };
    if (!member) return { allowed: false, refusal: 'not_in_allowed_groups' };
  }
  if (PUBLISHES.has(request.action) && !settings.allowSharedChannels) {
    if (!request.channelId) return { allowed: false, refusal: 'cannot_check' };
    const place = await directory.place(request.channelId);
    if (!place.ok) return { allowed: false, refusal: 'cannot_check' };
    if (place.value.visibleToBot && place.value.sharedWithOtherOrganisation) return { allowed: false, refusal: 'shared_channel' };
  }
  if (READS_SEEKRFLOW.has(request.action)) {
    const now = (deps.now ?? (() => new Date()))().getTime();
    if (!deps.limiter.take(request.userId, now)) return { allowed: false, refusal: 'too_many_lookups' };
  }
  return { allowed: true, person: person.value };
}

/** Their organisation (Enterprise Grid), or their team where there is none, is not the installation's. */
function isOtherOrganisation(person: Person, installation: Installation): boolean {
  if (person.stranger) return true;
  if (installation.enterpriseId) return person.enterpriseId !== installation.enterpriseId;
  return person.enterpriseId !== null || person.teamId !== installation.teamId;
}

/** True, false, or null when a group's members could not be read. */
async function inAnyGroup(directory: Directory, groups: readonly string[], userId: string): Promise<boolean | null> {
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
export function audit(logger: Log, request: AccessRequest, outcome: 'refused' | 'done', reason?: string): void {
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
