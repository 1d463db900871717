import { describe, expect, it } from 'vitest';
import { checkMessage } from '../../../test/support/block-kit-rules.js';
import { makeAlignment, makeJob } from '../../../test/support/make-job.js';
import { actionValue, alignmentButton, confirmDialog, parseActionValue } from './alignment-button.js';
import { renderCard } from './card.js';

const card = (overrides: Parameters<typeof makeJob>[0], options: Partial<Parameters<typeof renderCard>[1]> = {}) =>
  renderCard(makeJob(overrides), { fetchedAt: new Date('2026-07-28T14:00:00Z'), mode: 'living', actions: true, ...options });
const actionIds = (message: { blocks?: unknown[] }) => JSON.stringify(message.blocks).match(/"(start|cancel)_alignment"/g) ?? [];

describe('Start / Cancel alignment on the card', () => {
  it.each([
    ['ready_to_start', null, ['"start_alignment"']],
    ['pending', 'pending', ['"cancel_alignment"']],
    ['queued', 'queued', ['"cancel_alignment"']],
    ['running', 'running', ['"cancel_alignment"']],
    ['file_processing', null, []],
    ['needs_review', null, []],
    ['completed', 'completed', []],
    ['cancelled', 'running', []],
    ['some_future_status', null, []],
  ] as const)('a job %s (alignment %s) offers %j', (status, alignment, expected) => {
    const message = card({ status, alignment_job: alignment ? makeAlignment({ status: alignment }) : null });
    expect(actionIds(message)).toEqual(expected);
    expect(checkMessage(message)).toBeNull();
  });

  it('offers nothing with actions off, on a shared card, or on a card that shows old data', () => {
    const ready = { status: 'ready_to_start' };
    expect(actionIds(card(ready, { actions: false }))).toEqual([]);
    expect(actionIds(card(ready, { mode: 'shared' }))).toEqual([]);
    expect(actionIds(card(ready, { stale: { reason: 'unreachable' } }))).toEqual([]);
    expect(actionIds(card(ready, { stale: { reason: 'paused', by: 'U1' } }))).toEqual([]);
    expect(actionIds(card(ready, { mode: 'ephemeral' }))).toEqual(['"start_alignment"']);
  });

  it('keeps the confirm dialog within Block Kit’s limits whatever the job’s name, as plain text', () => {
    for (const name of ['', '<!channel> *bold*', 'n'.repeat(5_000), '😀'.repeat(400)]) {
      const button = alignmentButton({ id: 'dj-1', name, status: 'running', alignment: { status: 'running' } });
      expect(button?.confirm?.text.type).toBe('plain_text');
      expect(checkMessage({ text: 't', blocks: [{ type: 'actions', elements: [button] }] })).toBeNull();
    }
    expect(confirmDialog('start', { id: 'dj-1', name: 'Claims' }).text.text).toMatch(/^Start the alignment of “Claims”\?/);
  });

  it('carries the state it was offered for, and reads back only what it wrote', () => {
    expect(parseActionValue(actionValue('queued', 'dj-1:a.b'))).toEqual({ shownState: 'queued', jobId: 'dj-1:a.b' });
    for (const bad of [undefined, '', 'dj-1', ' dj-1', 'Queued dj-1', 'x'.repeat(2_001)]) expect(parseActionValue(bad)).toBeNull();
    // An id no button can carry with its state gets no button.
    expect(alignmentButton({ id: 'd'.repeat(1_995), name: 'n', status: 'ready_to_start', alignment: null })).toBeNull();
  });
});
