import type { DataJob } from '../domain/data-job.js';
import type { JobEvent, SubscriptionFilter } from '../domain/events.js';
import type { JobCard } from '../domain/job-card.js';
import type { JobReading } from '../domain/job-reading.js';
import type { JobWatch } from '../domain/snapshot.js';
import type { DigestStore } from './ports/digest.js';

/**
 * The interfaces the core works through, and that the adapters implement: SeekrFlow (`JobSource`),
 * the stores (one per concern, so each consumer takes only what it uses), and the notifier (Slack
 * today). Nothing here knows a URL, a SQL statement or a Slack error code.
 */

// ---------------------------------------------------------------------------------------------
// Logging
// ---------------------------------------------------------------------------------------------

/** What the core and the adapters need of a logger; pino's fits, so does a test's. */
export interface Log {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

// ---------------------------------------------------------------------------------------------
// SeekrFlow
// ---------------------------------------------------------------------------------------------

export type FetchFailureKind =
  | 'invalid_id'
  | 'not_found'
  | 'unauthorized'
  | 'forbidden'
  | 'invalid_request'
  | 'rate_limited'
  | 'unavailable'
  | 'invalid_response'
  | 'too_large';

export interface FetchFailure {
  kind: FetchFailureKind;
  /** One sentence a Slack user can act on. Safe for mrkdwn only after escaping (it may quote the API). */
  message: string;
  /** For logs: the status, the API's own words, the field that did not fit. Never a secret. */
  detail: string;
  /** SeekrFlow's request id (the `cf-ray` header) when the response had one. */
  requestId: string | null;
  status: number | null;
  attempts: number;
}

/** `bodyHash`: the answer's identity, `<reading version>:<xxh3 of its bytes>.<bytes>` (seekrflow/client.ts), so a later read by the same build can tell it got the same answer again. */
export type FetchResult =
  | { ok: true; job: DataJob; bodyHash: string; requestId: string | null; attempts: number }
  | { ok: false; failure: FetchFailure };

/**
 * A poll's read: the job's reading (see job-reading.ts; made off the event loop for a large answer), or
 * `unchanged` when the answer was byte for byte the one the bot last read (so it was not read at all),
 * or, when a full read of the job was already on its way, that read's job.
 */
export type RecheckResult =
  | FetchResult
  | { ok: true; reading: JobReading; bodyHash: string; requestId: string | null; attempts: number }
  | { ok: true; unchanged: true; bodyHash: string; requestId: string | null; attempts: number };

/** What the bot may ask SeekrFlow to do to a job (`POST …/{id}/start`, `…/cancel`, no body). */
export interface JobActions {
  /** Starts the job's alignment: the job as SeekrFlow then answers it, or a failure quoting SeekrFlow's reason. */
  startAlignment(id: string): Promise<FetchResult>;
  /** Cancels the job's alignment: likewise. */
  cancelAlignment(id: string): Promise<FetchResult>;
}

/** Where jobs come from. Never throws for anything SeekrFlow or the network does. */
export interface JobSource {
  getDataJob(id: string): Promise<FetchResult>;
  /**
   * The poll's read: when the answer's hash is `knownHash`, it is `unchanged` and nothing of it is
   * parsed, validated or summarised (for a job of 2,000 files, that is most of what a poll costs).
   * `lastHash` is the `bodyHash` of the job's last answer, whether or not it may be skipped: its
   * size says where a large answer is best read, a full read (`knownHash` null) included.
   */
  recheckDataJob(id: string, knownHash: string | null, lastHash?: string | null): Promise<RecheckResult>;
}

// ---------------------------------------------------------------------------------------------
// Subscriptions
// ---------------------------------------------------------------------------------------------

export type SubscriptionState = 'active' | 'paused' | 'ended';

/** The pause reason of a subscription a person paused (rather than a channel that refused it). */
export const PAUSED_BY_PERSON = 'paused_by_person';

/** The prefix of pauseReason.destination, for a store that must select such reasons itself. */
export const DESTINATION_GONE_PREFIX = 'destination:';

/**
 * Why a subscription is paused, as the core stores it: in neutral words rather than a platform's
 * error codes, so that rules can read it back (the retention purge forgets, after RETENTION_DAYS,
 * only subscriptions whose channel is gone; a person's pause, or a missing scope, waits for a person).
 */
export const pauseReason = {
  /** The channel cannot take messages: `destination:not_found`, `destination:archived`, … */
  destination: (why: DestinationProblem): string => `${DESTINATION_GONE_PREFIX}${why}`,
  /** The bot lacks a permission it needs: `scope:chat:write`. */
  scope: (scope: string | undefined): string => `scope:${scope ?? 'unknown'}`,
  byPerson: PAUSED_BY_PERSON,
} as const;

/** The reason says the channel is gone (see pauseReason.destination). */
export const isDestinationGone = (reason: string | null | undefined): boolean => reason?.startsWith(DESTINATION_GONE_PREFIX) === true;

export interface Subscription {
  id: number;
  channelId: string;
  jobId: string;
  filter: SubscriptionFilter;
  createdBy: string;
  createdAt: Date;
  /** The living card's message reference (Slack's ts); null until it has been posted. */
  cardTs: string | null;
  state: SubscriptionState;
  /** Why it is paused (see pauseReason) or ended (the job's final status). */
  stateReason: string | null;
  /** Who paused it, when a person did. */
  stateBy: string | null;
  /**
   * When it was paused (by a person: the time they gave) or ended; null while active. The retention
   * purge counts from it. Subscriptions paused or ended before schema version 3 count from the upgrade.
   */
  stateAt: Date | null;
  /** 'ok' or the last failed delivery's detail, and when. */
  lastDelivery: string | null;
  lastDeliveryAt: Date | null;
  /**
   * `channel`: a channel follows the job (a living card and its thread). `owner`: the job's owner
   * is told directly (`channelId` is then the person's user id); such a subscription never keeps a
   * job polled on its own, and has no card.
   */
  kind: SubscriptionKind;
  /** The team feed that made it, if one did. */
  feedId: number | null;
  /** A `failures` feed's subscription: its card is posted only once the job first needs a person. */
  waitsForNeed: boolean;
}

export type SubscriptionKind = 'channel' | 'owner';

export interface NewSubscription {
  channelId: string;
  jobId: string;
  filter: SubscriptionFilter;
  createdBy: string;
  createdAt: Date;
  kind?: SubscriptionKind;
  feedId?: number | null;
  waitsForNeed?: boolean;
}

export interface SubscriptionStore {
  /** Creates an active subscription, or returns the existing active/paused one for (channel, job) with created=false. An ended one is replaced. */
  addSubscription(input: NewSubscription): Promise<{ subscription: Subscription; created: boolean }>;
  getSubscription(id: number): Promise<Subscription | null>;
  /** The active or paused subscription of a channel to a job. */
  findSubscription(channelId: string, jobId: string): Promise<Subscription | null>;
  /** A channel's active and paused subscriptions, oldest first. */
  listSubscriptions(channelId: string): Promise<Subscription[]>;
  /** Active channel subscriptions to a job (not its owner's), oldest first: who hears a poll. */
  subscriptionsForJob(jobId: string): Promise<Subscription[]>;
  /** `subscriptionsForJob` for many jobs in one read (a job with none is absent). */
  subscriptionsForJobs(jobIds: readonly string[]): Promise<Map<string, Subscription[]>>;
  /** Active and paused subscriptions a team feed made. */
  subscriptionsOfFeed(feedId: number): Promise<Subscription[]>;
  /**
   * The subscriptions a person created, in every channel and every state (the App Home): paused
   * first (they wait for someone), then active, then ended, newest first within each; one page of
   * them, and how many there are in all.
   */
  subscriptionsCreatedBy(
    userId: string,
    page: { limit: number; offset: number },
  ): Promise<{ subscriptions: Subscription[]; total: number }>;
  setCardTs(subscriptionId: number, ts: string): Promise<void>;
  /** Deletes the subscription and its pending deliveries. */
  removeSubscription(subscriptionId: number): Promise<void>;
  /**
   * Pauses an active subscription, at `by.at` or else now; true when this call paused it (so its
   * creator is told once).
   */
  pauseSubscription(subscriptionId: number, reason: string, by?: { userId: string; at: Date }): Promise<boolean>;
  /** Makes a paused subscription active again. */
  resumeSubscription(subscriptionId: number): Promise<void>;
  recordDeliveryResult(subscriptionId: number, result: string, at: Date): Promise<void>;
  /**
   * recordDeliveryResult for many at once (one round trip): when a subscription appears more than
   * once, the last entry wins. Subscriptions that are gone are skipped.
   */
  recordDeliveryResults(results: readonly DeliveryResult[]): Promise<void>;
}

export interface DeliveryResult {
  subscriptionId: number;
  /** 'ok' or the failed delivery's detail. */
  result: string;
  at: Date;
}

// ---------------------------------------------------------------------------------------------
// The outbox: what is to be said, stored before it is said
// ---------------------------------------------------------------------------------------------

/** A living card's state: what it shows and when that was read. Rendered by the notifier when sent. */
export interface CardState {
  card: JobCard;
  /** ISO time the job was read. */
  fetchedAt: string;
  /**
   * SeekrFlow says the job is gone (since when, ISO): the card shows what the bot last knew, and says
   * so; `final` once the subscriptions ended because of it.
   */
  gone?: { since: string; final: boolean };
}

/** One event told in a card's thread. */
export interface ThreadReply {
  event: JobEvent;
  job: { id: string; name: string };
  /** Unique per event: renderers derive their own ids from it. */
  eventId: string;
  /** Needs a person: also shown in the channel, not only the thread. */
  loud: boolean;
  /** Told to the job's owner directly rather than in a card's thread. */
  audience?: 'owner';
  /** Replies held during quiet hours, told as one: every event, `event` first. */
  folded?: JobEvent[];
}

/** What the outbox holds for a subscription: neutral, rendered by the notifier when sent. */
export type OutboxItem = { kind: 'card'; state: CardState } | { kind: 'reply'; reply: ThreadReply };

export interface NewDelivery {
  subscriptionId: number;
  /**
   * Unique per subscription while pending. Cards always use the key 'card': enqueuing a card while
   * one is pending replaces its state (only the newest card matters), keeping its place.
   */
  key: string;
  item: OutboxItem;
}

export interface Delivery extends NewDelivery {
  id: number;
  /**
   * It was claimed before and its claim ran out without an outcome: the claimer died, maybe after
   * the message went out. The sender checks before sending again.
   */
  reclaimed: boolean;
  attempts: number;
  notBefore: Date;
  createdAt: Date;
  lastError: string | null;
  /** Held for quiet hours until then (past, once claimed): it goes folded with the others held. */
  heldUntil?: Date | null;
}

/**
 * How long a reply waits, from when it was stored, for its subscription's card to be in the channel
 * (to thread under it: a feed's card queued alongside, a card being looked for after a crash). Past
 * it the reply is claimed and goes without the card's thread; meanwhile it is not claimed at all.
 */
export const REPLIES_WAIT_FOR_CARD_MS = 10 * 60_000;

export interface Outbox {
  enqueue(deliveries: NewDelivery[]): Promise<void>;
  /**
   * Claims up to `limit` due deliveries for `owner` until now + leaseMs, of one kind or both. For
   * each subscription that is not paused: its replies from the oldest on, stopping at the first
   * one that is not due or is claimed by someone else (replies tell a story: their order holds),
   * and its pending card when due and unclaimed (a card is a state: it never waits for a reply, nor
   * a reply for it). A channel subscription's reply is not claimed while its card is not in the
   * channel, until REPLIES_WAIT_FOR_CARD_MS after it was stored. Returned in enqueue order.
   */
  claimDeliveries(owner: string, now: Date, leaseMs: number, limit: number, kind?: 'card' | 'reply'): Promise<Delivery[]>;
  /**
   * Extends `owner`'s claim on a delivery to `until`, just before sending it. False when the claim
   * is no longer `owner`'s (it ran out and another process took the delivery): do not send it.
   */
  renewClaim(id: number, owner: string, until: Date): Promise<boolean>;
  /** Sent: removes it. */
  completeDelivery(id: number): Promise<void>;
  /**
   * completeDelivery for many at once, with exactly its meaning per id (a card replaced while in
   * flight stays pending, released), in one round trip: completing one by one costs a round trip
   * each. Ids of deliveries already gone are ignored.
   */
  completeDeliveries(ids: readonly number[]): Promise<void>;
  /** Not sent: releases the claim, counts the attempt, and makes it due again at `notBefore`. */
  retryDelivery(id: number, notBefore: Date, error: string): Promise<void>;
  /** Releases claims without counting an attempt (e.g. later deliveries behind one that must wait). */
  releaseDeliveries(ids: number[]): Promise<void>;
  pendingDeliveries(subscriptionId?: number): Promise<number>;
}

// ---------------------------------------------------------------------------------------------
// What the bot remembers of each watched job
// ---------------------------------------------------------------------------------------------

export interface StoredWatch {
  watch: JobWatch;
  /** Optimistic-concurrency version: bumped on every write. */
  version: number;
}

export interface PassCommit {
  /** The version read before the pass (null when there was no watch yet). */
  expectedVersion: number | null;
  watch: JobWatch;
  deliveries: NewDelivery[];
  /** The job ended: end these subscriptions (no more polling), with this reason. */
  endSubscriptions?: { ids: number[]; reason: string };
  /** These subscriptions stop waiting for a need: their card was queued with this pass. */
  stopWaiting?: number[];
}

export interface WatchStore {
  /** Distinct job ids that have at least one active subscription. */
  watchedJobIds(): Promise<string[]>;
  getWatch(jobId: string): Promise<StoredWatch | null>;
  /** `getWatch` for many jobs in one read (a job without a watch is absent). */
  getWatches(jobIds: readonly string[]): Promise<Map<string, StoredWatch>>;
  /** Records a baseline when there is none yet (subscribing); keeps an existing one. */
  initWatch(jobId: string, watch: JobWatch): Promise<void>;
  /**
   * Writes a job's new watch, the deliveries it produced and the subscriptions it ended in ONE
   * transaction, and only if the watch is still at `expectedVersion`. Returns false, writing
   * nothing, when the version moved (a concurrent pass won).
   */
  commitPass(jobId: string, commit: PassCommit): Promise<boolean>;
  /** Forget a job no subscription watches any more. */
  deleteWatch(jobId: string): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Retention: forgetting what is over
// ---------------------------------------------------------------------------------------------

/** A subscription paused because its channel is gone, forgotten by the purge. */
export interface ExpiredPause {
  id: number;
  channelId: string;
  jobId: string;
  /** Its pause reason (pauseReason.destination). */
  reason: string;
}

export interface PurgeResult {
  /** Ended subscriptions removed. */
  subscriptions: number;
  /** Paused subscriptions whose channel is gone, removed. */
  pausedExpired: ExpiredPause[];
  watches: number;
  /** Deliveries still pending for the subscriptions removed, removed with them. */
  deliveries: number;
  /** Jobs discovery had seen, forgotten. */
  discoveredJobs: number;
}

/** Rows of each kind one purgeExpired call removes at most, unless it is given another limit. */
export const PURGE_LIMIT = 10_000;

export interface RetentionStore {
  /**
   * Forgets, in one transaction, what has been over since before `cutoff` (now - the retention):
   *  - ended subscriptions whose `stateAt` is before it, with any deliveries still pending for them;
   *  - paused subscriptions whose channel is gone (isDestinationGone) and whose `stateAt` is before
   *    it, with their deliveries (returned, so that each can be logged);
   *  - watches of jobs no active or paused subscription follows, last written before it;
   *  - jobs discovery saw first, and SeekrFlow created, before it, that no active or paused
   *    subscription follows (a job whose creation time cannot be read stays), oldest first; the
   *    discovery horizon moves up to the newest of them, never back.
   * At most `limit` (default PURGE_LIMIT) of each of those four kinds per call, so that a first purge
   * of a large backlog never holds its locks for long: a call that removed `limit` of any kind may
   * have left more, and the caller calls again. Rows busy elsewhere at that moment (a delivery being
   * claimed, a pass writing the watch) may be left for a later call.
   */
  purgeExpired(cutoff: Date, limit?: number): Promise<PurgeResult>;
}

// ---------------------------------------------------------------------------------------------
// Coordination between replicas
// ---------------------------------------------------------------------------------------------

export interface LeaseStore {
  /** Takes or renews the named lease for `owner` for ttlMs; false while another owner holds it. */
  tryLease(name: string, owner: string, ttlMs: number, now: Date): Promise<boolean>;
  releaseLease(name: string, owner: string): Promise<void>;
}

/** What an operator watches: read at each metrics scrape. */
export interface StatsStore {
  /**
   * The outbox as an operator judges it: deliveries waiting to go out, and since when the oldest has
   * waited (on this process's clock). Deliveries of paused subscriptions wait for a person on purpose,
   * and replies held for a channel's quiet hours wait for the morning: they are `held`, counted apart,
   * never stale.
   */
  outboxStats(): Promise<{ pending: number; oldestCreatedAt: Date | null; held: number }>;
  subscriptionCounts(): Promise<Record<SubscriptionState, number>>;
}

/** One engine implements every store; `main.ts` hands each consumer the part it uses. */
export interface Store
  extends SubscriptionStore,
    Outbox,
    WatchStore,
    LeaseStore,
    RetentionStore,
    StatsStore,
    FeedStore,
    OwnerStore,
    OwnerEmailStore,
    DigestStore {
  readonly engine: 'sqlite' | 'postgres';
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Team feeds and job owners
// ---------------------------------------------------------------------------------------------

/** A channel following every data job of the team, present and future, that matches its filters. */
export interface Feed {
  id: number;
  channelId: string;
  filter: SubscriptionFilter;
  /** Only jobs of this type; null for every type. */
  jobType: string | null;
  /** Only jobs whose name matches this glob (`*`, `?`); null for every name. */
  nameGlob: string | null;
  createdBy: string;
  /** Jobs created before this are the feed's baseline: covered, never announced. */
  createdAt: Date;
}

export type NewFeed = Omit<Feed, 'id'>;

/** A job as the list of the team's jobs shows it. */
export interface ListedJob {
  id: string;
  name: string;
  jobType: string;
  /** Its owner in SeekrFlow. */
  userId: string;
  /** As SeekrFlow wrote it. */
  createdAt: string;
}

export interface FeedStore {
  /** One feed per channel: a second `subscribe team` changes the filters of the first. */
  saveFeed(feed: NewFeed): Promise<{ feed: Feed; created: boolean }>;
  findFeed(channelId: string): Promise<Feed | null>;
  listFeeds(): Promise<Feed[]>;
  removeFeed(id: number): Promise<void>;
  /** Which of these job ids discovery has seen before. */
  knownJobs(ids: readonly string[]): Promise<Set<string>>;
  /**
   * Remembers jobs as seen (a job seen again keeps its first sighting). Text is kept as both engines
   * can keep it: a NUL character or a lone surrogate reads back as U+FFFD.
   */
  recordJobs(jobs: readonly ListedJob[], at: Date): Promise<void>;
  /** How many of the jobs discovery has seen match these filters, by feedMatches' rules exactly: what a feed covers. */
  countMatchingJobs(filter: Pick<Feed, 'jobType' | 'nameGlob'>): Promise<number>;
  /**
   * The jobs discovery has seen of one SeekrFlow user: newest first (by creation time; those whose time
   * SeekrFlow did not write as one, last), at most `limit`, and how many there are in all.
   */
  jobsOfUser(seekrflowUserId: string, limit: number): Promise<{ jobs: ListedJob[]; total: number }>;
  /**
   * Every job the retention purge has forgotten was created at or before this time (null: none has
   * been). Discovery takes a job older than this for a known one, announced long ago or never to be.
   */
  discoveryHorizon(): Promise<Date | null>;
}

export interface OwnerLink {
  slackUserId: string;
  seekrflowUserId: string;
  /** No notice when a job completes cleanly, only when it needs its owner. */
  quiet: boolean;
}

export interface OwnerStore {
  linkOwner(link: OwnerLink, at: Date): Promise<void>;
  unlinkOwner(slackUserId: string): Promise<void>;
  ownerLink(slackUserId: string): Promise<OwnerLink | null>;
  /** The people linked to a SeekrFlow user (usually one). */
  ownersOf(seekrflowUserId: string): Promise<OwnerLink[]>;
}

/** What Slack said of an email of the owner mapping file, and when to ask it again. */
export interface EmailResolution {
  /** Lower-cased. */
  email: string;
  /** The person Slack named for it; null while it has named nobody (or no longer does). */
  slackUserId: string | null;
  /** When Slack last named someone for it. */
  resolvedAt: Date | null;
  /** Slack's word the last time it did not (`users_not_found`, `request_failed`, …), and when. */
  lastError: string | null;
  failedAt: Date | null;
  /** Asks that named nobody since the last one that did. */
  failures: number;
  nextAttemptAt: Date;
}

export interface OwnerEmailStore {
  /** The stored resolutions of these emails; one never asked about is absent. */
  emailResolutions(emails: readonly string[]): Promise<EmailResolution[]>;
  /** Stores what Slack said of one email, replacing what was stored of it. */
  saveEmailResolution(resolution: EmailResolution): Promise<void>;
}

/** Who is told directly about a SeekrFlow user's jobs: people linked with `/datajob me`, and the admin's mapping file. */
export interface OwnerDirectory {
  ownersOf(seekrflowUserId: string): Promise<Array<{ slackUserId: string; quiet: boolean }>>;
}

/** Reads the list of the team's jobs, newest first, one page at a time. */
export interface JobLister {
  listJobs(page: { offset: number; limit: number }): Promise<{ ok: true; jobs: ListedJob[] } | { ok: false; failure: FetchFailure }>;
}

// ---------------------------------------------------------------------------------------------
// Who is asking, and where: the directory
// ---------------------------------------------------------------------------------------------

/** A person as the workspace knows them. */
export interface Person {
  userId: string;
  /** Their home team, and their organisation (Enterprise Grid) when they belong to one. */
  teamId: string | null;
  enterpriseId: string | null;
  /** A multi- or single-channel guest. */
  guest: boolean;
  /** Someone of another organisation met in a shared channel, not a member of this workspace. */
  stranger: boolean;
  deleted: boolean;
  /** Their time zone (IANA), as their profile says; absent when unknown. */
  tz?: string | null;
}

/** A conversation as far as who can read it goes. */
export interface Place {
  channelId: string;
  /** A public channel, a private one, a direct message or a group DM. */
  kind: 'public' | 'private' | 'im' | 'mpim';
  /** Shared with another organisation (Slack Connect): people outside the company read it. */
  sharedWithOtherOrganisation: boolean;
  /**
   * False when the platform will not even describe it to the bot (a private channel it is not in, a
   * DM between people, a Slack Connect conversation): the bot cannot post there through its own
   * membership, but an unfurl can still reach it, so nothing but a post may go there on a guess.
   */
  visibleToBot: boolean;
  /** The bot is a member: what it posts there, it posts through its own membership. */
  botIsMember: boolean;
  /** For a direct message or a group DM, the people in it: one of another organisation makes it shared. */
  people: readonly string[] | null;
}

/** The workspace (and organisation) the bot is installed in. */
export interface Installation {
  teamId: string;
  enterpriseId: string | null;
}

/** What the directory says, or that it could not say (an error, a timeout). */
export type Lookup<T> = { ok: true; value: T } | { ok: false; detail: string };

export interface Directory {
  person(userId: string): Promise<Lookup<Person>>;
  place(channelId: string): Promise<Lookup<Place>>;
  /** The members of a user group. */
  groupMembers(groupId: string): Promise<Lookup<ReadonlySet<string>>>;
}

// ---------------------------------------------------------------------------------------------
// Telling people: the notifier
// ---------------------------------------------------------------------------------------------

/**
 * Why a destination cannot take messages, in the notifier's terms rather than a platform's codes.
 * `shared`: the channel has since been shared with another organisation, where job data may not go
 * (unless ALLOW_SHARED_CHANNELS); `refused`: the person is no longer one the access policy allows.
 */
export type DestinationProblem = 'not_found' | 'archived' | 'not_a_member' | 'restricted' | 'shared' | 'refused';

/**
 * Whether a subscription's messages may still go where it sends them, asked at delivery. `refused`:
 * never there (`shared`: the channel was shared with another organisation; `refused`: the person told
 * directly is no longer one the policy allows). `unknown`: it could not be checked now: wait and ask again.
 */
export type AudienceCheck =
  | { kind: 'allowed' }
  | { kind: 'refused'; why: Extract<DestinationProblem, 'shared' | 'refused'>; detail: string }
  | { kind: 'unknown'; detail: string };

/** Why the platform refuses the bot's own credentials. */
export type CredentialProblem = 'revoked' | 'inactive' | 'invalid' | 'missing_scope';

/** What became of one message. `detail` is the platform's own word for it, for logs and `list`. */
export type SendOutcome =
  | { kind: 'delivered'; ref: string }
  /** Not sent, or not known to be: try again after `afterMs` (the platform said when) or a backoff. */
  | { kind: 'retry'; afterMs: number | null; rateLimited: boolean; maybeDelivered: boolean; detail: string }
  /** The message to update is gone (deleted, too old to edit): post a fresh one. */
  | { kind: 'message_gone'; detail: string }
  | { kind: 'destination_gone'; why: DestinationProblem; detail: string }
  | { kind: 'credentials_refused'; why: CredentialProblem; detail: string; scope?: string }
  /** The platform refuses this content: sending the same again cannot help. */
  | { kind: 'rejected'; detail: string };

export interface LivingCardContext {
  /** The subscription the card lives for: the posted card carries it, so it can be found again. */
  subscriptionId: number;
  filter: SubscriptionFilter;
  subscribedBy: string;
}

/** A living card looked for in its channel: found (its ref), not there, or the platform would not say. */
export type CardSearch =
  | { kind: 'found'; ref: string }
  | { kind: 'none' }
  /**
   * The platform would not say: just now (`final` false: ask again later), or never (`final`: the bot
   * may not read that channel's history, and a card is posted rather than none).
   */
  | { kind: 'unknown'; detail: string; final: boolean };

/** A card as the channel's living card: its state and the subscription it lives for. */
export interface LivingCard {
  state: CardState;
  subscription: LivingCardContext;
  /** The card no longer follows the job, because a person unsubscribed the channel or paused it: who, and when (ISO). */
  halted?: { why: 'unsubscribed' | 'paused'; by: string; at: string };
}

/** The delivery keys of the replies a thread holds, or why the platform would not say. */
export type ThreadKeys = { known: true; keys: ReadonlySet<string> } | { known: false; detail: string };

/** What the bot says in a card's thread about the subscription itself, rather than the job: who changed it. */
export type SubscriptionNote = { kind: 'unsubscribed' | 'paused' | 'resumed'; by: string };

/** Something to tell one person directly. */
export type Notice = {
  kind: 'subscription_paused';
  channelId: string;
  jobId: string;
  why: DestinationProblem | CredentialProblem;
  detail: string;
  /** The permission the bot lacks, when that is why. */
  scope?: string;
};

export interface Notifier {
  /** Posts a new living card in a channel; `ref` is what later updates and replies address. */
  postCard(channelId: string, card: LivingCard): Promise<SendOutcome>;
  /**
   * The living card a subscription already has in the channel, posted since `since`: after a crash
   * between posting a card and storing its ref, it is found rather than posted twice.
   */
  findCard(channelId: string, subscriptionId: number, since: Date): Promise<CardSearch>;
  updateCard(channelId: string, ref: string, card: LivingCard): Promise<SendOutcome>;
  /** A reply in the card's thread (`threadRef`), marked with `deliveryKey` so that it can be found again. */
  postReply(channelId: string, threadRef: string | null, reply: ThreadReply, deliveryKey: string): Promise<SendOutcome>;
  postNote(channelId: string, threadRef: string, note: SubscriptionNote): Promise<SendOutcome>;
  /** The delivery keys of every reply the thread already holds (one read for all of a thread's doubts). */
  repliesInThread(channelId: string, threadRef: string): Promise<ThreadKeys>;
  /** A direct message to a person. */
  tell(userId: string, notice: Notice): Promise<SendOutcome>;
  /**
   * How many card updates the platform's pacing lets out within `withinMs`. Cards beyond it stay in
   * the outbox, where a newer state replaces an older one: a busy card is sent once, at its latest.
   */
  cardSlots(withinMs: number): number;
  /** Whether the platform accepts the bot's credentials now (a cheap probe). */
  checkCredentials(): Promise<{ ok: true } | { ok: false; why: CredentialProblem; detail: string }>;
}
