/**
 * Block Kit validation as Slack applies it to chat.postMessage, chat.update, response_url posts and
 * views. The fake Slack server answers with these verdicts, and the renderer's tests call them
 * directly, so one table decides what "Slack accepts" means for the whole project.
 *
 * The rules are data: each block and element type lists its allowed properties and the check for
 * each one. Anything not listed is an unknown property, which Slack rejects. Lengths count Unicode
 * code points. Error strings imitate Slack's: `"<what is wrong> [json-pointer:/blocks/3/text/text]"`.
 */

export type SlackRejection = {
  error:
    | 'invalid_blocks'
    | 'invalid_blocks_format'
    | 'msg_blocks_too_long'
    | 'msg_too_long'
    | 'no_text'
    | 'invalid_arguments'
    | 'invalid_unfurls_format';
  errors?: string[];
};

/** Slack's hard limits, named so tests and the renderer can quote them instead of repeating numbers. */
export const LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  /** Undocumented: Slack answers msg_blocks_too_long somewhere between 11k and 13k; we fail at the low end. */
  messageBlocksText: 11_000,
  messageText: 40_000,
  blockId: 255,
  actionId: 255,
  headerText: 150,
  sectionText: 3_000,
  sectionFields: 10,
  sectionFieldText: 2_000,
  contextElements: 10,
  contextText: 3_000,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2_000,
  url: 3_000,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  optionText: 75,
  optionValue: 150,
  overflowOptions: 5,
  selectOptions: 100,
  radioOptions: 10,
  placeholder: 150,
  altText: 2_000,
  imageTitle: 2_000,
  inputLabel: 2_000,
  viewTitle: 24,
  viewButton: 24,
  privateMetadata: 3_000,
  callbackId: 255,
  externalId: 255,
  /** views.publish answers view_too_large beyond 250 kB of JSON. */
  viewBytes: 250_000,
} as const;

// ---------------------------------------------------------------------------------------------
// The little checking language the tables are written in
// ---------------------------------------------------------------------------------------------

type Ctx = { errors: string[] };
/** Checks one value found at `path` (a JSON pointer) and records what Slack would complain about. */
type Check = (value: unknown, path: string, ctx: Ctx) => void;

/** An object shape: its allowed properties (anything else is rejected), required ones, and cross-field rules. */
type Shape = {
  fields: Record<string, Check>;
  required?: readonly string[];
  rules?: readonly ((obj: Record<string, unknown>, path: string, ctx: Ctx) => void)[];
};

const fail = (ctx: Ctx, path: string, message: string) => {
  ctx.errors.push(`${message} [json-pointer:${path}]`);
};

export const codePoints = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function str(opts: { min?: number; max?: number; oneOf?: readonly string[]; url?: boolean } = {}): Check {
  return (value, path, ctx) => {
    if (typeof value !== 'string') return fail(ctx, path, 'must provide a string');
    const len = codePoints(value);
    if (opts.min !== undefined && len < opts.min) return fail(ctx, path, `must be more than ${opts.min - 1} characters`);
    if (opts.max !== undefined && len > opts.max) return fail(ctx, path, `must be less than ${opts.max + 1} characters`);
    if (opts.oneOf && !opts.oneOf.includes(value)) return fail(ctx, path, `must be one of: ${opts.oneOf.join(', ')}`);
    if (opts.url && !isAbsoluteHttpUrl(value)) return fail(ctx, path, 'must be a valid absolute http(s) URL');
  };
}

function isAbsoluteHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

const bool: Check = (value, path, ctx) => {
  if (typeof value !== 'boolean') fail(ctx, path, 'must provide a boolean');
};

function int(opts: { min?: number; max?: number } = {}): Check {
  return (value, path, ctx) => {
    if (typeof value !== 'number' || !Number.isInteger(value)) return fail(ctx, path, 'must provide an integer');
    if (opts.min !== undefined && value < opts.min) return fail(ctx, path, `must be at least ${opts.min}`);
    if (opts.max !== undefined && value > opts.max) return fail(ctx, path, `must be at most ${opts.max}`);
  };
}

function arrayOf(item: Check, opts: { min?: number; max?: number } = {}): Check {
  return (value, path, ctx) => {
    if (!Array.isArray(value)) return fail(ctx, path, 'must provide an array');
    if (opts.min !== undefined && value.length < opts.min)
      fail(ctx, path, `must provide at least ${opts.min} item${opts.min === 1 ? '' : 's'}`);
    if (opts.max !== undefined && value.length > opts.max) fail(ctx, path, `must be less than ${opts.max + 1} items`);
    value.forEach((v, i) => {
      item(v, `${path}/${i}`, ctx);
    });
  };
}

function checkShape(shape: Shape, value: unknown, path: string, ctx: Ctx): value is Record<string, unknown> {
  if (!isObject(value)) {
    fail(ctx, path, 'must provide an object');
    return false;
  }
  for (const [key, v] of Object.entries(value)) {
    // JSON.stringify drops undefined, so a property set to undefined never reaches Slack.
    if (v === undefined) continue;
    const check = shape.fields[key];
    if (!check) fail(ctx, path, `invalid additional property: ${key}`);
    else check(v, `${path}/${key}`, ctx);
  }
  for (const key of shape.required ?? []) {
    if (value[key] === undefined) fail(ctx, path, `missing required field: ${key}`);
  }
  for (const rule of shape.rules ?? []) rule(value, path, ctx);
  return true;
}

const obj =
  (shape: Shape): Check =>
  (value, path, ctx) => {
    checkShape(shape, value, path, ctx);
  };

/** Picks the shape from the object's `type`, e.g. which block or element it is. */
function byType(table: Record<string, Shape>, what: string): Check {
  return (value, path, ctx) => {
    if (!isObject(value)) return fail(ctx, path, 'must provide an object');
    const type = value.type;
    if (typeof type !== 'string') return fail(ctx, path, 'missing required field: type');
    const shape = table[type];
    if (!shape) return fail(ctx, `${path}/type`, `unsupported ${what} type: ${type} (expected one of: ${Object.keys(table).join(', ')})`);
    checkShape({ ...shape, fields: { type: str(), ...shape.fields } }, value, path, ctx);
  };
}

// ---------------------------------------------------------------------------------------------
// Composition objects
// ---------------------------------------------------------------------------------------------

type TextType = 'plain_text' | 'mrkdwn';

/** A text object. `emoji` belongs to plain_text only and `verbatim` to mrkdwn only, as Slack says. */
function text(opts: { max: number; min?: number; types?: readonly TextType[] }): Check {
  const types = opts.types ?? ['plain_text', 'mrkdwn'];
  const body = str({ min: opts.min ?? 1, max: opts.max });
  const shapes: Record<TextType, Shape> = {
    plain_text: { fields: { type: str(), text: body, emoji: bool }, required: ['text'] },
    mrkdwn: { fields: { type: str(), text: body, verbatim: bool }, required: ['text'] },
  };
  return (value, path, ctx) => {
    if (!isObject(value)) return fail(ctx, path, 'must provide an object');
    const type = value.type;
    if (type === undefined) return fail(ctx, path, 'missing required field: type');
    if (typeof type !== 'string' || !(types as readonly string[]).includes(type)) {
      return fail(ctx, `${path}/type`, `must be one of: ${types.join(', ')}`);
    }
    checkShape(shapes[type as TextType], value, path, ctx);
  };
}

const plain = (max: number) => text({ max, types: ['plain_text'] });

const confirm = obj({
  fields: {
    title: plain(LIMITS.confirmTitle),
    text: text({ max: LIMITS.confirmText }),
    confirm: plain(LIMITS.confirmButton),
    deny: plain(LIMITS.confirmButton),
    style: str({ oneOf: ['primary', 'danger'] }),
  },
  required: ['title', 'text', 'confirm', 'deny'],
});

const optionFields = {
  text: plain(LIMITS.optionText),
  value: str({ min: 1, max: LIMITS.optionValue }),
  description: plain(LIMITS.optionText),
};
const selectOption = obj({ fields: optionFields, required: ['text', 'value'] });
/** Radio buttons (and checkboxes) may label their options in mrkdwn. */
const radioOption = obj({
  fields: { ...optionFields, text: text({ max: LIMITS.optionText }), description: text({ max: LIMITS.optionText }) },
  required: ['text', 'value'],
});
/** Overflow options may also carry a link. */
const overflowOption = obj({ fields: { ...optionFields, url: str({ max: LIMITS.url, url: true }) }, required: ['text', 'value'] });

const actionId = str({ min: 1, max: LIMITS.actionId });
const blockId = str({ min: 1, max: LIMITS.blockId });

// ---------------------------------------------------------------------------------------------
// Elements
// ---------------------------------------------------------------------------------------------

const requireOneOf =
  (...keys: string[]) =>
  (o: Record<string, unknown>, path: string, ctx: Ctx) => {
    if (keys.every((k) => o[k] === undefined)) fail(ctx, path, `must provide one of: ${keys.join(', ')}`);
  };

/** An initial_option must be one of the element's options (same text and value), or Slack refuses the view. */
const initialOptionListed = (o: Record<string, unknown>, path: string, ctx: Ctx) => {
  const initial = o.initial_option;
  if (!isObject(initial)) return;
  const groups = Array.isArray(o.option_groups) ? o.option_groups : [];
  const options = [
    ...(Array.isArray(o.options) ? o.options : []),
    ...groups.flatMap((g) => (isObject(g) && Array.isArray(g.options) ? g.options : [])),
  ];
  const sameText = (a: unknown, b: unknown) => isObject(a) && isObject(b) && a.type === b.type && a.text === b.text;
  const listed = options.some((opt) => isObject(opt) && opt.value === initial.value && sameText(opt.text, initial.text));
  if (!listed) fail(ctx, `${path}/initial_option`, 'must match one of the provided options');
};

const ELEMENTS = {
  button: {
    fields: {
      text: plain(LIMITS.buttonText),
      action_id: actionId,
      url: str({ max: LIMITS.url, url: true }),
      value: str({ max: LIMITS.buttonValue }),
      style: str({ oneOf: ['primary', 'danger'] }),
      confirm,
      accessibility_label: str({ max: LIMITS.buttonText }),
    },
    required: ['text'],
  },
  overflow: {
    fields: {
      action_id: actionId,
      options: arrayOf(overflowOption, { min: 1, max: LIMITS.overflowOptions }),
      confirm,
    },
    required: ['options'],
  },
  static_select: {
    fields: {
      action_id: actionId,
      placeholder: plain(LIMITS.placeholder),
      options: arrayOf(selectOption, { min: 1, max: LIMITS.selectOptions }),
      option_groups: arrayOf(obj({ fields: { label: plain(LIMITS.optionText), options: arrayOf(selectOption, { min: 1, max: 100 }) } }), {
        min: 1,
        max: 100,
      }),
      initial_option: selectOption,
      confirm,
      focus_on_load: bool,
    },
    rules: [requireOneOf('options', 'option_groups'), initialOptionListed],
  },
  radio_buttons: {
    fields: {
      action_id: actionId,
      options: arrayOf(radioOption, { min: 1, max: LIMITS.radioOptions }),
      initial_option: radioOption,
      confirm,
      focus_on_load: bool,
    },
    required: ['options'],
    rules: [initialOptionListed],
  },
  image: {
    fields: {
      image_url: str({ max: LIMITS.url, url: true }),
      slack_file: obj({ fields: { url: str({ max: LIMITS.url, url: true }), id: str() } }),
      alt_text: str({ min: 1, max: LIMITS.altText }),
    },
    required: ['alt_text'],
    rules: [requireOneOf('image_url', 'slack_file')],
  },
  plain_text_input: {
    fields: {
      action_id: actionId,
      initial_value: str(),
      multiline: bool,
      min_length: int({ min: 0, max: 3000 }),
      max_length: int({ min: 1, max: 3000 }),
      placeholder: plain(LIMITS.placeholder),
      dispatch_action_config: obj({
        fields: { trigger_actions_on: arrayOf(str({ oneOf: ['on_enter_pressed', 'on_character_entered'] })) },
      }),
      focus_on_load: bool,
    },
  },
} satisfies Record<string, Shape>;

const pick = <K extends keyof typeof ELEMENTS>(...keys: K[]): Record<string, Shape> =>
  Object.fromEntries(keys.map((k) => [k, ELEMENTS[k]]));

const ACCESSORY = byType(pick('button', 'overflow', 'static_select', 'radio_buttons', 'image'), 'accessory');
const ACTION_ELEMENT = byType(pick('button', 'overflow', 'static_select', 'radio_buttons'), 'element');
const INPUT_ELEMENT = byType(pick('plain_text_input', 'static_select', 'radio_buttons'), 'element');

/** Context mixes text objects and images; the text types carry their own limits. */
const CONTEXT_ELEMENT: Check = (value, path, ctx) => {
  if (isObject(value) && value.type === 'image') return byType(pick('image'), 'element')(value, path, ctx);
  if (isObject(value) && (value.type === 'plain_text' || value.type === 'mrkdwn'))
    return text({ max: LIMITS.contextText })(value, path, ctx);
  if (!isObject(value)) return fail(ctx, path, 'must provide an object');
  fail(ctx, `${path}/type`, 'must be one of: image, plain_text, mrkdwn');
};

// ---------------------------------------------------------------------------------------------
// Rich text (what Slack itself sends back for typed messages; the renderer may use it for lists)
// ---------------------------------------------------------------------------------------------

const richStyle = obj({ fields: { bold: bool, italic: bool, strike: bool, code: bool, underline: bool } });
const RICH_INLINE = byType(
  {
    text: { fields: { text: str({ min: 1 }), style: richStyle }, required: ['text'] },
    link: { fields: { url: str({ max: LIMITS.url, url: true }), text: str(), unsafe: bool, style: richStyle }, required: ['url'] },
    user: { fields: { user_id: str({ min: 1 }), style: richStyle }, required: ['user_id'] },
    channel: { fields: { channel_id: str({ min: 1 }), style: richStyle }, required: ['channel_id'] },
    usergroup: { fields: { usergroup_id: str({ min: 1 }), style: richStyle }, required: ['usergroup_id'] },
    emoji: { fields: { name: str({ min: 1 }), unicode: str(), skin_tone: int({ min: 1, max: 6 }) }, required: ['name'] },
    broadcast: { fields: { range: str({ oneOf: ['here', 'channel', 'everyone'] }) }, required: ['range'] },
    date: {
      fields: { timestamp: int({ min: 0 }), format: str({ min: 1 }), url: str({ url: true }), fallback: str() },
      required: ['timestamp', 'format'],
    },
  },
  'rich text element',
);
const richInlineList = arrayOf(RICH_INLINE);
const richSection: Shape = { fields: { elements: richInlineList }, required: ['elements'] };
const RICH_BLOCK_ELEMENT = byType(
  {
    rich_text_section: richSection,
    rich_text_preformatted: { fields: { elements: richInlineList, border: int({ min: 0, max: 1 }) }, required: ['elements'] },
    rich_text_quote: { fields: { elements: richInlineList, border: int({ min: 0, max: 1 }) }, required: ['elements'] },
    rich_text_list: {
      fields: {
        elements: arrayOf(byType({ rich_text_section: richSection }, 'list item')),
        style: str({ oneOf: ['bullet', 'ordered'] }),
        indent: int({ min: 0, max: 8 }),
        offset: int({ min: 0 }),
        border: int({ min: 0, max: 1 }),
      },
      required: ['elements', 'style'],
    },
  },
  'rich text block element',
);

// ---------------------------------------------------------------------------------------------
// Blocks
// ---------------------------------------------------------------------------------------------

/** action_id must be unique among the elements of one block. */
const uniqueActionIds = (o: Record<string, unknown>, path: string, ctx: Ctx) => {
  if (!Array.isArray(o.elements)) return;
  const seen = new Set<string>();
  o.elements.forEach((el, i) => {
    if (!isObject(el) || typeof el.action_id !== 'string') return;
    if (seen.has(el.action_id)) fail(ctx, `${path}/elements/${i}/action_id`, `duplicate action_id: ${el.action_id}`);
    seen.add(el.action_id);
  });
};

const BLOCKS: Record<string, Shape> = {
  section: {
    fields: {
      text: text({ min: 1, max: LIMITS.sectionText }),
      fields: arrayOf(text({ max: LIMITS.sectionFieldText }), { min: 1, max: LIMITS.sectionFields }),
      accessory: ACCESSORY,
      expand: bool,
    },
    rules: [requireOneOf('text', 'fields')],
  },
  header: { fields: { text: plain(LIMITS.headerText) }, required: ['text'] },
  divider: { fields: {} },
  context: {
    fields: { elements: arrayOf(CONTEXT_ELEMENT, { min: 1, max: LIMITS.contextElements }) },
    required: ['elements'],
  },
  actions: {
    fields: { elements: arrayOf(ACTION_ELEMENT, { min: 1, max: LIMITS.actionsElements }) },
    required: ['elements'],
    rules: [uniqueActionIds],
  },
  image: {
    fields: { ...ELEMENTS.image.fields, title: plain(LIMITS.imageTitle) },
    required: ['alt_text'],
    rules: [requireOneOf('image_url', 'slack_file')],
  },
  rich_text: { fields: { elements: arrayOf(RICH_BLOCK_ELEMENT, { min: 1 }) }, required: ['elements'] },
  input: {
    fields: {
      label: plain(LIMITS.inputLabel),
      element: INPUT_ELEMENT,
      hint: plain(LIMITS.inputLabel),
      optional: bool,
      dispatch_action: bool,
    },
    required: ['label', 'element'],
  },
};

const BLOCK = byType(
  Object.fromEntries(Object.entries(BLOCKS).map(([type, shape]) => [type, { ...shape, fields: { block_id: blockId, ...shape.fields } }])),
  'block',
);

/** Validates a blocks array (structure, counts, unique block_ids) and returns Slack's error strings. */
function blockErrors(blocks: unknown[], maxBlocks: number, root: string): string[] {
  const ctx: Ctx = { errors: [] };
  arrayOf(BLOCK, { max: maxBlocks })(blocks, root, ctx);
  const seen = new Set<string>();
  blocks.forEach((b, i) => {
    if (!isObject(b) || typeof b.block_id !== 'string') return;
    if (seen.has(b.block_id)) fail(ctx, `${root}/${i}/block_id`, `duplicate block_id: ${b.block_id}`);
    seen.add(b.block_id);
  });
  return ctx.errors;
}

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/**
 * The total text Slack counts for msg_blocks_too_long: every `text` string in the blocks (text
 * objects and rich text), in code points.
 */
export function blocksTextLength(blocks: unknown[]): number {
  let total = 0;
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) for (const x of v) walk(x);
    else if (isObject(v)) {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'text' && typeof x === 'string') total += codePoints(x);
        else walk(x);
      }
    }
  };
  walk(blocks);
  return total;
}

/**
 * Web API form posts carry `blocks` as a JSON string; JSON bodies carry the array itself.
 * Returns the parsed value, or undefined when it is not JSON.
 */
function parseMaybeJson(v: unknown): { ok: true; value: unknown } | { ok: false } {
  if (typeof v !== 'string') return { ok: true, value: v };
  try {
    return { ok: true, value: JSON.parse(v) };
  } catch {
    return { ok: false };
  }
}

/** What Slack would answer to chat.postMessage / chat.update / respond() with this payload, or null if it accepts it. */
export function checkMessage(message: { text?: unknown; blocks?: unknown }): SlackRejection | null {
  const { text: msgText } = message;
  if (msgText !== undefined && msgText !== null && typeof msgText !== 'string') {
    return { error: 'invalid_arguments', errors: ['text must be a string [json-pointer:/text]'] };
  }
  let blocks: unknown[] | undefined;
  if (message.blocks !== undefined && message.blocks !== null && message.blocks !== '') {
    const parsed = parseMaybeJson(message.blocks);
    if (!parsed.ok || !Array.isArray(parsed.value)) {
      return { error: 'invalid_blocks_format', errors: ['blocks must be a JSON array [json-pointer:/blocks]'] };
    }
    blocks = parsed.value;
  }
  const hasText = typeof msgText === 'string' && msgText.length > 0;
  if (!hasText && (!blocks || blocks.length === 0)) return { error: 'no_text' };
  if (hasText && codePoints(msgText) > LIMITS.messageText) return { error: 'msg_too_long' };
  if (blocks) {
    const errors = blockErrors(blocks, LIMITS.messageBlocks, '/blocks');
    if (errors.length > 0) return { error: 'invalid_blocks', errors };
    if (blocksTextLength(blocks) > LIMITS.messageBlocksText) return { error: 'msg_blocks_too_long' };
  }
  return null;
}

/** Input blocks collect values, which only a submit button can send. */
const submitWhenInputs = (o: Record<string, unknown>, path: string, ctx: Ctx) => {
  if (o.submit === undefined && Array.isArray(o.blocks) && o.blocks.some((b) => isObject(b) && b.type === 'input')) {
    fail(ctx, path, 'must provide submit when the view has input blocks');
  }
};

/** A view's blocks are checked separately, so the block count and block_id uniqueness use the view's limits. */
const viewBlocks: Check = (v, path, ctx) => {
  if (!Array.isArray(v)) fail(ctx, path, 'must provide an array');
};

const VIEW_FIELDS: Shape = {
  fields: {
    type: str({ oneOf: ['modal'] }),
    title: plain(LIMITS.viewTitle),
    blocks: viewBlocks,
    close: plain(LIMITS.viewButton),
    submit: plain(LIMITS.viewButton),
    private_metadata: str({ max: LIMITS.privateMetadata }),
    callback_id: str({ max: LIMITS.callbackId }),
    clear_on_close: bool,
    notify_on_close: bool,
    external_id: str({ min: 1, max: LIMITS.externalId }),
    submit_disabled: bool,
  },
  required: ['type', 'title', 'blocks'],
  rules: [submitWhenInputs],
};

/**
 * Same for a modal view (views.open / views.update). Slack answers bad views with
 * `invalid_arguments` (and the details in `response_metadata.messages`), not `invalid_blocks`.
 */
export function checkView(view: unknown): SlackRejection | null {
  const parsed = parseMaybeJson(view);
  if (!parsed.ok || !isObject(parsed.value)) {
    return { error: 'invalid_arguments', errors: ['must provide an object [json-pointer:/view]'] };
  }
  const v = parsed.value;
  const ctx: Ctx = { errors: [] };
  checkShape(VIEW_FIELDS, v, '/view', ctx);
  if (Array.isArray(v.blocks)) ctx.errors.push(...blockErrors(v.blocks, LIMITS.viewBlocks, '/view/blocks'));
  return ctx.errors.length > 0 ? { error: 'invalid_arguments', errors: ctx.errors } : null;
}

const HOME_FIELDS: Shape = {
  fields: {
    type: str({ oneOf: ['home'] }),
    blocks: viewBlocks,
    private_metadata: str({ max: LIMITS.privateMetadata }),
    callback_id: str({ max: LIMITS.callbackId }),
    external_id: str({ min: 1, max: LIMITS.externalId }),
  },
  required: ['type', 'blocks'],
};

/**
 * A Home tab (views.publish): `type: 'home'`, up to 100 blocks, no title, close or submit (a Home
 * has no buttons of its own). Answers as checkView does.
 */
export function checkHomeView(view: unknown): SlackRejection | null {
  const parsed = parseMaybeJson(view);
  if (!parsed.ok || !isObject(parsed.value)) {
    return { error: 'invalid_arguments', errors: ['must provide an object [json-pointer:/view]'] };
  }
  const v = parsed.value;
  const ctx: Ctx = { errors: [] };
  checkShape(HOME_FIELDS, v, '/view', ctx);
  if (Array.isArray(v.blocks)) ctx.errors.push(...blockErrors(v.blocks, LIMITS.viewBlocks, '/view/blocks'));
  return ctx.errors.length > 0 ? { error: 'invalid_arguments', errors: ctx.errors } : null;
}

/** A JSON pointer segment: `~` and `/` escaped (URLs are full of slashes). */
const pointerSegment = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

/**
 * chat.unfurl's `unfurls`: a map from URL to an attachment-like object. Its `blocks` follow the
 * message rules (50 blocks, the same element limits). Anything that is not such a map is
 * `invalid_unfurls_format`.
 */
export function checkUnfurls(unfurls: unknown): SlackRejection | null {
  const parsed = parseMaybeJson(unfurls);
  if (!parsed.ok || !isObject(parsed.value) || Object.keys(parsed.value).length === 0) return { error: 'invalid_unfurls_format' };
  const errors: string[] = [];
  for (const [url, unfurl] of Object.entries(parsed.value)) {
    if (!isObject(unfurl)) return { error: 'invalid_unfurls_format' };
    if (unfurl.blocks === undefined) continue;
    const root = `/unfurls/${pointerSegment(url)}/blocks`;
    if (!Array.isArray(unfurl.blocks)) errors.push(`must provide an array [json-pointer:${root}]`);
    else errors.push(...blockErrors(unfurl.blocks, LIMITS.messageBlocks, root));
  }
  return errors.length > 0 ? { error: 'invalid_blocks', errors } : null;
}
