import type { LeaseStore } from '../../core/ports/leases.js';
import { bindPort } from '../store-support.js';
import type { Connection } from './connection.js';

// Takes a free or expired lease, or renews one's own: a lease another owner still holds is left as
// it is. On the database's clock (see PostgresStoreOptions.timeSource): replicas whose clocks
// disagree still agree on who holds it.
const TRY_LEASE = `INSERT INTO leases (name, owner, expires_at)
  VALUES ($1, $2, coalesce($3::timestamptz, now()) + $4::double precision * interval '1 millisecond')
  ON CONFLICT (name) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at
  WHERE leases.owner = EXCLUDED.owner OR leases.expires_at <= coalesce($3::timestamptz, now())`;

async function tryLease(db: Connection, name: string, owner: string, ttlMs: number, now: Date): Promise<boolean> {
  const r = await db.pool.query(TRY_LEASE, [name, owner, db.present(now), ttlMs]);
  return r.rowCount === 1;
}

const RELEASE_LEASE = 'DELETE FROM leases WHERE name = $1 AND owner = $2';

async function releaseLease(db: Connection, name: string, owner: string): Promise<void> {
  await db.pool.query(RELEASE_LEASE, [name, owner]);
}

export function leaseStore(db: Connection): LeaseStore {
  return bindPort<Connection, LeaseStore>(db, { tryLease, releaseLease });
}
