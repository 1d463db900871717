import type { DataJob } from '../../domain/data-job.js';
import { type Block, type FormView, type ModalView, plainText } from './block-kit.js';
import { MORE_NAMES_IN_THE_LIST, renderCard } from './card.js';
import { renderNoteModal } from './note-modal.js';

/**
 * "Look up a job", from the App Home: a modal that asks for an id (or a link), then shows the job's
 * card in the modal itself, seen only by the person who asked, as `/datajob <id>` answers.
 */

export const LOOKUP_CALLBACK_ID = 'lookup_job';
const LOOKUP_RESULT_TITLE = 'Data job';
export const LOOKUP_INPUT = { blockId: 'job', actionId: 'job_id' } as const;
/** As much as `/datajob` reads of a pasted id (or a link to it). */
const INPUT_MAX_LENGTH = 1_000;

export function renderLookupForm(): FormView {
  return {
    type: 'modal',
    callback_id: LOOKUP_CALLBACK_ID,
    title: plainText('Look up a job'),
    close: plainText('Cancel'),
    submit: plainText('Look up'),
    private_metadata: '',
    blocks: [
      {
        type: 'input',
        block_id: LOOKUP_INPUT.blockId,
        label: plainText('Data job id, or a link to the job'),
        element: {
          type: 'plain_text_input',
          action_id: LOOKUP_INPUT.actionId,
          placeholder: plainText('dj-3f2a9c1e-…'),
          max_length: INPUT_MAX_LENGTH,
        },
      },
    ],
  };
}

/** One sentence in the modal: the look-up under way, a refusal, or why the job could not be read. */
export function renderLookupNote(text: string, at: Date): ModalView {
  return renderNoteModal({ callbackId: LOOKUP_CALLBACK_ID, title: LOOKUP_RESULT_TITLE, text, at });
}

/**
 * The job's card, in the modal. Its buttons act on a channel, and a modal has none: only the link
 * to SeekrFlow stays.
 */
export function renderLookupResult(job: DataJob, options: { fetchedAt: Date; jobUrl?: string }): ModalView {
  const card = renderCard(job, { fetchedAt: options.fetchedAt, mode: 'shared', ...(options.jobUrl ? { jobUrl: options.jobUrl } : {}) });
  const blocks = card.blocks.flatMap((block): Block[] => {
    if (block.type === 'actions') {
      const links = block.elements.filter((b) => b.url !== undefined);
      return links.length > 0 ? [{ ...block, elements: links }] : [];
    }
    if (block.type === 'section' && block.accessory) {
      const { accessory: _button, ...rest } = block;
      // That line only points at the button's list, which a modal cannot open.
      if (rest.text?.text === MORE_NAMES_IN_THE_LIST) return [];
      return [rest];
    }
    return [block];
  });
  return modal(blocks);
}

function modal(blocks: Block[]): ModalView {
  return {
    type: 'modal',
    callback_id: LOOKUP_CALLBACK_ID,
    title: plainText(LOOKUP_RESULT_TITLE),
    close: plainText('Close'),
    private_metadata: '',
    blocks,
  };
}
