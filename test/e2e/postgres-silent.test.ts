import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../simulator/server.js';
import type { DataJob } from '../../src/domain/data-job.js';
import { dropSchema, newTestSchemaName, testDatabaseUrl } from '../storage/pg-test-schema.js';
import { askProcess, type BotProcess, processEnv, startBotProcess } from '../support/bot-process.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack/server.js';
import { BOT_SCOPES, visibleText, waitFor } from '../support/harness.js';
import { makeJobWithFiles } from '../support/make-job.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

/**
 * PostgreSQL stops answering without closing anything (a failover that drops packets): the bot's
 * connections go through a proxy that keeps them open and drops their bytes. Each poll tick must fail
 * within the query timeout and say so, rather than hang (the scheduler skips every tick while one
 * runs), and once the database answers again the next pass runs and the channel hears the news.
 */

const JOB = 'dj-pg-silent-1';
const CHANNEL = 'C_PGSILENT';

const job = (failed: number, status: string): DataJob =>
  makeJobWithFiles(
    Array.from({ length: 2 }, (_, i) =>
      i < failed ? { state: 'failed' as const, name: `s${i}.pdf` } : { state: 'processing' as const, name: `s${i}.pdf` },
    ),
    { id: JOB, name: 'Outlives a silent database', status, updated_at: `2026-07-28T17:0${failed}:00Z` },
  );

type Line = Record<string, unknown> & { err?: { message?: string } };

describe.skipIf(!testDatabaseUrl)('PostgreSQL that stops answering without closing the connection', () => {
  const schema = newTestSchemaName();
  let proxy: TcpProxy;
  let sim: Simulator;
  let slack: FakeSlack;
  let bot: BotProcess;

  beforeAll(async () => {
    const target = new URL(testDatabaseUrl ?? '');
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    sim = await startSimulator({ clock: 'manual' });
    slack = await startFakeSlack({ scopes: BOT_SCOPES, channels: [{ id: CHANNEL, name: 'pg-silent' }] });
  }, 60_000);
  afterAll(async () => {
    await bot?.kill();
    await slack?.close();
    await sim?.close();
    await proxy?.close();
    await dropSchema(testDatabaseUrl ?? '', schema);
  });

  it('fails each poll within the query timeout, says so, and polls again once the database answers', async () => {
    const viaProxy = new URL(testDatabaseUrl ?? '');
    viaProxy.port = String(proxy.port);
    sim.putJob(job(0, 'file_processing'));
    bot = await startBotProcess(
      processEnv(sim, slack, {
        DATABASE_URL: viaProxy.toString(),
        DATABASE_SCHEMA: schema,
        DATABASE_STATEMENT_TIMEOUT_MS: '1000',
        DATABASE_QUERY_TIMEOUT_MS: '1500',
      }),
    );
    expect(await askProcess(bot, slack, CHANNEL, `subscribe ${JOB}`)).toMatch(/Subscribed/);
    const card = await waitFor(() => slack.topLevel(CHANNEL)[0], 'the living card');
    const logs = bot.logs as Line[];
    const passesDone = (from: number) => logs.slice(from).filter((l) => l.msg === 'poll pass done').length;
    await waitFor(() => passesDone(0) > 0, 'a poll pass');

    proxy.blackhole();
    const silentFrom = logs.length;
    // The poll's own lines (its lease, its pass), each an error that a query had no answer in time.
    const pollFailures = () =>
      logs.slice(silentFrom).filter((l) => l.component === 'poll' && Number(l.level) >= 50 && /timeout/i.test(l.err?.message ?? ''));
    // Two: a tick that failed did not hold up the next one.
    await waitFor(() => pollFailures().length >= 2, 'two poll ticks to fail on the silent database', 30_000);
    expect(pollFailures()[0]?.err?.message).toMatch(/Query read timeout|connection timeout/);
    const failuresWhileSilent = pollFailures().length;

    proxy.resume();
    const backFrom = logs.length;
    sim.putJob(job(1, 'needs_review'));
    await waitFor(() => passesDone(backFrom) > 0, 'a poll pass once the database answers', 30_000);
    await waitFor(() => slack.thread(CHANNEL, card.ts).length >= 2, 'the change told in the thread', 30_000);
    expect(slack.thread(CHANNEL, card.ts).map((m) => visibleText(m))).toEqual([
      expect.stringMatching(/1 file failed/),
      expect.stringMatching(/needs review/i),
    ]);
    expect(failuresWhileSilent).toBeGreaterThanOrEqual(2);
    expect(bot.child.exitCode).toBeNull();
  }, 120_000);
});
