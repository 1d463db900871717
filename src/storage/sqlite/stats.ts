import type Database from 'better-sqlite3';
import type { StatsStore } from '../../core/ports/stats.js';
import type { SubscriptionState } from '../../domain/subscription.js';
import { bindPort } from '../store-support.js';

const OUTBOX_STATS = `SELECT count(*) FILTER (WHERE s.state <> 'paused' AND d.held_until IS NULL) AS n, min(d.created_at) FILTER (WHERE s.state <> 'paused' AND d.held_until IS NULL) AS oldest,
    count(*) FILTER (WHERE s.state = 'paused' OR d.held_until IS NOT NULL) AS held
  FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id`;

async function outboxStats(sql: Statements): Promise<{ pending: number; oldestCreatedAt: Date | null; held: number }> {
  const row = sql.outboxStats.get();
  return { pending: row?.n ?? 0, oldestCreatedAt: row?.oldest == null ? null : new Date(row.oldest), held: row?.held ?? 0 };
}

const SUBSCRIPTION_COUNTS = 'SELECT state, count(*) AS n FROM subscriptions GROUP BY state';

async function subscriptionCounts(sql: Statements): Promise<Record<SubscriptionState, number>> {
  const counts: Record<SubscriptionState, number> = { active: 0, paused: 0, ended: 0 };
  for (const { state, n } of sql.subscriptionCounts.all()) counts[state as SubscriptionState] = n;
  return counts;
}

function prepare(db: Database.Database) {
  return {
    outboxStats: db.prepare<[], { n: number; oldest: number | null; held: number }>(OUTBOX_STATS),
    subscriptionCounts: db.prepare<[], { state: string; n: number }>(SUBSCRIPTION_COUNTS),
  };
}

type Statements = ReturnType<typeof prepare>;

export function statsStore(db: Database.Database): StatsStore {
  return bindPort<Statements, StatsStore>(prepare(db), { outboxStats, subscriptionCounts });
}
