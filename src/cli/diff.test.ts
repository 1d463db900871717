import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { checkMessage } from '../../test/support/block-kit-rules.js';
import { makeAlignment, makeJob, makeJobWithFiles } from '../../test/support/make-job.js';
import { runDiff } from './diff.js';

const dir = mkdtempSync(join(tmpdir(), 'datajob-diff-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

async function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  let out = '';
  let err = '';
  const code = await runDiff(args, { stdin: new PassThrough(), stdout: (s) => (out += s), stderr: (s) => (err += s) }, env);
  return { code, out, err };
}

describe('datajob-bot diff', () => {
  const before = file('before.json', makeJobWithFiles([{ state: 'processing', name: 'a.pdf' }], { status: 'file_processing' }));
  const after = file('after.json', makeJobWithFiles([{ state: 'failed', name: 'a.pdf', fix: 'Run OCR' }], { status: 'needs_review' }));

  it('prints the events, the card update and the thread replies, each as Slack would take it', async () => {
    const { code, out } = await run([before, after]);
    expect(code).toBe(0);
    const result = JSON.parse(out);
    expect(result.events.map((e: { type: string }) => e.type)).toEqual(['files_failed', 'needs_review']);
    expect(checkMessage(result.cardUpdate)).toBeNull();
    expect(result.threadReplies).toHaveLength(2);
    for (const reply of result.threadReplies) expect(checkMessage(reply)).toBeNull();
    expect(result.threadReplies.every((r: { reply_broadcast: boolean }) => r.reply_broadcast)).toBe(true);
    expect(JSON.stringify(result.threadReplies[0].blocks)).toContain('Run OCR');
  });

  it('applies the filter', async () => {
    const a = file('a.json', makeJob({ status: 'running' }));
    const b = file('b.json', makeJob({ status: 'warming_up' }));
    expect(JSON.parse((await run([a, b, '--filter', 'failures'])).out).threadReplies).toEqual([]);
    expect(JSON.parse((await run([a, b, '--filter', 'all'])).out).threadReplies).toHaveLength(1);
  });

  it('says nothing changed as no events and no card update', async () => {
    const result = JSON.parse((await run([before, before])).out);
    expect(result).toMatchObject({ events: [], cardUpdate: null, threadReplies: [] });
  });

  describe('takes the bot’s settings from the environment, or flags', () => {
    const running = file('running.json', makeJob({ status: 'running', alignment_job: makeAlignment({ status: 'running', progress: 40 }) }));
    const events = async (args: string[], env: NodeJS.ProcessEnv = {}) =>
      (JSON.parse((await run([running, running, ...args], env)).out) as { events: { type: string }[] }).events.map((e) => e.type);

    it.each<[string, string[], NodeJS.ProcessEnv, string[]]>([
      ['the default 60 minutes: not stalled after 1', [], {}, []],
      ['the default 60 minutes: stalled after 60', ['--elapsed-minutes', '60'], {}, ['stalled']],
      ['STALL_AFTER_MINUTES from the environment', [], { STALL_AFTER_MINUTES: '1' }, ['stalled']],
      ['the flag over the environment', ['--stall-after-minutes', '5'], { STALL_AFTER_MINUTES: '1' }, []],
    ])('%s', async (_name, args, env, expected) => {
      expect(await events(args, env)).toEqual(expected);
    });

    it('refuses a setting the bot would refuse, naming it', async () => {
      const result = await run([running, running], { UNREACHABLE_AFTER_MINUTES: 'soon' });
      expect(result.code).toBe(2);
      expect(result.err).toMatch(/UNREACHABLE_AFTER_MINUTES: expected a whole number/);
    });
  });

  it('shows the end of a job that had already ended, as the bot tells a channel that never heard it', async () => {
    const done = file('done.json', makeJob({ status: 'completed' }));
    const result = JSON.parse((await run([done, done])).out);
    expect(result.events.map((e: { type: string }) => e.type)).toEqual(['ended']);
    expect(result.subscriptionEnds).toBe(true);
    expect(JSON.stringify(result.cardUpdate)).toMatch(/Final state, no longer updated/);
  });

  it.each([
    [['only-one.json'], 2, /Usage/],
    [[before, after, '--filter', 'loud'], 2, /--filter takes one of all, changes, failures/],
    [[before, join(dir, 'missing.json')], 1, /Cannot read .*missing\.json/],
    [[before, file('bad.json', '{"id": 1}')], 1, /is not a SeekrFlow data job: id/],
  ])('%j → exit %i with a clear message', async (args, code, message) => {
    const result = await run(args as string[]);
    expect(result.code).toBe(code);
    expect(result.err).toMatch(message);
  });
});
