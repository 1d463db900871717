import type { Log } from '../core/ports/log.js';
import type { NewDelivery } from '../core/ports/outbox.js';
import type { StoredWatch } from '../core/ports/watches.js';
import type { ListedJob } from '../domain/feed.js';
import type { OutboxItem } from '../domain/messages.js';
import type { JobWatch } from '../domain/snapshot.js';
import type { Subscription } from '../domain/subscription.js';
import { timestampMillis } from '../domain/timestamps.js';

/**
 * A port's operations, each written as a plain function taking the engine's context first (its
 * prepared statements, its pool), so that each port module reads as one list of operations in the
 * port's order, on both engines alike.
 */
export type Operations<C, T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (context: C, ...args: A) => R : never;
};

/** The port's object: each of its methods calls its operation with `context`, its arguments passed on as they are. */
export function bindPort<C, T>(context: C, operations: Operations<C, T>): T {
  const port: Record<string, unknown> = {};
  for (const [name, operation] of Object.entries<(context: C, ...args: unknown[]) => unknown>(operations)) {
    port[name] = (...args: unknown[]) => operation(context, ...args);
  }
  return port as T;
}

/** Used when the caller gives no logger: warnings must still reach someone (a lost connection, say). */
export const consoleStoreLogger: Log = {
  debug: () => {},
  info: () => {},
  warn: (obj, msg) => console.warn(msg, obj),
  error: (obj, msg) => console.error(msg, obj),
};

/** Which of the two delivery kinds an item is: cards replace each other while pending, replies queue. */
export const deliveryKind = (item: OutboxItem): 'card' | 'reply' => item.kind;

/** The outbox item as stored, versioned: a later build that stores items otherwise can still tell them apart. */
export function encodeItem(item: OutboxItem): string {
  return JSON.stringify({ v: 2, item });
}

export function decodeItem(payload: string): OutboxItem {
  const parsed = JSON.parse(payload) as { v?: unknown; item?: OutboxItem };
  if (parsed.v === 2 && parsed.item) return parsed.item;
  throw new Error(`an outbox item of a version this build does not read (${String(parsed.v)})`);
}

/**
 * Collapses a batch to one delivery per (subscription, key), the way the outbox collapses it against
 * what is already pending: a later card replaces an earlier card at the earlier card's place; a
 * repeated reply key is the same message enqueued twice, so the first one stands. Both engines need
 * this before a batched upsert (PostgreSQL refuses to upsert one row twice in a statement).
 */
export function collapseDeliveries(deliveries: readonly NewDelivery[]): NewDelivery[] {
  const byKey = new Map<string, NewDelivery>();
  for (const d of deliveries) {
    const k = `${d.subscriptionId}\u0000${d.key}`;
    const earlier = byKey.get(k);
    if (earlier === undefined) byKey.set(k, d);
    else if (deliveryKind(earlier.item) === 'card' && deliveryKind(d.item) === 'card') byKey.set(k, { ...earlier, item: d.item });
  }
  // Map keeps first-insertion order, so every delivery keeps the place of its first occurrence.
  return [...byKey.values()];
}

/** Subscriptions grouped by job, each job's in the order given. */
export function byJob(subscriptions: readonly Subscription[]): Map<string, Subscription[]> {
  const grouped = new Map<string, Subscription[]>();
  for (const s of subscriptions) {
    const list = grouped.get(s.jobId);
    if (list) list.push(s);
    else grouped.set(s.jobId, [s]);
  }
  return grouped;
}

/** A job's watch as both engines store it: its JSON and its version. */
export const toStoredWatch = (row: { watch: string; version: number }): StoredWatch => ({
  watch: JSON.parse(row.watch) as JobWatch,
  version: row.version,
});

/** A job discovery has seen, as both engines store it (every column text). */
export interface ListedJobRow {
  job_id: string;
  name: string;
  job_type: string;
  user_id: string;
  created_at: string;
}

export const toListedJob = (r: ListedJobRow): ListedJob => ({
  id: r.job_id,
  name: r.name,
  jobType: r.job_type,
  userId: r.user_id,
  createdAt: r.created_at,
});

/**
 * Text as both engines keep it, the same on each: PostgreSQL refuses a NUL character in text (a job
 * named with one would fail every discovery), SQLite's LIKE stops reading at one, and a lone surrogate
 * has no UTF-8 form (each driver would replace it on its own). Each becomes U+FFFD, one code point
 * for one, so that a glob's `?` still counts it.
 */
export function storableText(s: string): string {
  return s.replaceAll('\u0000', '\uFFFD').replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/**
 * A discovered job's name as feeds match it: folded by JavaScript's toLowerCase, as globMatches folds
 * it. Stored beside the name, because neither engine's lower() folds the same way (SQLite's folds
 * only ASCII; PostgreSQL's follows the database's locale, one character at a time).
 */
const foldName = (name: string): string => storableText(name).toLowerCase();

/**
 * A feed's name glob as a LIKE pattern (`ESCAPE '\'`) over the folded names, meaning exactly what
 * globMatches means: folded alike, `*` any run (`%`), `?` one code point (`_`, one character on
 * both engines), every other character literal, LIKE's own `%`, `_` and `\` included.
 */
export function globToLike(glob: string): string {
  let like = '';
  for (const c of foldName(glob)) {
    if (c === '*') like += '%';
    else if (c === '?') like += '_';
    else if (c === '%' || c === '_' || c === '\\') like += `\\${c}`;
    else like += c;
  }
  return like;
}

/** A discovered job as stored: its text storable, and the columns the store computes from it. */
interface StorableJob extends ListedJob {
  nameFolded: string;
  /** Its creation time, null when SeekrFlow's text is not one. */
  createdMs: number | null;
}

export function storableJob(job: ListedJob): StorableJob {
  const createdAt = storableText(job.createdAt);
  return {
    id: storableText(job.id),
    name: storableText(job.name),
    jobType: storableText(job.jobType),
    userId: storableText(job.userId),
    createdAt,
    nameFolded: foldName(job.name),
    createdMs: timestampMillis(createdAt),
  };
}
