import { checkMessage } from '../../block-kit-rules.js';
import type { Channel, MessageMetadata } from '../types.js';
import { publicMessage } from '../workspace.js';
import { type ApiAnswer, fail, flag, isRecord, type Method, type MethodContext, rejected, str, USER_ID } from './common.js';

/** Why the bot may not post in this channel, if it may not. */
function postingDenied(ctx: MethodContext, channel: Channel | undefined): string | undefined {
  if (!ctx.ws.visible(channel)) return 'channel_not_found';
  if (channel.isArchived) return 'is_archived';
  if (!channel.botIsMember && !ctx.scopes.has('chat:write.public')) return 'not_in_channel';
  return undefined;
}

/** chat.postMessage also takes a user id and posts in the app's DM with that user, if the user exists. */
function postTarget(ctx: MethodContext, ref: unknown): Channel | undefined {
  const id = str(ref);
  if (!id) return undefined;
  if (USER_ID.test(id) && !ctx.ws.channels.has(id)) return ctx.ws.users.has(id) ? ctx.ws.openDm(id).channel : undefined;
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

export const CHAT_METHODS: Record<string, Method> = {
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
};
