import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { DataJob } from '../../src/domain/data-job.js';
import { createLogger } from '../../src/logger.js';
import { startBot } from '../../src/main.js';
import { deliveryRunsSince, logMark, msg, waitForLines } from '../support/bot-logs.js';
import { type Harness, SIGNING_SECRET, startHarness, USER, visibleText, waitFor } from '../support/harness.js';
import { makeJobWithFiles } from '../support/make-job.js';

/**
 * Slack refusing the bot's token is one state of the whole bot, not a pause of each channel:
 * deliveries wait (the outbox keeps them), /healthz says why, and when Slack accepts the token again
 * (a restored token, or a restart with a new one) everything goes out where it stopped.
 */

let n = 0;
/** A job moving from processing to a failure to review: two changes, each with replies. */
function states(id: string): DataJob[] {
  const job = (status: string, failed: boolean, minute: number) =>
    makeJobWithFiles(
      [
        failed ? { state: 'failed', name: 'scan.pdf', error: 'No text', fix: 'Run OCR' } : { state: 'processing', name: 'scan.pdf' },
        { state: failed ? 'done' : 'processing', name: 'b.pdf' },
      ],
      { id, name: 'Token test', status, updated_at: `2026-07-28T14:0${minute}:00Z` },
    );
  return [job('file_processing', false, 0), job('file_processing', true, 1), job('needs_review', true, 2)];
}

async function health(h: Harness) {
  const res = await fetch(`http://127.0.0.1:${h.bot.port}/healthz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function metric(h: Harness, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${h.bot.metricsPort}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1]);
}

/** Subscribes #data-jobs to a new job, then makes Slack refuse the token and lets the job move twice. */
async function refusedWhileTheJobMoves(h: Harness, tokenState: 'token_revoked' | 'account_inactive' | 'invalid_auth') {
  const id = `dj-token-${++n}`;
  const [first, failed, review] = states(id) as [DataJob, DataJob, DataJob];
  h.sim.putJob(first);
  await h.ask(`subscribe ${id}`);
  const card = h.slack.topLevel('C_DATA_JOBS')[0];
  if (!card) throw new Error('no card');
  const from = h.slack.calls.length;
  h.slack.setTokenState(tokenState);
  h.sim.putJob(failed);
  await h.bot.pollNow();
  h.sim.putJob(review);
  await h.bot.pollNow();
  return { id, card, callsWhileRefused: () => h.slack.calls.slice(from) };
}

describe('Slack refuses the bot token', () => {
  let h: Harness;
  afterEach(async () => h.stop());

  it.each(['token_revoked', 'account_inactive', 'invalid_auth'] as const)(
    '%s: deliveries wait, /healthz says why, nothing is paused, and all of it goes out when the token works again',
    async (tokenState) => {
      h = await startHarness({ env: { TOKEN_PROBE_SECONDS: '1' } });
      const since = logMark([h]);
      const { id, card, callsWhileRefused } = await refusedWhileTheJobMoves(h, tokenState);

      const down = await health(h);
      expect(down.status).toBe(503);
      expect(String(down.body.reason)).toContain(tokenState);
      expect(await metric(h, 'datajob_slack_token_refused')).toBe(1);
      // Wait out two probes: the bot asks Slack (auth.test) and logs one error line each time, and sends nothing else.
      await waitForLines([h], since, msg('Slack still refuses our token: deliveries wait'), 2, 'a token probe refused');
      const sent = callsWhileRefused().filter((c) => c.method.startsWith('chat.') || c.method === 'conversations.open');
      // The card and the reply went side by side and both found the token refused; nothing was sent after them.
      expect(sent.length, 'deliveries stopped at the refusal').toBeLessThanOrEqual(2);
      expect(callsWhileRefused().filter((c) => c.method === 'auth.test').length).toBeGreaterThanOrEqual(2);
      expect(h.logs.filter((l) => l.includes('Slack still refuses our token')).length).toBeGreaterThanOrEqual(1);
      expect(h.slack.directMessages(USER.id)).toHaveLength(0);

      h.slack.setTokenState('ok');
      await waitFor(() => h.slack.thread('C_DATA_JOBS', card.ts).length === 2, 'the replies that waited', 5_000);
      expect(h.slack.thread('C_DATA_JOBS', card.ts).map((m) => visibleText(m))).toEqual([
        expect.stringMatching(/1 file failed/),
        expect.stringMatching(/needs review/),
      ]);
      // The card shows the latest state, and the subscription was never paused.
      await waitFor(() => /Needs review/.test(visibleText(h.slack.message('C_DATA_JOBS', card.ts))), 'the card brought up to date');
      expect((await health(h)).status).toBe(200);
      const listed = visibleText((await h.ask('list')).body as object);
      expect(listed).toContain(id);
      expect(listed).not.toMatch(/paused/);
      expect(listed).toMatch(/delivery: ok/);
      expect(h.slack.directMessages(USER.id)).toHaveLength(0);
    },
  );

  it('a restart with a good token delivers what waited, once', async () => {
    h = await startHarness();
    const { card } = await refusedWhileTheJobMoves(h, 'token_revoked');
    await h.bot.stop();
    h.slack.setTokenState('ok');
    // The restarted bot logs where the first did (h.logs).
    const destination = new Writable({
      write(chunk, _enc, done) {
        h.logs.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    h.bot = await startBot(loadConfig(h.env), { logger: createLogger({ level: 'debug', secrets: [SIGNING_SECRET], destination }) });
    await waitFor(() => h.slack.thread('C_DATA_JOBS', card.ts).length === 2, 'the replies that waited', 5_000);
    // The delivery runs that follow find nothing more to send.
    await deliveryRunsSince([h], logMark([h]));
    expect(h.slack.thread('C_DATA_JOBS', card.ts)).toHaveLength(2);
    expect(h.slack.topLevel('C_DATA_JOBS')).toHaveLength(1);
  });
});
