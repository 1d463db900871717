import Database from 'better-sqlite3';
import type { Log } from '../../core/ports/log.js';
import { migrateSqlite } from './migrations.js';

/**
 * The embedded engine's connection. better-sqlite3 is synchronous: each operation runs to completion
 * before it returns its promise, so within one process there is no interleaving inside an operation.
 */

/** How long a write waits for another connection's write to finish before failing, unless told otherwise. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/** Opens the file (created, with its tables, on first open) as every connection needs it, migrated. */
export function connect(path: string, busyTimeoutMs: number, logger: Log): Database.Database {
  const db = new Database(path);
  try {
    // WAL: readers do not block the writer. FULL sync (the default) is kept on purpose: a
    // completed delivery that a power cut rolled back would be sent a second time.
    db.pragma('journal_mode = WAL');
    db.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
    db.pragma('foreign_keys = ON');
    const applied = migrateSqlite(db);
    if (applied.length > 0) logger.info({ path, versions: applied }, 'sqlite migrations applied');
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/**
 * Runs `fn` in an IMMEDIATE transaction, for writes that read first: the write lock is taken before
 * the read, so that another connection to the file cannot slip in between.
 */
export function immediate<T>(db: Database.Database, fn: () => T): T {
  return db.transaction(fn).immediate();
}
