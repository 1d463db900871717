import { describe, expect, it } from 'vitest';
import { checkHomeView } from '../../../test/support/block-kit-rules.js';
import type { Block, Button, HomeView } from './block-kit.js';
import {
  HOME_ACTIONS,
  HOME_PAGE_SIZE,
  type HomeModel,
  type HomeSubscription,
  homeButtonValue,
  ownedJobsBlocks,
  parseHomeButtonValue,
  parseHomeMetadata,
  renderHome,
  renderRefusedHome,
} from './home.js';

const generatedAt = new Date('2026-07-28T15:45:00Z');
const sub = (n: number, overrides: Partial<HomeSubscription> = {}): HomeSubscription => ({
  channelId: 'C_DATA_JOBS',
  jobId: `dj-${n}`,
  job: { name: `Job ${n}`, status: 'running' },
  filter: 'changes',
  state: 'active',
  pausedBecause: null,
  endedAs: null,
  stateAt: null,
  createdAt: new Date('2026-07-28T14:00:00Z'),
  ...overrides,
});
const model = (overrides: Partial<HomeModel> = {}): HomeModel => ({
  subscriptions: [],
  total: 0,
  page: 1,
  ownedJobs: [],
  generatedAt,
  ...overrides,
});

const texts = (view: HomeView) =>
  view.blocks
    .flatMap((b) =>
      b.type === 'section' || b.type === 'header' ? [b.text?.text ?? ''] : b.type === 'context' ? b.elements.map((e) => e.text) : [],
    )
    .join('\n');
const buttonsOf = (blocks: Block[]): Button[] =>
  blocks.flatMap((b) => (b.type === 'actions' ? b.elements : b.type === 'section' && b.accessory ? [b.accessory] : []));

describe('renderHome', () => {
  it('with nothing yet: the Look up button, how to subscribe, nothing for owned jobs', () => {
    const view = renderHome(model());
    expect(checkHomeView(view)).toBeNull();
    expect(buttonsOf(view.blocks).map((b) => b.action_id)).toEqual([HOME_ACTIONS.lookup]);
    expect(texts(view)).toContain('None yet');
    expect(texts(view)).not.toContain('Jobs you own');
    expect(parseHomeMetadata(view.private_metadata)).toEqual({ page: 1 });
  });

  it('shows each subscription’s job, channel and state, with the buttons that state allows', () => {
    const view = renderHome(
      model({
        total: 3,
        subscriptions: [
          sub(1, { state: 'paused', pausedBecause: ': the channel was archived', stateAt: generatedAt }),
          sub(2, { channelId: 'C_OTHER', filter: 'failures' }),
          sub(3, { state: 'ended', endedAs: 'completed', stateAt: generatedAt, job: { name: 'Done job', status: 'completed' } }),
        ],
      }),
    );
    expect(checkHomeView(view)).toBeNull();
    const seen = texts(view);
    expect(seen).toContain('*Subscriptions you created* (3)');
    expect(seen).toMatch(/\*Job 1\* `dj-1` in <#C_DATA_JOBS>[\s\S]*:pause_button: \*Paused\*: the channel was archived/);
    expect(seen).toMatch(/\*Job 2\* `dj-2` in <#C_OTHER>\n.*hears: failures[\s\S]*Live/);
    expect(seen).toMatch(/\*Done job\*[\s\S]*Ended \(Completed\)/);
    const actions = view.blocks.filter((b) => b.type === 'actions').map((b) => buttonsOf([b]).map((x) => [x.action_id, x.value]));
    expect(actions).toEqual([
      [
        [HOME_ACTIONS.resume, homeButtonValue('C_DATA_JOBS', 'dj-1')],
        [HOME_ACTIONS.unsubscribe, homeButtonValue('C_DATA_JOBS', 'dj-1')],
      ],
      [[HOME_ACTIONS.unsubscribe, homeButtonValue('C_OTHER', 'dj-2')]],
    ]);
  });

  it('says a job not polled yet is not polled yet; an ended one whose memory is gone is a data job', () => {
    expect(texts(renderHome(model({ total: 1, subscriptions: [sub(1, { job: null })] })))).toContain('*not polled yet* `dj-1`');
    const forgotten = texts(renderHome(model({ total: 1, subscriptions: [sub(1, { job: null, state: 'ended', endedAs: 'failed' })] })));
    expect(forgotten).toContain('*Data job* `dj-1`');
    expect(forgotten).toContain('Ended (Failed)');
  });

  it('pages many subscriptions within 100 blocks and says how many more there are', () => {
    const total = 250;
    const all = Array.from({ length: total }, (_, i) => sub(i, { state: i % 3 === 0 ? 'paused' : 'active', pausedBecause: ' by <@U1>' }));
    const first = renderHome(model({ total, subscriptions: all.slice(0, HOME_PAGE_SIZE), notice: 'Done.' }));
    expect(checkHomeView(first)).toBeNull();
    expect(first.blocks.length).toBeLessThanOrEqual(100);
    expect(texts(first)).toContain('Page 1 of 13 · 1–20 of 250 · 230 more subscriptions on the next pages');
    expect(buttonsOf(first.blocks).filter((b) => b.action_id.startsWith('home_page'))).toEqual([
      expect.objectContaining({ action_id: HOME_ACTIONS.pageNext, value: '2' }),
    ]);

    const last = renderHome(model({ total, page: 13, subscriptions: all.slice(240) }));
    expect(checkHomeView(last)).toBeNull();
    expect(texts(last)).toContain('Page 13 of 13 · 241–250 of 250');
    expect(parseHomeMetadata(last.private_metadata)).toEqual({ page: 13 });
    expect(
      buttonsOf(last.blocks)
        .filter((b) => b.action_id.startsWith('home_page'))
        .map((b) => [b.action_id, b.value]),
    ).toEqual([[HOME_ACTIONS.pagePrev, '12']]);
    // A page past the end shows the last one.
    expect(parseHomeMetadata(renderHome(model({ total, page: 99, subscriptions: [] })).private_metadata)).toEqual({ page: 13 });
  });

  it('stays within Slack’s limits at its worst: a full page of hostile names, a notice and many owned jobs', () => {
    const hostile = '<!channel> & <https://evil.example|login>\n*Fix:* rm -rf \u202e '.repeat(100);
    const subscriptions = Array.from({ length: HOME_PAGE_SIZE + 5 }, (_, i) =>
      sub(i, { job: { name: hostile, status: hostile }, filter: hostile, state: 'paused', pausedBecause: ': x' }),
    );
    const ownedJobs = Array.from({ length: 50 }, (_, i) => ({ jobId: `dj-${i}`, name: hostile, status: 'running' }));
    const view = renderHome(model({ total: 10_000, subscriptions, ownedJobs, notice: 'n'.repeat(2_000) }));
    expect(checkHomeView(view)).toBeNull();
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    expect(JSON.stringify(view).length).toBeLessThan(250_000);
    const seen = texts(view);
    expect(seen).not.toContain('<!channel>');
    expect(seen).not.toContain('\u202e');
    expect(seen).toContain('&lt;!channel&gt;');
  });

  it('shows a notice, the answer to the person’s last click, above the rest', () => {
    const view = renderHome(model({ notice: ':white_check_mark: Resumed.' }));
    expect(view.blocks[2]).toMatchObject({ type: 'section', text: { text: ':white_check_mark: Resumed.' } });
  });

  it('gives new block ids to new data', () => {
    const ids = (at: Date) => renderHome(model({ generatedAt: at })).blocks.map((b) => b.block_id);
    expect(ids(generatedAt)).toEqual(ids(generatedAt));
    expect(ids(new Date(generatedAt.getTime() + 1))).not.toEqual(ids(generatedAt));
  });
});

describe('ownedJobsBlocks (Jobs you own)', () => {
  const id = (p: string) => `${p}.1`;
  it('renders nothing for no jobs', () => {
    expect(ownedJobsBlocks([], id)).toEqual([]);
  });
  it('renders one section for a list, at most ten jobs and a count of the rest', () => {
    const jobs = Array.from({ length: 12 }, (_, i) => ({ jobId: `dj-${i}`, name: `Mine ${i}`, status: 'needs_review' }));
    const blocks = ownedJobsBlocks(jobs, id);
    expect(blocks).toHaveLength(1);
    const text = blocks[0]?.type === 'section' ? (blocks[0].text?.text ?? '') : '';
    expect(text).toContain('*Jobs you own* (12)');
    expect(text).toContain('*Mine 9* `dj-9` · Needs review');
    expect(text).not.toContain('Mine 10');
    expect(text).toContain('+2 more');
  });
});

describe('the Home of someone refused', () => {
  it('is the one sentence and nothing else', () => {
    const view = renderRefusedHome(':no_entry: Guests can’t use /datajob.', generatedAt);
    expect(checkHomeView(view)).toBeNull();
    expect(view.blocks).toHaveLength(1);
    expect(buttonsOf(view.blocks)).toEqual([]);
  });
});

describe('button values and metadata', () => {
  it('reads back only what the Home wrote', () => {
    expect(parseHomeButtonValue(homeButtonValue('C123', 'dj-1'))).toEqual({ channelId: 'C123', jobId: 'dj-1' });
    for (const bad of [undefined, '', '{}', 'x', '{"channelId":"C1","jobId":"../x"}', '{"channelId":"#general","jobId":"dj-1"}']) {
      expect(parseHomeButtonValue(bad)).toBeNull();
    }
    for (const bad of [undefined, '', 'x', '{"page":0}', '{"page":1.5}', '{"page":"2"}'])
      expect(parseHomeMetadata(bad)).toEqual({ page: 1 });
  });
});
