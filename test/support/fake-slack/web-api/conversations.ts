import type { Channel } from '../types.js';
import { publicMessage } from '../workspace.js';
import { fail, flag, type Method, type MethodContext, str, USER_ID } from './common.js';

export function conversationInfo(ctx: MethodContext, c: Channel): Record<string, unknown> {
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
    is_ext_shared: c.isExtShared,
    is_org_shared: c.isOrgShared,
    // Shared at all: with another organisation or within the Grid.
    is_shared: c.isExtShared || c.isOrgShared,
    is_pending_ext_shared: c.isPendingExtShared,
    created: c.created,
    creator: 'U_ADMIN',
    context_team_id: ctx.ws.id.teamId,
    ...(c.isIm && c.user ? { user: c.user } : {}),
  };
}

/** The read scope of a conversation's kind. */
function readScope(c: Channel | undefined): string {
  if (c?.isIm) return 'im:read';
  if (c?.isMpim) return 'mpim:read';
  return c?.isPrivate ? 'groups:read' : 'channels:read';
}

/** The history scope of a conversation's kind. */
function historyScope(c: Channel | undefined): string {
  if (c?.isIm) return 'im:history';
  if (c?.isMpim) return 'mpim:history';
  return c?.isPrivate ? 'groups:history' : 'channels:history';
}

/** Why the bot may not open a conversation with this user, if it may not. */
function dmDenied(ctx: MethodContext, userId: string): string | undefined {
  const user = USER_ID.test(userId) ? ctx.ws.users.get(userId) : undefined;
  if (!user) return 'user_not_found';
  if (user.isBot) return 'cannot_dm_bot';
  if (user.deleted) return 'user_disabled';
  return undefined;
}

export const CONVERSATION_METHODS: Record<string, Method> = {
  'conversations.info': {
    token: 'bot',
    // Reading a conversation needs the read scope of its kind.
    scope: (args, { ws }) => readScope(ws.findChannel(str(args.channel) ?? '')),
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

  'conversations.members': {
    token: 'bot',
    scope: (args, { ws }) => readScope(ws.findChannel(str(args.channel) ?? '')),
    run: (args, ctx) => {
      const channel = ctx.ws.findChannel(str(args.channel) ?? '');
      if (!ctx.ws.visible(channel)) return fail('channel_not_found');
      const members = channel.members ?? [
        ...(channel.botIsMember ? [ctx.ws.id.botUserId] : []),
        ...[...ctx.ws.users.keys()].filter((u) => u !== ctx.ws.id.botUserId),
      ];
      const limit = Math.min(1000, Math.max(1, Number(args.limit ?? 100) || 100));
      const start = Number(str(args.cursor) ?? 0) || 0;
      const next = start + limit < members.length ? String(start + limit) : '';
      return { ok: true, members: members.slice(start, start + limit), response_metadata: { next_cursor: next } };
    },
  },

  'conversations.history': {
    token: 'bot',
    scope: (args, { ws }) => historyScope(ws.findChannel(str(args.channel) ?? '')),
    run: (args, ctx) => {
      const channel = ctx.ws.findChannel(str(args.channel) ?? '');
      if (!ctx.ws.visible(channel)) return fail('channel_not_found');
      // Reading history needs membership, even in a public channel (chat:write.public only writes).
      if (!channel.botIsMember) return fail('not_in_channel');
      const oldest = Number(str(args.oldest) ?? 0) || 0;
      const latest = Number(str(args.latest) ?? Number.POSITIVE_INFINITY) || Number.POSITIVE_INFINITY;
      const withMetadata = flag(args.include_all_metadata);
      // Newest first; thread replies are not in the channel's history unless broadcast.
      const inChannel = ctx.ws
        .messages(channel.id)
        .filter((m) => (!m.thread_ts || m.thread_ts === m.ts || m.reply_broadcast) && Number(m.ts) >= oldest && Number(m.ts) <= latest)
        .reverse()
        .map((m) => {
          const { metadata, ...rest } = publicMessage(m) as Record<string, unknown> & { metadata?: unknown };
          return withMetadata && metadata ? { ...rest, metadata } : rest;
        });
      const limit = Math.min(999, Math.max(1, Number(args.limit ?? 100) || 100));
      const start = Number(str(args.cursor) ?? 0) || 0;
      const page = inChannel.slice(start, start + limit);
      const next = start + limit < inChannel.length ? String(start + limit) : '';
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
      for (const user of users) {
        const denied = dmDenied(ctx, user);
        if (denied) return fail(denied);
      }
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
};
