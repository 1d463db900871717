import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * PostgreSQL tests share one database: each run works in its own schema, dropped at the end, so
 * parallel test files (and several bot processes in an end-to-end test) never see each other's rows.
 */

export const testDatabaseUrl = process.env.TEST_DATABASE_URL;

export function newTestSchemaName(prefix = 'datajob_test'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** Runs one statement on a short-lived connection of its own (not one of a store's pool). */
export async function withAdminClient<T>(connectionString: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function dropSchema(connectionString: string, schema: string): Promise<void> {
  await withAdminClient(connectionString, (c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
}
