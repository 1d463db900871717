import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';

/**
 * One process per SQLite data directory. Two bots on the same file would both poll and both post
 * (the outbox claims are safe, but the passes and their cards would not be coordinated), so the
 * second one refuses to start. Replicas need PostgreSQL.
 *
 * The lock is SQLite's own: a small database of its own beside the store's, which one connection
 * holds in EXCLUSIVE locking mode for as long as the store is open. The operating system keeps that
 * lock for the process and drops it when the process ends, however it ends (kill -9 included), so a
 * crash leaves nothing stale to clear; and nothing in it names a process, so two containers whose
 * bots are both pid 1 cannot mistake each other's lock for their own. On the store's own file the
 * same lock would shut out every other connection to it (a backup's, a second one of the same process).
 *
 * Two things undo it, and neither may happen: this process opening the lock file other than through
 * SQLite (closing any descriptor of a file drops the process's locks on it; SQLite's own connections
 * know this and keep theirs open), and a file system whose locks do not hold across machines (most
 * network file systems: SQLite itself needs a local disk or a container volume).
 */

export const LOCK_FILE_NAME = 'datajob-bot.db-lock';

export class DataDirLockedError extends Error {
  readonly code = 'DATA_DIR_LOCKED' as const;
  constructor(readonly dataDir: string) {
    super(
      `The data directory ${dataDir} is in use by another datajob-bot: stop that one, or give this one a DATA_DIR of its own ` +
        '(to run several, use PostgreSQL through DATABASE_URL).',
    );
    this.name = 'DataDirLockedError';
  }
}

export interface DataDirLock {
  readonly path: string;
  /** Lets the directory go. Safe to call twice. */
  release(): void;
}

/** Takes the data directory's lock, or throws a `DataDirLockedError` while another store, in this process or another, holds it. */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  const dir = resolve(dataDir);
  const path = join(dir, LOCK_FILE_NAME);
  // No busy timeout: a holder keeps the lock for its whole life, so waiting cannot help.
  const db = new Database(path, { timeout: 0 });
  try {
    // The lock file holds nothing worth a journal on disk.
    db.pragma('journal_mode = MEMORY');
    db.pragma('locking_mode = EXCLUSIVE');
    // In EXCLUSIVE locking mode, the lock a write transaction takes is kept after it commits.
    db.exec('BEGIN EXCLUSIVE; COMMIT');
  } catch (err) {
    db.close();
    if ((err as { code?: unknown }).code === 'SQLITE_BUSY') throw new DataDirLockedError(dir);
    throw err;
  }
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      db.close();
    },
  };
}
