import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkMessage } from '../../test/support/block-kit-rules.js';
import { makeAlignment, makeJobWithFiles } from '../../test/support/make-job.js';
import { runRender } from './render.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'datajob-render-digest-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runRender(args, {
    stdin: Readable.from(['']),
    stdout: (s) => {
      stdout += s;
    },
    stderr: (s) => {
      stderr += s;
    },
  });
  return { code, stdout, stderr };
}

async function file(name: string, content: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('datajob-bot render --digest', () => {
  it('prints the digest a channel following these jobs would get', async () => {
    const failed = makeJobWithFiles([{ state: 'failed', name: 'scan.pdf', error: 'No extractable text', fix: 'Run OCR' }], {
      id: 'dj-f',
      name: 'Policies',
      status: 'failed',
    });
    const running = makeJobWithFiles([{ state: 'done', name: 'a.pdf' }], {
      id: 'dj-r',
      name: 'Claims',
      status: 'running',
      alignment_job: makeAlignment({ status: 'running', progress: 60 }),
    });
    const review = makeJobWithFiles([{ state: 'failed', name: 'b.pdf', error: 'Encrypted' }], {
      id: 'dj-n',
      name: 'Forms',
      status: 'needs_review',
    });
    const { code, stdout, stderr } = await run([
      '--digest',
      await file('f.json', failed),
      await file('r.json', running),
      await file('n.json', review),
    ]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const message = JSON.parse(stdout);
    expect(checkMessage(message)).toBeNull();
    const text = JSON.stringify(message.blocks);
    expect(text).toMatch(/Failed\*.*Policies.*1× No extractable text/);
    expect(text).toMatch(/Waiting for a person\*.*Forms.*Needs review: 1 file failed/);
    expect(text).toMatch(/Still running\*.*Claims.*60%/);
  });

  it('refuses what is not a job, and a call without files', async () => {
    expect((await run(['--digest'])).code).toBe(2);
    const bad = await run(['--digest', await file('bad.json', { id: 1 })]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/is not a SeekrFlow data job/);
  });
});
