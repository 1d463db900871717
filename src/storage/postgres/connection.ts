import pg from 'pg';
import type { Log } from '../../core/ports/log.js';
import { consoleStoreLogger } from '../store-support.js';

export interface PostgresStoreOptions {
  connectionString: string;
  /**
   * Tables live in this schema (created when missing) instead of the connection's default
   * search_path: tests use one per run, and several bot processes can share one.
   */
  schema?: string;
  logger?: Log;
  /** Shown in pg_stat_activity. */
  applicationName?: string;
  /** Pool size; the outbox worker and the poll pass use a few connections each. */
  maxConnections?: number;
  /** The server cancels a statement running longer, and ends a transaction idle longer (DATABASE_STATEMENT_TIMEOUT_MS). */
  statementTimeoutMs?: number;
  /**
   * How long to wait for any answer before giving the connection up (DATABASE_QUERY_TIMEOUT_MS): what
   * ends a query whose packets vanish, which neither the server's timeout nor keepalive can.
   */
  queryTimeoutMs?: number;
  /** Idle seconds before TCP keepalive probes start (DATABASE_KEEPALIVE_SECONDS). */
  keepAliveSeconds?: number;
  /**
   * Whose clock says when a lease or a delivery's claim runs out, and when a retried delivery is due.
   * 'database' (the default): PostgreSQL's, so that replicas whose clocks disagree still agree on who
   * holds a lease and whose claim is live; the `now` a caller passes is not used, and a time it passes
   * (a renewed claim's end, a retry's notBefore) is taken as that far from its present (`localClock`).
   * 'caller': the times each call is given, as SQLite takes them, for tests that move time.
   */
  timeSource?: 'database' | 'caller';
  /** This process's clock, against which callers' times are read in 'database' mode (a test gives a replica a wrong one). */
  localClock?: () => number;
}

const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;
const DEFAULT_QUERY_TIMEOUT_MS = 40_000;
const DEFAULT_KEEPALIVE_SECONDS = 15;

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** pg's error when `query_timeout` passed with no answer: the connection is then given up. */
const isReadTimeout = (err: unknown) => err instanceof Error && err.message === 'Query read timeout';

/** The replicated engine's pool, and what every port module needs with it: transactions and one clock. */
export interface Connection {
  readonly pool: pg.Pool;
  readonly schema: string | undefined;
  readonly logger: Log;
  /** This process's clock (see PostgresStoreOptions.localClock). */
  readonly localClock: () => number;
  /**
   * The present for lease and claim SQL, as `coalesce($n::timestamptz, now())`: null, so the
   * database's own now(), unless the store takes the caller's times.
   */
  present(now: Date): Date | null;
  /**
   * A time a caller gives, for `coalesce($a::timestamptz, now() + $b * interval '1 millisecond')`:
   * as given when the store takes the caller's times, else as that far from the database's now as it
   * is from the caller's.
   */
  moment(at: Date): [Date | null, number];
  withClient<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T>;
}

/** The pool connects lazily: nothing is asked of the server yet. */
export function connect(options: PostgresStoreOptions): Connection {
  if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
    throw new Error(`Invalid PostgreSQL schema name ${JSON.stringify(options.schema)}: use letters, digits and _`);
  }
  const logger = options.logger ?? consoleStoreLogger;
  const callerTime = options.timeSource === 'caller';
  const localClock = options.localClock ?? Date.now;
  const pool = createPool(options, logger);
  return {
    pool,
    schema: options.schema,
    logger,
    localClock,
    present: (now) => (callerTime ? now : null),
    moment: (at) => (callerTime ? [at, 0] : [null, at.getTime() - localClock()]),
    withClient: (fn) => withClient(pool, logger, fn),
    transaction: (fn) => transaction(pool, logger, fn),
  };
}

function createPool(options: PostgresStoreOptions, logger: Log): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
    application_name: options.applicationName ?? 'datajob-bot',
    // Set at connection start, so that every pooled connection, including one that replaces a
    // lost one, resolves our tables in our schema.
    ...(options.schema === undefined ? {} : { options: `-c search_path=${options.schema}` }),
    // A server that does not answer a connection attempt is as silent as one that does not answer a query.
    connectionTimeoutMillis: Math.min(10_000, options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS),
    statement_timeout: options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
    // Our transactions wait on nothing but their own statements: one idle this long belongs to a
    // process that is stuck or gone, and its locks hold up every other replica.
    idle_in_transaction_session_timeout: options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
    query_timeout: options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
    keepAlive: true,
    keepAliveInitialDelayMillis: (options.keepAliveSeconds ?? DEFAULT_KEEPALIVE_SECONDS) * 1000,
  });
  // An idle connection dropped by the server (restart, failover, pg_terminate_backend) is
  // reported here. Unhandled, it would crash the process; the pool has already discarded the
  // connection and opens a new one for the next query.
  pool.on('error', (err) => {
    logger.warn({ err, code: (err as { code?: string }).code }, 'postgres idle connection lost');
  });
  return pool;
}

async function withClient<T>(pool: pg.Pool, logger: Log, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // While checked out the pool does not listen for the client's errors; a connection dropped
  // between two of our statements would otherwise be an uncaught 'error' event.
  const onError = (err: Error) => logger.warn({ err }, 'postgres connection lost while in use');
  client.on('error', onError);
  let failure: Error | undefined;
  try {
    return await fn(client);
  } catch (err) {
    failure = err instanceof Error ? err : new Error(String(err));
    throw err;
  } finally {
    client.off('error', onError);
    // After a failure the connection may be dead or mid-transaction: discard it, not reuse it.
    client.release(failure);
  }
}

async function transaction<T>(pool: pg.Pool, logger: Log, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return withClient(pool, logger, async (client) => {
    await client.query('BEGIN');
    try {
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      // After a read timeout the connection is given up (its server ends the transaction when it
      // goes): a ROLLBACK would only wait out another timeout behind the unanswered query.
      if (!isReadTimeout(err)) await client.query('ROLLBACK').catch(() => {});
      throw err;
    }
  });
}
