import type pg from 'pg';
import type { Store } from '../../core/ports/store.js';
import { actionClaimStore } from './action-claims.js';
import { type Connection, connect, type PostgresStoreOptions } from './connection.js';
import { digestStore } from './digests.js';
import { feedStore } from './feeds.js';
import { leaseStore } from './leases.js';
import { migratePostgres } from './migrations.js';
import { outbox } from './outbox.js';
import { ownerEmailStore } from './owner-emails.js';
import { ownerStore } from './owners.js';
import { retentionStore } from './retention.js';
import { statsStore } from './stats.js';
import { subscriptionStore } from './subscriptions.js';
import { watchStore } from './watches.js';

/**
 * The replicated engine: every promise of the ports holds across processes sharing one database
 * (see commitPass in watches.ts, the claims in outbox.ts, the leases in leases.ts), and leases,
 * claims and retries run on the database's clock (see `timeSource`): one clock for every replica.
 */

export type { PostgresStoreOptions } from './connection.js';

export interface PostgresStore extends Store {
  readonly engine: 'postgres';
  readonly pool: pg.Pool;
  readonly schema: string | undefined;
}

/** Connects and migrates. The pool connects lazily; a wrong URL fails here, at start, not on first use. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const db = connect(options);
  const store = compose(db);
  try {
    const applied = await db.withClient((c) => migratePostgres(c, db.schema));
    if (applied.length > 0) db.logger.info({ schema: db.schema, versions: applied }, 'postgres migrations applied');
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
  return store;
}

function compose(db: Connection): PostgresStore {
  let closed = false;
  return {
    engine: 'postgres',
    pool: db.pool,
    schema: db.schema,
    async close() {
      if (closed) return;
      closed = true;
      await db.pool.end();
    },
    ...subscriptionStore(db),
    ...outbox(db),
    ...watchStore(db),
    ...leaseStore(db),
    ...retentionStore(db),
    ...statsStore(db),
    ...feedStore(db),
    ...ownerStore(db),
    ...ownerEmailStore(db),
    ...actionClaimStore(db),
    ...digestStore(db),
  };
}
