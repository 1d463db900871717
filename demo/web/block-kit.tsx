import { createContext, type MouseEvent, type ReactNode, useContext, useMemo } from 'react';
import { type Block, Message } from 'slack-blocks-to-jsx';
import 'slack-blocks-to-jsx/dist/style.css';
import emoji from 'virtual:slack-emoji';
import type { ActionRequest, PageChannel, PageUser, Surface } from '../protocol.js';

/**
 * Block Kit as Slack draws it. slack-blocks-to-jsx draws the blocks (header, section with fields and
 * accessory, context, actions, divider, buttons) and their mrkdwn (bold, italics, strike, code,
 * links, mentions, `<!date^…>` in the viewer's time zone); what it does not do is here: clicks that
 * reach the bot, Block Kit `confirm` dialogs, modal inputs whose values a submission carries, and
 * emoji by Slack's own names.
 */

export type TextObject = { type: 'plain_text' | 'mrkdwn'; text: string; emoji?: boolean };
export type ConfirmObject = { title: TextObject; text: TextObject; confirm: TextObject; deny: TextObject; style?: 'primary' | 'danger' };

export interface SlackContextValue {
  users: readonly PageUser[];
  channels: readonly PageChannel[];
  /** A person pressed a button: what Slack sends the app as block_actions. */
  act(request: ActionRequest): void;
  /** Shows a Block Kit confirm dialog; `then` runs if the person confirms. */
  confirm(dialog: ConfirmObject, then: () => void): void;
}

export const SlackContext = createContext<SlackContextValue>({
  users: [],
  channels: [],
  act: () => {},
  confirm: (_dialog, then) => then(),
});

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown): v is TextObject =>
  isRecord(v) && typeof v.text === 'string' && (v.type === 'plain_text' || v.type === 'mrkdwn');
export const isConfirm = (v: unknown): v is ConfirmObject => isRecord(v) && isText(v.title) && isText(v.text);

/**
 * What the library reads differently from Slack, put the way it reads it as Slack does:
 * - `verbatim: true` it takes for "draw the text raw", markup and all; in Slack it only stops bare
 *   URLs and names from being linked, and every mrkdwn rule still applies;
 * - every escaped `>` it turns into `> ` (a quote's marker, with a space Slack does not add): only
 *   one that starts a line is a quote; elsewhere it is the character.
 */
function forLibrary(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(forLibrary);
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) if (key !== 'verbatim') out[key] = forLibrary(v);
  if (value.type === 'mrkdwn' && typeof value.text === 'string') out.text = value.text.replace(/([^\n])&gt;/g, '$1>');
  return out;
}

const hooks = {
  // Slack shows a code it does not know as the code itself.
  emoji: (data: { name: string }) => {
    const char = emoji[data.name];
    return char ? (
      <span className="slack-emoji" title={`:${data.name}:`}>
        {char}
      </span>
    ) : (
      `:${data.name}:`
    );
  },
};

/** Blocks drawn by the library, with the workspace's people and channels for mentions. */
function LibraryBlocks({ blocks }: { blocks: unknown[] }) {
  const { users, channels } = useContext(SlackContext);
  const data = useMemo(() => ({ users: users.map((u) => ({ id: u.id, name: u.name })), channels: [...channels] }), [users, channels]);
  const prepared = useMemo(() => forLibrary(blocks) as Block[], [blocks]);
  return <Message blocks={prepared} withoutWrapper name="" logo="" theme="light" hooks={hooks} data={data} />;
}

/** One text object, as a section would draw it. */
export function Text({ text }: { text: unknown }) {
  if (!isText(text)) return null;
  if (text.type === 'plain_text') return <span>{text.text}</span>;
  return (
    <div className="inline-mrkdwn">
      <LibraryBlocks blocks={[{ type: 'section', text }]} />
    </div>
  );
}

/** The element an action_id names, in the block the click came from when that block has it. */
function findElement(blocks: unknown[], actionId: string, blockId: string | undefined) {
  const candidates = blocks
    .filter(isRecord)
    .flatMap((block) =>
      [...(Array.isArray(block.elements) ? block.elements : []), block.accessory]
        .filter((el): el is Record<string, unknown> => isRecord(el) && el.action_id === actionId)
        .map((element) => ({ element, blockId: typeof block.block_id === 'string' ? block.block_id : undefined })),
    );
  return candidates.find((c) => c.blockId === blockId) ?? candidates[0];
}

export type FormState = {
  values: Record<string, string | null>;
  errors: Record<string, string>;
  setValue(key: string, value: string | null): void;
};

/** What a submission calls an input: `block_id/action_id`. */
export const inputKey = (block: Record<string, unknown>) =>
  `${String(block.block_id)}/${String((block.element as Record<string, unknown>).action_id)}`;
export const isInputBlock = (b: unknown): b is Record<string, unknown> & { element: Record<string, unknown> } =>
  isRecord(b) && b.type === 'input' && isRecord(b.element);

/** A surface of blocks (a message, an unfurl, a modal, a Home tab): its buttons reach the bot as `surface`. */
export function BlockKit({ blocks, surface, form }: { blocks: unknown[]; surface: Surface; form?: FormState }) {
  const { act, confirm } = useContext(SlackContext);

  // Capturing the click keeps it from the library's own handler, which only knows how to open links.
  const onClickCapture = (e: MouseEvent<HTMLDivElement>) => {
    const button = (e.target as Element).closest('button');
    if (!button || !e.currentTarget.contains(button) || !button.id) return;
    const found = findElement(blocks, button.id, button.parentElement?.closest('[id]')?.id);
    if (found?.element.type !== 'button') return;
    e.preventDefault();
    e.stopPropagation();
    const press = () => {
      if (!found) return;
      // A link button opens its link and still tells the app, as in Slack.
      if (typeof found.element.url === 'string') window.open(found.element.url, '_blank', 'noopener,noreferrer');
      act({ surface, actionId: button.id, ...(found.blockId ? { blockId: found.blockId } : {}) });
    };
    if (isConfirm(found.element.confirm)) confirm(found.element.confirm, press);
    else press();
  };

  const parts: ReactNode[] = [];
  let run: unknown[] = [];
  const flush = () => {
    if (run.length > 0) parts.push(<LibraryBlocks key={`blocks-${parts.length}`} blocks={run} />);
    run = [];
  };
  for (const block of blocks) {
    if (form && isInputBlock(block)) {
      flush();
      parts.push(<InputBlock key={inputKey(block)} block={block} form={form} />);
    } else run.push(block);
  }
  flush();
  return (
    <div className="block-kit" onClickCapture={onClickCapture}>
      {parts}
    </div>
  );
}

type Option = { text: unknown; value: string; description?: unknown };
const optionsOf = (el: Record<string, unknown>): Option[] =>
  (Array.isArray(el.options) ? el.options : []).filter((o): o is Option => isRecord(o) && typeof o.value === 'string');

/** An input block of a modal: its label, its element, its hint, and the error the app returned for it. */
function InputBlock({ block, form }: { block: Record<string, unknown> & { element: Record<string, unknown> }; form: FormState }) {
  const key = inputKey(block);
  const el = block.element;
  const label = isText(block.label) ? block.label.text : '';
  const error = form.errors[String(block.block_id)];
  const value = form.values[key] ?? null;
  const fieldId = `input-${key}`;
  const hint = isText(block.hint) ? <div className="input-hint">{block.hint.text}</div> : null;
  const optional = block.optional === true ? <span className="input-optional"> (optional)</span> : null;
  const errorText = error ? (
    <div className="input-error" role="alert">
      {error}
    </div>
  ) : null;

  if (el.type === 'radio_buttons') {
    return (
      <fieldset className="input-block">
        <legend className="input-label">
          {label}
          {optional}
        </legend>
        {optionsOf(el).map((option) => (
          <label key={option.value} className="radio-option">
            <input type="radio" name={fieldId} checked={value === option.value} onChange={() => form.setValue(key, option.value)} />
            <span className="radio-text">
              <Text text={option.text} />
              {option.description ? (
                <span className="radio-description">
                  <Text text={option.description} />
                </span>
              ) : null}
            </span>
          </label>
        ))}
        {hint}
        {errorText}
      </fieldset>
    );
  }
  if (el.type === 'plain_text_input') {
    const common = {
      id: fieldId,
      value: value ?? '',
      placeholder: isText(el.placeholder) ? el.placeholder.text : undefined,
      maxLength: typeof el.max_length === 'number' ? el.max_length : undefined,
      'aria-invalid': error ? true : undefined,
      onChange: (e: { target: { value: string } }) => form.setValue(key, e.target.value === '' ? null : e.target.value),
    };
    return (
      <div className="input-block">
        <label className="input-label" htmlFor={fieldId}>
          {label}
          {optional}
        </label>
        {el.multiline === true ? <textarea {...common} rows={4} /> : <input type="text" {...common} />}
        {hint}
        {errorText}
      </div>
    );
  }
  return <div className="input-block unsupported">The demo does not draw {String(el.type)} inputs.</div>;
}

/** What each input holds when the modal opens: its initial value or option. */
export function initialValues(blocks: unknown[]): Record<string, string | null> {
  const values: Record<string, string | null> = {};
  for (const block of blocks.filter(isInputBlock)) {
    const el = block.element;
    const initial = isRecord(el.initial_option) ? el.initial_option.value : el.initial_value;
    values[inputKey(block)] = typeof initial === 'string' && initial !== '' ? initial : null;
  }
  return values;
}
