import type { Config } from '../config.js';
import type { Store } from '../core/ports/store.js';
import { BotError, isBotError } from '../errors.js';
import type { Logger } from '../logger.js';
import { openStore } from '../storage/open-store.js';
import { redactUrl } from '../util/url-secrets.js';

/** The store the configuration names: SQLite in DATA_DIR, or PostgreSQL at DATABASE_URL. */
export async function openBotStore(config: Readonly<Config>, logger: Logger): Promise<Store> {
  const { storage } = config;
  const store = await openStore({
    dataDir: storage.dataDir,
    ...(storage.databaseUrl ? { databaseUrl: storage.databaseUrl } : {}),
    ...(storage.databaseSchema ? { postgresSchema: storage.databaseSchema } : {}),
    postgres: storage.postgres,
    logger: logger.child({ component: 'store' }),
  }).catch((error: unknown) => {
    throw databaseUnavailable(error, storage.databaseUrl);
  });
  logger.info({ engine: store.engine }, 'store open');
  return store;
}

/**
 * A database that cannot be opened, said so that whoever runs the bot knows which one: DATABASE_URL
 * with its password and secret parameters redacted. Other errors (a locked data directory) pass as they are.
 */
function databaseUnavailable(error: unknown, databaseUrl: string | undefined): unknown {
  if (databaseUrl === undefined || isBotError(error)) return error;
  const why = error instanceof Error ? error.message : String(error);
  return new BotError(
    'STORE_UNAVAILABLE',
    `Could not open the PostgreSQL database at ${redactUrl(databaseUrl)} (${why}). Check DATABASE_URL and that PostgreSQL is up.`,
    { cause: error },
  );
}
