import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../simulator/server.js';
import { dropSchema, newTestSchemaName, testDatabaseUrl } from '../storage/pg-test-schema.js';
import { logMark, passesDelivered, waitForLines } from '../support/bot-logs.js';
import { type BotProcess, processEnv, startBotProcess } from '../support/bot-process.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack/server.js';
import { BOT_SCOPES, SIGNING_SECRET, visibleText, waitFor } from '../support/harness.js';
import { makeJob } from '../support/make-job.js';
import { sendSlashCommand } from '../support/slack-requests.js';

/**
 * Team feeds with real processes: a bot killed with SIGKILL in the middle of discovery loses and
 * doubles nothing once restarted, and with three replicas on one PostgreSQL discovery runs on one.
 */

const CHANNEL = 'C_TEAM';
let n = 0;
/** `count` jobs of the team created now (after the feed started). */
function newJobs(sim: Simulator, count: number): string[] {
  return Array.from({ length: count }, () => {
    const id = `dj-team-${Date.now().toString(36)}-${++n}`;
    sim.putJob(makeJob({ id, name: `prod-job-${n}`, created_at: new Date().toISOString(), status: 'file_processing' }));
    return id;
  });
}

async function ask(bot: BotProcess, slack: FakeSlack, text: string): Promise<string> {
  const responseUrl = slack.responseUrl({ channel: CHANNEL });
  await sendSlashCommand(
    `http://127.0.0.1:${bot.port}/slack/events`,
    SIGNING_SECRET,
    { text, channelId: CHANNEL, responseUrl },
    { fake: slack },
  );
  return visibleText((await waitFor(() => slack.responses(responseUrl)[0], text)).body as object);
}

/**
 * Whatever the bots were to do about the jobs they can see has been done: three more discoveries
 * (the second and third began after the first ended), then poll passes and the deliveries after them.
 */
async function discoveriesDelivered(bots: BotProcess[]): Promise<void> {
  await waitForLines(bots, logMark(bots), (l) => l.component === 'discovery' && l.msg === 'discovery done', 3, 'a discovery done');
  await passesDelivered(bots, 2);
}

/** Each of the jobs has exactly one card in the channel, and no other card is there. */
function expectOneCardEach(slack: FakeSlack, jobIds: string[]): void {
  const cards = slack.topLevel(CHANNEL).map((m) => visibleText(m));
  for (const id of jobIds)
    expect(
      cards.filter((c) => c.includes(`\`${id}\``)),
      id,
    ).toHaveLength(1);
  expect(cards).toHaveLength(jobIds.length);
}

describe('team feeds across processes', () => {
  let sim: Simulator;
  let slack: FakeSlack;
  let processes: BotProcess[] = [];

  beforeAll(async () => {
    sim = await startSimulator({ clock: 'manual' });
    slack = await startFakeSlack({ scopes: BOT_SCOPES, channels: [{ id: CHANNEL, name: 'team' }] });
  });
  afterEach(async () => {
    for (const p of processes) await p.kill();
    processes = [];
    slack.reset();
  });
  afterAll(async () => {
    await slack.close();
    await sim.close();
  });

  it('SIGKILL in the middle of discovery: after a restart every new job has its card once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'datajob-feed-kill-'));
    try {
      const env = processEnv(sim, slack, { DATA_DIR: dataDir, DISCOVERY_SCHEDULE: '* * * * * *' });
      const first = await startBotProcess(env);
      processes.push(first);
      // Older jobs enough for a second page of the list (they are the feed's baseline), then new ones;
      // each page is slow, so the kill lands while discovery reads them.
      for (let i = 0; i < 150; i++) sim.putJob(makeJob({ id: `dj-old-${i}`, created_at: '2026-01-01T00:00:00Z' }));
      expect(await ask(first, slack, 'subscribe team')).toMatch(/Following/);
      const jobs = newJobs(sim, 30);
      sim.setFault({ kind: 'latency', ms: 500 }, { list: true });
      // Killed once discovery has read the first page and waits for the second.
      await waitFor(
        () => sim.requests.find((r) => r.list && /[?&]offset=100(&|$)/.test(r.rawPath) && r.status === 0),
        'a discovery to ask for the second page',
        10_000,
      );
      await first.kill('SIGKILL');
      sim.clearFaults();

      const second = await startBotProcess(env);
      processes.push(second);
      // One card a second in one channel: Slack's pace for posting.
      await waitFor(() => slack.topLevel(CHANNEL).length >= jobs.length || undefined, 'every new job’s card', 90_000);
      await discoveriesDelivered([second]);
      expectOneCardEach(slack, jobs);
      expect(second.logs.some((l) => l.component === 'discovery' && l.msg === 'discovery done' && l.newJobs === 180)).toBe(true);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 150_000);

  it.skipIf(!testDatabaseUrl)(
    'three replicas: discovery runs on one of them each time, and each new job gets one card',
    async () => {
      const schema = newTestSchemaName('datajob_feed_replicas');
      try {
        const env = processEnv(sim, slack, {
          DATABASE_URL: testDatabaseUrl as string,
          DATABASE_SCHEMA: schema,
          DISCOVERY_SCHEDULE: '* * * * * *',
        });
        processes = await Promise.all([startBotProcess(env), startBotProcess(env), startBotProcess(env)]);
        expect(await ask(processes[1] as BotProcess, slack, 'subscribe team')).toMatch(/Following/);
        const since = logMark(processes);
        const jobs = [...newJobs(sim, 3)];
        // The second three come after a discovery found the first three.
        await waitForLines(processes, since, (l) => l.msg === 'discovery done' && l.subscribed === 3, 1, 'a discovery of the first three');
        jobs.push(...newJobs(sim, 3));
        await waitFor(() => slack.topLevel(CHANNEL).length >= jobs.length || undefined, 'every new job’s card', 30_000);
        await discoveriesDelivered(processes);
        expectOneCardEach(slack, jobs);

        // Every discovery tick ran on one replica only: the lease elected one, the others skipped it.
        const ticks = new Map<string, number[]>();
        processes.forEach((p, i) => {
          for (const l of p.logs) {
            if (l.component !== 'discovery' || l.msg !== 'discovery tick run') continue;
            ticks.set(String(l.tick), [...(ticks.get(String(l.tick)) ?? []), i]);
          }
        });
        expect(ticks.size).toBeGreaterThan(4);
        expect([...ticks].filter(([, runners]) => runners.length > 1)).toEqual([]);
        expect(
          processes.filter((p) => p.logs.some((l) => l.component === 'discovery' && l.msg === 'discovery tick skipped')).length,
        ).toBeGreaterThanOrEqual(2);
      } finally {
        await dropSchema(testDatabaseUrl as string, schema);
      }
    },
    90_000,
  );
});
