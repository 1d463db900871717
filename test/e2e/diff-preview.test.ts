import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DataJob } from '../../src/domain/data-job.js';
import { type Harness, startHarness, USER } from '../support/harness.js';
import { makeAlignment, makeJobWithFiles } from '../support/make-job.js';

/**
 * `datajob-bot diff before.json after.json` promises to show what a subscribed channel would get.
 * Here the same pair goes to the CLI (as a process, with the bot's own settings in its environment)
 * and to a real poll pass of the bot (the fake Slack records what it was sent), and the two must say
 * the same: the same card update, the same thread replies, the same broadcasts.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SETTINGS = { STALL_AFTER_MINUTES: '0', UNREACHABLE_AFTER_MINUTES: '10' };

let n = 0;
const files = (states: Array<Parameters<typeof makeJobWithFiles>[0][number]['state']>) =>
  states.map((state, i) => ({ state, name: `doc-${i}.pdf`, error: 'No extractable text', fix: 'Run OCR and upload it again' }));

/** Pairs of polls, each a change a channel would hear about in its own way. */
function cases(): Array<[string, 'all' | 'changes' | 'failures', (id: string) => [DataJob, DataJob]]> {
  const job = (id: string, status: string, states: Parameters<typeof files>[0], extra: Partial<DataJob> = {}) =>
    makeJobWithFiles(files(states), { id, name: 'Claims handbook', status, updated_at: `2026-07-28T14:0${++n % 10}:00Z`, ...extra });
  return [
    [
      'files fail (changes)',
      'changes',
      (id) => [job(id, 'file_processing', ['processing', 'processing']), job(id, 'file_processing', ['failed', 'processing'])],
    ],
    [
      'the job waits for review (failures)',
      'failures',
      (id) => [job(id, 'file_processing', ['failed', 'processing']), job(id, 'needs_review', ['failed', 'done'])],
    ],
    [
      'alignment starts (all)',
      'all',
      (id) => [
        job(id, 'ready_to_start', ['done']),
        job(id, 'queued', ['done'], { alignment_job: makeAlignment({ status: 'queued', progress: 0 }) }),
      ],
    ],
    [
      'a running job that did not move: stalled (all)',
      'all',
      (id) => {
        const running = job(id, 'running', ['done'], { alignment_job: makeAlignment({ status: 'running', progress: 40 }) });
        return [running, running];
      },
    ],
    [
      'the job ends (changes)',
      'changes',
      (id) => [
        job(id, 'running', ['done', 'done'], { alignment_job: makeAlignment({ status: 'running', progress: 90 }) }),
        job(id, 'completed', ['done', 'done'], { alignment_job: makeAlignment({ status: 'completed', progress: 100 }) }),
      ],
    ],
  ];
}

/**
 * What a reader sees of a message. Block ids and the clock times (when the job was fetched, since
 * when it stalled) are the only things that may differ: the pass and the preview run at other moments.
 */
function comparable(message: { text?: unknown; blocks?: unknown; reply_broadcast?: unknown }): unknown {
  const strip = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(strip);
    if (typeof node === 'string') return node.replace(/<!date\^\d+\^[^>]*>/g, '<time>');
    if (node === null || typeof node !== 'object') return node;
    return Object.fromEntries(Object.entries(node).flatMap(([k, v]) => (k === 'block_id' ? [] : [[k, strip(v)]])));
  };
  return strip({ text: message.text, blocks: message.blocks, broadcast: message.reply_broadcast ?? false });
}

describe('datajob-bot diff previews what a real pass sends', () => {
  let h: Harness;
  const dir = mkdtempSync(join(tmpdir(), 'datajob-preview-'));
  beforeAll(async () => {
    h = await startHarness({ env: SETTINGS });
  });
  afterAll(async () => {
    await h.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => h.slack.reset());

  it.each(cases())('%s', async (name, filter, states) => {
    const id = `dj-preview-${++n}`;
    const [before, after] = states(id);
    const channel = 'C_DATA_JOBS';

    h.sim.putJob(before);
    await h.ask(`subscribe ${id} ${filter === 'changes' ? '' : filter}`.trim(), { channel });
    const card = h.slack.topLevel(channel)[0];
    if (!card) throw new Error('no living card');
    h.sim.putJob(after);
    await h.bot.pollNow();
    const updates = h.slack.callsTo('chat.update').filter((c) => c.args.ts === card.ts);
    const sent = {
      cardUpdate: updates.length > 0 ? comparable(updates.at(-1)?.args as object) : null,
      threadReplies: h.slack.thread(channel, card.ts).map((m) => comparable(m)),
    };

    const beforeFile = join(dir, `${name.replace(/\W+/g, '-')}-before.json`);
    const afterFile = join(dir, `${name.replace(/\W+/g, '-')}-after.json`);
    writeFileSync(beforeFile, JSON.stringify(before));
    writeFileSync(afterFile, JSON.stringify(after));
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli.ts',
        'diff',
        beforeFile,
        afterFile,
        '--filter',
        filter,
        '--subscriber',
        USER.id,
        '--elapsed-minutes',
        '0',
      ],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...SETTINGS } },
    );
    const preview = JSON.parse(stdout) as { cardUpdate: object | null; threadReplies: object[]; events: unknown[] };
    const previewed = {
      cardUpdate: preview.cardUpdate && comparable(preview.cardUpdate),
      threadReplies: preview.threadReplies.map((r) => comparable(r)),
    };

    expect(preview.events.length, 'the pair makes the bot say something').toBeGreaterThan(0);
    expect(sent.threadReplies.length + (sent.cardUpdate ? 1 : 0), 'the pass sent something').toBeGreaterThan(0);
    expect(previewed).toEqual(sent);
  });
});
