import { describe, expect, it } from 'vitest';
import { checkView } from '../../../test/support/block-kit-rules.js';
import { parseWatchFilter, parseWatchMetadata, renderWatchForm, renderWatchNote, WATCH_INPUT } from './watch-modal.js';

describe('the "Watch this job" modal', () => {
  const target = { jobId: 'dj-0b6f1f5e-3a43-4c1e-9d59-2f1d8c7a1a01', channelId: 'C_DATA_JOBS' };

  it('names the job and the channel and offers the four filters, changes first and chosen', () => {
    const form = renderWatchForm(target);
    expect(checkView(form)).toBeNull();
    expect(JSON.stringify(form.blocks[0])).toContain(`\`${target.jobId}\` in <#C_DATA_JOBS>`);
    const input = form.blocks[1];
    expect(input).toMatchObject({ type: 'input', block_id: WATCH_INPUT.blockId });
    const element = input?.type === 'input' ? input.element : undefined;
    expect(element?.type === 'radio_buttons' ? element.options.map((o) => o.value) : []).toEqual(['changes', 'all', 'failures', 'digest']);
    expect(element?.type === 'radio_buttons' ? element.initial_option?.value : undefined).toBe('changes');
    expect(parseWatchMetadata(form.private_metadata)).toEqual(target);
  });

  it('reads back only its own metadata and filters', () => {
    for (const bad of [undefined, '', '{}', '{"jobId":"../x","channelId":"C1"}', '{"jobId":"dj-1","channelId":"<#C1>"}']) {
      expect(parseWatchMetadata(bad)).toBeNull();
    }
    expect(['all', 'changes', 'failures', 'digest'].map(parseWatchFilter)).toEqual(['all', 'changes', 'failures', 'digest']);
    for (const bad of [undefined, null, '', 'everything', 'ALL']) expect(parseWatchFilter(bad)).toBeNull();
  });

  it('says one sentence in a modal Slack accepts', () => {
    expect(checkView(renderWatchNote(':white_check_mark: Subscribed.', new Date()))).toBeNull();
  });
});
