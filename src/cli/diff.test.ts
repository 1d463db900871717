import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { checkMessage } from '../../test/support/block-kit-rules.js';
import { makeJob, makeJobWithFiles } from '../../test/support/make-job.js';
import { runDiff } from './diff.js';

const dir = mkdtempSync(join(tmpdir(), 'datajob-diff-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

async function run(args: string[]) {
  let out = '';
  let err = '';
  const code = await runDiff(args, { stdin: new PassThrough(), stdout: (s) => (out += s), stderr: (s) => (err += s) });
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
