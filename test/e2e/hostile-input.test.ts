import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkMessage } from '../support/block-kit-rules.js';
import { logMark, waitForLines } from '../support/bot-logs.js';
import { slashCommandPayload } from '../support/fake-slack/payloads.js';
import { type Harness, SIGNING_SECRET, startHarness, visibleText, waitFor } from '../support/harness.js';
import { makeJob } from '../support/make-job.js';
import { postSigned } from '../support/slack-requests.js';

/** What a hostile or clumsy user can type, and what a forged request can try. */

const JOB = 'dj-5e1d0000-0000-4000-8000-00000000beef';
/** Looked up right after a refused request, as a sign the bot is done with it. */
const BEHIND = 'dj-5e1d0000-0000-4000-8000-0000000be41d';

const HOSTILE: string[] = [
  '',
  ' ',
  '\t\n',
  'x'.repeat(10_000),
  'dj-'.repeat(50),
  '<!channel>',
  '<!here>',
  '<!everyone>',
  '<@U12345>',
  '<https://evil.example|click me>',
  '<#C123|general>',
  '&amp;&lt;&gt;',
  '../etc/passwd',
  '..%2F..%2Fetc%2Fpasswd',
  '%2F',
  '%00',
  'dj-1%2F..',
  'dj-1/../../admin',
  '/v1/flow/data-jobs',
  'dj-1?x=1',
  'dj-1#frag',
  'dj-1&y=2',
  "dj-1' OR '1'='1",
  'dj-1"; DROP TABLE subscriptions; --',
  "'; DELETE FROM deliveries; --",
  'dj-1; rm -rf /',
  '$(reboot)',
  '`reboot`',
  '| cat /etc/shadow',
  '&& curl evil',
  '> /dev/null',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a user typing a template literal is the point
  '${process.env.SLACK_BOT_TOKEN}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '"quoted"',
  "'single'",
  '\\',
  '\\\\server\\share',
  '\u0000',
  '\u0007\u0008\u001b[31m',
  '\u202eevil',
  '\u200b',
  '\ufeffdj-1',
  'dj-\u00e9',
  'dj-💥',
  '💥'.repeat(200),
  'e\u0301\u0301\u0301\u0301',
  '𝔡𝔧-1',
  'ｄｊ-１',
  'дж-1',
  '数据作业',
  'subscribe',
  'subscribe <!channel>',
  'subscribe ../x',
  `subscribe ${JOB} everything extra words`,
  `subscribe ${JOB} loud`,
  'unsubscribe',
  'unsubscribe %2F',
  `unsubscribe ${JOB} ${JOB}`,
  'list please',
  'LIST',
  'help me',
  'HELP',
  '--help',
  '-h',
  '?',
  'null',
  'undefined',
  'NaN',
  '0',
  '-1',
  '1e309',
  'true',
  '[]',
  '{}',
  '{"id":"dj-1"}',
  'dj-1\ndj-2',
  'dj-1\rdj-2',
  'dj-1 dj-2',
  ' `dj-1` `dj-2` ',
  '```dj-1```',
  '<dj-1',
  'dj-1>',
  '<>',
  '``',
  '<<<>>>',
  '@datajob-bot',
  '*bold*',
  '_italic_',
  '~strike~',
  ':emoji:',
  'a:b:c:d',
  '.',
  '..',
  '...',
  '-',
  '__',
  'x'.repeat(128),
  'x'.repeat(129),
  `${'a'.repeat(64)}/${'b'.repeat(63)}`,
  'dj-1 OR 1=1',
  'show dj-1',
  'status dj-1',
  'SUBSCRIBE dj-1 ALL',
  'sub',
  'unsub',
];

describe('hostile input', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    h.sim.putJob(makeJob({ id: JOB, name: '<!channel> & <@U123> <https://evil.example|login>' }));
    h.sim.putJob(makeJob({ id: BEHIND, name: 'Asked behind' }));
  });
  afterAll(() => h.stop());

  /**
   * The bot's word that it refused a request (Bolt's, or its own for a date ahead), then a look-up sent
   * behind it answered: had the refused request been served all the same, it would have been by then.
   */
  const refused = async (since: number[], why: string) => {
    await waitForLines([h], since, (l) => typeof l.msg === 'string' && l.msg.includes(why), 1, `the bot to refuse the request (${why})`);
    expect(visibleText((await h.ask(BEHIND)).body as object)).toContain('Asked behind');
  };

  it(`answers each of ${HOSTILE.length} hostile command texts clearly, and SeekrFlow only ever sees plausible, encoded ids`, async () => {
    expect(HOSTILE.length).toBeGreaterThanOrEqual(100);
    for (const text of HOSTILE) {
      const answer = await h.ask(text);
      const body = answer.body as { text: string; blocks?: unknown[] };
      expect(checkMessage(body), text).toBeNull();
      const seen = visibleText(body);
      expect(seen.length, text).toBeGreaterThan(10);
      expect(seen, text).not.toMatch(/<!channel>|<!here>|<!everyone>|<https?:/);
      expect(seen, text).not.toMatch(/\bat \S+\.(ts|js):\d+|TypeError|undefined is not/);
    }
    for (const request of h.sim.requests) {
      const id = request.rawPath.slice('/v1/flow/data-jobs/'.length);
      expect(id).toMatch(/^[A-Za-z0-9_.%-]{1,384}$/);
      expect(decodeURIComponent(id)).toMatch(/^[A-Za-z0-9_.:-]{1,128}$/);
    }
    // The bot is still up and answering.
    expect(visibleText((await h.ask(JOB)).body as object)).toContain('&lt;!channel&gt; &amp; &lt;@U123&gt;');
  }, 120_000);

  it('rejects a request with a bad signature (401) and does nothing', async () => {
    const responseUrl = h.slack.responseUrl({ channel: 'C_DATA_JOBS' });
    const body = new URLSearchParams(slashCommandPayload({ text: JOB, responseUrl })).toString();
    const before = h.sim.requestCount(JOB);
    const since = logMark([h]);
    const res = await postSigned(h.botUrl, 'not-the-secret', body);
    expect(res.status).toBe(401);
    await refused(since, 'signature mismatch');
    expect(h.slack.responses(responseUrl)).toHaveLength(0);
    expect(h.sim.requestCount(JOB)).toBe(before);
  });

  it('rejects a correctly signed request with a stale timestamp', async () => {
    const responseUrl = h.slack.responseUrl({ channel: 'C_DATA_JOBS' });
    const body = new URLSearchParams(slashCommandPayload({ text: JOB, responseUrl })).toString();
    const since = logMark([h]);
    const res = await postSigned(h.botUrl, SIGNING_SECRET, body, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(res.status).toBe(401);
    await refused(since, 'request is stale');
    expect(h.slack.responses(responseUrl)).toHaveLength(0);
  });

  it('rejects a correctly signed request dated more than 5 minutes ahead (401): no SeekrFlow request, nothing posted', async () => {
    const responseUrl = h.slack.responseUrl({ channel: 'C_DATA_JOBS' });
    const body = new URLSearchParams(slashCommandPayload({ text: JOB, responseUrl })).toString();
    const before = { seekrflow: h.sim.requestCount(JOB), slack: h.slack.calls.length };
    const since = logMark([h]);
    const res = await postSigned(h.botUrl, SIGNING_SECRET, body, { timestamp: Math.floor(Date.now() / 1000) + 6 * 60 });
    expect(res.status).toBe(401);
    await refused(since, 'dated more than 5 minutes ahead');
    expect(h.slack.responses(responseUrl)).toHaveLength(0);
    expect(h.sim.requestCount(JOB)).toBe(before.seekrflow);
    expect(h.slack.calls.length).toBe(before.slack);
  });

  it('still serves a request dated 4 minutes ahead (a clock a little fast)', async () => {
    const responseUrl = h.slack.responseUrl({ channel: 'C_DATA_JOBS' });
    const body = new URLSearchParams(slashCommandPayload({ text: 'help', responseUrl })).toString();
    const res = await postSigned(h.botUrl, SIGNING_SECRET, body, { timestamp: Math.floor(Date.now() / 1000) + 4 * 60 });
    expect(res.status).toBe(200);
    await waitFor(() => h.slack.responses(responseUrl)[0], 'the answer');
  });

  it('refuses a signed request whose payload is not JSON, does nothing, and keeps serving', async () => {
    const before = h.sim.requestCount();
    const res = await postSigned(h.botUrl, SIGNING_SECRET, 'payload=%7Bnot-json');
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(h.sim.requestCount()).toBe(before);
    expect(visibleText((await h.ask('help')).body as object)).toMatch(/subscribe/);
  });

  it('never writes the bot token, the signing secret or the API key to the logs', () => {
    const all = h.logs.join('\n');
    expect(all.length).toBeGreaterThan(1000);
    for (const secret of [h.env.SLACK_BOT_TOKEN, SIGNING_SECRET, h.sim.apiKey]) expect(all).not.toContain(secret as string);
  });
});
