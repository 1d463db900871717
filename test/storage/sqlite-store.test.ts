import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/core/ports/store.js';
import { openStore, SQLITE_FILE_NAME } from '../../src/storage/open-store.js';
import { sqliteMigrations } from '../../src/storage/sqlite/migrations.js';
import { openSqliteStore } from '../../src/storage/sqlite/store.js';
import { replyItem } from '../support/outbox-items.js';
import { inPidNamespace } from '../support/pid-namespace.js';
import { recordingLogger } from './quiet-logger.js';
import { followJobsToTheirEnd } from './retention-size.js';
import { describeStoreContract } from './store-contract.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'datajob-store-'));
  tempDirs.push(dir);
  return dir;
}
/** Child processes holding a data directory: killed after each test, even one that failed before killing its own. */
const holders: Array<{ kill(): Promise<void> }> = [];
afterEach(async () => {
  for (const holder of holders.splice(0)) await holder.kill();
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describeStoreContract('sqlite', async () => {
  const dataDir = tempDir();
  const logger = recordingLogger();
  const opened: Store[] = [];
  // The bot's own path (data-dir lock and all) for the first store; further connections to the
  // same file stand in for a second replica or a restart.
  const store = await openStore({ dataDir, logger });
  opened.push(store);
  return {
    store,
    open: async () => {
      const another = openSqliteStore({ path: join(dataDir, SQLITE_FILE_NAME), logger });
      opened.push(another);
      return another;
    },
    dispose: async () => {
      for (const s of opened) await s.close();
    },
  };
});

/** A database file as migration `version` left it. */
function databaseAtVersion(path: string, version: number): Database.Database {
  const old = new Database(path);
  old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  for (const m of sqliteMigrations.filter((m) => m.version <= version)) {
    old.exec(m.sql);
    old.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
  }
  return old;
}

describe('SqliteStore', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = tempDir();
  });

  it('creates the data directory and the database file on first start', async () => {
    const nested = join(dataDir, 'a', 'b');
    const store = await openStore({ dataDir: nested, logger: recordingLogger() });
    try {
      expect(store.engine).toBe('sqlite');
      expect(existsSync(join(nested, SQLITE_FILE_NAME))).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('applies each migration once; reopening does not run them again', async () => {
    const path = join(dataDir, SQLITE_FILE_NAME);
    const firstLog = recordingLogger();
    const first = openSqliteStore({ path, logger: firstLog });
    const rows = first.db.prepare('SELECT version, applied_at FROM schema_migrations ORDER BY version').all();
    await first.close();
    expect(rows.map((r) => (r as { version: number }).version)).toEqual(sqliteMigrations.map((m) => m.version));
    expect(firstLog.entries.filter((e) => e.msg === 'sqlite migrations applied')).toHaveLength(1);

    const secondLog = recordingLogger();
    const second = openSqliteStore({ path, logger: secondLog });
    expect(second.db.prepare('SELECT version, applied_at FROM schema_migrations ORDER BY version').all()).toEqual(rows);
    await second.close();
    expect(secondLog.entries.filter((e) => e.msg === 'sqlite migrations applied')).toHaveLength(0);
  });

  it('times, on upgrading to version 3, what was paused or ended before pauses and ends were timed', async () => {
    const path = join(dataDir, SQLITE_FILE_NAME);
    const old = databaseAtVersion(path, 2);
    const insert = old.prepare(
      `INSERT INTO subscriptions (channel_id, job_id, filter, created_by, created_at, state, state_reason, state_by, state_at)
       VALUES (?, ?, 'all', 'U1', 0, ?, ?, ?, ?)`,
    );
    const personAt = Date.parse('2026-01-01T00:00:00Z');
    insert.run('C1', 'dj-ended', 'ended', 'completed', null, null);
    insert.run('C1', 'dj-paused', 'paused', 'channel_not_found', null, null);
    insert.run('C1', 'dj-person', 'paused', 'paused_by_person', 'U_BOB', personAt);
    insert.run('C1', 'dj-active', 'active', null, null, null);
    old.close();

    const before = Date.now() - 1_000; // SQLite's clock is in whole seconds
    const store = openSqliteStore({ path, logger: recordingLogger() });
    try {
      const byJob = new Map((await Promise.all([1, 2, 3, 4].map((id) => store.getSubscription(id)))).map((s) => [s?.jobId, s]));
      for (const job of ['dj-ended', 'dj-paused']) {
        expect(byJob.get(job)?.stateAt?.getTime()).toBeGreaterThanOrEqual(before);
        expect(byJob.get(job)?.stateAt?.getTime()).toBeLessThanOrEqual(Date.now());
      }
      expect(byJob.get('dj-person')?.stateAt).toEqual(new Date(personAt));
      expect(byJob.get('dj-active')?.stateAt).toBeNull();
      // The purge reads ended and paused rows by age, and a job's live rows, through indexes.
      const plan = (sql: string) =>
        store.db
          .prepare(`EXPLAIN QUERY PLAN ${sql}`)
          .all()
          .map((r) => (r as { detail: string }).detail)
          .join('; ');
      expect(plan(`SELECT id FROM subscriptions WHERE state = 'ended' AND state_at < 1 ORDER BY state_at LIMIT 10`)).toContain(
        'subscriptions_state_at',
      );
      expect(plan(`SELECT 1 FROM subscriptions s WHERE s.job_id = 'x' AND s.state <> 'ended'`)).toContain('subscriptions_live_job');
    } finally {
      await store.close();
    }
  });

  it('fills in, on upgrading to version 6, what feeds and the App Home ask of the jobs discovered before it', async () => {
    const path = join(dataDir, SQLITE_FILE_NAME);
    const old = databaseAtVersion(path, 5);
    const insert = old.prepare(
      `INSERT INTO discovered_jobs (job_id, name, job_type, user_id, created_at, seen_at) VALUES (?, ?, 'principle_files', 'user-1', ?, 0)`,
    );
    insert.run('dj-1', 'ÉCOLE-Nightly', '2026-07-28T14:00:00Z');
    insert.run('dj-2', 'école-weekly', '2026-07-28T16:00:00+03:00');
    insert.run('dj-3', 'prod-router', 'not a time');
    old.close();

    const store = openSqliteStore({ path, logger: recordingLogger() });
    try {
      expect(await store.countMatchingJobs({ jobType: null, nameGlob: 'École-*' })).toBe(2);
      expect(await store.countMatchingJobs({ jobType: 'principle_files', nameGlob: 'PROD-*' })).toBe(1);
      expect((await store.jobsOfUser('user-1', 10)).jobs.map((j) => j.id)).toEqual(['dj-1', 'dj-2', 'dj-3']);
      const plan = (sql: string, ...params: unknown[]) =>
        store.db
          .prepare(`EXPLAIN QUERY PLAN ${sql}`)
          .all(...params)
          .map((r) => (r as { detail: string }).detail)
          .join('; ');
      expect(plan(`SELECT count(*) FROM discovered_jobs WHERE job_type = ? AND name_folded LIKE ? ESCAPE '\\'`, 'x', 'prod-%')).toContain(
        'discovered_jobs_type_name (job_type=? AND name_folded>? AND name_folded<?)',
      );
      expect(plan('SELECT job_id FROM discovered_jobs WHERE user_id = ? ORDER BY created_ms DESC, job_id DESC LIMIT 10', 'u')).toMatch(
        /discovered_jobs_user(?![\s\S]*TEMP B-TREE)/,
      );
    } finally {
      await store.close();
    }
  });

  it('runs in WAL mode with foreign keys on and a busy timeout', async () => {
    const store = openSqliteStore({ path: join(dataDir, SQLITE_FILE_NAME), logger: recordingLogger() });
    try {
      expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(store.db.pragma('busy_timeout', { simple: true })).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
    // WAL is a property of the file: another connection sees it too.
    const raw = new Database(join(dataDir, SQLITE_FILE_NAME), { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      raw.close();
    }
  });

  it('stays the size of the live subscriptions while following 100,000 jobs to their end', async () => {
    const path = join(dataDir, SQLITE_FILE_NAME);
    const store = openSqliteStore({ path, logger: recordingLogger() });
    try {
      const count = (table: string) => (store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
      const { sizes } = await followJobsToTheirEnd(
        {
          store,
          async follow(prefix, n, rows) {
            const before = (store.db.prepare('SELECT coalesce(max(id), 0) AS id FROM subscriptions').get() as { id: number }).id;
            const now = Date.now();
            const series = 'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @n)';
            store.db
              .prepare(
                `${series} INSERT INTO subscriptions (channel_id, job_id, filter, created_by, created_at)
                 SELECT 'C-' || @prefix || i, @prefix || i, 'all', 'U1', @now FROM n`,
              )
              .run({ n, prefix, now });
            store.db
              .prepare(`${series} INSERT INTO watches (job_id, watch, version, updated_at) SELECT @prefix || i, @watch, 1, @now FROM n`)
              .run({ n, prefix, now, watch: rows.watch });
            store.db
              .prepare(
                `INSERT INTO deliveries (subscription_id, key, kind, payload, created_at)
                 SELECT id, 'card', 'card', @payload, @now FROM subscriptions WHERE id > @before ORDER BY id`,
              )
              .run({ before, now, payload: rows.payload });
            return store.db
              .prepare('SELECT id FROM subscriptions WHERE id > ? ORDER BY id')
              .all(before)
              .map((r) => (r as { id: number }).id);
          },
          rows: async () => ({ subscriptions: count('subscriptions'), watches: count('watches'), deliveries: count('deliveries') }),
          async bytes() {
            // What a checkpoint leaves: the pages of the file itself, free ones included (they are reused, never returned).
            store.db.pragma('wal_checkpoint(TRUNCATE)');
            return statSync(path).size;
          },
        },
        { rounds: 10, perRound: 10_000, live: 1_000, label: 'SQLite' },
      );
      expect(sizes[9]).toBeLessThanOrEqual(1.2 * (sizes[0] ?? 0));
    } finally {
      await store.close();
    }
  }, 300_000);

  describe('data-dir lock', () => {
    it('refuses a second store on the same data directory until the first is closed', async () => {
      const first = await openStore({ dataDir, logger: recordingLogger() });
      await expect(openStore({ dataDir, logger: recordingLogger() })).rejects.toMatchObject({
        code: 'DATA_DIR_LOCKED',
        message: expect.stringContaining(dataDir),
      });
      await first.close();
      const second = await openStore({ dataDir, logger: recordingLogger() });
      await second.close();
    });

    const runs = [
      { as: 'another process', prefix: [] as readonly string[] },
      // Both pid 1, as two containers' bots are: nothing the lock holds may hang on a pid.
      ...(inPidNamespace ? [{ as: 'another process as pid 1 of a PID namespace of its own', prefix: inPidNamespace }] : []),
    ];
    it.each(runs)('refuses $as with one sentence naming the directory, and leaves the holder’s claims alone', async ({ prefix }) => {
      const first = await openStore({ dataDir, logger: recordingLogger() });
      try {
        const { subscription } = await first.addSubscription({
          channelId: 'C1',
          jobId: 'dj-1',
          filter: 'all',
          createdBy: 'U1',
          createdAt: new Date(),
        });
        await first.setCardTs(subscription.id, '1.0001');
        await first.enqueue([{ subscriptionId: subscription.id, key: 'r1', item: replyItem('r1') }]);
        expect(await first.claimDeliveries('first', new Date(), 600_000, 10)).toHaveLength(1);

        const second = await openDataDirElsewhere(dataDir, prefix);
        expect(second).toEqual({
          opened: false,
          stderr: `The data directory ${dataDir} is in use by another datajob-bot: stop that one, or give this one a DATA_DIR of its own (to run several, use PostgreSQL through DATABASE_URL).\n`,
        });
        // Still the first one's: nobody else may claim it before its lease runs out.
        expect(await first.claimDeliveries('other', new Date(), 600_000, 10)).toEqual([]);
      } finally {
        await first.close();
      }
    });

    it('is free as soon as its holder is gone, even killed with SIGKILL, and releases the claims it left', async () => {
      const holder = await holdDataDir(dataDir);
      await expect(openStore({ dataDir, logger: recordingLogger() })).rejects.toMatchObject({ code: 'DATA_DIR_LOCKED' });
      // A claim the holder made (through a connection of its own), then the holder killed.
      const side = openSqliteStore({ path: join(dataDir, SQLITE_FILE_NAME), logger: recordingLogger() });
      try {
        const { subscription } = await side.addSubscription({
          channelId: 'C1',
          jobId: 'dj-1',
          filter: 'all',
          createdBy: 'U1',
          createdAt: new Date(),
        });
        await side.setCardTs(subscription.id, '1.0001');
        await side.enqueue([{ subscriptionId: subscription.id, key: 'r1', item: replyItem('r1') }]);
        expect(await side.claimDeliveries('holder', new Date(), 600_000, 10)).toHaveLength(1);
      } finally {
        await side.close();
      }
      await holder.kill();
      const logger = recordingLogger();
      const next = await openStore({ dataDir, logger });
      try {
        expect(logger.entries.filter((e) => e.msg === 'claims of a previous process released')).toHaveLength(1);
        expect(await next.claimDeliveries('next', new Date(), 600_000, 10)).toEqual([
          expect.objectContaining({ key: 'r1', reclaimed: true }),
        ]);
      } finally {
        await next.close();
      }
    });
  });
});

/** Opens the data directory in a child process (behind `prefix`): whether it opened, and what it said if not. */
async function openDataDirElsewhere(dir: string, prefix: readonly string[]): Promise<{ opened: boolean; stderr: string }> {
  const child = spawnOpener(dir, prefix);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const opened = await new Promise<boolean>((resolve) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString('utf8').startsWith('open')) resolve(true);
    });
    child.once('exit', () => resolve(false));
  });
  if (opened) {
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  return { opened, stderr };
}

/** A child process that opens the data directory and keeps it until killed. */
async function holdDataDir(dir: string): Promise<{ kill(): Promise<void> }> {
  const child = spawnOpener(dir, []);
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString('utf8').startsWith('open')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the holder exited (${code}) before opening ${dir}`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const holder = {
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  holders.push(holder);
  return holder;
}

function spawnOpener(dir: string, prefix: readonly string[]) {
  const opener = fileURLToPath(new URL('./open-data-dir.ts', import.meta.url));
  const [command, ...args] = [...prefix, process.execPath, '--import', 'tsx', opener, dir];
  return spawn(command ?? process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
}
