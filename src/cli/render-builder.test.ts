import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHomeView, checkMessage, checkView } from '../../test/support/block-kit-rules.js';
import { makeBusyJob } from '../../test/support/make-job.js';
import { BLOCK_KIT_BUILDER_URL, blockKitBuilderUrl } from './block-kit-builder.js';
import { runRender } from './render.js';

/** `datajob-bot render … --builder`: a link that opens the payload in Slack's Block Kit Builder. */

let dir: string;
let file: string;
const job = makeBusyJob(12, { failedEvery: 3, events: 8 }, { name: 'Claims & <handbook> #3, 100%' });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'datajob-render-builder-'));
  file = join(dir, 'job.json');
  await writeFile(file, JSON.stringify(job));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function render(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runRender([file, ...args], {
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

/** Two renderings a moment apart differ only in their block ids and the time they were fetched. */
const sameRendering = (v: unknown) =>
  JSON.stringify(v)
    .replace(/"block_id":"[^"]*"/g, '')
    .replace(/<!date\^\d+\^[^|>]*\|[^>]*>/g, '<date>');

/** The one line printed, read back as the Builder reads it: the JSON after `#`. */
function opened(stdout: string): unknown {
  const lines = stdout.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  const [base, fragment] = (lines[0] as string).split('#');
  expect(base).toBe(BLOCK_KIT_BUILDER_URL);
  // Nothing in the fragment may end it early or be read as markup by a browser.
  expect(fragment).toMatch(/^[A-Za-z0-9%\-_.!~*'()]+$/);
  return JSON.parse(decodeURIComponent(fragment as string));
}

describe('datajob-bot render --builder', () => {
  it('links a card as {"blocks": […]}, the same blocks the JSON has', async () => {
    const json = JSON.parse((await render('--mode', 'living')).stdout) as { text: string; blocks: unknown[] };
    const { code, stdout, stderr } = await render('--mode', 'living', '--builder');
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const payload = opened(stdout);
    expect(Object.keys(payload as object)).toEqual(['blocks']);
    expect(sameRendering(payload)).toBe(sameRendering({ blocks: json.blocks }));
    expect(checkMessage({ text: 'x', blocks: (payload as { blocks: unknown[] }).blocks })).toBeNull();
    // The name went through the link whole: `#`, `%`, `&` and `<` included.
    expect((payload as { blocks: { text?: { text: string } }[] }).blocks[0]?.text?.text).toBe('Claims & <handbook> #3, 100%');
  });

  it('links an unfurl as the message of its card, a Home tab and a modal as their views', async () => {
    const url = 'https://apps.seekr.com/flow/data-jobs/x';
    const unfurl = JSON.parse((await render('--unfurl', '--url', url)).stdout) as Record<string, { blocks: unknown[] }>;
    expect(sameRendering(opened((await render('--unfurl', '--url', url, '--builder')).stdout))).toBe(
      sameRendering({ blocks: unfurl[url]?.blocks }),
    );

    const home = JSON.parse((await render('--home', '--channel', 'C0DATAJOBS')).stdout) as Record<string, unknown>;
    const homeLink = opened((await render('--home', '--channel', 'C0DATAJOBS', '--builder')).stdout) as Record<string, unknown>;
    expect(homeLink.type).toBe('home');
    expect(sameRendering(homeLink.blocks)).toBe(sameRendering(home.blocks));
    expect(checkHomeView(homeLink)).toBeNull();

    const modal = opened((await render('--watch-modal', '--builder')).stdout) as Record<string, unknown>;
    expect(modal).toMatchObject({ type: 'modal', title: { type: 'plain_text', text: 'Watch this job' }, submit: { text: 'Subscribe' } });
    expect(checkView(modal)).toBeNull();
  });

  it("keeps only what an app sends of a view Slack stored (the demo page's links)", () => {
    const stored = {
      id: 'V123',
      team_id: 'T1',
      type: 'modal',
      title: { type: 'plain_text', text: 'Failed files' },
      blocks: [{ type: 'divider', block_id: 'd1' }],
      close: { type: 'plain_text', text: 'Close' },
      submit: null,
      private_metadata: '{"jobId":"dj-1"}',
      callback_id: 'failed_files',
      external_id: '',
      state: { values: {} },
      hash: '1.abc',
      clear_on_close: false,
      root_view_id: 'V123',
      app_id: 'A1',
    };
    const view = JSON.parse(decodeURIComponent(blockKitBuilderUrl(stored).split('#')[1] as string));
    expect(view).toEqual({
      type: 'modal',
      title: stored.title,
      blocks: stored.blocks,
      close: stored.close,
      private_metadata: stored.private_metadata,
      callback_id: 'failed_files',
      clear_on_close: false,
    });
    expect(checkView(view)).toBeNull();
  });
});
