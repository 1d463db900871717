import type { OwnerMapEntry } from './owners.js';
import type { Log } from './ports/log.js';
import type { EmailResolution, OwnerEmailStore } from './ports/owners.js';

/**
 * The owner mapping file's emails, resolved to Slack users in the background: start-up and /healthz
 * never wait for Slack. Each answer is stored with when to ask again, so a restart asks only for the
 * emails that are new or due; the asking is paced at users.lookupByEmail's tier by the process's
 * pacer (a file of 2,000 emails takes some forty minutes), and an owner is told of their jobs from
 * the moment their email is resolved.
 */

/** What Slack says of one email. */
export type EmailLookupOutcome =
  | { kind: 'found'; userId: string }
  /** Slack knows nobody by it (`users_not_found`): an answer, asked again only after a while. */
  | { kind: 'not_found' }
  /** Slack held the method back (429): the pacer holds it for everyone; ask again when it lets go. */
  | { kind: 'rate_limited' }
  /** Slack could not say (a timeout, a 5xx, a missing scope): asked again after a backoff. */
  | { kind: 'failed'; detail: string };

export interface EmailLookup {
  lookupByEmail(email: string): Promise<EmailLookupOutcome>;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A person found is asked about again after a week: someone who left, or an email that moved, is noticed. */
export const RECHECK_FOUND_MS = 7 * DAY;
/** An email Slack does not know: after an hour, then twice as long each time, at most a day (they may join). */
export const RETRY_UNKNOWN = { firstMs: HOUR, maxMs: DAY } as const;
/** An email Slack could not say anything of: after a minute, then twice as long each time, at most an hour. */
export const RETRY_FAILED = { firstMs: MINUTE, maxMs: HOUR } as const;

/** The wait before the n-th ask (n ≥ 1) after as many asks that named nobody. */
export const backoffMs = (schedule: { firstMs: number; maxMs: number }, failures: number): number =>
  Math.min(schedule.maxMs, schedule.firstMs * 2 ** Math.min(Math.max(0, failures - 1), 30));

/** Slack matches an email whatever its case: one key per person. */
const emailKey = (email: string): string => email.trim().toLowerCase();

/**
 * The mapping file's entries, and the emails resolved so far: who is told about a SeekrFlow user's
 * jobs grows as the emails are resolved.
 */
export class OwnerMap {
  readonly #ids = new Map<string, string[]>();
  readonly #emails = new Map<string, string[]>();
  readonly #resolved = new Map<string, string>();

  constructor(entries: readonly OwnerMapEntry[]) {
    for (const { seekrflowUserId, slack } of entries) {
      const [map, value] = 'userId' in slack ? [this.#ids, slack.userId] : [this.#emails, emailKey(slack.email)];
      const list = map.get(seekrflowUserId) ?? [];
      if (!list.includes(value)) list.push(value);
      map.set(seekrflowUserId, list);
    }
  }

  /** Every email of the file, once each. */
  emails(): string[] {
    return [...new Set([...this.#emails.values()].flat())];
  }

  /** The Slack users the file names for a SeekrFlow user: by id, and by the emails resolved so far. */
  slackUsersOf(seekrflowUserId: string): string[] {
    const byEmail = (this.#emails.get(seekrflowUserId) ?? []).flatMap((e) => this.#resolved.get(e) ?? []);
    return [...new Set([...(this.#ids.get(seekrflowUserId) ?? []), ...byEmail])];
  }

  /** What Slack names for an email now (null: nobody, any more). */
  learn(email: string, slackUserId: string | null): void {
    if (slackUserId === null) this.#resolved.delete(email);
    else this.#resolved.set(email, slackUserId);
  }

  resolvedCount(): number {
    return this.#resolved.size;
  }
}

export interface OwnerEmailDeps {
  map: OwnerMap;
  store: OwnerEmailStore;
  lookup: EmailLookup;
  logger: Log;
  /**
   * Whether this replica asks Slack: only the one that leads does (one set of rate gates for the
   * fleet, and no email asked twice); the others learn from what it stores.
   */
  leads: () => Promise<boolean>;
  now?: () => Date;
}

export interface EmailRound {
  /** This replica led, so asked what was due (the others only learn what is stored). */
  led: boolean;
  /** Emails Slack was asked about. */
  asked: number;
  found: number;
  notFound: number;
  failed: number;
  /** The file's emails resolved to a person after the round. */
  resolved: number;
  /** When the next email falls due, if one does. */
  nextDueAt: Date | null;
}

/** Asks about this many emails between two checks that this replica still leads. */
const LEAD_CHECK_EVERY = 25;

/**
 * One round: learns what is stored, then, when this replica leads, asks Slack about each email that
 * is new or due, one at a time (each waits at the pacer), storing and learning each answer as it comes.
 * `stopped` ends the round between two emails.
 */
export async function resolveOwnerEmails(deps: OwnerEmailDeps, stopped: () => boolean = () => false): Promise<EmailRound> {
  const now = deps.now ?? (() => new Date());
  const emails = deps.map.emails();
  const round: EmailRound = { led: false, asked: 0, found: 0, notFound: 0, failed: 0, resolved: 0, nextDueAt: null };
  const stored = new Map((await deps.store.emailResolutions(emails)).map((r) => [r.email, r] as const));
  for (const [email, r] of stored) deps.map.learn(email, r.slackUserId);
  const due = emails.filter((e) => {
    const r = stored.get(e);
    return r === undefined || r.nextAttemptAt.getTime() <= now().getTime();
  });

  round.led = due.length > 0 && (await deps.leads());
  if (round.led) {
    deps.logger.info({ asking: due.length, known: deps.map.resolvedCount(), emails: emails.length }, 'owner map emails: asking Slack');
    for (const email of due) {
      if (stopped()) break;
      if (round.asked > 0 && round.asked % LEAD_CHECK_EVERY === 0 && !(await deps.leads())) break;
      let outcome = await deps.lookup.lookupByEmail(email);
      // A 429 is Slack's pacing, not an answer: the pacer holds the method, and the same email goes next.
      while (outcome.kind === 'rate_limited' && !stopped()) outcome = await deps.lookup.lookupByEmail(email);
      // Stopped meanwhile: the store may be closing; what Slack said is asked again next time.
      if (outcome.kind === 'rate_limited' || stopped()) break;
      round.asked += 1;
      const resolution = resolutionAfter(stored.get(email), email, outcome, now());
      await deps.store.saveEmailResolution(resolution);
      stored.set(email, resolution);
      deps.map.learn(email, resolution.slackUserId);
      if (outcome.kind === 'found') round.found += 1;
      else if (outcome.kind === 'not_found') round.notFound += 1;
      else {
        round.failed += 1;
        // The detail is Slack's error code; the email itself stays out of the logs.
        deps.logger.debug({ error: outcome.detail, failures: resolution.failures }, 'owner map email not resolved');
      }
    }
  }

  round.resolved = deps.map.resolvedCount();
  for (const e of emails) {
    const at = stored.get(e)?.nextAttemptAt ?? now();
    if (round.nextDueAt === null || at < round.nextDueAt) round.nextDueAt = at;
  }
  if (round.asked > 0) {
    const { asked, found, notFound, failed, resolved } = round;
    deps.logger.info({ asked, found, notFound, failed, resolved, emails: emails.length }, 'owner map emails asked');
    if (notFound + failed > 0) deps.logger.warn({ notFound, failed }, 'owner map emails Slack did not resolve; asked again later');
  }
  return round;
}

function resolutionAfter(
  before: EmailResolution | undefined,
  email: string,
  outcome: Exclude<EmailLookupOutcome, { kind: 'rate_limited' }>,
  at: Date,
): EmailResolution {
  const later = (ms: number) => new Date(at.getTime() + ms);
  switch (outcome.kind) {
    case 'found':
      return {
        email,
        slackUserId: outcome.userId,
        resolvedAt: at,
        lastError: null,
        failedAt: null,
        failures: 0,
        nextAttemptAt: later(RECHECK_FOUND_MS),
      };
    case 'not_found': {
      // An answer: whoever Slack named before is no longer to be told.
      const failures = (before?.slackUserId === null ? before.failures : 0) + 1;
      return {
        email,
        slackUserId: null,
        resolvedAt: before?.resolvedAt ?? null,
        lastError: 'users_not_found',
        failedAt: at,
        failures,
        nextAttemptAt: later(backoffMs(RETRY_UNKNOWN, failures)),
      };
    }
    case 'failed': {
      // No answer: whoever Slack named before still stands.
      const failures = (before?.failures ?? 0) + 1;
      return {
        email,
        slackUserId: before?.slackUserId ?? null,
        resolvedAt: before?.resolvedAt ?? null,
        lastError: outcome.detail,
        failedAt: at,
        failures,
        nextAttemptAt: later(backoffMs(RETRY_FAILED, failures)),
      };
    }
  }
}

/** Between rounds at most this long: a replica that does not lead learns what the leader stored. */
const MAX_WAIT_MS = MINUTE;
/** After the store failed, before the next round. */
const AFTER_ERROR_MS = 30_000;
/** How long a stop waits for a round to end between two emails. */
const STOP_WAIT_MS = 2_000;

/**
 * Resolves the file's emails in the background, round after round (the next when an email falls
 * due, a minute at most), until stopped. Never throws: a failed round is logged and tried again.
 */
export function startOwnerEmails(deps: OwnerEmailDeps): { stop(): Promise<void> } {
  const controller = new AbortController();
  const now = deps.now ?? (() => new Date());
  const loop = (async () => {
    if (deps.map.emails().length === 0) return;
    while (!controller.signal.aborted) {
      let waitMs = MAX_WAIT_MS;
      try {
        const round = await resolveOwnerEmails(deps, () => controller.signal.aborted);
        if (round.led && round.nextDueAt !== null) {
          waitMs = Math.min(MAX_WAIT_MS, Math.max(1_000, round.nextDueAt.getTime() - now().getTime()));
        }
      } catch (error) {
        deps.logger.warn({ err: error }, 'owner map emails could not be resolved this time');
        waitMs = AFTER_ERROR_MS;
      }
      await abortableSleep(waitMs, controller.signal);
    }
  })();
  return {
    async stop() {
      controller.abort();
      // A look-up may be waiting out a 429 at the pacer: a stop does not wait for it (what it would store, it asks again next time).
      await Promise.race([loop, new Promise((resolve) => setTimeout(resolve, STOP_WAIT_MS).unref())]);
    },
  };
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
