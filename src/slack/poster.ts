import {
  type ChatPostMessageArguments,
  type ChatUpdateArguments,
  ErrorCode,
  type WebAPICallError,
  WebClient,
  type WebClientOptions,
} from '@slack/web-api';
import { type ChannelPoster, DELIVERY_EVENT_TYPE, type OutgoingMessage, type SendResult } from '../poll/channel-poster.js';

/**
 * The ChannelPoster over Slack's Web API, for delivery. Its WebClient never retries by itself:
 * a retried chat.postMessage after a timeout may post twice, and a client sleeping out a 429 would
 * stall a whole poll pass. Delivery decides instead, from the error code this returns.
 */
export function createChannelPoster(
  token: string,
  options: Pick<WebClientOptions, 'slackApiUrl' | 'logger' | 'timeout'> = {},
): ChannelPoster {
  const client = new WebClient(token, {
    ...options,
    timeout: options.timeout ?? 15_000,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
  });
  // The Web API's argument types are unions too wide to build conditionally; these are plain JSON.
  const args = (channel: string, m: OutgoingMessage): ChatPostMessageArguments =>
    ({
      channel,
      text: m.text,
      ...(m.blocks ? { blocks: m.blocks } : {}),
      ...(m.threadTs ? { thread_ts: m.threadTs, reply_broadcast: m.broadcast ?? false } : {}),
      ...(m.deliveryKey ? { metadata: { event_type: DELIVERY_EVENT_TYPE, event_payload: { delivery: m.deliveryKey } } } : {}),
      unfurl_links: false,
      unfurl_media: false,
    }) as ChatPostMessageArguments;
  return {
    post: (channel, message) => call(async () => (await client.chat.postMessage(args(channel, message))).ts),
    update: (channel, ts, message) =>
      call(
        async () =>
          (
            await client.chat.update({
              channel,
              ts,
              text: message.text,
              ...(message.blocks ? { blocks: message.blocks } : {}),
            } as ChatUpdateArguments)
          ).ts,
      ),
    dm: (userId, message) =>
      call(async () => {
        const opened = await client.conversations.open({ users: userId });
        const channel = opened.channel?.id;
        if (!channel) throw new Error('conversations.open returned no channel');
        return (await client.chat.postMessage(args(channel, message))).ts;
      }),
    async findInThread(channel, threadTs, deliveryKey) {
      try {
        let cursor: string | undefined;
        // Bounded: a living card's thread has one reply per event; 10 pages of 200 is far beyond that.
        for (let page = 0; page < 10; page++) {
          const res = await client.conversations.replies({
            channel,
            ts: threadTs,
            include_all_metadata: true,
            limit: 200,
            ...(cursor ? { cursor } : {}),
          });
          const found = (res.messages ?? []).some((m) => {
            const metadata = (m as { metadata?: { event_type?: string; event_payload?: { delivery?: unknown } } }).metadata;
            return metadata?.event_type === DELIVERY_EVENT_TYPE && metadata.event_payload?.delivery === deliveryKey;
          });
          if (found) return { ok: true, found: true };
          cursor = res.response_metadata?.next_cursor || undefined;
          if (!cursor) return { ok: true, found: false };
        }
        return { ok: true, found: false };
      } catch (error) {
        return slackFailure(error);
      }
    },
  };
}

async function call(send: () => Promise<string | undefined>): Promise<SendResult> {
  try {
    const ts = await send();
    return ts ? { ok: true, ts } : { ok: false, error: 'no_ts_returned' };
  } catch (error) {
    return slackFailure(error);
  }
}

/** A Web API exception as a decision-ready code. */
export function slackFailure(error: unknown): { ok: false; error: string; retryAfterMs?: number } {
  const e = error as WebAPICallError;
  switch (e?.code) {
    case ErrorCode.PlatformError:
      return { ok: false, error: e.data.error };
    case ErrorCode.RateLimitedError:
      return { ok: false, error: 'ratelimited', retryAfterMs: e.retryAfter * 1000 };
    case ErrorCode.HTTPError:
      return { ok: false, error: `http_${e.statusCode}` };
    case ErrorCode.RequestError:
      return { ok: false, error: 'request_failed' };
    default:
      return { ok: false, error: 'unexpected_error' };
  }
}
