import type pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { Delivery } from '../../src/core/ports/outbox.js';
import type { Store } from '../../src/core/ports/store.js';
import { openStore } from '../../src/storage/open-store.js';
import { postgresMigrations } from '../../src/storage/postgres/migrations.js';
import { openPostgresStore, type PostgresStore } from '../../src/storage/postgres/store.js';
import { cardItem, replyItem } from '../support/outbox-items.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import { dropSchema, newTestSchemaName, testDatabaseUrl, withAdminClient } from './pg-test-schema.js';
import { recordingLogger } from './quiet-logger.js';
import { followJobsToTheirEnd } from './retention-size.js';
import { describeStoreContract } from './store-contract.js';

const url = testDatabaseUrl ?? '';
/** Every schema this file creates, dropped at the end even when a test failed half-way. */
const schemas: string[] = [];
const schemaForThisFile = () => {
  const name = newTestSchemaName();
  schemas.push(name);
  return name;
};

/** A schema as migration `version` left it, with whatever `fill` then puts in it. */
async function schemaAtVersion(schema: string, version: number, fill: (c: pg.Client) => Promise<unknown>): Promise<void> {
  await withAdminClient(url, async (c) => {
    await c.query(`CREATE SCHEMA "${schema}"`);
    await c.query(`SET search_path = "${schema}"`);
    await c.query(
      'CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    for (const m of postgresMigrations.filter((m) => m.version <= version)) {
      await c.query(m.sql);
      await c.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
    }
    await fill(c);
  });
}

/**
 * Takes a transaction id, then waits (at most `maxMs`) until no other session in the database holds
 * a transaction or a snapshot older than it: what autovacuum waits for, in effect, by running again.
 */
async function untilNoOlderTransaction(store: PostgresStore, maxMs = 5_000): Promise<void> {
  const { rows } = await store.pool.query<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid');
  const xid = rows[0]?.xid ?? '0';
  for (const start = Date.now(); Date.now() - start < maxMs; ) {
    const older = await store.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid()
         AND (age(backend_xmin) > age($1::text::xid) OR age(backend_xid) > age($1::text::xid))`,
      [xid],
    );
    if (older.rows[0]?.n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.skipIf(!testDatabaseUrl)('PostgreSQL', () => {
  afterAll(async () => {
    for (const schema of schemas) await dropSchema(url, schema);
  });

  describeStoreContract('postgres', async () => {
    const schema = schemaForThisFile();
    const logger = recordingLogger();
    const opened: Store[] = [];
    const open = async () => {
      // The contract moves time by the `now` it passes: the caller's clock, as SQLite keeps it. The
      // database's clock, the default, has its own test below.
      const store = await openPostgresStore({ connectionString: url, schema, logger, timeSource: 'caller' });
      opened.push(store);
      return store;
    };
    return {
      store: await open(),
      open,
      dispose: async () => {
        for (const s of opened) await s.close();
        await dropSchema(url, schema);
      },
    };
  });

  describe('PostgresStore', () => {
    it('is what openStore gives for a postgres:// URL', async () => {
      // openStore takes no schema: point search_path at a fresh one through the URL's options.
      const schema = schemaForThisFile();
      const withSchema = new URL(url);
      withSchema.searchParams.set('options', `-c search_path=${schema}`);
      await withAdminClient(url, (c) => c.query(`CREATE SCHEMA "${schema}"`));
      const store = await openStore({
        databaseUrl: withSchema.toString(),
        dataDir: '/nonexistent/never-created',
        logger: recordingLogger(),
      });
      try {
        expect(store.engine).toBe('postgres');
        await store.tryLease('probe', 'a', 1000, new Date());
        const { rows } = await withAdminClient(url, (c) =>
          c.query('SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1', [schema]),
        );
        expect(rows[0]?.n).toBeGreaterThanOrEqual(5);
      } finally {
        await store.close();
      }
    });

    it('puts its tables in the schema openStore is given', async () => {
      const schema = schemaForThisFile();
      const store = await openStore({
        databaseUrl: url,
        postgresSchema: schema,
        dataDir: '/nonexistent/never-created',
        logger: recordingLogger(),
      });
      try {
        await store.tryLease('probe', 'a', 1000, new Date());
        const { rows } = await withAdminClient(url, (c) => c.query(`SELECT count(*)::int AS n FROM "${schema}".leases`));
        expect(rows[0]?.n).toBe(1);
      } finally {
        await store.close();
      }
    });

    it('migrates once when several replicas start at the same time', async () => {
      const schema = schemaForThisFile();
      const logs = Array.from({ length: 4 }, () => recordingLogger());
      const stores = await Promise.all(logs.map((logger) => openPostgresStore({ connectionString: url, schema, logger })));
      const [first] = stores;
      try {
        if (!first) throw new Error('no store');
        const { rows } = await first.pool.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
        expect(rows.map((r) => r.version)).toEqual(postgresMigrations.map((m) => m.version));
        expect(logs.flatMap((l) => l.entries).filter((e) => e.msg === 'postgres migrations applied')).toHaveLength(1);
        const laterLog = recordingLogger();
        stores.push(await openPostgresStore({ connectionString: url, schema, logger: laterLog }));
        expect(laterLog.entries.filter((e) => e.msg === 'postgres migrations applied')).toHaveLength(0);
      } finally {
        for (const s of stores) await s.close();
      }
    });

    it('times, on upgrading to version 3, what was paused or ended before pauses and ends were timed', async () => {
      const schema = schemaForThisFile();
      await schemaAtVersion(schema, 2, (c) =>
        c.query(
          `INSERT INTO subscriptions (channel_id, job_id, filter, created_by, created_at, state, state_reason, state_by, state_at) VALUES
             ('C1', 'dj-ended', 'all', 'U1', now(), 'ended', 'completed', NULL, NULL),
             ('C1', 'dj-paused', 'all', 'U1', now(), 'paused', 'channel_not_found', NULL, NULL),
             ('C1', 'dj-person', 'all', 'U1', now(), 'paused', 'paused_by_person', 'U_BOB', '2026-01-01T00:00:00Z'),
             ('C1', 'dj-active', 'all', 'U1', now(), 'active', NULL, NULL, NULL)`,
        ),
      );
      const before = Date.now() - 1_000;
      const store = await openPostgresStore({ connectionString: url, schema, logger: recordingLogger() });
      try {
        const byJob = new Map((await Promise.all([1, 2, 3, 4].map((id) => store.getSubscription(id)))).map((s) => [s?.jobId, s]));
        for (const job of ['dj-ended', 'dj-paused']) {
          expect(byJob.get(job)?.stateAt?.getTime()).toBeGreaterThanOrEqual(before);
          expect(byJob.get(job)?.stateAt?.getTime()).toBeLessThanOrEqual(Date.now() + 1_000);
        }
        expect(byJob.get('dj-person')?.stateAt).toEqual(new Date('2026-01-01T00:00:00Z'));
        expect(byJob.get('dj-active')?.stateAt).toBeNull();
        const { rows } = await store.pool.query<{ indexname: string }>(
          `SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 'subscriptions' ORDER BY indexname`,
          [schema],
        );
        expect(rows.map((r) => r.indexname)).toEqual(expect.arrayContaining(['subscriptions_live_job', 'subscriptions_state_at']));
      } finally {
        await store.close();
      }
    });

    it('fills in, on upgrading to version 6, what feeds and the App Home ask of the jobs discovered before it', async () => {
      const schema = schemaForThisFile();
      await schemaAtVersion(schema, 5, (c) =>
        c.query(
          `INSERT INTO discovered_jobs (job_id, name, job_type, user_id, created_at, seen_at) VALUES
             ('dj-1', 'ÉCOLE-Nightly', 'principle_files', 'user-1', '2026-07-28T14:00:00Z', now()),
             ('dj-2', 'école-weekly', 'principle_files', 'user-1', '2026-07-28T16:00:00+03:00', now()),
             ('dj-3', 'prod-router', 'principle_files', 'user-1', 'not a time', now())`,
        ),
      );
      const store = await openPostgresStore({ connectionString: url, schema, logger: recordingLogger() });
      try {
        expect(await store.countMatchingJobs({ jobType: null, nameGlob: 'École-*' })).toBe(2);
        expect(await store.countMatchingJobs({ jobType: 'principle_files', nameGlob: 'PROD-*' })).toBe(1);
        expect((await store.jobsOfUser('user-1', 10)).jobs.map((j) => j.id)).toEqual(['dj-1', 'dj-2', 'dj-3']);
        // With the planner told to avoid scanning the table, each read has an index that serves it.
        const plan = await store.pool.connect();
        try {
          await plan.query('SET enable_seqscan = off');
          const explain = async (sql: string) =>
            (await plan.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`)).rows.map((r) => r['QUERY PLAN']).join('\n');
          expect(
            await explain(`SELECT count(*) FROM discovered_jobs WHERE job_type = 'x' AND name_folded LIKE 'prod-%' ESCAPE '\\'`),
          ).toMatch(/Index Cond: \(\(job_type = 'x'::text\) AND \(name_folded >= 'prod-'::text\) AND \(name_folded < 'prod\.'::text\)\)/);
          const byUser = await explain(
            `SELECT job_id FROM discovered_jobs WHERE user_id = 'u' ORDER BY created_ms DESC NULLS LAST, job_id DESC LIMIT 10`,
          );
          expect(byUser).toContain('discovered_jobs_user');
          expect(byUser).not.toContain('Sort');
        } finally {
          await plan.query('RESET enable_seqscan');
          plan.release();
        }
      } finally {
        await store.close();
      }
    });

    it('runs leases, claims and retries on the database’s clock: replicas minutes apart hold no lease twice, claim nothing twice', async () => {
      const schema = schemaForThisFile();
      const SKEW = 5 * 60_000;
      // Two replicas whose clocks are five minutes ahead and five minutes behind; each caller passes its own time.
      const replica = async (offset: number) => {
        const store = await openPostgresStore({
          connectionString: url,
          schema,
          logger: recordingLogger(),
          localClock: () => Date.now() + offset,
        });
        return { store, now: () => new Date(Date.now() + offset) };
      };
      const ahead = await replica(SKEW);
      const behind = await replica(-SKEW);
      /** Polls `probe` until it is true: the sign that the database's time has come (never, on the replicas' clocks). */
      const eventually = async (probe: () => Promise<boolean>, what: string) => {
        for (const deadline = Date.now() + 10_000; !(await probe()); await new Promise((r) => setTimeout(r, 20))) {
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        }
      };
      try {
        // A lease the slow clock took for a minute: the fast clock would think it ran out four minutes ago.
        expect(await behind.store.tryLease('poll', 'behind', 60_000, behind.now())).toBe(true);
        expect(await ahead.store.tryLease('poll', 'ahead', 60_000, ahead.now())).toBe(false);
        // One the fast clock took for 200 ms runs out for the slow one after 200 ms, not five minutes.
        expect(await ahead.store.tryLease('short', 'ahead', 200, ahead.now())).toBe(true);
        await eventually(() => behind.store.tryLease('short', 'behind', 60_000, behind.now()), 'the short lease to run out');
        expect(await ahead.store.tryLease('short', 'ahead', 200, ahead.now())).toBe(false);

        const { subscription } = await behind.store.addSubscription({
          channelId: 'C1',
          jobId: 'dj-clock',
          filter: 'all',
          createdBy: 'U1',
          createdAt: new Date(),
        });
        // Its living card is in the channel: its replies are due at once.
        await behind.store.setCardTs(subscription.id, '1.000100');
        await behind.store.enqueue([1, 2, 3].map((k) => ({ subscriptionId: subscription.id, key: `r${k}`, item: replyItem(`r${k}`) })));
        // A claim the slow clock made for a minute is not the fast one's to take.
        const [first] = await behind.store.claimDeliveries('behind', behind.now(), 60_000, 1);
        expect(first?.key).toBe('r1');
        expect(await ahead.store.claimDeliveries('ahead', ahead.now(), 60_000, 10)).toEqual([]);
        // Nor once the slow clock renews it for a minute more by its own reckoning.
        expect(await behind.store.renewClaim(first?.id ?? -1, 'behind', new Date(behind.now().getTime() + 60_000))).toBe(true);
        expect(await ahead.store.claimDeliveries('ahead', ahead.now(), 60_000, 10)).toEqual([]);
        // A retry the slow clock puts off for a minute is a minute off for everyone.
        await behind.store.retryDelivery(first?.id ?? -1, new Date(behind.now().getTime() + 60_000), 'ratelimited');
        expect(await ahead.store.claimDeliveries('ahead', ahead.now(), 60_000, 10)).toEqual([]);
        // And one the fast clock puts off for 200 ms is due for the slow one 200 ms later.
        await ahead.store.completeDelivery(first?.id ?? -1);
        const [second] = await ahead.store.claimDeliveries('ahead', ahead.now(), 60_000, 1);
        expect(second?.key).toBe('r2');
        await ahead.store.retryDelivery(second?.id ?? -1, new Date(ahead.now().getTime() + 200), 'ratelimited');
        let reclaimed: Delivery[] = [];
        await eventually(async () => {
          reclaimed = await behind.store.claimDeliveries('behind', behind.now(), 60_000, 10);
          return reclaimed.length > 0;
        }, 'the retry to fall due');
        expect(reclaimed.map((d) => [d.key, d.attempts])).toEqual([
          ['r2', 1],
          ['r3', 0],
        ]);
        // The outbox's age is read on each replica's own clock.
        const stats = await ahead.store.outboxStats();
        expect(Math.abs((stats.oldestCreatedAt?.getTime() ?? 0) - ahead.now().getTime())).toBeLessThan(60_000);
      } finally {
        await ahead.store.close();
        await behind.store.close();
      }
    });

    it('has PostgreSQL cancel a statement that runs past the statement timeout, and keeps working', async () => {
      const schema = schemaForThisFile();
      const store = await openPostgresStore({ connectionString: url, schema, logger: recordingLogger(), statementTimeoutMs: 300 });
      try {
        expect(await store.tryLease('poll', 'a', 60_000, new Date())).toBe(true);
        const settings = await store.pool.query<{ statement: string; idle: string }>(
          `SELECT current_setting('statement_timeout') AS statement, current_setting('idle_in_transaction_session_timeout') AS idle`,
        );
        expect(settings.rows[0]).toEqual({ statement: '300ms', idle: '300ms' });
        // Another session holds the lease's row: the renewal waits for its lock until the server gives up.
        await withAdminClient(url, async (blocker) => {
          await blocker.query(`SET search_path = "${schema}"`);
          await blocker.query('BEGIN');
          await blocker.query(`SELECT 1 FROM leases WHERE name = 'poll' FOR UPDATE`);
          await expect(store.tryLease('poll', 'a', 60_000, new Date())).rejects.toMatchObject({ code: '57014' });
          await blocker.query('ROLLBACK');
        });
        expect(await store.tryLease('poll', 'a', 60_000, new Date())).toBe(true);
      } finally {
        await store.close();
      }
    });

    it('migrates without the statement timeout: a replica waits on the migration lock as long as another migrates', async () => {
      const schema = schemaForThisFile();
      const applicationName = `datajob-test-${schema}`;
      await withAdminClient(url, async (other) => {
        // Another replica migrating: it holds the lock every migration takes first.
        await other.query('BEGIN');
        await other.query('SELECT pg_advisory_xact_lock(7402117341)');
        const opening = openPostgresStore({
          connectionString: url,
          schema,
          applicationName,
          logger: recordingLogger(),
          statementTimeoutMs: 100,
        });
        let done = false;
        const settled = opening.then(
          () => 'opened',
          (err: unknown) => `failed: ${(err as Error).message}`,
        );
        void settled.then(() => {
          done = true;
        });
        // Until it has waited on the lock well past its statement timeout (asked outside the lock's
        // transaction, which would see the activity of its first look only).
        for (let waited = false; !waited && !done; ) {
          const { rows } = await withAdminClient(url, (c) =>
            c.query(
              `SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock' AND clock_timestamp() - query_start > interval '500 ms'`,
              [applicationName],
            ),
          );
          waited = rows.length > 0;
          if (!waited) await new Promise((r) => setTimeout(r, 20));
        }
        await other.query('COMMIT');
        expect(await settled).toBe('opened');
        await (await opening).close();
      });
    });

    it('gives up a query whose answer never comes after the query timeout, and connects afresh once the server answers', async () => {
      const target = new URL(url);
      const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
      const viaProxy = new URL(url);
      viaProxy.port = String(proxy.port);
      const logger = recordingLogger();
      const store = await openPostgresStore({
        connectionString: viaProxy.toString(),
        schema: schemaForThisFile(),
        logger,
        queryTimeoutMs: 500,
      });
      try {
        const { subscription } = await store.addSubscription({
          channelId: 'C1',
          jobId: 'dj-1',
          filter: 'all',
          createdBy: 'U1',
          createdAt: new Date(),
        });
        await store.setCardTs(subscription.id, '1.000100');
        await store.enqueue([{ subscriptionId: subscription.id, key: 'r', item: replyItem('r') }]);
        // Two connections open and idle in the pool when the server falls silent.
        await Promise.all([store.pool.query('SELECT pg_sleep(0.05)'), store.pool.query('SELECT pg_sleep(0.05)')]);
        expect(store.pool.idleCount).toBe(2);
        proxy.blackhole();
        await expect(store.watchedJobIds()).rejects.toThrow('Query read timeout');
        // In a transaction too: its connection is given up, and the claim is not made.
        await expect(store.claimDeliveries('w', new Date(), 60_000, 10)).rejects.toThrow('Query read timeout');
        // Both given up; a new connection gets no answer either, and is given up as soon.
        expect(store.pool.totalCount).toBe(0);
        await expect(store.pendingDeliveries()).rejects.toThrow(/connection timeout/);
        proxy.resume();
        expect(await store.watchedJobIds()).toEqual(['dj-1']);
        expect(await store.claimDeliveries('w', new Date(), 60_000, 10)).toHaveLength(1);
      } finally {
        await store.close();
        await proxy.close();
      }
    });

    it('keeps its tables in its own schema', async () => {
      const a = await openPostgresStore({ connectionString: url, schema: schemaForThisFile(), logger: recordingLogger() });
      const b = await openPostgresStore({ connectionString: url, schema: schemaForThisFile(), logger: recordingLogger() });
      try {
        await a.addSubscription({ channelId: 'C1', jobId: 'dj-1', filter: 'all', createdBy: 'U1', createdAt: new Date() });
        expect(await a.watchedJobIds()).toEqual(['dj-1']);
        expect(await b.watchedJobIds()).toEqual([]);
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('ends subscriptions while replicas claim their deliveries, without deadlocks', async () => {
      const schema = schemaForThisFile();
      const stores = await Promise.all(
        Array.from({ length: 3 }, () => openPostgresStore({ connectionString: url, schema, logger: recordingLogger() })),
      );
      const [store] = stores;
      try {
        if (!store) throw new Error('no store');
        const watch = { snapshot: null, lastChangeAt: 'x', stallNotified: false, unreachableSince: null, unreachableNotified: false };
        for (let round = 0; round < 15; round++) {
          const ids: number[] = [];
          for (let i = 0; i < 8; i++) {
            const jobId = `dj-${round}-${i}`;
            const { subscription } = await store.addSubscription({
              channelId: 'C1',
              jobId,
              filter: 'all',
              createdBy: 'U1',
              createdAt: new Date(),
            });
            ids.push(subscription.id);
            await store.setCardTs(subscription.id, '1.000100');
            await store.initWatch(jobId, watch);
            await store.enqueue([{ subscriptionId: subscription.id, key: 'card', item: cardItem('v1') }]);
          }
          // Each pass replaces the pending card and ends the subscription, while claimers lock it.
          const work: Promise<unknown>[] = [];
          ids.forEach((id, i) => {
            work.push(
              (stores[i % 3] ?? store).commitPass(`dj-${round}-${i}`, {
                expectedVersion: 1,
                watch,
                deliveries: [{ subscriptionId: id, key: 'card', item: cardItem('final') }],
                endSubscriptions: { ids: [id], reason: 'completed' },
              }),
            );
            work.push((stores[(i + 1) % 3] ?? store).claimDeliveries(`w${i}`, new Date(), 60_000, 3));
          });
          await Promise.all(work);
        }
      } finally {
        for (const s of stores) await s.close();
      }
    });

    it('completes 30,000 deliveries, with their delivery results, in batches of 500 in under 5 s', async () => {
      const store = await openPostgresStore({ connectionString: url, schema: schemaForThisFile(), logger: recordingLogger() });
      try {
        const SUBSCRIPTIONS = 3_000;
        const PER_SUBSCRIPTION = 10;
        const BATCH = 500;
        // Set-up in bulk: what is timed is only the completion.
        await store.pool.query(
          `INSERT INTO subscriptions (channel_id, job_id, filter, created_by, created_at, card_ts)
           SELECT 'C' || n, 'dj-' || n, 'all', 'U1', now(), '1.000100' FROM generate_series(1, $1::int) AS n`,
          [SUBSCRIPTIONS],
        );
        const { rows } = await store.pool.query<{ id: string }>('SELECT id FROM subscriptions ORDER BY id');
        const deliveries = rows.flatMap((r) =>
          Array.from({ length: PER_SUBSCRIPTION }, (_, k) => ({ subscriptionId: Number(r.id), key: `e${k}`, item: replyItem(`r${k}`) })),
        );
        await store.enqueue(deliveries);
        const claimed = await store.claimDeliveries('w', new Date(), 600_000, deliveries.length);
        expect(claimed).toHaveLength(30_000);

        // The figure the batches replace (a commit, so an fsync, per statement), from a sample.
        const single = claimed.slice(0, 200);
        const singleStart = performance.now();
        for (const d of single) {
          await store.completeDelivery(d.id);
          await store.recordDeliveryResult(d.subscriptionId, 'ok', new Date());
        }
        const singleMs = performance.now() - singleStart;

        const rest = claimed.slice(single.length);
        const start = performance.now();
        let completeMs = 0;
        for (let i = 0; i < rest.length; i += BATCH) {
          const batch = rest.slice(i, i + BATCH);
          const t = performance.now();
          await store.completeDeliveries(batch.map((d) => d.id));
          completeMs += performance.now() - t;
          await store.recordDeliveryResults(batch.map((d) => ({ subscriptionId: d.subscriptionId, result: 'ok', at: new Date() })));
        }
        const batchedMs = performance.now() - start;
        // Scaled to 30,000 so that the two figures compare.
        const scaled = (ms: number, n: number) => ((ms * 30_000) / n / 1000).toFixed(2);
        console.log(
          `30,000 completions on PostgreSQL, batches of ${BATCH}: ${scaled(batchedMs, rest.length)} s with the delivery results ` +
            `(completeDeliveries alone ${scaled(completeMs, rest.length)} s); one by one: ${scaled(singleMs, single.length)} s (scaled from ${single.length})`,
        );
        expect(await store.pendingDeliveries()).toBe(0);
        expect((batchedMs * 30_000) / rest.length).toBeLessThan(5_000);
      } finally {
        await store.close();
      }
      // Room for a regression to one-by-one to fail on the figure, not on the test's timeout.
    }, 180_000);

    it('stays the size of the live subscriptions while following 100,000 jobs to their end', async () => {
      const store = await openPostgresStore({ connectionString: url, schema: schemaForThisFile(), logger: recordingLogger() });
      const tables = ['subscriptions', 'deliveries', 'watches'];
      try {
        const { sizes } = await followJobsToTheirEnd(
          {
            store,
            async follow(prefix, n, rows) {
              const inserted = await store.pool.query<{ id: string }>(
                `INSERT INTO subscriptions (channel_id, job_id, filter, created_by, created_at)
                 SELECT 'C-' || $1 || i, $1 || i, 'all', 'U1', now() FROM generate_series(1, $2::int) AS i
                 RETURNING id`,
                [prefix, n],
              );
              await store.pool.query(
                `INSERT INTO watches (job_id, watch, version, updated_at) SELECT $1 || i, $3, 1, now() FROM generate_series(1, $2::int) AS i`,
                [prefix, n, rows.watch],
              );
              const ids = inserted.rows.map((r) => Number(r.id)).sort((a, b) => a - b);
              await store.pool.query(
                `INSERT INTO deliveries (subscription_id, key, kind, payload, created_at)
                 SELECT id, 'card', 'card', $2, now() FROM unnest($1::bigint[]) AS id`,
                [ids, rows.payload],
              );
              return ids;
            },
            async rows() {
              const { rows } = await store.pool.query<{ subscriptions: number; watches: number; deliveries: number }>(
                `SELECT (SELECT count(*)::int FROM subscriptions) AS subscriptions, (SELECT count(*)::int FROM watches) AS watches,
                   (SELECT count(*)::int FROM deliveries) AS deliveries`,
              );
              return rows[0] ?? { subscriptions: -1, watches: -1, deliveries: -1 };
            },
            async bytes() {
              // What autovacuum does in the days between two purges. VACUUM makes dead rows' space reusable (it
              // shrinks a file only by its empty tail), but only rows no running transaction can still see; and
              // an index page it empties is reused only after a later VACUUM, once every transaction running at
              // the first has ended. Other test runs share this server, so wait for their older transactions,
              // then vacuum twice.
              for (let pass = 0; pass < 2; pass++) {
                await untilNoOlderTransaction(store);
                await store.pool.query(`VACUUM ${tables.join(', ')}`);
              }
              const { rows } = await store.pool.query<{ bytes: string }>(
                'SELECT sum(pg_total_relation_size(t))::bigint AS bytes FROM unnest($1::regclass[]) AS t',
                [tables],
              );
              return Number(rows[0]?.bytes);
            },
          },
          { rounds: 10, perRound: 10_000, live: 1_000, label: 'PostgreSQL' },
        );
        expect(sizes[9]).toBeLessThanOrEqual(1.5 * (sizes[0] ?? 0));
      } finally {
        await store.close();
      }
    }, 300_000);

    it('refuses a schema name it would have to quote', async () => {
      await expect(openPostgresStore({ connectionString: url, schema: 'x"; DROP TABLE y; --' })).rejects.toThrow(/schema name/);
    });

    it('survives its connections being terminated, logging instead of crashing', async () => {
      const schema = schemaForThisFile();
      const applicationName = `datajob-test-${schema}`;
      const logger = recordingLogger();
      const store: PostgresStore = await openPostgresStore({ connectionString: url, schema, logger, applicationName });
      try {
        // Several idle connections in the pool, then all of them killed from outside.
        await Promise.all(Array.from({ length: 3 }, () => store.watchedJobIds()));
        expect(store.pool.idleCount).toBeGreaterThan(0);
        const killed = await withAdminClient(url, (c) =>
          c.query<{ pid: number }>(
            // In the select list, not the WHERE: PostgreSQL may evaluate WHERE terms in any order.
            'SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()',
            [applicationName],
          ),
        );
        expect(killed.rows.length).toBeGreaterThan(0);
        // The pool hears of it on each idle connection (all of them, before the next query takes one:
        // under load, the first warning came while another dead connection was still thought idle).
        const lost = () => logger.entries.filter((e) => e.level === 'warn' && e.msg === 'postgres idle connection lost').length;
        for (let i = 0; i < 250 && lost() < killed.rows.length; i++) await new Promise((r) => setTimeout(r, 20));
        expect(lost()).toBe(killed.rows.length);

        const { subscription } = await store.addSubscription({
          channelId: 'C1',
          jobId: 'dj-1',
          filter: 'all',
          createdBy: 'U1',
          createdAt: new Date(),
        });
        await store.setCardTs(subscription.id, '1.000100');
        await store.initWatch('dj-1', {
          snapshot: null,
          lastChangeAt: 'x',
          stallNotified: false,
          unreachableSince: null,
          unreachableNotified: false,
        });
        expect(
          await store.commitPass('dj-1', {
            expectedVersion: 1,
            watch: { snapshot: null, lastChangeAt: 'y', stallNotified: false, unreachableSince: null, unreachableNotified: false },
            deliveries: [{ subscriptionId: subscription.id, key: 'k', item: replyItem('t') }],
          }),
        ).toBe(true);
        expect(await store.claimDeliveries('w', new Date(), 1000, 10)).toHaveLength(1);
      } finally {
        await store.close();
      }
    });

    it('recovers after a connection is killed in the middle of a transaction', async () => {
      const schema = schemaForThisFile();
      const applicationName = `datajob-test-${schema}`;
      const logger = recordingLogger();
      const store = await openPostgresStore({ connectionString: url, schema, logger, applicationName, maxConnections: 1 });
      try {
        await store.initWatch('dj-1', {
          snapshot: null,
          lastChangeAt: 'x',
          stallNotified: false,
          unreachableSince: null,
          unreachableNotified: false,
        });
        // Hold the watch row from outside so the pass blocks inside its transaction, then kill it.
        await withAdminClient(url, async (blocker) => {
          await blocker.query(`SET search_path = "${schema}"`);
          await blocker.query('BEGIN');
          await blocker.query(`SELECT 1 FROM watches WHERE job_id = 'dj-1' FOR UPDATE`);
          const pass = store.commitPass('dj-1', {
            expectedVersion: 1,
            watch: { snapshot: null, lastChangeAt: 'y', stallNotified: false, unreachableSince: null, unreachableNotified: false },
            deliveries: [],
          });
          const settled = pass.then(
            () => 'resolved',
            () => 'rejected',
          );
          for (let i = 0; i < 100; i++) {
            const { rows } = await blocker.query(
              `SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`,
              [applicationName],
            );
            if (rows.length > 0) break;
            await new Promise((r) => setTimeout(r, 20));
          }
          await blocker.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
          expect(await settled).toBe('rejected');
          await blocker.query('ROLLBACK');
        });
        // Nothing of the killed pass was written, and the store works again.
        expect((await store.getWatch('dj-1'))?.version).toBe(1);
        expect(
          await store.commitPass('dj-1', {
            expectedVersion: 1,
            watch: { snapshot: null, lastChangeAt: 'z', stallNotified: false, unreachableSince: null, unreachableNotified: false },
            deliveries: [],
          }),
        ).toBe(true);
      } finally {
        await store.close();
      }
    });
  });
});
