import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../simulator/server.js';
import type { DataJob } from '../../src/domain/data-job.js';
import { passesDelivered, waitForLines } from '../support/bot-logs.js';
import { type BotProcess, processEnv, startBotProcess } from '../support/bot-process.js';
import type { FakeSlack } from '../support/fake-slack/server.js';
import { startFakeSlack } from '../support/fake-slack/server.js';
import { BOT_SCOPES, SIGNING_SECRET, visibleText, waitFor } from '../support/harness.js';
import { makeJobWithFiles } from '../support/make-job.js';
import { canRunPrivatePostgres, type PrivatePostgres, startPrivatePostgres } from '../support/private-postgres.js';
import { sendSlashCommand } from '../support/slack-requests.js';

/** PostgreSQL goes away in the middle of a run with deliveries pending, and comes back. */

const JOB = 'dj-pg-restart-1';
const CHANNEL = 'C_PGRESTART';

const job = (failed: number, status: string): DataJob =>
  makeJobWithFiles(
    Array.from({ length: 3 }, (_, i) =>
      i < failed ? { state: 'failed' as const, name: `p${i}.pdf` } : { state: 'processing' as const, name: `p${i}.pdf` },
    ),
    { id: JOB, name: 'Survives a database restart', status, updated_at: `2026-07-28T16:0${failed}:00Z` },
  );

describe.skipIf(!canRunPrivatePostgres())('PostgreSQL restarted during a run', () => {
  let pgServer: PrivatePostgres;
  let sim: Simulator;
  let slack: FakeSlack;
  let bot: BotProcess;

  beforeAll(async () => {
    pgServer = await startPrivatePostgres();
    sim = await startSimulator({ clock: 'manual' });
    slack = await startFakeSlack({ scopes: BOT_SCOPES, channels: [{ id: CHANNEL, name: 'pg-restart' }] });
  }, 60_000);
  afterAll(async () => {
    await bot?.kill();
    await slack?.close();
    await sim?.close();
    pgServer?.destroy();
  });

  it('keeps answering what it can, reconnects, and delivers what was pending, once', async () => {
    sim.putJob(job(0, 'file_processing'));
    bot = await startBotProcess(processEnv(sim, slack, { DATABASE_URL: pgServer.url }));
    const botUrl = `http://127.0.0.1:${bot.port}/slack/events`;
    const ask = async (text: string) => {
      const responseUrl = slack.responseUrl({ channel: CHANNEL });
      await sendSlashCommand(botUrl, SIGNING_SECRET, { text, channelId: CHANNEL, responseUrl }, { fake: slack });
      return visibleText((await waitFor(() => slack.responses(responseUrl)[0], text)).body as object);
    };
    expect(await ask(`subscribe ${JOB}`)).toMatch(/Subscribed/);
    const card = slack.topLevel(CHANNEL)[0];
    if (!card) throw new Error('no card');

    // A change whose delivery Slack holds back (429 for a few seconds): it is pending in the database…
    slack.rateLimit('chat.postMessage', 4, { times: 1 });
    sim.putJob(job(1, 'needs_review'));
    const limited = await waitFor(() => slack.callsTo('chat.postMessage').find((c) => c.status === 429), 'the held-back delivery');
    // …when the database goes away.
    pgServer.stop();
    await waitFor(() => bot.logs.some((l) => l.level === 50 || l.level === 40), 'the bot to notice', 10_000);
    // What needs no database still works: a job's card.
    expect(await ask(JOB)).toMatch(/Survives a database restart/);
    // Once the hold is over, the bot tries to deliver and cannot: twice (the second run began after the hold).
    const due = limited.at + 4_000;
    await waitForLines(
      [bot],
      [0],
      (l) => l.msg === 'delivery run failed' && l.kind === 'reply' && Date.parse(String(l.time)) >= due,
      2,
      'a reply delivery run failing after the hold',
    );
    expect(slack.thread(CHANNEL, card.ts)).toHaveLength(0);

    pgServer.start();
    await waitFor(() => slack.thread(CHANNEL, card.ts).length >= 2, 'the pending replies after the restart', 30_000);
    sim.putJob(job(1, 'ready_to_start'));
    await waitFor(() => slack.thread(CHANNEL, card.ts).length >= 3, 'the next change', 30_000);
    await waitFor(() => /Ready to start/.test(visibleText(slack.message(CHANNEL, card.ts))), 'the card brought up to date', 30_000);
    await passesDelivered([bot], 2);

    const replies = slack.thread(CHANNEL, card.ts).map((m) => visibleText(m));
    expect(replies).toEqual([
      expect.stringMatching(/1 file failed/),
      expect.stringMatching(/needs review/i),
      expect.stringMatching(/Ready to start/),
    ]);
    expect(visibleText(slack.message(CHANNEL, card.ts))).toMatch(/Ready to start/);
    expect(bot.child.exitCode).toBeNull();
  }, 120_000);
});
