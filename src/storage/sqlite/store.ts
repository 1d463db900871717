import type Database from 'better-sqlite3';
import type { Log } from '../../core/ports/log.js';
import type { Store } from '../../core/ports/store.js';
import { consoleStoreLogger } from '../store-support.js';
import { actionClaimStore } from './action-claims.js';
import { connect, DEFAULT_BUSY_TIMEOUT_MS } from './connection.js';
import type { DataDirLock } from './data-dir-lock.js';
import { digestStore } from './digests.js';
import { feedStore } from './feeds.js';
import { leaseStore } from './leases.js';
import { outbox, releaseOrphanClaims } from './outbox.js';
import { ownerEmailStore } from './owner-emails.js';
import { ownerStore } from './owners.js';
import { retentionStore } from './retention.js';
import { statsStore } from './stats.js';
import { subscriptionStore } from './subscriptions.js';
import { watchStore } from './watches.js';

/**
 * The embedded engine: one file, one process (see data-dir-lock.ts). The outbox claims are safe across
 * connections, but only the data directory's lock keeps two bots from both polling and both posting.
 */

export interface SqliteStoreOptions {
  /** The database file; created (with its tables) on first open. */
  path: string;
  logger?: Log;
  /**
   * The data directory's lock, held for this store: no other process can be using the file, so the
   * claims an earlier one left are released at once. Released on close.
   */
  lock?: DataDirLock;
  /** How long a write waits for another connection's write to finish before failing. */
  busyTimeoutMs?: number;
}

export interface SqliteStore extends Store {
  readonly engine: 'sqlite';
  readonly db: Database.Database;
}

export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const logger = options.logger ?? consoleStoreLogger;
  const db = connect(options.path, options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS, logger);
  const store = compose(db, options.lock);
  if (options.lock) releaseOrphanClaims(db, logger);
  return store;
}

function compose(db: Database.Database, lock: DataDirLock | undefined): SqliteStore {
  let closed = false;
  return {
    engine: 'sqlite',
    db,
    async close() {
      if (closed) return;
      closed = true;
      try {
        db.close();
      } finally {
        lock?.release();
      }
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
