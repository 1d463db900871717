import type { Block } from './block-kit.js';
import { codePointLength } from './escape.js';

/**
 * The block text Slack counts towards `msg_blocks_too_long`: every `text` string in the blocks, in
 * code points. The renderers use it as a last guard on their own budgets.
 */
export function blocksTextLength(blocks: readonly Block[]): number {
  let total = 0;
  const add = (t: { text: string } | undefined) => {
    if (t) total += codePointLength(t.text);
  };
  for (const block of blocks) {
    switch (block.type) {
      case 'header':
        add(block.text);
        break;
      case 'section':
        add(block.text);
        for (const f of block.fields ?? []) add(f);
        if (block.accessory) addButton(block.accessory);
        break;
      case 'context':
        for (const e of block.elements) add(e);
        break;
      case 'actions':
        for (const b of block.elements) addButton(b);
        break;
      case 'divider':
        break;
    }
  }
  return total;

  function addButton(b: Extract<Block, { type: 'actions' }>['elements'][number]) {
    add(b.text);
    if (b.confirm) {
      add(b.confirm.title);
      add(b.confirm.text);
      add(b.confirm.confirm);
      add(b.confirm.deny);
    }
  }
}
