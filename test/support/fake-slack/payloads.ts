import type { FakeSlack } from './server.js';
import type { EphemeralMessage, SlackMessage } from './types.js';
import { DEFAULT_USER, publicMessage } from './workspace.js';

/**
 * Builders for what Slack sends the bot: slash command bodies and block_actions payloads (shortcuts
 * and view submissions are in interactions.ts, events in events.ts). The HTTP request helpers sign
 * and post them; the fake's Socket Mode side wraps them in envelopes.
 */

export type SlackUser = { id: string; name: string };

/** The `user` of an interaction payload; `team_id` is the person's home team (another one for a stranger). */
export function payloadUser(fake: FakeSlack, user: string | SlackUser | undefined): Record<string, unknown> & { id: string } {
  const id = typeof user === 'string' ? user : (user?.id ?? DEFAULT_USER.id);
  const known = fake.user(id);
  const name = typeof user === 'object' ? user.name : (known?.name ?? id.toLowerCase());
  return { id, username: name, name, team_id: known?.teamId ?? fake.teamId };
}

/** `enterprise` in interaction payloads: null outside Enterprise Grid. */
export const payloadEnterprise = (fake: FakeSlack) => (fake.enterpriseId ? { id: fake.enterpriseId, name: 'Fake Grid' } : null);

export type SlashCommandInput = {
  text: string;
  userId?: string;
  userName?: string;
  channelId?: string;
  channelName?: string;
  teamId?: string;
  teamDomain?: string;
  command?: string;
  responseUrl: string;
  triggerId?: string;
  apiAppId?: string;
};

/** The fields of a slash command, in the order Slack sends them (all strings: it is a form). */
export function slashCommandPayload(input: SlashCommandInput): Record<string, string> {
  return {
    token: 'fake-verification-token',
    team_id: input.teamId ?? 'T_FAKE',
    team_domain: input.teamDomain ?? 'fake-team',
    channel_id: input.channelId ?? 'C_GENERAL',
    channel_name: input.channelName ?? 'general',
    user_id: input.userId ?? 'U_ALICE',
    user_name: input.userName ?? 'alice',
    command: input.command ?? '/datajob',
    text: input.text,
    api_app_id: input.apiAppId ?? 'A_FAKE_APP',
    is_enterprise_install: 'false',
    response_url: input.responseUrl,
    trigger_id: input.triggerId ?? `${Date.now()}.0.${'0'.repeat(32)}`,
  };
}

/**
 * Where the clicked element is: a channel message, the latest message a response_url posted, an
 * ephemeral, a modal, or a user's Home tab.
 */
export type ActionTarget =
  | { channel: string; ts: string }
  | { responseUrl: string }
  | { ephemeralTs: string }
  | { viewId: string }
  | { homeOf: string };

export type ActionOptions = ActionTarget & {
  actionId: string;
  user?: SlackUser;
  blockId?: string;
  /** What the person answers a button's confirm dialog (default: they confirm). */
  answer?: 'confirm' | 'deny';
};

export type BlockActionsPayload = Record<string, unknown> & {
  type: 'block_actions';
  actions: Record<string, unknown>[];
  trigger_id: string;
  response_url?: string;
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Finds an interactive element by action_id (and block_id when given) in actions blocks and section accessories. */
export function findAction(
  blocks: unknown[] | undefined,
  actionId: string,
  blockId?: string,
): { element: Record<string, unknown>; blockId: string } | undefined {
  for (const block of blocks ?? []) {
    if (!isRecord(block)) continue;
    if (blockId !== undefined && block.block_id !== blockId) continue;
    const candidates = [...(Array.isArray(block.elements) ? block.elements : []), block.accessory, block.element];
    for (const el of candidates) {
      if (isRecord(el) && el.action_id === actionId) return { element: el, blockId: String(block.block_id) };
    }
  }
  return undefined;
}

type Located = {
  blocks: unknown[] | undefined;
  container: Record<string, unknown>;
  extra: Record<string, unknown>;
  describe: string;
};

/** Resolves the target into what the payload needs, issuing a fresh response_url as Slack does per click. */
function locate(fake: FakeSlack, target: ActionTarget, user: SlackUser): Located {
  if ('homeOf' in target) {
    const home = fake.homeView(target.homeOf);
    if (!home) throw new Error(`${target.homeOf} has no published Home tab`);
    if (target.homeOf !== user.id) throw new Error(`only ${target.homeOf} sees their Home tab, not ${user.id}`);
    return {
      blocks: home.blocks,
      container: { type: 'view', view_id: home.id },
      extra: { view: fake.publicView(home.id) },
      describe: `the Home tab of ${target.homeOf}`,
    };
  }
  if ('viewId' in target) {
    const view = fake.view(target.viewId);
    if (!view) throw new Error(`no view ${target.viewId} in the fake Slack`);
    if (!view.open) throw new Error(`view ${target.viewId} is closed`);
    // block_actions from a modal carry the view, not a channel, message or response_url.
    return {
      blocks: view.blocks,
      container: { type: 'view', view_id: view.id },
      extra: { view: fake.publicView(view.id) },
      describe: `view ${view.id}`,
    };
  }
  let message: SlackMessage | undefined;
  let ephemeral: EphemeralMessage | undefined;
  if ('responseUrl' in target) {
    const latest = fake.responseUrlMessage(target.responseUrl);
    if (!latest) throw new Error(`nothing visible was posted to ${target.responseUrl}`);
    if ('ephemeral' in latest) ephemeral = latest.ephemeral;
    else message = latest.message;
  } else if ('ephemeralTs' in target) {
    ephemeral = fake.ephemeral(target.ephemeralTs);
    if (!ephemeral || ephemeral.deleted) throw new Error(`no ephemeral message ${target.ephemeralTs}`);
  } else {
    message = fake.message(target.channel, target.ts);
    if (!message) throw new Error(`no message ${target.ts} in ${target.channel}`);
  }
  if (ephemeral) {
    const channel = fake.channel(ephemeral.channel);
    // Slack sends no `message` for ephemeral messages: the app cannot read them back.
    return {
      blocks: ephemeral.blocks,
      container: { type: 'message', message_ts: ephemeral.ts, channel_id: ephemeral.channel, is_ephemeral: true },
      extra: {
        channel: { id: ephemeral.channel, name: channel?.name ?? ephemeral.channel },
        response_url: fake.responseUrl({ channel: ephemeral.channel, user: user.id, origin: { kind: 'ephemeral', ts: ephemeral.ts } }),
      },
      describe: `ephemeral ${ephemeral.ts}`,
    };
  }
  if (!message) throw new Error('unreachable: no message located');
  const channel = fake.channel(message.channel);
  return {
    blocks: message.blocks,
    container: {
      type: 'message',
      message_ts: message.ts,
      channel_id: message.channel,
      is_ephemeral: false,
      ...(message.thread_ts && message.thread_ts !== message.ts ? { thread_ts: message.thread_ts } : {}),
    },
    extra: {
      channel: { id: message.channel, name: channel?.name ?? message.channel },
      message: publicMessage(message),
      response_url: fake.responseUrl({
        channel: message.channel,
        user: user.id,
        origin: { kind: 'message', channel: message.channel, ts: message.ts },
      }),
    },
    describe: `message ${message.ts} in ${message.channel}`,
  };
}

function actionPayload(
  fake: FakeSlack,
  opts: ActionOptions,
  makeAction: (el: Record<string, unknown>) => Record<string, unknown>,
): BlockActionsPayload {
  const user = opts.user ?? DEFAULT_USER;
  const located = locate(fake, opts, user);
  const found = findAction(located.blocks, opts.actionId, opts.blockId);
  if (!found) throw new Error(`no element with action_id ${opts.actionId} in ${located.describe}`);
  return {
    type: 'block_actions',
    user: payloadUser(fake, user),
    api_app_id: fake.appId,
    token: 'fake-verification-token',
    container: located.container,
    trigger_id: fake.triggerId(user.id),
    team: { id: fake.teamId, domain: fake.teamDomain },
    enterprise: payloadEnterprise(fake),
    is_enterprise_install: false,
    state: { values: {} },
    ...located.extra,
    actions: [{ ...makeAction(found.element), action_id: opts.actionId, block_id: found.blockId, action_ts: fake.clock.nextTs() }],
  };
}

/**
 * A click on a button the fake holds, as Slack reports it. A button with a `confirm` object shows its
 * dialog first (recorded in `fake.dialogs`): denied, Slack sends nothing, and this returns null.
 */
export function clickButton(fake: FakeSlack, opts: ActionOptions & { answer: 'deny' }): null;
export function clickButton(fake: FakeSlack, opts: ActionOptions): BlockActionsPayload;
export function clickButton(fake: FakeSlack, opts: ActionOptions): BlockActionsPayload | null {
  let denied = false;
  const payload = actionPayload(fake, opts, (el) => {
    if (el.type !== 'button') throw new Error(`${opts.actionId} is a ${String(el.type)}, not a button`);
    if (isRecord(el.confirm)) {
      const answer = opts.answer ?? 'confirm';
      fake.dialogs.push({ user: opts.user?.id ?? DEFAULT_USER.id, actionId: opts.actionId, dialog: el.confirm, answer });
      denied = answer === 'deny';
    }
    return {
      type: 'button',
      text: el.text,
      ...(el.value !== undefined ? { value: el.value } : {}),
      ...(el.style !== undefined ? { style: el.style } : {}),
      ...(el.url !== undefined ? { url: el.url } : {}),
    };
  });
  return denied ? null : payload;
}

/** Choosing an option of an overflow menu. */
export function selectOverflowOption(fake: FakeSlack, opts: ActionOptions & { value: string }): BlockActionsPayload {
  return actionPayload(fake, opts, (el) => {
    if (el.type !== 'overflow') throw new Error(`${opts.actionId} is a ${String(el.type)}, not an overflow`);
    const options = Array.isArray(el.options) ? el.options : [];
    const option = options.find((o) => isRecord(o) && o.value === opts.value) as Record<string, unknown> | undefined;
    if (!option) throw new Error(`overflow ${opts.actionId} has no option ${opts.value}`);
    return { type: 'overflow', selected_option: { text: option.text, value: option.value } };
  });
}
