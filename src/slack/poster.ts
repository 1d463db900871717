import {
  type ChatPostMessageArguments,
  type ChatUpdateArguments,
  ErrorCode,
  type WebAPICallError,
  type WebClientOptions,
} from '@slack/web-api';
import type { Pacer, TurnOptions } from './pacing.js';
import type { SlackResult } from './slack-errors.js';
import { createSlackClient, type SlackTransport } from './web-client.js';

/** The metadata event type the bot marks its deliveries with, so a sent one can be recognised later. */
const DELIVERY_EVENT_TYPE = 'datajob_bot_delivery';
/** The metadata event type of a living card, naming its subscription: a card posted is found again. */
const CARD_EVENT_TYPE = 'datajob_bot_card';

export interface OutgoingMessage {
  text: string;
  blocks?: unknown[];
  threadTs?: string;
  broadcast?: boolean;
  /** Stored with the message (Slack message metadata), so a sent delivery can be recognised later. */
  deliveryKey?: string;
  /** The subscription whose living card this is, stored with the message likewise. */
  cardOf?: number;
}

/** A subscription's living card in a channel's history, or Slack's error when it would not say. */
export type FoundCard = { ok: true; ts: string | null } | { ok: false; error: string };

/** Whether a delivery's message is already in a thread, or Slack's error when it would not say. */
export type ThreadKeysResult = { ok: true; keys: Set<string> } | { ok: false; error: string };

/** Slack's Web API as the notifier and the listeners post through it; every failure comes back as a code. */
export interface SlackPoster {
  post(channel: string, message: OutgoingMessage): Promise<SlackResult>;
  update(channel: string, ts: string, message: OutgoingMessage): Promise<SlackResult>;
  /** A direct message to a user (opens the IM first). */
  dm(userId: string, message: OutgoingMessage): Promise<SlackResult>;
  /** The delivery keys carried by the messages of the thread under `threadTs`. */
  deliveryKeysInThread(channel: string, threadTs: string): Promise<ThreadKeysResult>;
  /** The delivery keys of the bot's messages in the channel's history since `oldest` (a digest's, say). */
  deliveryKeysInChannel(channel: string, oldest: Date): Promise<ThreadKeysResult>;
  /** The first living card of `subscriptionId` in the channel's history since `oldest`. */
  findCard(channel: string, subscriptionId: number, oldest: Date): Promise<FoundCard>;
  /** `auth.test`: whether Slack accepts the token now. */
  checkToken(): Promise<{ ok: true } | { ok: false; error: string }>;
}

export interface SlackPosterOptions extends Pick<WebClientOptions, 'slackApiUrl' | 'logger'> {
  transport?: SlackTransport;
  /** Paces every call under Slack's limits, and learns from its 429s. */
  pacer?: Pacer;
  /** Told of every call: the method and how it ended (`ok` or Slack's error code). */
  onCall?: (method: string, outcome: string) => void;
}

/**
 * The poster over Slack's Web API. Its WebClient never retries by itself: a retried
 * chat.postMessage after a timeout may post twice, and a client sleeping out a 429 would stall a
 * whole poll pass. Every call waits its turn at the pacer; a 429 holds its method (or channel) for
 * everyone, and delivery decides what to do next from the outcome the code maps to.
 */
export function createSlackPoster(token: string, options: SlackPosterOptions = {}): SlackPoster {
  const { pacer, onCall } = options;
  const client = createSlackClient(
    { token, apiUrl: options.slackApiUrl, logger: options.logger, transport: options.transport },
    'delivery',
  );
  const paced = <T>(method: string, channel: string | undefined, send: () => Promise<T>) => pacedCall(pacer, method, channel, send, onCall);
  // The channel's messages since a minute before `oldest`, with the bot's metadata, up to `pages` pages.
  const history = (channel: string, oldest: Date, pages: number) =>
    messagesOf(pages, (cursor) =>
      paced('conversations.history', channel, () =>
        client.conversations.history({
          channel,
          oldest: String(Math.floor(oldest.getTime() / 1000) - 60),
          include_all_metadata: true,
          limit: 200,
          ...(cursor ? { cursor } : {}),
        }),
      ),
    );
  const postMessage = async (channel: string, message: OutgoingMessage) =>
    (await paced('chat.postMessage', channel, () => client.chat.postMessage(postArguments(channel, message)))).ts;
  return {
    post: (channel, message) => call(() => postMessage(channel, message)),
    update: (channel, ts, message) =>
      call(
        async () =>
          (
            await paced('chat.update', channel, () =>
              client.chat.update({
                channel,
                ts,
                text: message.text,
                ...(message.blocks ? { blocks: message.blocks } : {}),
              } as ChatUpdateArguments),
            )
          ).ts,
      ),
    dm: (userId, message) =>
      call(async () => {
        const opened = await paced('conversations.open', undefined, () => client.conversations.open({ users: userId }));
        const channel = opened.channel?.id;
        if (!channel) throw new Error('conversations.open returned no channel');
        return postMessage(channel, message);
      }),
    checkToken: () =>
      read(async () => {
        await client.auth.test();
        return { ok: true as const };
      }),
    findCard: (channel, subscriptionId, oldest) =>
      read(async () => {
        // Bounded: the card was posted around `oldest`; 5 pages of 200 messages reach far past that.
        const messages = await history(channel, oldest, 5);
        // Newest first: the last match is the first card posted.
        const cards = messages.filter((m) => metadataOf(m, CARD_EVENT_TYPE)?.subscription === subscriptionId && m.ts);
        return { ok: true, ts: cards.at(-1)?.ts ?? null };
      }),
    deliveryKeysInChannel: (channel, oldest) =>
      read(async () => {
        // Bounded: what is looked for was posted just after `oldest`.
        const messages = await history(channel, oldest, 3);
        return { ok: true, keys: deliveryKeysOf(messages) };
      }),
    deliveryKeysInThread: (channel, threadTs) =>
      read(async () => {
        // Bounded: a living card's thread has one reply per event; 10 pages of 200 is far beyond that.
        const messages = await messagesOf(10, (cursor) =>
          paced('conversations.replies', channel, () =>
            client.conversations.replies({ channel, ts: threadTs, include_all_metadata: true, limit: 200, ...(cursor ? { cursor } : {}) }),
          ),
        );
        return { ok: true, keys: deliveryKeysOf(messages) };
      }),
  };
}

/** chat.postMessage's arguments: the Web API's types are unions too wide to build conditionally; these are plain JSON. */
function postArguments(channel: string, m: OutgoingMessage): ChatPostMessageArguments {
  return {
    channel,
    text: m.text,
    ...(m.blocks ? { blocks: m.blocks } : {}),
    ...(m.threadTs ? { thread_ts: m.threadTs, reply_broadcast: m.broadcast ?? false } : {}),
    ...(m.deliveryKey ? { metadata: { event_type: DELIVERY_EVENT_TYPE, event_payload: { delivery: m.deliveryKey } } } : {}),
    ...(m.cardOf !== undefined ? { metadata: { event_type: CARD_EVENT_TYPE, event_payload: { subscription: m.cardOf } } } : {}),
    unfurl_links: false,
    unfurl_media: false,
  } as ChatPostMessageArguments;
}

type Page = { messages?: Array<{ ts?: string }>; response_metadata?: { next_cursor?: string } };

/** The messages of up to `pages` pages, following Slack's cursor. */
async function messagesOf(pages: number, fetch: (cursor: string | undefined) => Promise<Page>): Promise<Array<{ ts?: string }>> {
  const messages: Array<{ ts?: string }> = [];
  let cursor: string | undefined;
  for (let page = 0; page < pages; page++) {
    const res = await fetch(cursor);
    messages.push(...(res.messages ?? []));
    cursor = res.response_metadata?.next_cursor || undefined;
    if (!cursor) break;
  }
  return messages;
}

/** The delivery keys the bot's messages carry. */
function deliveryKeysOf(messages: readonly unknown[]): Set<string> {
  return new Set(messages.map((m) => metadataOf(m, DELIVERY_EVENT_TYPE)?.delivery).filter((k): k is string => typeof k === 'string'));
}

/** The payload of a message's metadata when it is of the bot's `eventType`. */
function metadataOf(message: unknown, eventType: string): Record<string, unknown> | null {
  const metadata = (message as { metadata?: { event_type?: string; event_payload?: Record<string, unknown> } }).metadata;
  return metadata?.event_type === eventType ? (metadata.event_payload ?? {}) : null;
}

/** A read whose failure comes back as Slack's code. */
async function read<T>(run: () => Promise<T>): Promise<T | ReturnType<typeof slackFailure>> {
  try {
    return await run();
  } catch (error) {
    return slackFailure(error);
  }
}

async function call(send: () => Promise<string | undefined>): Promise<SlackResult> {
  try {
    const ts = await send();
    return ts ? { ok: true, ts } : { ok: false, error: 'no_ts_returned' };
  } catch (error) {
    return slackFailure(error);
  }
}

/** A Web API exception as a decision-ready code. */
export function slackFailure(error: unknown): { ok: false; error: string; retryAfterMs?: number; needed?: string } {
  const e = error as WebAPICallError;
  switch (e?.code) {
    case ErrorCode.PlatformError: {
      const needed = (e.data as { needed?: unknown }).needed;
      return { ok: false, error: e.data.error, ...(typeof needed === 'string' ? { needed } : {}) };
    }
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

/**
 * One Web API call, paced, counted, and its 429 shared with everyone who calls the same: for the
 * poster and for the access policy's look-ups, so that one process keeps one set of gates.
 */
export async function pacedCall<T>(
  pacer: Pacer | undefined,
  method: string,
  channel: string | undefined,
  send: () => Promise<T>,
  onCall?: (method: string, outcome: string) => void,
  turn?: TurnOptions,
): Promise<T> {
  const answered = await pacer?.acquire(method, channel, turn);
  try {
    const result = await send();
    answered?.();
    onCall?.(method, 'ok');
    return result;
  } catch (error) {
    // Told before a hold, which then starts the gate again from empty.
    answered?.();
    const failure = slackFailure(error);
    onCall?.(method, failure.error);
    if (failure.error === 'ratelimited') pacer?.hold(method, channel, failure.retryAfterMs ?? 1_000);
    throw error;
  }
}
