import { blockIds, type ModalView, mrkdwn, plainText } from './block-kit.js';

/**
 * One sentence in a modal, in place of what it was opened for: a step under way ("Looking up…"), a
 * refusal, or why the job could not be read. Every modal of the bot says these the same way.
 */
export function renderNoteModal(note: {
  callbackId: string;
  title: string;
  text: string;
  /** New block ids for each new note, so Slack redraws the modal. */
  at: Date;
  privateMetadata?: string;
}): ModalView {
  const id = blockIds(String(note.at.getTime()));
  return {
    type: 'modal',
    callback_id: note.callbackId,
    title: plainText(note.title),
    close: plainText('Close'),
    private_metadata: note.privateMetadata ?? '',
    blocks: [{ type: 'section', block_id: id('note'), text: mrkdwn(note.text) }],
  };
}
