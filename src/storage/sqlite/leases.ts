import type Database from 'better-sqlite3';
import type { LeaseStore } from '../../core/ports/leases.js';
import { bindPort } from '../store-support.js';

// Takes a free or expired lease, or renews one's own: a lease another owner still holds is left as it is.
const TRY_LEASE = `INSERT INTO leases (name, owner, expires_at) VALUES (@name, @owner, @until)
  ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
  WHERE leases.owner = excluded.owner OR leases.expires_at <= @now`;

async function tryLease(sql: Statements, name: string, owner: string, ttlMs: number, now: Date): Promise<boolean> {
  return sql.tryLease.run({ name, owner, until: now.getTime() + ttlMs, now: now.getTime() }).changes === 1;
}

const RELEASE_LEASE = 'DELETE FROM leases WHERE name = ? AND owner = ?';

async function releaseLease(sql: Statements, name: string, owner: string): Promise<void> {
  sql.releaseLease.run(name, owner);
}

function prepare(db: Database.Database) {
  return {
    tryLease: db.prepare<{ name: string; owner: string; until: number; now: number }>(TRY_LEASE),
    releaseLease: db.prepare<[string, string]>(RELEASE_LEASE),
  };
}

type Statements = ReturnType<typeof prepare>;

export function leaseStore(db: Database.Database): LeaseStore {
  return bindPort<Statements, LeaseStore>(prepare(db), { tryLease, releaseLease });
}
