/**
 * The small part of Block Kit the bot renders, typed exactly (no optional unions to narrow in
 * tests), plus constructors that set the properties we always want.
 *
 * Our own types rather than `@slack/types`: that package is only a transitive dependency, and its
 * wide unions would make every caller narrow `text` before reading it.
 */

export interface PlainText {
  type: 'plain_text';
  text: string;
  emoji?: boolean;
}

export interface MrkdwnText {
  type: 'mrkdwn';
  text: string;
  verbatim?: boolean;
}

export interface ConfirmDialog {
  title: PlainText;
  text: PlainText;
  confirm: PlainText;
  deny: PlainText;
  style?: 'primary' | 'danger';
}

export interface Button {
  type: 'button';
  text: PlainText;
  action_id: string;
  value?: string;
  url?: string;
  style?: 'primary' | 'danger';
  confirm?: ConfirmDialog;
}

export interface HeaderBlock {
  type: 'header';
  block_id: string;
  text: PlainText;
}

export interface SectionBlock {
  type: 'section';
  block_id: string;
  text?: MrkdwnText;
  fields?: MrkdwnText[];
  accessory?: Button;
}

export interface ContextBlock {
  type: 'context';
  block_id: string;
  elements: MrkdwnText[];
}

export interface ActionsBlock {
  type: 'actions';
  block_id: string;
  elements: Button[];
}

export interface DividerBlock {
  type: 'divider';
  block_id: string;
}

export type Block = HeaderBlock | SectionBlock | ContextBlock | ActionsBlock | DividerBlock;

/** What chat.postMessage / chat.update / respond() receive. */
export interface MessagePayload {
  text: string;
  blocks: Block[];
}

export interface ModalView {
  type: 'modal';
  callback_id: string;
  title: PlainText;
  close: PlainText;
  private_metadata: string;
  blocks: Block[];
}

/**
 * A mrkdwn text object. `verbatim: true` stops Slack from auto-linking URLs and parsing bare
 * `@channel`-style mentions inside API text; our explicit `<@U…>` and `<!date^…>` still work.
 */
export function mrkdwn(text: string): MrkdwnText {
  return { type: 'mrkdwn', text, verbatim: true };
}

export function plainText(text: string): PlainText {
  return { type: 'plain_text', text, emoji: true };
}

/**
 * Block ids unique within one payload and stable for the same input: the purpose, a counter, and a
 * suffix the caller derives from the input (so a re-render with new data gets new ids, which Slack
 * asks for, while the same input always renders the same payload).
 */
export function blockIds(suffix: string): (purpose: string) => string {
  let n = 0;
  return (purpose) => `${purpose}.${++n}.${suffix}`;
}

/** An option of radio buttons (or a select): the label may be mrkdwn for radio buttons. */
export interface Option {
  text: PlainText | MrkdwnText;
  value: string;
  description?: PlainText | MrkdwnText;
}

export interface PlainTextInput {
  type: 'plain_text_input';
  action_id: string;
  placeholder?: PlainText;
  max_length?: number;
  initial_value?: string;
}

export interface RadioButtons {
  type: 'radio_buttons';
  action_id: string;
  options: Option[];
  initial_option?: Option;
}

/** A form field of a modal: modals only, never messages. */
export interface InputBlock {
  type: 'input';
  block_id: string;
  label: PlainText;
  element: PlainTextInput | RadioButtons;
  hint?: PlainText;
  optional?: boolean;
}

/** What a modal or the Home tab may hold: the message blocks, and form fields. */
export type ViewBlock = Block | InputBlock;

/** A modal with a form: its Submit sends the fields' values (view_submission). */
export interface FormView {
  type: 'modal';
  callback_id: string;
  title: PlainText;
  close: PlainText;
  submit: PlainText;
  private_metadata: string;
  blocks: ViewBlock[];
}

/** The App Home tab (views.publish): no title or buttons of its own. */
export interface HomeView {
  type: 'home';
  callback_id: string;
  private_metadata: string;
  blocks: Block[];
}
