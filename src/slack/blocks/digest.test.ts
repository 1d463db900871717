import { describe, expect, it } from 'vitest';
import { blocksTextLength, checkMessage, checkView, codePoints } from '../../../test/support/block-kit-rules.js';
import { DIGEST_SECTIONS, type DigestContent, type DigestLine, type DigestSection } from '../../domain/digest.js';
import { ALIGNMENT_ACTIONS } from './alignment-button.js';
import { DIGEST_ACTIONS, DIGEST_START_BLOCK, renderDigest, renderDigestModal } from './digest.js';
import { renderFoldedReply } from './folded-reply.js';
import { BLOCKS_TEXT_BUDGET } from './limits.js';

/** A long, hostile string: markup, mentions, links, emoji and line breaks, as SeekrFlow could send. */
const hostile = (seed: string) => `${seed} <!channel> <@U1> <https://evil|x> *b* \`c\` 😀👨‍👩‍👧\n`.repeat(120);

function line(i: number, section: DigestSection): DigestLine {
  return {
    jobId: `dj-${i}`,
    name: i % 2 ? hostile(`job ${i}`) : `job ${i}`,
    status: section === 'failed' ? 'failed' : section === 'waiting' ? 'needs_review' : section === 'completed' ? 'completed' : 'running',
    cardTs: `17000000${String(i).padStart(2, '0')}.000100`,
    done: i,
    failed: i % 7,
    causes: [
      { count: 40, error: hostile('No extractable text') },
      { count: 3, error: null },
    ],
    why: hostile('12 files failed'),
    progress: i % 100,
    etaMinutes: 95,
    stalledMinutes: 240,
  };
}

function digestOf(jobs: number): DigestContent {
  const sections = Object.fromEntries(DIGEST_SECTIONS.map((s) => [s, [] as DigestLine[]])) as Record<DigestSection, DigestLine[]>;
  for (let i = 0; i < jobs; i++) {
    const section = DIGEST_SECTIONS[i % DIGEST_SECTIONS.length] as DigestSection;
    sections[section].push(line(i, section));
  }
  return { channelId: 'C_DATA_JOBS', localDate: '2026-01-15', since: '2026-01-14T08:00:00.000Z', sections };
}

describe('the digest message', () => {
  it('offers Start alignment for each ready job it shows, named and confirmed, only when actions are on', () => {
    const content = digestOf(0);
    const ready = (i: number, name: string): DigestLine => ({ ...line(i, 'waiting'), name, status: 'ready_to_start' });
    content.sections.waiting = [ready(1, 'Forms'), line(2, 'waiting'), ready(3, hostile('Claims'))];
    const starts = (message: ReturnType<typeof renderDigest>) =>
      message.blocks
        .filter((b) => b.type === 'actions' && b.block_id?.startsWith(`${DIGEST_START_BLOCK}.`))
        .flatMap((b): unknown[] => ('elements' in b ? b.elements : []));

    expect(starts(renderDigest(content, 7))).toEqual([]);
    const message = renderDigest(content, 7, { actions: true });
    checkMessage(message);
    const buttons = starts(message) as Array<{
      action_id: string;
      value: string;
      text: { text: string };
      confirm?: { text: { text: string } };
    }>;
    expect(buttons.map((b) => b.action_id)).toEqual([ALIGNMENT_ACTIONS.start, ALIGNMENT_ACTIONS.start]);
    expect(buttons.map((b) => b.value)).toEqual(['ready_to_start dj-1', 'ready_to_start dj-3']);
    expect(buttons[0]?.text.text).toBe('Start “Forms”');
    expect(codePoints(buttons[1]?.text.text ?? '')).toBeLessThanOrEqual(75);
    expect(buttons[0]?.confirm?.text.text).toMatch(/Start the alignment of “Forms”\?/);
  });

  it('stays within Block Kit’s limits for 500 jobs: each section’s first lines, the rest counted, a button to all', () => {
    const message = renderDigest(digestOf(500), 42);
    expect(checkMessage(message)).toBeNull();
    expect(blocksTextLength(message.blocks)).toBeLessThanOrEqual(BLOCKS_TEXT_BUDGET);
    const text = message.blocks.map((b) => JSON.stringify(b)).join('\n');
    expect(text).toContain('_+95 more jobs_');
    const actions = message.blocks.find((b) => b.type === 'actions');
    expect(actions).toMatchObject({ elements: [{ action_id: DIGEST_ACTIONS.open, value: '42', text: { text: 'Show all 500 jobs' } }] });
    // The API's text is inert: no mention, no link of its own, no line of its own.
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<https://evil');
    expect(text).toContain('<https://slack.com/archives/C_DATA_JOBS/p1700000001000100|job 1');
  });

  it('pages every line of 500 jobs in its modal, each page within the limits', () => {
    const content = digestOf(500);
    let seen = 0;
    for (let page = 1; page <= 25; page++) {
      const view = renderDigestModal(content, 42, page);
      expect(checkView(view), `page ${page}`).toBeNull();
      const lines = view.blocks.flatMap((b) =>
        b.type === 'section' ? (b.text?.text ?? '').split('\n').filter((l) => l.startsWith('• ')) : [],
      );
      seen += lines.length;
      expect(JSON.parse(view.private_metadata)).toEqual({ digestId: 42, page });
    }
    expect(seen).toBe(500);
    // Past the last page: the last page.
    expect(JSON.parse(renderDigestModal(content, 42, 99).private_metadata).page).toBe(25);
  });

  it('says so in one short line on a day with nothing to say', () => {
    const message = renderDigest(digestOf(0), 1);
    expect(message.blocks).toHaveLength(1);
    expect(message.text).toBe(':newspaper: Nothing to report on this channel’s data jobs since the last digest.'.replace('’', "'"));
  });
});

describe('the folded reply of quiet hours', () => {
  it('groups what happened: a status’s path, the failed files summed, each kind once', () => {
    const reply = renderFoldedReply(
      [
        { type: 'status_changed', from: 'file_processing', to: 'ready_to_start' },
        { type: 'alignment_started', status: 'queued' },
        { type: 'status_changed', from: 'ready_to_start', to: 'running' },
        { type: 'files_failed', count: 2, groups: [] },
        { type: 'files_failed', count: 3, groups: [] },
      ],
      'v1',
    );
    expect(checkMessage(reply)).toBeNull();
    const text = reply.blocks.map((b) => (b.type === 'section' ? b.text?.text : '')).join('\n');
    expect(text).toMatch(
      /^:crescent_moon: \*While it was quiet:\*\n• Status changed 2 times: \*Processing files\* → \*Ready to start\* → \*Running\*\./,
    );
    expect(text).toMatch(/• :rocket: Alignment started/);
    expect(text).toMatch(/• :x: 5 files failed to process, over 2 passes/);
    expect(text.split('\n')).toHaveLength(4);
  });

  it('stays bounded for a long night', () => {
    const events = Array.from({ length: 5_000 }, (_, i) => ({ type: 'status_changed' as const, from: `s${i}`, to: hostile(`s${i + 1}`) }));
    const reply = renderFoldedReply(events, 'v2');
    expect(checkMessage(reply)).toBeNull();
    expect(codePoints(JSON.stringify(reply.blocks))).toBeLessThan(12_000);
  });
});
