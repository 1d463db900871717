import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Log } from '../core/ports/log.js';
import type { Store } from '../core/ports/store.js';
import { openPostgresStore, type PostgresStoreOptions } from './postgres/store.js';
import { acquireDataDirLock } from './sqlite/data-dir-lock.js';
import { openSqliteStore } from './sqlite/store.js';

export interface OpenStoreOptions {
  /** postgres:// or postgresql:// selects PostgreSQL; anything else (or nothing) the embedded SQLite file. */
  databaseUrl?: string;
  /** Where the SQLite file lives; created when missing. Unused with PostgreSQL. */
  dataDir: string;
  /** PostgreSQL only: keep the tables in this schema (created when missing), e.g. one per test run. */
  postgresSchema?: string;
  /** PostgreSQL only: its timeouts and keepalive (the defaults of PostgresStore otherwise). */
  postgres?: Pick<PostgresStoreOptions, 'statementTimeoutMs' | 'queryTimeoutMs' | 'keepAliveSeconds'>;
  logger?: Log;
}

export const SQLITE_FILE_NAME = 'datajob-bot.db';

const isPostgresUrl = (url: string | undefined): url is string => url !== undefined && /^postgres(ql)?:\/\//i.test(url);

/**
 * The store the configuration asks for, migrated and ready. With SQLite the data directory is
 * locked for this process until `close()`: a second process on it would double-post. The lock comes
 * first: a process refused it has not touched the file, let alone the claims of the one holding it.
 */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  if (isPostgresUrl(options.databaseUrl)) {
    return openPostgresStore({
      ...options.postgres,
      connectionString: options.databaseUrl,
      ...(options.postgresSchema === undefined ? {} : { schema: options.postgresSchema }),
      ...(options.logger ? { logger: options.logger } : {}),
    });
  }
  mkdirSync(options.dataDir, { recursive: true });
  const lock = acquireDataDirLock(options.dataDir);
  try {
    return openSqliteStore({ path: join(options.dataDir, SQLITE_FILE_NAME), lock, ...(options.logger ? { logger: options.logger } : {}) });
  } catch (err) {
    lock.release();
    throw err;
  }
}
