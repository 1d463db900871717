import { afterEach, describe, expect, it } from 'vitest';
import type { DataJob } from '../../src/domain/data-job.js';
import { type Harness, startHarness } from '../support/harness.js';
import { makeJobWithFiles } from '../support/make-job.js';

/**
 * GET /metrics end to end, in both modes: what an operator scrapes after the bot subscribed, ran a
 * pass that found changes, met a SeekrFlow failure, got a 429 from Slack and had its token refused.
 * Counters are checked against what the simulator and the fake Slack saw; gauges against the state.
 */

let n = 0;
function states(id: string): DataJob[] {
  const at = (minute: number) => `2026-07-28T14:0${minute}:00Z`;
  const name = 'Metrics job';
  return [
    makeJobWithFiles([{ state: 'processing', name: 'a.pdf' }], { id, name, status: 'file_processing', updated_at: at(0) }),
    makeJobWithFiles([{ state: 'failed', name: 'a.pdf', error: 'No text', fix: 'Run OCR' }], {
      id,
      name,
      status: 'file_processing',
      updated_at: at(1),
    }),
    makeJobWithFiles([{ state: 'failed', name: 'a.pdf', error: 'No text', fix: 'Run OCR' }], {
      id,
      name,
      status: 'needs_review',
      updated_at: at(2),
    }),
    makeJobWithFiles([{ state: 'failed', name: 'a.pdf', error: 'No text', fix: 'Run OCR' }], {
      id,
      name,
      status: 'ready_to_start',
      updated_at: at(3),
    }),
  ];
}

/** The scrape as `name{labels}` → value (labels as prom-client prints them, sorted by name). */
async function scrape(h: Harness): Promise<{ contentType: string; get: (series: string) => number | undefined; text: string }> {
  const res = await fetch(`http://127.0.0.1:${h.bot.metricsPort}/metrics`);
  expect(res.status).toBe(200);
  const text = await res.text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    values.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return { contentType: res.headers.get('content-type') ?? '', get: (series) => values.get(series), text };
}

/** Polls an asynchronous probe until it holds. */
async function until(probe: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** What the fake Slack saw of a method: answered ok, 429, or with an error code. */
function slackSaw(h: Harness, method: string, outcome: string): number {
  return h.slack.callsTo(method).filter((c) => {
    if (outcome === 'ratelimited') return c.status === 429;
    if (c.status !== 200) return false;
    return outcome === 'ok' ? c.response.ok === true : c.response.error === outcome;
  }).length;
}

describe.each(['http', 'socket'] as const)('GET /metrics (%s mode)', (mode) => {
  let h: Harness;
  afterEach(async () => h?.stop());

  it('counts passes, SeekrFlow reads, Slack calls, 429s and holds; shows the outbox, the subscriptions and the token', async () => {
    h = await startHarness({ mode, env: { TOKEN_PROBE_SECONDS: '1', METRICS_STORE_SECONDS: '0' } });
    const id = `dj-metrics-${mode}-${++n}`;
    const other = `dj-metrics-${mode}-${++n}`;
    const job = states(id);
    h.sim.putJob(job[0] as DataJob);
    h.sim.putJob(states(other)[0] as DataJob);

    // On a port of its own, not the Slack port whoever reaches the bot can call.
    expect(h.bot.metricsPort).not.toBe(h.bot.port);
    expect((await fetch(`http://127.0.0.1:${h.bot.port}/metrics`)).status).toBe(404);
    const fresh = await scrape(h);
    expect(fresh.contentType).toMatch(/^text\/plain/);
    expect(fresh.get('datajob_poll_passes_total')).toBe(0);
    expect(fresh.get('datajob_slack_token_refused')).toBe(0);
    expect(fresh.get('datajob_outbox_pending')).toBe(0);
    expect(fresh.get('datajob_outbox_oldest_age_seconds')).toBe(0);

    // Two subscriptions, one of them paused by a person.
    await h.ask(`subscribe ${id}`, { channel: 'C_DATA_JOBS' });
    await h.ask(`subscribe ${other}`, { channel: 'C_GENERAL' });
    await h.ask(`pause ${other}`, { channel: 'C_GENERAL' });
    const subscribed = await scrape(h);
    expect(subscribed.get('datajob_subscriptions{state="active"}')).toBe(1);
    expect(subscribed.get('datajob_subscriptions{state="paused"}')).toBe(1);
    expect(subscribed.get('datajob_subscriptions{state="ended"}')).toBe(0);
    expect(subscribed.get('datajob_seekrflow_requests_total{outcome="ok"}')).toBe(h.sim.requestCount());

    // A pass with a change: a card update and a reply.
    h.sim.putJob(job[1] as DataJob);
    await h.bot.pollNow();
    // A pass where SeekrFlow fails (every try of it: 503).
    h.sim.setFault({ kind: 'status', status: 503 }, { jobId: id });
    await h.bot.pollNow();
    h.sim.clearFaults();
    const afterPasses = await scrape(h);
    expect(afterPasses.get('datajob_poll_passes_total')).toBe(2);
    expect(afterPasses.get('datajob_poll_jobs')).toBe(1);
    expect(afterPasses.get('datajob_poll_pass_duration_seconds_count')).toBe(2);
    expect(afterPasses.get('datajob_seekrflow_requests_total{outcome="unavailable"}')).toBe(1);
    const okBefore = subscribed.get('datajob_seekrflow_requests_total{outcome="ok"}') ?? 0;
    expect(afterPasses.get('datajob_seekrflow_requests_total{outcome="ok"}')).toBe(okBefore + 1);

    // Slack answers 429 to the next reply: it waits in the outbox, and the scrape says so.
    h.slack.rateLimit('chat.postMessage', 3, { times: 1 });
    h.sim.putJob(job[2] as DataJob);
    await h.bot.pollNow();
    const waiting = await scrape(h);
    expect(waiting.get('datajob_slack_rate_limited_total{method="chat.postMessage"}')).toBe(1);
    expect(waiting.get('datajob_slack_held_seconds_total{method="chat.postMessage"}')).toBe(3);
    expect(waiting.get('datajob_slack_calls_total{method="chat.postMessage",outcome="ratelimited"}')).toBe(1);
    expect(waiting.get('datajob_outbox_pending')).toBe(1);
    const age = waiting.get('datajob_outbox_oldest_age_seconds') ?? 0;
    expect(age).toBeGreaterThan(0);
    expect(age).toBeLessThan(3);
    await until(async () => (await scrape(h)).get('datajob_outbox_pending') === 0, 'the reply sent after the hold', 10_000);
    const drained = await scrape(h);
    expect(drained.get('datajob_outbox_oldest_age_seconds')).toBe(0);

    // Slack refuses the token: 1 while it does, 0 once it takes it again; the outbox waits meanwhile.
    h.slack.setTokenState('token_revoked');
    h.sim.putJob(job[3] as DataJob);
    await h.bot.pollNow();
    const refused = await scrape(h);
    expect(refused.get('datajob_slack_token_refused')).toBe(1);
    expect(refused.get('datajob_outbox_pending')).toBeGreaterThan(0);
    h.slack.setTokenState('ok');
    await until(
      async () => {
        const now = await scrape(h);
        return now.get('datajob_slack_token_refused') === 0 && now.get('datajob_outbox_pending') === 0;
      },
      'the token accepted and the outbox drained',
      10_000,
    );

    // Every Slack call the bot made for delivery is counted by method and outcome, as Slack saw it.
    const last = await scrape(h);
    for (const method of ['chat.postMessage', 'chat.update']) {
      for (const outcome of ['ok', 'ratelimited', 'token_revoked']) {
        expect(last.get(`datajob_slack_calls_total{method="${method}",outcome="${outcome}"}`) ?? 0, `${method} ${outcome}`).toBe(
          slackSaw(h, method, outcome),
        );
      }
    }
    expect(slackSaw(h, 'chat.update', 'ok')).toBeGreaterThanOrEqual(3);
    expect(last.get('datajob_poll_passes_total')).toBe(4);
    expect(last.get('datajob_slack_rate_limited_total{method="chat.update"}') ?? 0).toBe(0);
  });
});
