import { checkView } from '../block-kit-rules.js';
import { payloadEnterprise, payloadUser, type SlackUser } from './payloads.js';
import type { FakeSlack } from './server.js';
import type { FakeView } from './types.js';
import { isAnswer, isRecord } from './web-api/common.js';
import { publicView, pushView, viewObject } from './web-api/views.js';
import { publicMessage, type Workspace } from './workspace.js';

/**
 * Message shortcuts and modal submissions: the payloads Slack sends, and what Slack does with the
 * app's answer to a view_submission (close, update, push, show errors, clear).
 */

export type MessageShortcutOptions = { channel: string; ts: string; callbackId: string; user?: string | SlackUser };

/** A message shortcut (the "⋮ More actions" menu of a message), as Slack reports it. */
export function messageShortcutPayload(fake: FakeSlack, opts: MessageShortcutOptions): Record<string, unknown> {
  const message = fake.message(opts.channel, opts.ts);
  if (!message) throw new Error(`no message ${opts.ts} in ${opts.channel}`);
  const user = payloadUser(fake, opts.user);
  return {
    type: 'message_action',
    token: 'fake-verification-token',
    action_ts: fake.clock.nextTs(),
    team: { id: fake.teamId, domain: fake.teamDomain },
    user,
    channel: { id: message.channel, name: fake.channel(message.channel)?.name ?? message.channel },
    is_enterprise_install: false,
    enterprise: payloadEnterprise(fake),
    callback_id: opts.callbackId,
    trigger_id: fake.triggerId(user.id),
    response_url: fake.responseUrl({
      channel: message.channel,
      user: user.id,
      origin: { kind: 'message', channel: message.channel, ts: message.ts },
    }),
    message_ts: message.ts,
    message: publicMessage(message),
  };
}

/** What the user entered: a text for plain_text_input, an option value for static_select and radio_buttons, null for nothing. */
export type SubmittedValue = string | null;

export type ViewSubmissionOptions = {
  viewId: string;
  /**
   * By action_id, or `block_id/action_id` when an action_id repeats. Inputs left out keep their
   * initial value (initial_value / initial_option) or stay empty.
   */
  values?: Record<string, SubmittedValue>;
  user?: string | SlackUser;
};

const isInput = (b: unknown): b is Record<string, unknown> & { element: Record<string, unknown> } =>
  isRecord(b) && b.type === 'input' && isRecord(b.element);

/** Every option of a select or radio group, option groups included. */
function optionsOf(el: Record<string, unknown>): Record<string, unknown>[] {
  const groups = Array.isArray(el.option_groups) ? el.option_groups : [];
  return [
    ...(Array.isArray(el.options) ? el.options : []),
    ...groups.flatMap((g) => (isRecord(g) && Array.isArray(g.options) ? g.options : [])),
  ].filter(isRecord);
}

/** One input's entry in `view.state.values`, as Slack reports each element type. */
function elementState(
  el: Record<string, unknown>,
  where: string,
  given: SubmittedValue | undefined,
): { state: Record<string, unknown>; empty: boolean } {
  const type = String(el.type);
  if (type === 'plain_text_input') {
    const value = given === undefined ? (typeof el.initial_value === 'string' ? el.initial_value : null) : given;
    const length = value === null ? 0 : [...value].length;
    // The client refuses to submit text outside the element's bounds, so no payload could carry it.
    if (value !== null && typeof el.max_length === 'number' && length > el.max_length)
      throw new Error(`${where}: ${length} characters, more than max_length ${el.max_length}`);
    if (value !== null && length > 0 && typeof el.min_length === 'number' && length < el.min_length)
      throw new Error(`${where}: ${length} characters, fewer than min_length ${el.min_length}`);
    return { state: { type, value: value === '' ? null : value }, empty: value === null || value === '' };
  }
  if (type === 'static_select' || type === 'radio_buttons') {
    let selected: Record<string, unknown> | null = isRecord(el.initial_option) ? el.initial_option : null;
    if (given !== undefined) {
      selected = given === null ? null : (optionsOf(el).find((o) => o.value === given) ?? null);
      if (given !== null && !selected) throw new Error(`${where} has no option with value ${given}`);
    }
    return { state: { type, selected_option: selected ? structuredClone(selected) : null }, empty: selected === null };
  }
  throw new Error(`${where} is a ${type}: the fake does not submit that element type`);
}

/** `view.state.values` for a submission: `{ [block_id]: { [action_id]: state } }` for every input block. */
export function submissionState(view: FakeView, values: Record<string, SubmittedValue> = {}): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  const used = new Set<string>();
  for (const block of view.blocks.filter(isInput)) {
    const blockId = String(block.block_id);
    const actionId = String(block.element.action_id);
    const key = [`${blockId}/${actionId}`, actionId].find((k) => k in values);
    if (key) used.add(key);
    const where = `input ${blockId}/${actionId} of view ${view.id}`;
    const { state, empty } = elementState(block.element, where, key ? values[key] : undefined);
    // Slack's client will not submit a modal whose required input is empty.
    if (empty && block.optional !== true) throw new Error(`${where} is required: the user cannot submit it empty`);
    out[blockId] = { [actionId]: state };
  }
  const unknown = Object.keys(values).filter((k) => !used.has(k));
  if (unknown.length > 0) throw new Error(`view ${view.id} has no input ${unknown.join(', ')}`);
  return out;
}

/** A view_submission for an open modal, with the user's entries; also records them as the view's state. */
export function viewSubmissionPayload(fake: FakeSlack, opts: ViewSubmissionOptions): Record<string, unknown> {
  const view = fake.view(opts.viewId);
  if (!view) throw new Error(`no view ${opts.viewId} in the fake Slack`);
  if (!view.open) throw new Error(`view ${opts.viewId} is closed`);
  if (view.submit === null || view.submit === undefined) throw new Error(`view ${opts.viewId} has no submit button`);
  const user = payloadUser(fake, opts.user ?? view.user);
  if (user.id !== view.user) throw new Error(`view ${opts.viewId} is open for ${view.user}, not ${user.id}`);
  const values = submissionState(view, opts.values);
  view.state = { values };
  return {
    type: 'view_submission',
    team: { id: fake.teamId, domain: fake.teamDomain },
    user,
    api_app_id: fake.appId,
    token: 'fake-verification-token',
    trigger_id: fake.triggerId(user.id),
    view: publicView(view),
    response_urls: [],
    is_enterprise_install: false,
    enterprise: payloadEnterprise(fake),
  };
}

/** What became of the modal after the app answered its submission. */
export type SubmissionOutcome =
  | { action: 'closed' }
  | { action: 'cleared' }
  | { action: 'updated'; view: FakeView }
  | { action: 'pushed'; view: FakeView }
  | { action: 'errors'; errors: Record<string, string> }
  /** Slack would show the user an error and keep the modal as it was. */
  | { action: 'refused'; reason: string };

/**
 * Applies the app's answer to a view_submission (the HTTP response body or the Socket Mode ack
 * payload) as Slack does. An empty answer closes the submitted view; `clear` closes its whole stack.
 */
export function applySubmissionAnswer(ws: Workspace, viewId: string, answer: unknown): SubmissionOutcome {
  const view = ws.views.get(viewId);
  if (!view) throw new Error(`no view ${viewId}`);
  if (answer === undefined || answer === '' || (isRecord(answer) && Object.keys(answer).length === 0)) {
    view.open = false;
    return { action: 'closed' };
  }
  if (!isRecord(answer)) return { action: 'refused', reason: 'the answer is not a JSON object' };
  switch (answer.response_action) {
    case 'clear':
      for (const v of ws.views.values()) if (v.root_view_id === view.root_view_id) v.open = false;
      return { action: 'cleared' };
    case 'errors': {
      const errors = answer.errors;
      if (!isRecord(errors) || Object.keys(errors).length === 0) return { action: 'refused', reason: 'errors must be a non-empty object' };
      // Errors can only point at input blocks of the submitted view.
      const inputs = new Set(view.blocks.filter(isInput).map((b) => String(b.block_id)));
      const stray = Object.keys(errors).filter((k) => !inputs.has(k));
      if (stray.length > 0) return { action: 'refused', reason: `errors name blocks that are not inputs of the view: ${stray.join(', ')}` };
      view.errors = Object.fromEntries(Object.entries(errors).map(([k, v]) => [k, String(v)]));
      return { action: 'errors', errors: view.errors };
    }
    case 'update':
    case 'push': {
      const rejection = checkView(answer.view);
      if (rejection) return { action: 'refused', reason: `${rejection.error}: ${(rejection.errors ?? []).join('; ')}` };
      const input = answer.view as Record<string, unknown>;
      if (answer.response_action === 'update') {
        const updated = viewObject(ws, input, view.user, view);
        ws.views.set(updated.id, updated);
        return { action: 'updated', view: updated };
      }
      const pushed = pushView(ws, input, view.user);
      return isAnswer(pushed) ? { action: 'refused', reason: String(pushed.error) } : { action: 'pushed', view: pushed };
    }
    default:
      return { action: 'refused', reason: `unknown response_action ${String(answer.response_action)}` };
  }
}
