import type { NewDelivery } from './store.js';

/**
 * What the storage adapters need of a logger. pino's `Logger` fits; so does a test spy. Kept this
 * small so that storage does not depend on the application's logger module.
 */
export interface StoreLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Used when the caller gives no logger: warnings must still reach someone (a lost connection, say). */
export const consoleStoreLogger: StoreLogger = {
  info: () => {},
  warn: (obj, msg) => console.warn(msg, obj),
  error: (obj, msg) => console.error(msg, obj),
};

/**
 * Collapses a batch to one delivery per (subscription, key), the way the outbox collapses it against
 * what is already pending: a later card replaces an earlier card's payload at the earlier card's
 * place; a repeated reply key is the same message enqueued twice, so the first one stands. Both
 * engines need this before a batched upsert (PostgreSQL refuses to upsert one row twice in a statement).
 */
export function collapseDeliveries(deliveries: readonly NewDelivery[]): NewDelivery[] {
  const byKey = new Map<string, NewDelivery>();
  for (const d of deliveries) {
    const k = `${d.subscriptionId}\u0000${d.key}`;
    const earlier = byKey.get(k);
    if (earlier === undefined) byKey.set(k, d);
    else if (earlier.kind === 'card' && d.kind === 'card') byKey.set(k, { ...earlier, payload: d.payload });
  }
  // Map keeps first-insertion order, so every delivery keeps the place of its first occurrence.
  return [...byKey.values()];
}
