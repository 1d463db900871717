import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../simulator/server.js';
import type { DataJob } from '../../src/domain/data-job.js';
import { askProcess, type BotProcess, processEnv, startBotProcess } from '../support/bot-process.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack/server.js';
import { BOT_SCOPES, visibleText, waitFor } from '../support/harness.js';
import { makeJobWithFiles } from '../support/make-job.js';
import { inPidNamespace, pidSeenInside } from '../support/pid-namespace.js';

/**
 * Two bots on one SQLite data directory, each pid 1 of a PID namespace of its own, as two containers
 * sharing a volume run them: the second refuses to start, and the first goes on as if it had not tried.
 */

const CHANNEL = 'C_LOCKED';
const JOB = 'dj-locked-0001';

describe.skipIf(!inPidNamespace)('a second bot on the data directory, both pid 1', () => {
  let sim: Simulator;
  let slack: FakeSlack;
  let dataDir: string;
  let env: Record<string, string>;
  const processes: BotProcess[] = [];

  beforeAll(async () => {
    sim = await startSimulator({ clock: 'manual' });
    slack = await startFakeSlack({ scopes: BOT_SCOPES, channels: [{ id: CHANNEL, name: 'locked', botIsMember: true }] });
    dataDir = mkdtempSync(join(tmpdir(), 'datajob-bot-locked-'));
    env = processEnv(sim, slack, { DATA_DIR: dataDir });
  });
  afterAll(async () => {
    for (const p of processes) await p.kill();
    await slack.close();
    await sim.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const job = (failed: number): DataJob =>
    makeJobWithFiles(
      Array.from({ length: 4 }, (_, i) =>
        i < failed ? { state: 'failed' as const, name: `f${i}.pdf` } : { state: 'processing' as const, name: `f${i}.pdf` },
      ),
      { id: JOB, name: 'Locked in', status: failed ? 'needs_review' : 'file_processing', updated_at: `2026-07-28T14:0${failed}:00Z` },
    );

  it('refuses to start with one sentence naming the directory, and the first keeps delivering', async () => {
    sim.putJob(job(0));
    const first = await startBotProcess(env, { prefix: inPidNamespace ?? [] });
    processes.push(first);
    expect(pidSeenInside(first.child.pid ?? 0)).toBe(1);
    expect(await askProcess(first, slack, CHANNEL, `subscribe ${JOB}`)).toMatch(/Subscribed/i);
    await waitFor(() => slack.topLevel(CHANNEL).length === 1, 'the living card');

    const sentence =
      `datajob-bot could not start: The data directory ${dataDir} is in use by another datajob-bot: stop that one, ` +
      'or give this one a DATA_DIR of its own (to run several, use PostgreSQL through DATABASE_URL).\n';
    for (const prefix of [inPidNamespace ?? [], []]) {
      const refused = await startBotProcess(env, { prefix, timeoutMs: 30_000 }).then(
        (second) => {
          processes.push(second);
          return null;
        },
        (e: Error) => e,
      );
      expect(refused?.message).toMatch(/exited at start/);
      expect(refused?.message).toContain(sentence);
    }

    // The first bot heard nothing of it: it delivers the next change, in the card and its thread.
    sim.putJob(job(2));
    const card = slack.topLevel(CHANNEL)[0];
    await waitFor(
      () => /Needs review/.test(visibleText(slack.message(CHANNEL, card?.ts ?? ''))) && slack.thread(CHANNEL, card?.ts ?? '').length >= 2,
      'the first bot to deliver the change',
      30_000,
    );
    expect(slack.topLevel(CHANNEL)).toHaveLength(1);
    expect(first.child.exitCode).toBeNull();
  }, 120_000);
});
