import { randomBytes } from 'node:crypto';
import { slackId, uuid } from './clock.js';
import type { FakeSlack } from './server.js';
import type { Delivery, SlackMessage } from './types.js';
import { DEFAULT_USER, messageLinks, type Workspace } from './workspace.js';

/**
 * Events API bodies as Slack sends them, over HTTP (a signed JSON POST to the Request URL) or inside
 * a Socket Mode `events_api` envelope: an `event_callback` wrapping one event.
 */

export type EventCallback = {
  token: string;
  team_id: string;
  enterprise_id?: string;
  api_app_id: string;
  event: Record<string, unknown> & { type: string; event_ts: string };
  type: 'event_callback';
  event_id: string;
  event_time: number;
  authorizations: Record<string, unknown>[];
  is_ext_shared_channel: boolean;
  event_context: string;
};

/** Wraps an event the way Slack does; `event_ts` is filled in unless the event has one. */
export function eventCallback(
  fake: FakeSlack,
  event: Record<string, unknown> & { type: string },
  opts: { extShared?: boolean } = {},
): EventCallback {
  const eventTs = typeof event.event_ts === 'string' ? event.event_ts : fake.clock.nextTs();
  return {
    token: 'fake-verification-token',
    team_id: fake.teamId,
    ...(fake.enterpriseId ? { enterprise_id: fake.enterpriseId } : {}),
    api_app_id: fake.appId,
    event: { ...event, event_ts: eventTs },
    type: 'event_callback',
    event_id: slackId('Ev', 10),
    event_time: Math.floor(Number(eventTs)),
    authorizations: [
      {
        enterprise_id: fake.enterpriseId ?? null,
        team_id: fake.teamId,
        user_id: fake.botUserId,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: opts.extShared ?? false,
    event_context: `4-${randomBytes(24).toString('base64url')}`,
  };
}

/** The body Slack posts once when a Request URL is saved; the app must echo `challenge`. */
export function urlVerificationBody(challenge: string): Record<string, string> {
  return { token: 'fake-verification-token', challenge, type: 'url_verification' };
}

/**
 * The domain a link_shared event reports for a URL: the app's unfurl domain it matched (Slack
 * matches subdomains too), or the URL's host when the app registered none.
 */
export function unfurlDomain(url: string, domains: readonly string[] | undefined): string | undefined {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return undefined;
  }
  if (!domains) return host;
  return domains.find((d) => host === d || host.endsWith(`.${d}`));
}

/** A unfurl_id shaped like Slack's for sent messages: channel, ts and a hash. */
export const historyUnfurlId = (channel: string, ts: string) => `${channel}.${ts}.${randomBytes(32).toString('hex')}`;

/** Composer unfurl_ids look like `Uxxxx-<uuid>-<random>`. */
export const composerUnfurlId = (user: string) => `${user}-${uuid()}-${randomBytes(16).toString('hex')}`;

export type ShareLinksOptions = {
  channel: string;
  /** Who posts the links; default U_ALICE. */
  user?: string;
  urls: string[];
  /** An existing message holding the links, instead of a new one. */
  messageTs?: string;
  /** The new message's text (must contain the URLs); default the URLs as Slack formats them, `<url>`. */
  text?: string;
  /** Post the new message as a reply in this thread. */
  threadTs?: string;
  /** `composer`: the links are still being typed (no message; the event's channel is COMPOSER). */
  source?: 'conversations_history' | 'composer';
};

export type ShareLinksResult = {
  message?: SlackMessage;
  unfurlId?: string;
  payload?: EventCallback;
  delivery?: Delivery;
  /** Why Slack would send no event (the bot's own message, no links:read scope, no link in the unfurl domains, …). */
  skipped?: string;
};

/** What shareLinks needs from the fake: the workspace, the app's scopes and unfurl domains, and a way to send an event. */
export type ShareLinksDeps = {
  ws: Workspace;
  scopes: ReadonlySet<string>;
  unfurlDomains: readonly string[] | undefined;
  send: (event: Record<string, unknown> & { type: string }, extShared: boolean) => Promise<{ payload: EventCallback; delivery: Delivery }>;
};

/**
 * A person shares links: the message is added (unless it exists), the shared URLs are remembered
 * (chat.unfurl may answer for those only), and `link_shared` goes to the app, unless Slack would
 * send none: the app's own message, no links:read, no link in its domains. It goes from conversations
 * the bot is not in as well (`is_bot_user_member: false`).
 */
export async function shareLinks(deps: ShareLinksDeps, o: ShareLinksOptions): Promise<ShareLinksResult> {
  const { ws, scopes } = deps;
  const channel = ws.findChannel(o.channel);
  if (!channel) throw new Error(`no channel ${o.channel} in the fake Slack`);
  const user = o.user ?? DEFAULT_USER.id;
  const source = o.source ?? 'conversations_history';
  let message: SlackMessage | undefined;
  if (source === 'conversations_history') {
    message = o.messageTs
      ? ws.message(channel.id, o.messageTs)
      : ws.addMessage(channel.id, { user, text: o.text ?? o.urls.map((u) => `<${u}>`).join(' '), thread_ts: o.threadTs });
    if (!message) throw new Error(`no message ${o.messageTs} in ${channel.id}`);
    const present = messageLinks(message);
    const absent = o.urls.filter((u) => !present.includes(u));
    if (absent.length > 0) throw new Error(`message ${message.ts} does not contain ${absent.join(', ')}`);
    if (message.bot_id) return { message, skipped: "Slack sends no link_shared for the app's own messages" };
  }
  const result = message ? { message } : {};
  if (!scopes.has('links:read')) return { ...result, skipped: 'the app lacks the links:read scope' };
  // Slack sends link_shared from conversations the bot is not in too (direct messages, group DMs,
  // private and Slack Connect channels), with is_bot_user_member false: chat.unfurl works there.
  const links = o.urls.flatMap((url) => {
    const domain = unfurlDomain(url, deps.unfurlDomains);
    return domain ? [{ domain, url }] : [];
  });
  if (links.length === 0) return { ...result, skipped: "no link is in the app's unfurl domains" };

  const ts = message?.ts;
  const unfurlId = ts ? historyUnfurlId(channel.id, ts) : composerUnfurlId(user);
  const where = ts ? { channel: channel.id, ts } : { channel: 'COMPOSER', ts: unfurlId };
  ws.linkShares.set(unfurlId, { unfurlId, source, ...where, urls: links.map((l) => l.url) });
  const threadTs = message?.thread_ts && message.thread_ts !== message.ts ? message.thread_ts : undefined;
  const { payload, delivery } = await deps.send(
    {
      type: 'link_shared',
      channel: where.channel,
      is_bot_user_member: channel.botIsMember,
      user,
      message_ts: where.ts,
      ...(threadTs ? { thread_ts: threadTs } : {}),
      unfurl_id: unfurlId,
      source,
      links,
    },
    channel.isExtShared,
  );
  return { ...result, unfurlId, payload, delivery };
}
