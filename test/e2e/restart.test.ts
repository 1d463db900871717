import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../simulator/server.js';
import type { DataJob } from '../../src/domain/data-job.js';
import { passesDelivered } from '../support/bot-logs.js';
import { type BotProcess, processEnv, startBotProcess } from '../support/bot-process.js';
import type { FakeSlack } from '../support/fake-slack/server.js';
import { startFakeSlack } from '../support/fake-slack/server.js';
import { BOT_SCOPES, SIGNING_SECRET, visibleText, waitFor } from '../support/harness.js';
import { makeJobWithFiles } from '../support/make-job.js';
import { sendSlashCommand } from '../support/slack-requests.js';

/** kill -9 in the middle of delivering a pass, then a restart on the same data: nothing twice, nothing lost. */

const CHANNELS = Array.from({ length: 24 }, (_, i) => `C_KILL${i}`);
const JOB = 'dj-restart-0001';

describe('restart after SIGKILL in the middle of a pass', () => {
  let sim: Simulator;
  let slack: FakeSlack;
  let dataDir: string;
  let env: Record<string, string>;
  const processes: BotProcess[] = [];

  beforeAll(async () => {
    sim = await startSimulator({ clock: 'manual' });
    slack = await startFakeSlack({
      scopes: BOT_SCOPES,
      channels: CHANNELS.map((id) => ({ id, name: id.toLowerCase(), botIsMember: true })),
    });
    dataDir = mkdtempSync(join(tmpdir(), 'datajob-bot-restart-'));
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
      Array.from({ length: 6 }, (_, i) =>
        i < failed ? { state: 'failed' as const, name: `f${i}.pdf` } : { state: 'processing' as const, name: `f${i}.pdf` },
      ),
      { id: JOB, name: 'Restart me', status: failed ? 'needs_review' : 'file_processing', updated_at: `2026-07-28T14:0${failed}:00Z` },
    );

  it('delivers every card update and reply exactly once across the crash', async () => {
    sim.putJob(job(0));
    const first = await startBotProcess(env);
    processes.push(first);
    const botUrl = `http://127.0.0.1:${first.port}/slack/events`;
    for (const channel of CHANNELS) {
      const responseUrl = slack.responseUrl({ channel });
      await sendSlashCommand(botUrl, SIGNING_SECRET, { text: `subscribe ${JOB}`, channelId: channel, responseUrl }, { fake: slack });
      await waitFor(() => slack.responses(responseUrl)[0], `subscribe in ${channel}`);
    }
    expect(CHANNELS.every((c) => slack.topLevel(c).length === 1)).toBe(true);

    // The change every channel must hear about once: two failed files → needs review.
    const updatesBefore = slack.callsTo('chat.update').length;
    sim.putJob(job(2));
    await waitFor(() => slack.callsTo('chat.update').length >= updatesBefore + 6 || undefined, 'the first deliveries', 15_000);
    await first.kill('SIGKILL');
    const sentBeforeKill = slack.callsTo('chat.postMessage').length + slack.callsTo('chat.update').length;

    const second = await startBotProcess(env);
    processes.push(second);
    await waitFor(
      () => CHANNELS.every((c) => slack.thread(c, slack.topLevel(c)[0]?.ts ?? '').length >= 2),
      'every channel to have its replies',
      30_000,
    );
    // Cards come after replies, paced under chat.update's limit (~48 a minute): wait for every one.
    await waitFor(
      () => CHANNELS.every((c) => /Needs review/.test(visibleText(slack.message(c, slack.topLevel(c)[0]?.ts ?? '')))),
      'every card brought up to date',
      60_000,
    );
    // The restarted bot runs a few more passes, and delivers after them: nothing more may come.
    await passesDelivered([second], 3);
    for (const channel of CHANNELS) {
      const card = slack.topLevel(channel);
      expect(card, channel).toHaveLength(1);
      const replies = slack.thread(channel, card[0]?.ts ?? '').map((m) => visibleText(m));
      expect(replies, channel).toEqual([expect.stringMatching(/2 files failed/), expect.stringMatching(/needs review/i)]);
      expect(visibleText(slack.message(channel, card[0]?.ts ?? ''))).toMatch(/Needs review/);
    }
    expect(sentBeforeKill).toBeGreaterThan(0);
    // The kill landed while deliveries were claimed: the restarted bot took them over and checked
    // Slack before re-sending the replies it found claimed.
    expect(second.logs.some((l) => l.msg === 'claims of a previous process released')).toBe(true);
    await second.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 120_000);
});
