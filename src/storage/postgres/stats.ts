import type { StatsStore } from '../../core/ports/stats.js';
import type { SubscriptionState } from '../../domain/subscription.js';
import { bindPort } from '../store-support.js';
import type { Connection } from './connection.js';

// The oldest's age, not its time: the database stamped it, and a reader compares it with this process's clock.
const OUTBOX_STATS = `SELECT count(*) FILTER (WHERE s.state <> 'paused' AND d.held_until IS NULL)::int AS n,
    extract(epoch FROM now() - min(d.created_at) FILTER (WHERE s.state <> 'paused' AND d.held_until IS NULL)) * 1000 AS age_ms,
    count(*) FILTER (WHERE s.state = 'paused' OR d.held_until IS NOT NULL)::int AS held
  FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id`;

async function outboxStats(db: Connection): Promise<{ pending: number; oldestCreatedAt: Date | null; held: number }> {
  const { rows } = await db.pool.query<{ n: number; age_ms: number | null; held: number }>(OUTBOX_STATS);
  const age = rows[0]?.age_ms;
  return {
    pending: rows[0]?.n ?? 0,
    oldestCreatedAt: age == null ? null : new Date(db.localClock() - Number(age)),
    held: rows[0]?.held ?? 0,
  };
}

const SUBSCRIPTION_COUNTS = 'SELECT state, count(*)::int AS n FROM subscriptions GROUP BY state';

async function subscriptionCounts(db: Connection): Promise<Record<SubscriptionState, number>> {
  const counts: Record<SubscriptionState, number> = { active: 0, paused: 0, ended: 0 };
  const { rows } = await db.pool.query<{ state: string; n: number }>(SUBSCRIPTION_COUNTS);
  for (const { state, n } of rows) counts[state as SubscriptionState] = n;
  return counts;
}

export function statsStore(db: Connection): StatsStore {
  return bindPort<Connection, StatsStore>(db, { outboxStats, subscriptionCounts });
}
