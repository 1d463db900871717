import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ACTIONS } from '../../src/slack/blocks/card.js';
import { checkMessage } from '../support/block-kit-rules.js';
import { type Harness, startHarness, visibleText, waitFor } from '../support/harness.js';
import { makeJobWithFiles } from '../support/make-job.js';

const JOB = 'dj-7d1c2a4e-0000-4000-8000-000000000001';

describe.each(['http', 'socket'] as const)('/datajob in %s mode', (mode) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ mode });
  });
  afterAll(() => h.stop());
  beforeEach(() => {
    h.sim.clearFaults();
    h.sim.putJob(
      makeJobWithFiles(
        [
          { state: 'done' },
          { state: 'failed', name: 'scan.pdf', error: 'No extractable text', fix: 'Run OCR and upload again' },
          { state: 'processing' },
        ],
        { id: JOB, name: 'Claims <handbook> & Q3', status: 'needs_review' },
      ),
    );
  });

  it('answers with the job card, ephemeral, through the response_url', async () => {
    const answer = await h.ask(JOB);
    expect(answer.effect).toBe('ephemeral');
    const body = answer.body as { text: string; blocks: unknown[] };
    expect(checkMessage(body)).toBeNull();
    const seen = visibleText(body);
    expect(seen).toContain('Claims &lt;handbook&gt; &amp; Q3');
    expect(seen).toContain('scan.pdf');
    expect(seen).toContain('Run OCR and upload again');
    expect(seen).toMatch(/Needs review/);
  });

  it('Refresh on the card brings the new state', async () => {
    const first = await h.ask(JOB);
    h.sim.updateJob(JOB, (job) => Object.assign(job, { status: 'ready_to_start' }));
    await h.click({ ephemeralTs: first.ts as string }, ACTIONS.refresh);
    const card = await waitFor(() => {
      const e = h.slack.ephemeral(first.ts as string);
      return e && e.replaced > 0 ? e : undefined;
    }, 'the refreshed card');
    expect(visibleText(card)).toMatch(/Ready to start/);
  });

  it('acks within 3 seconds even when SeekrFlow is slow', async () => {
    h.sim.setFault({ kind: 'latency', ms: 3_500 }, { jobId: JOB, times: 1 });
    const sent = await h.command(JOB);
    expect(sent.status).toBe(200);
    expect(sent.ms).toBeLessThan(3_000);
  });

  it('help, for an empty command', async () => {
    const answer = await h.ask('');
    expect(visibleText(answer.body as object)).toMatch(/subscribe <job id>/);
  });

  it.each([
    ['dj-does-not-exist', /No data job with that id was found/],
    ['subscribe', /needs a job id/],
    ['x'.repeat(300), /at most 128 characters/],
  ])('%s → a clear answer', async (text, expected) => {
    const answer = await h.ask(text);
    expect(visibleText(answer.body as object)).toMatch(expected);
  });

  it.each([
    ['rate limited', { kind: 'rate-limit', retryAfter: '3600' }, /asking the bot to slow down/],
    ['invalid response: not JSON', { kind: 'malformed-json' }, /could not read/],
    ['invalid response: wrong shape', { kind: 'wrong-shape' }, /could not understand \(field `/],
    ['unavailable: no answer in time', { kind: 'hang' }, /could not be reached/],
  ] as const)('%s → a short answer that says what to do', async (_name, fault, expected) => {
    h.sim.setFault(fault, { jobId: JOB });
    const seen = visibleText((await h.ask(JOB)).body as object);
    expect(seen).toMatch(expected);
    expect(seen).toMatch(/request id|Try again|tell whoever runs the bot/);
  });

  it('says SeekrFlow is unavailable, without a stack trace', async () => {
    h.sim.setFault({ kind: 'status', status: 503 }, { jobId: JOB });
    const seen = visibleText((await h.ask(JOB)).body as object);
    expect(seen).toMatch(/SeekrFlow is not answering right now/);
    expect(seen).not.toMatch(/at .*\.ts:\d+|Error:/);
  });
});

describe.each([
  ['unauthorized', { SEEKRFLOW_API_KEY: 'not-the-key' }, /refused the bot’s API key.*SEEKRFLOW_API_KEY/],
  ['forbidden', { SEEKRFLOW_TEAM_ID: 'another-team' }, /may not see this job.*SEEKRFLOW_TEAM_ID/],
] as const)('/datajob when SeekrFlow says %s', (_name, env, expected) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { ...env } });
    h.sim.putJob(makeJobWithFiles([], { id: JOB }));
  });
  afterAll(() => h.stop());

  it('answers with what to check, and never shows the key', async () => {
    const seen = visibleText((await h.ask(JOB)).body as object);
    expect(seen).toMatch(expected);
    expect(seen).not.toContain(h.sim.apiKey);
    expect(seen).not.toContain('not-the-key');
  });
});
