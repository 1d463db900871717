/**
 * What delivery needs from Slack, as a port: the poll code knows nothing of the Web API client, and
 * every Slack failure arrives as a code to decide on, never as an exception.
 */
export type SendResult = { ok: true; ts: string } | { ok: false; error: string; retryAfterMs?: number };

export interface OutgoingMessage {
  text: string;
  blocks?: unknown[];
  threadTs?: string;
  broadcast?: boolean;
  /** Stored with the message (Slack message metadata), so a sent delivery can be recognised later. */
  deliveryKey?: string;
}

/** Whether a delivery's message is already in a thread; `unknown` when Slack would not say. */
export type FoundResult = { ok: true; found: boolean } | { ok: false; error: string };

export interface ChannelPoster {
  post(channel: string, message: OutgoingMessage): Promise<SendResult>;
  update(channel: string, ts: string, message: OutgoingMessage): Promise<SendResult>;
  /** A direct message to a user (opens the IM first). */
  dm(userId: string, message: OutgoingMessage): Promise<SendResult>;
  /** Looks for a message carrying `deliveryKey` in the thread under `threadTs`. */
  findInThread(channel: string, threadTs: string, deliveryKey: string): Promise<FoundResult>;
}

/** The metadata event type the bot marks its deliveries with. */
export const DELIVERY_EVENT_TYPE = 'datajob_bot_delivery';

/** Slack errors that will not go away by retrying: pause the subscription and tell its creator. */
export const PAUSING_ERRORS: ReadonlySet<string> = new Set([
  'channel_not_found',
  'is_archived',
  'not_in_channel',
  'account_inactive',
  'token_revoked',
  'invalid_auth',
  'not_authed',
  'missing_scope',
  'restricted_action',
  'team_access_not_granted',
  'ekm_access_denied',
]);

/** The living card is gone or frozen: post a fresh one and keep its ts. */
export const CARD_GONE_ERRORS: ReadonlySet<string> = new Set(['message_not_found', 'cant_update_message', 'edit_window_closed']);

/** Slack refuses this payload itself: retrying the same bytes cannot help. Our bug; drop and log. */
export const REJECTED_PAYLOAD_ERRORS: ReadonlySet<string> = new Set([
  'invalid_blocks',
  'invalid_blocks_format',
  'msg_too_long',
  'msg_blocks_too_long',
  'no_text',
  'invalid_arguments',
  'invalid_metadata_format',
  'too_many_attachments',
]);
