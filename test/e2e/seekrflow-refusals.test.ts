import { afterEach, describe, expect, it } from 'vitest';
import type { DataJob } from '../../src/domain/data-job.js';
import { type Harness, startHarness, visibleText, waitFor } from '../support/harness.js';
import { makeJobWithFiles } from '../support/make-job.js';

/**
 * SeekrFlow saying no. Refusing the bot's key (401 on the calls, or 403 or 404 for every job at
 * once) is one state of the bot, told where the operator looks, never in any channel. A 404 for one
 * job while the others answer is that job gone: said once, asked less often, given up after a day.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The bot's clock, moved on by the test. */
function testClock() {
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    advance(ms: number) {
      offset += ms;
    },
  };
}

const job = (id: string, failed: boolean): DataJob =>
  makeJobWithFiles(
    [failed ? { state: 'failed', name: 'scan.pdf', error: 'No text layer', fix: 'Run OCR' } : { state: 'processing', name: 'scan.pdf' }],
    { id, name: `Job ${id}`, status: 'file_processing', updated_at: failed ? '2026-07-28T14:05:00Z' : '2026-07-28T14:00:00Z' },
  );

async function health(h: Harness) {
  const res = await fetch(`http://127.0.0.1:${h.bot.port}/healthz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function metric(h: Harness, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${h.bot.metricsPort}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1]);
}

/** Everything the bot said in a channel's threads and cards, as people read it. */
const said = (h: Harness, channel: string) => h.slack.messages(channel).map((m) => visibleText(m));

describe('SeekrFlow refuses the bot’s key', () => {
  let h: Harness;
  afterEach(async () => h.stop());

  it.each([
    { answer: '401 on every call', status: 401 as const, why: 'unauthorized' },
    { answer: '403 for every job', status: 403 as const, why: 'forbidden' },
    { answer: '404 for every job at once (another team’s id)', status: 404 as const, why: 'not_found' },
  ])(
    '$answer: one state, told to the operator, nothing in any channel; what changed meanwhile told once after',
    async ({ status, why }) => {
      const clock = testClock();
      h = await startHarness({ env: { UNREACHABLE_AFTER_MINUTES: '0' }, now: clock.now });
      for (const [id, channel] of [
        ['dj-key-a', 'C_DATA_JOBS'],
        ['dj-key-b', 'C_GENERAL'],
      ] as const) {
        h.sim.putJob(job(id, false));
        await h.ask(`subscribe ${id}`, { channel });
      }
      const before = { data: said(h, 'C_DATA_JOBS').length, general: said(h, 'C_GENERAL').length };

      h.sim.setFault({ kind: 'status', status });
      h.sim.resetRequests();
      await h.bot.pollNow();
      const down = await health(h);
      expect(down.status).toBe(503);
      expect(String(down.body.reason)).toMatch(/SeekrFlow refuses the bot's API key/);
      expect(await metric(h, 'datajob_seekrflow_key_refused')).toBe(1);

      // Polling is now a probe: none before a minute has passed, then one request a pass.
      const afterRefusal = h.sim.requestCount();
      await h.bot.pollNow();
      expect(h.sim.requestCount()).toBe(afterRefusal);
      clock.advance(MINUTE + 1);
      await h.bot.pollNow();
      expect(h.sim.requestCount()).toBe(afterRefusal + 1);
      // A look-up says so in one sentence.
      const lookup = visibleText((await h.ask('dj-key-a')).body as object);
      expect(lookup).toMatch(why === 'not_found' ? /No data job with that id was found/ : /SeekrFlow|key/);

      // Meanwhile one job fails a file. The key works again: the change is told once, nothing was paused.
      h.sim.putJob(job('dj-key-a', true));
      h.sim.clearFaults();
      clock.advance(MINUTE + 1);
      await h.bot.pollNow();
      expect((await health(h)).status).toBe(200);
      expect(await metric(h, 'datajob_seekrflow_key_refused')).toBe(0);
      await waitFor(() => said(h, 'C_DATA_JOBS').some((t) => /1 file failed/.test(t)), 'the failure told after the outage');
      const data = said(h, 'C_DATA_JOBS').slice(before.data);
      expect(data.filter((t) => /1 file failed/.test(t))).toHaveLength(1);
      expect(said(h, 'C_GENERAL').slice(before.general)).toEqual([]);
      expect([...data, ...said(h, 'C_GENERAL')].join('\n')).not.toMatch(/unreachable|unknown|no longer in SeekrFlow/i);
      expect(h.logs.filter((l) => l.includes('SeekrFlow refuses the bot’s API key'))).toHaveLength(1);
      expect(h.logs.filter((l) => l.includes('SeekrFlow accepts the bot’s API key again'))).toHaveLength(1);
      expect(visibleText((await h.ask('list')).body as object)).not.toMatch(/paused/);
    },
  );
});

describe('SeekrFlow’s own words, quoted in Slack', () => {
  let h: Harness;
  afterEach(async () => h.stop());

  it('pass the same scrubbing as the logs: an error body that echoes the API key shows no key', async () => {
    h = await startHarness();
    h.sim.putJob(job('dj-echo', false));
    h.sim.setFault({ kind: 'status', status: 422, body: JSON.stringify({ detail: `key ${h.sim.apiKey} may not read this` }) });
    const answer = visibleText((await h.ask('dj-echo')).body as object);
    expect(answer).toMatch(/SeekrFlow did not accept that request: key \[REDACTED\] may not read this/);
    expect(answer).not.toContain(h.sim.apiKey);
  });
});

describe('a job SeekrFlow no longer has', () => {
  let h: Harness;
  afterEach(async () => h.stop());

  it('is said once to be gone (thread and card), asked less often, and given up after 24 hours', async () => {
    const clock = testClock();
    h = await startHarness({ env: { UNREACHABLE_AFTER_MINUTES: '0' }, now: clock.now });
    h.sim.putJob(job('dj-gone', false));
    h.sim.putJob(job('dj-here', false));
    await h.ask('subscribe dj-gone');
    await h.ask('subscribe dj-here', { channel: 'C_GENERAL' });
    const card = h.slack.topLevel('C_DATA_JOBS')[0];
    if (!card) throw new Error('no card');

    h.sim.deleteJob('dj-gone');
    await h.bot.pollNow();
    const told = await waitFor(() => h.slack.thread('C_DATA_JOBS', card.ts)[0], 'the gone reply');
    expect(visibleText(told)).toMatch(/no longer in SeekrFlow/);
    await waitFor(() => /No longer in SeekrFlow/.test(visibleText(h.slack.message('C_DATA_JOBS', card.ts))), 'the card saying so');
    expect((await health(h)).status).toBe(200);

    // Asked again only every 10 minutes, and never told twice, nor as unreachable.
    h.sim.resetRequests();
    await h.bot.pollNow();
    expect(h.sim.requestCount('dj-gone')).toBe(0);
    expect(h.sim.requestCount('dj-here')).toBe(1);
    clock.advance(11 * MINUTE);
    await h.bot.pollNow();
    expect(h.sim.requestCount('dj-gone')).toBe(1);
    expect(h.slack.thread('C_DATA_JOBS', card.ts)).toHaveLength(1);

    // A day of 404s: its subscription ends and the card says so.
    clock.advance(24 * HOUR);
    await h.bot.pollNow();
    await waitFor(() => h.slack.thread('C_DATA_JOBS', card.ts).length === 2, 'the end of the subscription told');
    expect(visibleText(h.slack.thread('C_DATA_JOBS', card.ts)[1])).toMatch(/stops following it/);
    await waitFor(
      () => /No longer followed: not in SeekrFlow/.test(visibleText(h.slack.message('C_DATA_JOBS', card.ts))),
      'the final card',
    );
    expect(visibleText((await h.ask('list')).body as object)).not.toContain('dj-gone');
    h.sim.resetRequests();
    clock.advance(11 * MINUTE);
    await h.bot.pollNow();
    expect(h.sim.requestCount('dj-gone')).toBe(0);
    expect(said(h, 'C_DATA_JOBS').join('\n')).not.toMatch(/unreachable|unknown/i);
  });

  it('one gone job alone, no other job to compare with: the team’s list tells the key works', async () => {
    h = await startHarness({ env: { UNREACHABLE_AFTER_MINUTES: '0' } });
    h.sim.putJob(job('dj-alone', false));
    await h.ask('subscribe dj-alone');
    const card = h.slack.topLevel('C_DATA_JOBS')[0];
    if (!card) throw new Error('no card');
    h.sim.deleteJob('dj-alone');
    await h.bot.pollNow();
    const told = await waitFor(() => h.slack.thread('C_DATA_JOBS', card.ts)[0], 'the gone reply');
    expect(visibleText(told)).toMatch(/no longer in SeekrFlow/);
    expect((await health(h)).status).toBe(200);
    expect(h.sim.listRequestCount()).toBe(1);
  });

  it('comes back: said once, and the card is current again', async () => {
    const clock = testClock();
    h = await startHarness({ now: clock.now });
    const gone = job('dj-back', false);
    h.sim.putJob(gone);
    h.sim.putJob(job('dj-other', false));
    await h.ask('subscribe dj-back');
    await h.ask('subscribe dj-other', { channel: 'C_GENERAL' });
    const card = h.slack.topLevel('C_DATA_JOBS')[0];
    if (!card) throw new Error('no card');
    h.sim.deleteJob('dj-back');
    await h.bot.pollNow();
    await waitFor(() => h.slack.thread('C_DATA_JOBS', card.ts)[0], 'the gone reply');
    h.sim.putJob(gone);
    clock.advance(11 * MINUTE);
    await h.bot.pollNow();
    const back = await waitFor(() => h.slack.thread('C_DATA_JOBS', card.ts)[1], 'the reply that it is back');
    expect(visibleText(back)).toMatch(/in SeekrFlow again/);
    await waitFor(() => !/No longer in SeekrFlow/.test(visibleText(h.slack.message('C_DATA_JOBS', card.ts))), 'the card current again');
  });
});
