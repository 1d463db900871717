import { checkUnfurls } from '../../block-kit-rules.js';
import { type LinkShare, messageLinks } from '../workspace.js';
import { type ApiAnswer, fail, isAnswer, isRecord, type Method, type MethodContext, rejected, str } from './common.js';

/** Where chat.unfurl attaches: a sent message (`channel/ts`) or a link still in the composer (its unfurl_id). */
type Target = { key: string; links: string[]; shares: LinkShare[]; byBot: boolean };

const SOURCES = ['composer', 'conversations_history'];

function composerTarget(ctx: MethodContext, unfurlId: string): Target | ApiAnswer {
  const share = ctx.ws.linkShares.get(unfurlId);
  if (share?.source !== 'composer') return fail('cannot_unfurl_message');
  return { key: unfurlId, links: share.urls, shares: [share], byBot: false };
}

function messageTarget(ctx: MethodContext, channelId: string, ts: string): Target | ApiAnswer {
  const channel = ctx.ws.findChannel(channelId);
  const shares = channel ? [...ctx.ws.linkShares.values()].filter((s) => s.channel === channel.id && s.ts === ts) : [];
  // A conversation the bot is not in can still be unfurled where Slack told it of links (link_shared).
  if (!channel || (!ctx.ws.visible(channel) && shares.length === 0)) return fail('cannot_find_channel');
  const message = ctx.ws.message(channel.id, ts);
  // Slack's documented code for a ts that matches no message.
  if (!message) return fail('cannot_find_message');
  return { key: `${channel.id}/${ts}`, links: messageLinks(message), shares, byBot: message.bot_id !== undefined };
}

/** Finds what the call points at: `channel` + `ts`, or `unfurl_id` + `source` (which must come together). */
function target(ctx: MethodContext, args: Record<string, unknown>): Target | ApiAnswer {
  const unfurlId = str(args.unfurl_id);
  const source = str(args.source);
  if (unfurlId || source) {
    if (!unfurlId || !source || !SOURCES.includes(source)) {
      return fail('invalid_arguments', {
        response_metadata: { messages: ['[ERROR] unfurl_id and source (composer or conversations_history) go together'] },
      });
    }
    if (source === 'composer') return composerTarget(ctx, unfurlId);
    const share = ctx.ws.linkShares.get(unfurlId);
    if (share?.source !== 'conversations_history') return fail('cannot_unfurl_message');
    return messageTarget(ctx, share.channel, share.ts);
  }
  const channel = str(args.channel);
  const ts = str(args.ts);
  if (!channel) return fail('missing_channel');
  if (!ts) return fail('missing_ts');
  // A composer link_shared event names channel COMPOSER and the unfurl_id as its message_ts; Slack takes them back.
  if (channel === 'COMPOSER') return composerTarget(ctx, ts);
  return messageTarget(ctx, channel, ts);
}

export const UNFURL_METHODS: Record<string, Method> = {
  'chat.unfurl': {
    token: 'bot',
    scope: () => 'links:write',
    run: (args, ctx) => {
      if (args.unfurls === undefined || args.unfurls === '') return fail('missing_unfurls');
      const found = target(ctx, args);
      if (isAnswer(found)) return found;
      const unfurls = args.unfurls;
      if (!isRecord(unfurls)) return fail('invalid_unfurls_format');
      // Slack sends no link_shared for the app's own messages, so there is nothing it may unfurl there.
      if (found.byBot) return fail('cannot_unfurl_message');
      for (const url of Object.keys(unfurls)) {
        if (!found.links.includes(url)) return fail('cannot_unfurl_message');
        // Only links the app was told about (a link_shared event in its unfurl domains) may be unfurled.
        if (!found.shares.some((s) => s.urls.includes(url))) return fail('cannot_unfurl_url');
      }
      const rejection = checkUnfurls(unfurls);
      if (rejection) return rejected(rejection);
      // Calling again for the same message replaces each named URL's unfurl; the others stay attached.
      ctx.ws.unfurls.set(found.key, { ...ctx.ws.unfurls.get(found.key), ...structuredClone(unfurls) });
      return { ok: true };
    },
  },
};
