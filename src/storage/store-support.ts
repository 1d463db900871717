import type { ListedJob, Log, NewDelivery, OutboxItem, StoredWatch, Subscription } from '../core/ports.js';
import type { JobWatch } from '../domain/snapshot.js';

/** Used when the caller gives no logger: warnings must still reach someone (a lost connection, say). */
export const consoleStoreLogger: Log = {
  debug: () => {},
  info: () => {},
  warn: (obj, msg) => console.warn(msg, obj),
  error: (obj, msg) => console.error(msg, obj),
};

/** Which of the two delivery kinds an item is: cards replace each other while pending, replies queue. */
export const deliveryKind = (item: OutboxItem): 'card' | 'reply' => (item.kind === 'legacy' ? item.as : item.kind);

/** The outbox item as stored. Versioned, so that what an older build stored stays readable. */
export function encodeItem(item: OutboxItem): string {
  return JSON.stringify({ v: 2, item });
}

/**
 * Before version 2 the outbox held rendered Slack messages; such a row is handed back as `legacy`,
 * for the notifier to send as it is, so that an upgrade loses nothing that was pending.
 */
export function decodeItem(kind: string, payload: string): OutboxItem {
  const parsed = JSON.parse(payload) as { v?: unknown; item?: OutboxItem };
  if (parsed.v === 2 && parsed.item) return parsed.item;
  return { kind: 'legacy', as: kind === 'card' ? 'card' : 'reply', content: parsed };
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
