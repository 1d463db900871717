import { useEffect, useMemo, useState } from 'react';
import { blockKitBuilderUrl } from '../../src/cli/block-kit-builder.js';
import type { PageModal } from '../protocol.js';
import { BlockKit, type ConfirmObject, type FormState, initialValues, inputKey, isInputBlock, Text } from './block-kit.js';

/** The modal on top of the viewer's stack, and Block Kit's confirm dialogs, as Slack draws them. */

export function Modal({
  modal,
  onSubmit,
  onClose,
}: {
  modal: PageModal;
  onSubmit(values: Record<string, string | null>): Promise<string | null>;
  onClose(all: boolean): void;
}) {
  // A new view (or one the app updated) starts from what its inputs say.
  const shape = JSON.stringify(modal.blocks);
  const initial = useMemo(() => initialValues(JSON.parse(shape) as unknown[]), [shape]);
  const [values, setValues] = useState(initial);
  const [problem, setProblem] = useState<string | null>(null);
  const [missing, setMissing] = useState<Record<string, string>>({});
  useEffect(() => {
    setValues(initial);
    setMissing({});
    setProblem(null);
  }, [initial]);

  const form: FormState = {
    values,
    errors: { ...modal.errors, ...missing },
    setValue: (key, value) => setValues((v) => ({ ...v, [key]: value })),
  };
  const submit = async () => {
    // Slack's client will not send a required input empty; it says so under the input.
    const empty: Record<string, string> = {};
    for (const block of modal.blocks.filter(isInputBlock))
      if (block.optional !== true && !values[inputKey(block)]) empty[String(block.block_id)] = 'Please complete this required field.';
    setMissing(empty);
    if (Object.keys(empty).length > 0) return;
    setProblem(await onSubmit(values));
  };

  return (
    <div className="overlay">
      <div className="modal" role="dialog" aria-modal="true" aria-labelledby={`title-${modal.id}`}>
        <div className="modal-header">
          {modal.below > 0 ? (
            <button type="button" className="modal-back" aria-label="Back" onClick={() => onClose(false)}>
              ←
            </button>
          ) : null}
          <span className="avatar avatar-bot modal-icon" aria-hidden="true">
            DJ
          </span>
          <h2 id={`title-${modal.id}`}>{modal.title}</h2>
          <a className="modal-builder" href={blockKitBuilderUrl(modal.view as { blocks: unknown[] })} target="_blank" rel="noreferrer">
            Block Kit Builder
          </a>
          <button type="button" className="modal-x" aria-label="Close modal" onClick={() => onClose(true)}>
            ×
          </button>
        </div>
        <div className="modal-body">
          <BlockKit blocks={modal.blocks} surface={{ kind: 'view', id: modal.id }} form={form} />
        </div>
        {problem ? (
          <div className="modal-problem" role="alert">
            {problem}
          </div>
        ) : null}
        <div className="modal-footer">
          <button type="button" className="button" onClick={() => onClose(modal.below === 0)}>
            {modal.close ?? 'Cancel'}
          </button>
          {modal.submit ? (
            <button type="button" className="button button-primary" onClick={() => void submit()}>
              {modal.submit}
            </button>
          ) : null}
        </div>
      </div>
    </div>
  );
}

export function ConfirmDialog({ dialog, onAnswer }: { dialog: ConfirmObject; onAnswer(confirmed: boolean): void }) {
  return (
    <div className="overlay">
      <div className="modal confirm" role="alertdialog" aria-modal="true" aria-labelledby="confirm-title">
        <div className="modal-header">
          <h2 id="confirm-title">{dialog.title.text}</h2>
        </div>
        <div className="modal-body">
          <Text text={dialog.text} />
        </div>
        <div className="modal-footer">
          <button type="button" className="button" onClick={() => onAnswer(false)}>
            {dialog.deny?.text ?? 'Cancel'}
          </button>
          <button
            type="button"
            className={`button ${dialog.style === 'danger' ? 'button-danger' : 'button-primary'}`}
            onClick={() => onAnswer(true)}
          >
            {dialog.confirm?.text ?? 'Yes'}
          </button>
        </div>
      </div>
    </div>
  );
}
