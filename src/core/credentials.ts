import type { FetchResult, JobActions, JobLister, JobSource, RecheckResult } from './ports/job-source.js';
import type { Log } from './ports/log.js';
import type { CredentialProblem } from './ports/notifier.js';

/**
 * Whether a platform accepts the bot's credentials. A refused credential is one state of the whole
 * bot, not a problem of each channel or each job: what depends on it waits (nothing is lost, nothing
 * paused), health says so, and everything resumes where it stopped once it is accepted again.
 */
export interface Refusal<Why extends string> {
  why: Why;
  detail: string;
  since: Date;
}

class RefusalState<Why extends string> {
  #refused: Refusal<Why> | null = null;

  get refused(): Refusal<Why> | null {
    return this.#refused;
  }

  /** True when this call is the one that found the credential refused (the start of an outage). */
  refuse(why: Why, detail: string, at: Date): boolean {
    if (this.#refused) return false;
    this.#refused = { why, detail, since: at };
    return true;
  }

  /** True when it had been refused until now. */
  accept(): boolean {
    const was = this.#refused !== null;
    this.#refused = null;
    return was;
  }
}

/** Slack and the bot token: deliveries wait while Slack refuses it. */
export class CredentialState extends RefusalState<CredentialProblem> {}

/**
 * SeekrFlow and the API key: `unauthorized` (401: a wrong or revoked key), `forbidden` (403 for every
 * job: the key may not see the team) or `not_found` (404 for every job at once: most likely another
 * team's id in SEEKRFLOW_TEAM_ID). While it lasts, a poll pass is a probe, and nothing is said about
 * any job: its state is not news, the key is.
 */
export type KeyProblem = 'unauthorized' | 'forbidden' | 'not_found';

/** While SeekrFlow refuses the key, a poll pass asks again at most this often. */
export const KEY_PROBE_INTERVAL_MS = 60_000;

export class KeyState extends RefusalState<KeyProblem> {
  /** When the last probe was made, while refused (ms). */
  lastProbeAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly logger: Log) {
    super();
  }

  override refuse(why: KeyProblem, detail: string, at: Date): boolean {
    if (!super.refuse(why, detail, at)) return false;
    this.lastProbeAt = at.getTime();
    this.logger.error(
      { why, detail },
      'SeekrFlow refuses the bot’s API key: nothing is polled, one probe a minute, until it is accepted (check SEEKRFLOW_API_KEY and SEEKRFLOW_TEAM_ID)',
    );
    return true;
  }

  override accept(): boolean {
    const was = this.refused;
    if (!super.accept() || !was) return false;
    this.logger.info({ why: was.why, since: was.since.toISOString() }, 'SeekrFlow accepts the bot’s API key again: polling resumes');
    return true;
  }

  /** Whether a probe is due now (and, if so, it is taken). */
  probeDue(now: Date): boolean {
    if (now.getTime() - this.lastProbeAt < KEY_PROBE_INTERVAL_MS) return false;
    this.lastProbeAt = now.getTime();
    return true;
  }
}

/**
 * The JobSource (and lister) as SeekrFlow answers it, watched for what it says of the key: a 401
 * anywhere refuses it; any answer while it is refused as `unauthorized` proves it works again. (A
 * refusal for every job, 403 or 404, is for the poll pass to judge, and to end: one job's answer says
 * nothing of the others.)
 */
export function watchKey<S extends JobSource & Partial<JobLister & JobActions>>(
  source: S,
  key: KeyState,
  now: () => Date = () => new Date(),
): S {
  const seen = <T extends FetchResult | RecheckResult | { ok: boolean; failure?: { kind: string; detail: string } }>(result: T): T => {
    if (!result.ok && result.failure?.kind === 'unauthorized') key.refuse('unauthorized', result.failure.detail, now());
    else if (result.ok && key.refused?.why === 'unauthorized') key.accept();
    return result;
  };
  return {
    ...source,
    getDataJob: async (id) => seen(await source.getDataJob(id)),
    recheckDataJob: async (id, knownHash, lastHash) => seen(await source.recheckDataJob(id, knownHash, lastHash)),
    ...(source.listJobs ? { listJobs: async (page) => seen(await (source.listJobs as JobLister['listJobs'])(page)) } : {}),
    ...(source.startAlignment
      ? { startAlignment: async (id) => seen(await (source.startAlignment as JobActions['startAlignment'])(id)) }
      : {}),
    ...(source.cancelAlignment
      ? { cancelAlignment: async (id) => seen(await (source.cancelAlignment as JobActions['cancelAlignment'])(id)) }
      : {}),
  };
}
