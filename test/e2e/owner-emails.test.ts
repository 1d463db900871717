import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../simulator/server.js';
import type { DataJob } from '../../src/domain/data-job.js';
import { askProcess, type BotProcess, processEnv, startBotProcess } from '../support/bot-process.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack/server.js';
import { BOT_SCOPES, visibleText, waitFor } from '../support/harness.js';
import { makeJobWithFiles } from '../support/make-job.js';

/**
 * The owner mapping file's emails are resolved in the background: a bot process whose Slack holds
 * users.lookupByEmail back is up and answering all the same, tells the owners once Slack lets go, and
 * after a restart asks Slack only about the email it has not heard of.
 */

const CHANNEL = 'C_OWNED';

const ownedJob = (id: string, owner: string, failed: number, updated: string): DataJob =>
  makeJobWithFiles(
    Array.from({ length: 2 }, (_, i) =>
      i < failed
        ? { state: 'failed' as const, name: `o${i}.pdf`, error: 'No text layer' }
        : { state: 'processing' as const, name: `o${i}.pdf` },
    ),
    { id, name: `Owned by ${owner}`, user_id: owner, status: failed > 0 ? 'needs_review' : 'file_processing', updated_at: updated },
  );

describe('owner mapping file emails, resolved in the background', () => {
  const dir = mkdtempSync(join(tmpdir(), 'datajob-owner-emails-'));
  const mapFile = join(dir, 'owners.txt');
  let sim: Simulator;
  let slack: FakeSlack;
  let bot: BotProcess | undefined;

  beforeAll(async () => {
    sim = await startSimulator({ clock: 'manual' });
    slack = await startFakeSlack({
      scopes: BOT_SCOPES,
      channels: [{ id: CHANNEL, name: 'owned' }],
      users: [
        { id: 'U_BOB', name: 'bob', email: 'bob@example.com' },
        { id: 'U_CAROL', name: 'carol', email: 'carol@example.com' },
        { id: 'U_ERIN', name: 'erin', email: 'erin@example.com' },
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await bot?.kill();
    await slack?.close();
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const env = () => processEnv(sim, slack, { DATA_DIR: join(dir, 'data'), OWNER_MAP_FILE: mapFile });
  const ask = async (text: string) => {
    if (!bot) throw new Error('no bot');
    return askProcess(bot, slack, CHANNEL, text);
  };
  const asked = () => slack.callsTo('users.lookupByEmail');
  const resolvedLine = (b: BotProcess) => b.logs.find((l) => l.msg === 'owner map emails asked');

  it('is up and answering before Slack resolves an email, tells owners once it has, and a restart asks only about what is new', async () => {
    writeFileSync(mapFile, 'user-bob bob@example.com\nuser-carol CAROL@example.com\nuser-nobody nobody@example.com\n');
    sim.putJob(ownedJob('dj-owned-bob', 'user-bob', 0, '2026-08-01T10:00:00Z'));
    sim.putJob(ownedJob('dj-owned-carol', 'user-carol', 0, '2026-08-01T10:00:00Z'));
    // Slack holds every look-up back (429, a second at a time) until the test lets go.
    slack.rateLimit('users.lookupByEmail', 1, { times: 1_000_000 });
    bot = await startBotProcess(env());
    await waitFor(() => asked().filter((c) => c.status === 429).length >= 2, 'look-ups held back, and tried again');

    // Meanwhile: healthy, and answering.
    expect((await fetch(`http://127.0.0.1:${bot.port}/healthz`)).status).toBe(200);
    expect(await ask('dj-owned-bob')).toContain('Owned by user-bob');
    expect(await ask('subscribe dj-owned-bob')).toMatch(/Subscribed/);
    expect(await ask('subscribe dj-owned-carol')).toMatch(/Subscribed/);
    expect(asked().every((c) => c.status === 429)).toBe(true);
    expect(resolvedLine(bot)).toBeUndefined();

    slack.clearFaults('users.lookupByEmail');
    expect(await waitFor(() => resolvedLine(bot as BotProcess), 'the emails resolved', 30_000)).toMatchObject({
      asked: 3,
      found: 2,
      notFound: 1,
    });
    // Resolved: each owner hears of their job's failure (Carol by an address written in capitals).
    sim.putJob(ownedJob('dj-owned-bob', 'user-bob', 1, '2026-08-01T10:05:00Z'));
    sim.putJob(ownedJob('dj-owned-carol', 'user-carol', 1, '2026-08-01T10:05:00Z'));
    await waitFor(() => slack.directMessages('U_BOB').length > 0 && slack.directMessages('U_CAROL').length > 0, 'the owners told', 30_000);
    expect(visibleText(slack.directMessages('U_BOB')[0])).toMatch(/Your data job \*Owned by user-bob\*[\s\S]*1 file failed/);

    // A restart, with one more email in the file: Slack is asked about that one only.
    await bot.kill('SIGTERM');
    appendFileSync(mapFile, 'user-erin erin@example.com\n');
    const before = asked().length;
    bot = await startBotProcess(env());
    expect(await waitFor(() => resolvedLine(bot as BotProcess), 'the new email resolved', 30_000)).toMatchObject({ asked: 1, found: 1 });
    expect(
      asked()
        .slice(before)
        .map((c) => c.args.email),
    ).toEqual(['erin@example.com']);
    // What was resolved before the restart still counts: Bob hears of the next change at once.
    const bobHeard = slack.directMessages('U_BOB').length;
    sim.putJob(ownedJob('dj-owned-bob', 'user-bob', 2, '2026-08-01T10:10:00Z'));
    await waitFor(() => slack.directMessages('U_BOB').length > bobHeard, 'Bob told after the restart', 30_000);
    expect(bot.child.exitCode).toBeNull();
  }, 120_000);
});
