import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHomeView, checkMessage, checkUnfurls, checkView } from '../../test/support/block-kit-rules.js';
import { makeBusyJob } from '../../test/support/make-job.js';
import { ACTIONS } from '../slack/blocks/card.js';
import { HOME_ACTIONS } from '../slack/blocks/home.js';
import { UNFURL_ACTIONS } from '../slack/blocks/unfurl.js';
import { WATCH_CALLBACK_ID } from '../slack/blocks/watch-modal.js';
import { runRender } from './render.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'datajob-render-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(args: string[], stdin = '') {
  let stdout = '';
  let stderr = '';
  const code = await runRender(args, {
    stdin: Readable.from([stdin]),
    stdout: (s) => {
      stdout += s;
    },
    stderr: (s) => {
      stderr += s;
    },
  });
  return { code, stdout, stderr };
}

async function jobFile(name: string, content: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const actionIds = (payload: { blocks: { type: string; elements?: { action_id: string }[] }[] }) =>
  payload.blocks.flatMap((b) => (b.type === 'actions' ? (b.elements ?? []).map((e) => e.action_id) : []));

describe('datajob-bot render', () => {
  const job = makeBusyJob(40, { failedEvery: 4, events: 30 });

  it('prints the ephemeral card payload of a job file as JSON', async () => {
    const { code, stdout, stderr } = await run([await jobFile('job.json', job)]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const payload = JSON.parse(stdout);
    expect(Object.keys(payload)).toEqual(['text', 'blocks']);
    expect(payload.text).toContain(': Running, 10 failed files');
    expect(checkMessage(payload)).toBeNull();
    expect(actionIds(payload)).toEqual([ACTIONS.refresh, ACTIONS.subscribe, ACTIONS.share]);
    expect(stdout).toMatch(/^{\n {2}"text"/);
  });

  it.each(['ephemeral', 'shared', 'living'])('prints a payload Slack accepts for 20,000 files with hostile strings (%s)', async (mode) => {
    const hostile = '<!channel> & <https://evil.example|login> 💥e\u0301 '.repeat(120);
    const big = makeBusyJob(20_000, { failedEvery: 3, nameLength: 300, events: 500 }, { name: hostile, status: hostile });
    for (const record of big.ingestion_jobs[0]?.records ?? []) if (record.error_message) record.error_message = hostile;
    const { code, stdout } = await run([await jobFile(`big-${mode}.json`, big), '--mode', mode]);
    expect(code).toBe(0);
    const payload = JSON.parse(stdout);
    expect(checkMessage(payload)).toBeNull();
    // Only plain_text (the header) may hold the raw name; every mrkdwn text has it escaped.
    const mrkdwnTexts: string[] = [payload.text];
    JSON.stringify(payload.blocks, (_key, value) => {
      if (value?.type === 'mrkdwn') mrkdwnTexts.push(value.text);
      return value;
    });
    expect(mrkdwnTexts.length).toBeGreaterThan(5);
    for (const text of mrkdwnTexts) expect(text).not.toMatch(/<!channel>|<https:\/\/evil/);
  });

  it('reads stdin with -, and takes --mode and --job-url-template', async () => {
    const { code, stdout } = await run(
      ['-', '--mode', 'living', '--job-url-template=https://apps.seekr.com/jobs/{id}?x=1'],
      JSON.stringify({ ...job, id: 'dj 1/2' }),
    );
    expect(code).toBe(0);
    const payload = JSON.parse(stdout);
    expect(actionIds(payload)).toEqual([ACTIONS.refresh, ACTIONS.unsubscribe, ACTIONS.viewInSeekrflow]);
    expect(JSON.stringify(payload)).toContain('"url":"https://apps.seekr.com/jobs/dj%201%2F2?x=1"');
  });

  it('prints what a link to the job unfurls into: chat.unfurl’s map, keyed by the link', async () => {
    const file = await jobFile('unfurl.json', job);
    const fromTemplate = await run([file, '--unfurl', '--job-url-template', 'https://apps.seekr.com/data-jobs/{id}']);
    expect(fromTemplate.code).toBe(0);
    const unfurls = JSON.parse(fromTemplate.stdout);
    const link = `https://apps.seekr.com/data-jobs/${job.id}`;
    expect(Object.keys(unfurls)).toEqual([link]);
    expect(checkUnfurls(unfurls)).toBeNull();
    expect(JSON.stringify(unfurls)).toContain(UNFURL_ACTIONS.refresh);
    const fromUrl = JSON.parse((await run([file, '--unfurl', '--url', 'https://apps.seekr.com/view?id=x'])).stdout);
    expect(Object.keys(fromUrl)).toEqual(['https://apps.seekr.com/view?id=x']);
  });

  it('prints the App Home of whoever subscribed a channel to the job, and the "Watch this job" modal', async () => {
    const file = await jobFile('home.json', job);
    const home = await run([file, '--home', '--channel', 'C0DATAJOBS']);
    expect(home.code).toBe(0);
    const view = JSON.parse(home.stdout);
    expect(view.type).toBe('home');
    expect(checkHomeView(view)).toBeNull();
    expect(home.stdout).toContain('in <#C0DATAJOBS>');
    expect(home.stdout).toContain(HOME_ACTIONS.unsubscribe);

    const modal = JSON.parse((await run([file, '--watch-modal'])).stdout);
    expect(modal).toMatchObject({ type: 'modal', callback_id: WATCH_CALLBACK_ID });
    expect(checkView(modal)).toBeNull();
  });

  it('names the field that makes a file not a data job', async () => {
    const broken = { ...job, files: [{ ...job.files[0], file_id: undefined }], status: 42 };
    const { code, stdout, stderr } = await run([await jobFile('broken.json', broken)]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('is not a SeekrFlow data job');
    expect(stderr).toMatch(/files\[0\]\.file_id: .*expected string/);
    expect(stderr).toMatch(/status: .*expected string/);
  });

  it('says when the input is not JSON, or not there', async () => {
    const notJson = await run([await jobFile('bad.json', '{"id": ')]);
    expect(notJson.code).toBe(1);
    expect(notJson.stderr).toContain('is not valid JSON');
    const missing = await run([join(dir, 'nope.json')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Cannot read');
  });

  it('asks for the link of an unfurl when it cannot make one', async () => {
    const { code, stderr } = await run([await jobFile('no-link.json', job), '--unfurl']);
    expect(code).toBe(2);
    expect(stderr).toContain('--unfurl needs the link');
  });

  it.each([
    [[]],
    [['a.json', 'b.json']],
    [['job.json', '--mode', 'loud']],
    [['job.json', '--frobnicate']],
    [['job.json', '--job-url-template', 'https://x/']],
    [['job.json', '--unfurl', '--home']],
    [['job.json', '--home', '--channel', '#general']],
    [['job.json', '--unfurl', '--url', 'not a link']],
  ])('rejects bad usage %j with exit 2 and the usage', async (args) => {
    const { code, stderr } = await run(args);
    expect(code).toBe(2);
    expect(stderr).toContain('Usage: datajob-bot render');
  });
});
