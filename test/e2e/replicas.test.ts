import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../simulator/server.js';
import { DELIVERY_LEASE_MS } from '../../src/core/delivery.js';
import type { DataJob } from '../../src/domain/data-job.js';
import { dropSchema, newTestSchemaName, testDatabaseUrl } from '../storage/pg-test-schema.js';
import { passesDelivered } from '../support/bot-logs.js';
import { type BotProcess, processEnv, startBotProcess } from '../support/bot-process.js';
import type { FakeSlack } from '../support/fake-slack/server.js';
import { startFakeSlack } from '../support/fake-slack/server.js';
import { BOT_SCOPES, SIGNING_SECRET, visibleText, waitFor } from '../support/harness.js';
import { makeAlignment, makeJobWithFiles } from '../support/make-job.js';
import { sendSlashCommand } from '../support/slack-requests.js';

/**
 * Several bot processes on one PostgreSQL: exactly one polls each tick, every message goes out
 * once, and a replica dying (SIGKILL, even mid-pass) or a rolling restart loses and doubles nothing.
 */

const CHANNELS = ['C_R1', 'C_R2', 'C_R3', 'C_R4'];

/** The job's states, each one change the channels must hear about once. */
function states(id: string): DataJob[] {
  const base = { id, name: 'Replicated job' };
  const files = (failed: number) =>
    Array.from({ length: 4 }, (_, i) =>
      i < failed ? { state: 'failed' as const, name: `r${i}.pdf` } : { state: 'done' as const, name: `r${i}.pdf` },
    );
  const at = (minute: number) => `2026-07-28T15:${String(minute).padStart(2, '0')}:00Z`;
  return [
    makeJobWithFiles(files(0), { ...base, status: 'file_processing', updated_at: at(0) }),
    makeJobWithFiles(files(1), { ...base, status: 'needs_review', updated_at: at(1) }),
    makeJobWithFiles(files(1), { ...base, status: 'ready_to_start', updated_at: at(2) }),
    makeJobWithFiles(files(1), { ...base, status: 'queued', alignment_job: makeAlignment({ status: 'queued' }), updated_at: at(3) }),
    makeJobWithFiles(files(1), {
      ...base,
      status: 'running',
      alignment_job: makeAlignment({ status: 'running', progress: 30 }),
      updated_at: at(4),
    }),
    makeJobWithFiles(files(1), {
      ...base,
      status: 'running',
      alignment_job: makeAlignment({ status: 'running', progress: 70 }),
      updated_at: at(5),
    }),
    makeJobWithFiles(files(1), {
      ...base,
      status: 'completed',
      alignment_job: makeAlignment({ status: 'completed', progress: 100 }),
      updated_at: at(6),
    }),
  ];
}

/** What each channel's thread must hold at the end, in order. */
const EXPECTED_REPLIES = [/1 file failed/, /needs review/i, /to .*Ready to start/, /Alignment started/, /to .*Running/, /The job ended/];
/** How many replies each channel has once step N was delivered (step 1 brings two, step 5 only moves progress). */
const REPLIES_AFTER_STEP = [0, 2, 3, 4, 5, 5, 6];

describe.skipIf(!testDatabaseUrl)('several replicas on one PostgreSQL', () => {
  let sim: Simulator;
  let slack: FakeSlack;
  let schema: string;
  let env: Record<string, string>;
  let replicas: BotProcess[] = [];

  beforeAll(async () => {
    sim = await startSimulator({ clock: 'manual' });
    slack = await startFakeSlack({ scopes: BOT_SCOPES, channels: CHANNELS.map((id) => ({ id, name: id.toLowerCase() })) });
  });
  afterEach(async () => {
    for (const r of replicas) await r.kill();
    replicas = [];
    await dropSchema(testDatabaseUrl as string, schema);
    slack.reset();
  });
  afterAll(async () => {
    await slack.close();
    await sim.close();
  });

  async function startReplicas(count: number, jobId: string): Promise<void> {
    schema = newTestSchemaName('datajob_replicas');
    env = processEnv(sim, slack, { DATABASE_URL: testDatabaseUrl as string, DATABASE_SCHEMA: schema });
    // Started together: migrations must be safe when replicas race.
    replicas = await Promise.all(Array.from({ length: count }, () => startBotProcess(env)));
    sim.putJob(states(jobId)[0] as DataJob);
    for (const [i, channel] of CHANNELS.entries()) {
      // Commands reach whichever replica Slack picks.
      const replica = replicas[i % replicas.length] as BotProcess;
      const responseUrl = slack.responseUrl({ channel });
      await sendSlashCommand(
        `http://127.0.0.1:${replica.port}/slack/events`,
        SIGNING_SECRET,
        { text: `subscribe ${jobId}`, channelId: channel, responseUrl },
        { fake: slack },
      );
      expect(visibleText((await waitFor(() => slack.responses(responseUrl)[0], 'subscribe')).body as object)).toMatch(/Subscribed/);
    }
  }

  /**
   * Moves the job to each state in turn, waiting until every channel's card shows it (`waitMs`
   * for each step: 30 s unless a test says otherwise).
   */
  async function walk(
    jobId: string,
    during: (step: number) => Promise<void> = async () => {},
    waitMs: (step: number) => number = () => 30_000,
  ): Promise<void> {
    const all = states(jobId);
    for (let step = 1; step < all.length; step++) {
      sim.putJob(all[step] as DataJob);
      await during(step);
      const replies = REPLIES_AFTER_STEP[step] ?? 0;
      await waitFor(
        () => CHANNELS.every((c) => slack.thread(c, slack.topLevel(c)[0]?.ts ?? '').length >= replies && updatesOf(c) >= step),
        `step ${step} in every channel`,
        waitMs(step),
      );
    }
  }

  const updatesOf = (channel: string) => {
    const card = slack.topLevel(channel)[0];
    return slack.callsTo('chat.update').filter((c) => c.args.channel === channel && c.args.ts === card?.ts && c.response.ok).length;
  };

  function expectEachMessageOnce(): void {
    for (const channel of CHANNELS) {
      const top = slack.topLevel(channel);
      expect(top, channel).toHaveLength(1);
      const replies = slack.thread(channel, top[0]?.ts ?? '').map((m) => visibleText(m));
      expect(replies, channel).toHaveLength(EXPECTED_REPLIES.length);
      replies.forEach((r, i) => {
        expect(r, `${channel} reply ${i}`).toMatch(EXPECTED_REPLIES[i] as RegExp);
      });
      expect(visibleText(slack.message(channel, top[0]?.ts ?? '')), channel).toMatch(/Final state/);
    }
  }

  const holder = () =>
    replicas.find((r) => {
      const passes = r.logs.filter((l) => l.msg === 'poll pass done');
      return passes.length > 0 && (passes.at(-1)?.time as string) >= new Date(Date.now() - 3_000).toISOString();
    });

  it('three replicas through a whole lifecycle: every card update and reply exactly once, in order, one poller', async () => {
    await startReplicas(3, 'dj-replicas-1');
    await walk('dj-replicas-1');
    // A few more passes, and the deliveries after them: nothing more may come.
    await passesDelivered(replicas, 3);
    // One poller per tick: each replica logs the scheduled slot of every tick it was let run
    // ('poll tick run') or refused ('poll tick skipped'), so ticks compare exactly across replicas.
    const ticks = (msg: string) =>
      replicas.flatMap((r, i) => r.logs.filter((l) => l.msg === msg).map((l) => ({ replica: i, tick: String(l.tick), reason: l.reason })));
    const runs = ticks('poll tick run');
    expect(runs.length).toBeGreaterThan(5);
    const runners = new Map<string, number[]>();
    for (const { replica, tick } of runs) runners.set(tick, [...(runners.get(tick) ?? []), replica]);
    expect([...runners].filter(([, who]) => who.length > 1)).toEqual([]);
    // Not one poller for want of rivals: the other replicas were asking too, and were refused.
    const refused = new Set(
      ticks('poll tick skipped')
        .filter((s) => s.reason === 'not-elected')
        .map((s) => s.replica),
    );
    expect(refused.size).toBeGreaterThanOrEqual(2);
    expectEachMessageOnce();
  }, 120_000);

  it('the lease holder killed with SIGKILL mid-pass: another takes over, nothing lost or doubled', async () => {
    await startReplicas(3, 'dj-replicas-2');
    sim.setFault({ kind: 'latency', ms: 300 }, { jobId: 'dj-replicas-2' });
    await walk(
      'dj-replicas-2',
      async (step) => {
        if (step !== 3) return;
        const victim = await waitFor(holder, 'the lease holder', 10_000);
        // Wait for it to be inside a pass (started, not done), then kill it.
        await waitFor(
          () => {
            const last = victim.logs.filter((l) => l.msg === 'poll pass started' || l.msg === 'poll pass done').at(-1);
            return last?.msg === 'poll pass started';
          },
          'a pass under way',
          10_000,
        );
        await victim.kill('SIGKILL');
        replicas = replicas.filter((r) => r !== victim);
        // Killed while it held claims on deliveries (a card update in flight, say), those wait for
        // their claims to expire (the delivery lease, 60 s) before another replica sends them.
      },
      (step) => (step === 3 ? 30_000 + DELIVERY_LEASE_MS : 30_000),
    );
    // A few more passes, and the deliveries after them: nothing more may come.
    await passesDelivered(replicas, 3);
    expectEachMessageOnce();
  }, 200_000);

  it('a rolling restart while the job moves: nothing lost or doubled', async () => {
    await startReplicas(2, 'dj-replicas-3');
    await walk('dj-replicas-3', async (step) => {
      if (step % 2 !== 0) return;
      // Stop the oldest replica gracefully and start a new one, as a deploy does.
      const old = replicas.shift() as BotProcess;
      await old.kill('SIGTERM');
      expect(await old.exited).toBe(0);
      replicas.push(await startBotProcess(env));
    });
    // A few more passes, and the deliveries after them: nothing more may come.
    await passesDelivered(replicas, 3);
    expectEachMessageOnce();
  }, 150_000);
});
