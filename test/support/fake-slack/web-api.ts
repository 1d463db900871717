import { checkMessage, checkView, type SlackRejection } from '../block-kit-rules.js';
import { shortId, slackId } from './clock.js';
import type { Channel, FakeView, MessageMetadata } from './types.js';
import { publicMessage, type Workspace, withSlackIds } from './workspace.js';

/** A Web API answer body. Slack always answers 200 with `ok`, except for rate limits. */
export type ApiAnswer = { ok: boolean; [key: string]: unknown };

export type MethodContext = {
  ws: Workspace;
  scopes: ReadonlySet<string>;
  triggerTtlMs: number;
  /** Issues a single-use Socket Mode URL. */
  openSocketUrl: () => string;
};

type Method = {
  /** Which token the method takes: the bot token (xoxb) or the app-level token (xapp). */
  token: 'bot' | 'app';
  /** The OAuth scope the call needs, if any (may depend on the arguments). */
  scope?: (args: Record<string, unknown>, ctx: MethodContext) => string | undefined;
  run: (args: Record<string, unknown>, ctx: MethodContext) => ApiAnswer;
};

const fail = (error: string, extra: Record<string, unknown> = {}): ApiAnswer => ({ ok: false, error, ...extra });

/** Slack puts validation details both in `errors` and, prefixed, in `response_metadata.messages`. */
const rejected = (r: SlackRejection): ApiAnswer =>
  fail(r.error, r.errors ? { errors: r.errors, response_metadata: { messages: r.errors.map((e) => `[ERROR] ${e}`) } } : {});

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);
/** Form bodies carry booleans as "true"/"1"; JSON bodies as booleans. */
const flag = (v: unknown): boolean => v === true || v === 'true' || v === '1' || v === 1;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const USER_ID = /^[UW][A-Z0-9_]+$/;

/** Fields Slack takes as JSON; web-api sends them JSON-stringified inside form bodies. */
export const JSON_ARGS = ['blocks', 'attachments', 'view', 'metadata'] as const;

/** Parses JSON-string arguments where they parse; leaves the rest for the method to reject. */
export function normaliseArgs(raw: Record<string, unknown>): Record<string, unknown> {
  const args = { ...raw };
  for (const key of JSON_ARGS) {
    const v = args[key];
    if (typeof v === 'string' && v !== '') {
      try {
        args[key] = JSON.parse(v);
      } catch {
        // Left as a string: the method answers invalid_blocks_format / invalid_arguments as Slack does.
      }
    }
  }
  return args;
}

/** Why the bot may not post in this channel, if it may not. */
function postingDenied(ctx: MethodContext, channel: Channel | undefined): string | undefined {
  if (!ctx.ws.visible(channel)) return 'channel_not_found';
  if (channel.isArchived) return 'is_archived';
  if (!channel.botIsMember && !ctx.scopes.has('chat:write.public')) return 'not_in_channel';
  return undefined;
}

/** chat.postMessage also takes a user id and posts in the app's DM with that user. */
function postTarget(ctx: MethodContext, ref: unknown): Channel | undefined {
  const id = str(ref);
  if (!id) return undefined;
  if (USER_ID.test(id) && !ctx.ws.channels.has(id)) return ctx.ws.openDm(id).channel;
  return ctx.ws.findChannel(id);
}

function parseMetadata(v: unknown): MessageMetadata | undefined | 'invalid' {
  if (v === undefined || v === '') return undefined;
  if (!isRecord(v) || typeof v.event_type !== 'string' || !isRecord(v.event_payload)) return 'invalid';
  return { event_type: v.event_type, event_payload: v.event_payload };
}

const blocksArg = (v: unknown): unknown[] | undefined => (Array.isArray(v) ? v : undefined);
const hasAttachments = (v: unknown) => Array.isArray(v) && v.length > 0;

/** Text and blocks as Slack checks them; legacy attachments count as content for `no_text`. */
function checkContent(args: Record<string, unknown>): ApiAnswer | undefined {
  if (args.attachments !== undefined && !Array.isArray(args.attachments)) return fail('invalid_attachments');
  const rejection = checkMessage({ text: args.text, blocks: args.blocks });
  if (rejection && !(rejection.error === 'no_text' && hasAttachments(args.attachments))) return rejected(rejection);
  return undefined;
}

function conversationInfo(ctx: MethodContext, c: Channel): Record<string, unknown> {
  return {
    id: c.id,
    name: c.name,
    name_normalized: c.name,
    is_channel: !c.isPrivate && !c.isIm && !c.isMpim,
    is_group: c.isPrivate && !c.isIm && !c.isMpim,
    is_im: c.isIm,
    is_mpim: c.isMpim,
    is_private: c.isPrivate,
    is_archived: c.isArchived,
    is_general: c.id === 'C_GENERAL',
    is_member: c.botIsMember,
    is_ext_shared: false,
    is_org_shared: false,
    is_shared: false,
    created: c.created,
    creator: 'U_ADMIN',
    context_team_id: ctx.ws.id.teamId,
    ...(c.isIm && c.user ? { user: c.user } : {}),
  };
}

function viewObject(ctx: MethodContext, input: Record<string, unknown>, user: string, prev?: FakeView): FakeView {
  const id = prev?.id ?? slackId('V', 10);
  return {
    id,
    team_id: ctx.ws.id.teamId,
    type: 'modal',
    title: input.title,
    blocks: withSlackIds(Array.isArray(input.blocks) ? input.blocks : []),
    close: input.close ?? null,
    submit: input.submit ?? null,
    private_metadata: typeof input.private_metadata === 'string' ? input.private_metadata : '',
    callback_id: typeof input.callback_id === 'string' ? input.callback_id : '',
    external_id: typeof input.external_id === 'string' ? input.external_id : '',
    state: { values: {} },
    hash: `${Math.floor(ctx.ws.clock.now() / 1000)}.${shortId(8)}`,
    clear_on_close: flag(input.clear_on_close),
    notify_on_close: flag(input.notify_on_close),
    root_view_id: prev?.root_view_id ?? id,
    previous_view_id: prev?.previous_view_id ?? null,
    app_id: ctx.ws.id.appId,
    app_installed_team_id: ctx.ws.id.teamId,
    bot_id: ctx.ws.id.botId,
    user,
    open: true,
    updates: prev ? prev.updates + 1 : 0,
  };
}

/** What a caller gets back for a view: Slack's fields, not the fake's bookkeeping. */
export function publicView(v: FakeView): Record<string, unknown> {
  const { user: _user, open: _open, updates: _updates, ...rest } = v;
  return structuredClone(rest);
}

/** Trigger ids are single use and live 3 seconds. */
function exchangeTrigger(ctx: MethodContext, args: Record<string, unknown>): { user: string } | ApiAnswer {
  const id = str(args.trigger_id) ?? str(args.interactivity_pointer);
  if (!id) return fail('invalid_arguments', { response_metadata: { messages: ['[ERROR] missing required field: trigger_id'] } });
  const trigger = ctx.ws.triggers.get(id);
  if (!trigger) return fail('invalid_trigger_id');
  if (trigger.used) return fail('exchanged_trigger_id');
  if (ctx.ws.clock.now() - trigger.issuedAt > ctx.triggerTtlMs) return fail('expired_trigger_id');
  trigger.used = true;
  return { user: trigger.user };
}

function checkViewArg(ctx: MethodContext, args: Record<string, unknown>): Record<string, unknown> | ApiAnswer {
  const rejection = checkView(args.view);
  if (rejection) return rejected(rejection);
  const view = args.view as Record<string, unknown>;
  const externalId = str(view.external_id);
  if (externalId) {
    for (const v of ctx.ws.views.values()) if (v.external_id === externalId && v.open) return fail('duplicate_external_id');
  }
  return view;
}

const isAnswer = (v: unknown): v is ApiAnswer => isRecord(v) && typeof v.ok === 'boolean';

/** The Web API methods the fake answers. Anything else is `unknown_method`. */
export const METHODS: Record<string, Method> = {
  'auth.test': {
    token: 'bot',
    run: (_args, { ws }) => ({
      ok: true,
      url: `https://${ws.id.teamDomain}.slack.com/`,
      team: 'Fake Team',
      user: 'datajob-bot',
      team_id: ws.id.teamId,
      user_id: ws.id.botUserId,
      bot_id: ws.id.botId,
      is_enterprise_install: false,
    }),
  },

  'chat.postMessage': {
    token: 'bot',
    scope: () => 'chat:write',
    run: (args, ctx) => {
      const channel = postTarget(ctx, args.channel);
      const denied = postingDenied(ctx, channel);
      if (denied || !channel) return fail(denied ?? 'channel_not_found');
      const bad = checkContent(args);
      if (bad) return bad;
      const metadata = parseMetadata(args.metadata);
      if (metadata === 'invalid') return fail('invalid_metadata_format');
      let threadTs = str(args.thread_ts);
      if (threadTs) {
        const parent = ctx.ws.message(channel.id, threadTs);
        if (!parent) return fail('thread_not_found');
        // A reply to a reply lands in the parent's thread, as in Slack.
        threadTs = parent.thread_ts ?? parent.ts;
      }
      const message = ctx.ws.addMessage(channel.id, {
        text: str(args.text) ?? '',
        blocks: blocksArg(args.blocks),
        thread_ts: threadTs,
        reply_broadcast: flag(args.reply_broadcast),
        metadata,
      });
      return { ok: true, channel: channel.id, ts: message.ts, message: publicMessage(message) };
    },
  },

  'chat.postEphemeral': {
    token: 'bot',
    scope: () => 'chat:write',
    run: (args, ctx) => {
      const channel = postTarget(ctx, args.channel);
      const denied = postingDenied(ctx, channel);
      if (denied || !channel) return fail(denied ?? 'channel_not_found');
      const user = str(args.user);
      if (!user || !USER_ID.test(user)) return fail('user_not_in_channel');
      const bad = checkContent(args);
      if (bad) return bad;
      const blocks = blocksArg(args.blocks);
      const threadTs = str(args.thread_ts);
      const eph = ctx.ws.addEphemeral({
        channel: channel.id,
        user,
        text: str(args.text) ?? '',
        via: 'chat.postEphemeral',
        ...(blocks ? { blocks } : {}),
        ...(threadTs ? { thread_ts: threadTs } : {}),
      });
      return { ok: true, message_ts: eph.ts };
    },
  },

  'chat.update': {
    token: 'bot',
    scope: () => 'chat:write',
    run: (args, ctx) => {
      const channel = ctx.ws.findChannel(str(args.channel) ?? '');
      if (!ctx.ws.visible(channel)) return fail('channel_not_found');
      if (channel.isArchived) return fail('is_archived');
      const ts = str(args.ts);
      const message = ts ? ctx.ws.message(channel.id, ts) : undefined;
      if (!message) return fail('message_not_found');
      if (message.bot_id !== ctx.ws.id.botId) return fail('cant_update_message');
      if (args.text === undefined && args.blocks === undefined && args.attachments === undefined) return fail('no_text');
      // Omitted text keeps the old fallback, so blocks-only updates are judged with it.
      const bad = checkContent({ ...args, text: args.text ?? message.text });
      if (bad) return bad;
      const metadata = parseMetadata(args.metadata);
      if (metadata === 'invalid') return fail('invalid_metadata_format');
      ctx.ws.editMessage(message, {
        text: str(args.text) ?? (args.text === '' ? '' : undefined),
        blocks: blocksArg(args.blocks),
        metadata,
      });
      return { ok: true, channel: channel.id, ts: message.ts, text: message.text, message: publicMessage(message) };
    },
  },

  'chat.delete': {
    token: 'bot',
    scope: () => 'chat:write',
    run: (args, ctx) => {
      const channel = ctx.ws.findChannel(str(args.channel) ?? '');
      if (!ctx.ws.visible(channel)) return fail('channel_not_found');
      const ts = str(args.ts);
      const message = ts ? ctx.ws.message(channel.id, ts) : undefined;
      if (!message) return fail('message_not_found');
      if (message.bot_id !== ctx.ws.id.botId) return fail('cant_delete_message');
      ctx.ws.deleteMessage(message);
      return { ok: true, channel: channel.id, ts: message.ts };
    },
  },

  'conversations.info': {
    token: 'bot',
    // Reading a conversation needs the read scope of its kind; the manifest's scopes do not include them.
    scope: (args, { ws }) => {
      const c = ws.findChannel(str(args.channel) ?? '');
      if (c?.isIm) return 'im:read';
      if (c?.isMpim) return 'mpim:read';
      return c?.isPrivate ? 'groups:read' : 'channels:read';
    },
    run: (args, ctx) => {
      const channel = ctx.ws.findChannel(str(args.channel) ?? '');
      if (!ctx.ws.visible(channel)) return fail('channel_not_found');
      return { ok: true, channel: conversationInfo(ctx, channel) };
    },
  },

  'conversations.replies': {
    token: 'bot',
    scope: (args, { ws }) => (ws.findChannel(str(args.channel) ?? '')?.isPrivate ? 'groups:history' : 'channels:history'),
    run: (args, ctx) => {
      const channel = ctx.ws.findChannel(str(args.channel) ?? '');
      if (!ctx.ws.visible(channel)) return fail('channel_not_found');
      // Reading history needs membership, even in a public channel (chat:write.public only writes).
      if (!channel.botIsMember) return fail('not_in_channel');
      const ts = str(args.ts);
      if (!ts) return fail('invalid_arguments');
      const all = ctx.ws.messages(channel.id);
      const parent = all.find((m) => m.ts === ts);
      if (!parent) return fail('thread_not_found');
      const withMetadata = flag(args.include_all_metadata);
      const thread = [parent, ...all.filter((m) => m.thread_ts === ts && m.ts !== ts)].map((m) => {
        const { metadata, ...rest } = publicMessage(m) as Record<string, unknown> & { metadata?: unknown };
        return withMetadata && metadata ? { ...rest, metadata } : rest;
      });
      const limit = Math.min(1000, Math.max(1, Number(args.limit ?? 1000) || 1000));
      const start = Number(str(args.cursor) ?? 0) || 0;
      const page = thread.slice(start, start + limit);
      const next = start + limit < thread.length ? String(start + limit) : '';
      return { ok: true, messages: page, has_more: next !== '', response_metadata: { next_cursor: next } };
    },
  },

  'conversations.open': {
    token: 'bot',
    scope: (args) => ((str(args.users) ?? '').includes(',') ? 'mpim:write' : 'im:write'),
    run: (args, ctx) => {
      const existing = str(args.channel);
      if (existing) {
        const c = ctx.ws.findChannel(existing);
        if (!c || !(c.isIm || c.isMpim)) return fail('channel_not_found');
        return { ok: true, no_op: true, already_open: true, channel: { id: c.id } };
      }
      const users = (str(args.users) ?? '')
        .split(',')
        .map((u) => u.trim())
        .filter(Boolean);
      if (users.length === 0) return fail('users_list_not_supplied');
      if (users.some((u) => !USER_ID.test(u))) return fail('user_not_found');
      if (users.includes(ctx.ws.id.botUserId)) return fail('cannot_dm_bot');
      if (users.length > 8) return fail('too_many_users');
      if (users.length === 1) {
        const [user] = users as [string];
        const { channel, existed } = ctx.ws.openDm(user);
        const body = flag(args.return_im) ? conversationInfo(ctx, channel) : { id: channel.id };
        return { ok: true, ...(existed ? { no_op: true, already_open: true } : {}), channel: body };
      }
      const channel = ctx.ws.openMpim(users);
      return { ok: true, channel: flag(args.return_im) ? conversationInfo(ctx, channel) : { id: channel.id } };
    },
  },

  'views.open': {
    token: 'bot',
    run: (args, ctx) => {
      const view = checkViewArg(ctx, args);
      if (isAnswer(view)) return view;
      const exchanged = exchangeTrigger(ctx, args);
      if (isAnswer(exchanged)) return exchanged;
      const stored = viewObject(ctx, view, exchanged.user);
      ctx.ws.views.set(stored.id, stored);
      return { ok: true, view: publicView(stored) };
    },
  },

  'views.push': {
    token: 'bot',
    run: (args, ctx) => {
      const view = checkViewArg(ctx, args);
      if (isAnswer(view)) return view;
      const exchanged = exchangeTrigger(ctx, args);
      if (isAnswer(exchanged)) return exchanged;
      const open = [...ctx.ws.views.values()].filter((v) => v.open && v.user === exchanged.user);
      const top = open.at(-1);
      if (!top) return fail('not_found');
      // Slack allows a stack of three views.
      if (open.filter((v) => v.root_view_id === top.root_view_id).length >= 3) return fail('push_limit_reached');
      const stored = viewObject(ctx, view, exchanged.user);
      stored.root_view_id = top.root_view_id;
      stored.previous_view_id = top.id;
      ctx.ws.views.set(stored.id, stored);
      return { ok: true, view: publicView(stored) };
    },
  },

  'views.update': {
    token: 'bot',
    run: (args, ctx) => {
      const viewId = str(args.view_id);
      const externalId = str(args.external_id);
      if (!viewId && !externalId) {
        return fail('invalid_arguments', { response_metadata: { messages: ['[ERROR] view_id or external_id is required'] } });
      }
      const current = viewId ? ctx.ws.views.get(viewId) : [...ctx.ws.views.values()].find((v) => v.external_id === externalId);
      if (!current?.open) return fail('not_found');
      const hash = str(args.hash);
      if (hash && hash !== current.hash) return fail('hash_conflict');
      const rejection = checkView(args.view);
      if (rejection) return rejected(rejection);
      const updated = viewObject(ctx, args.view as Record<string, unknown>, current.user, current);
      ctx.ws.views.set(updated.id, updated);
      return { ok: true, view: publicView(updated) };
    },
  },

  'apps.connections.open': {
    token: 'app',
    run: (_args, ctx) => ({ ok: true, url: ctx.openSocketUrl() }),
  },
};
