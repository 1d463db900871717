/** Public shapes of the fake Slack: what tests set up and what they read back. */

export type ChannelSpec = {
  id: string;
  name?: string;
  isPrivate?: boolean;
  isArchived?: boolean;
  /** Whether the bot user was invited. Defaults to true. */
  botIsMember?: boolean;
};

export type Channel = {
  id: string;
  name: string;
  isPrivate: boolean;
  isArchived: boolean;
  botIsMember: boolean;
  /** A direct message between the bot and `user` (opened with conversations.open). */
  isIm: boolean;
  /** A group DM (conversations.open with several users). */
  isMpim: boolean;
  user?: string;
  created: number;
};

export type MessageMetadata = { event_type: string; event_payload: Record<string, unknown> };

/** A message as Slack stores it (the fields Slack returns in `message` objects). */
export type SlackMessage = {
  type: 'message';
  subtype?: 'thread_broadcast';
  channel: string;
  ts: string;
  /** The bot user for messages the bot posted, the person otherwise. */
  user: string;
  bot_id?: string;
  app_id?: string;
  team: string;
  text: string;
  blocks?: unknown[];
  thread_ts?: string;
  reply_broadcast?: boolean;
  metadata?: MessageMetadata;
  edited?: { user: string; ts: string };
  /** Only on thread parents, kept up to date as Slack does. */
  reply_count?: number;
  reply_users?: string[];
  latest_reply?: string;
};

/**
 * An ephemeral message: seen by one user only, never in the channel history, never reachable by
 * chat.update. Those posted through a response_url can be replaced or deleted through one.
 */
export type EphemeralMessage = {
  channel: string;
  user: string;
  ts: string;
  text: string;
  blocks?: unknown[];
  thread_ts?: string;
  via: 'chat.postEphemeral' | 'response_url' | 'ack';
  /** The response_url id that posted it, if any. */
  responseUrlId?: string;
  deleted: boolean;
  /** How many times a response_url replaced it. */
  replaced: number;
};

export type CallRecord = {
  method: string;
  /** Arguments as the bot sent them, with JSON-string fields (blocks, view, metadata) parsed. */
  args: Record<string, unknown>;
  at: number;
  status: number;
  response: Record<string, unknown>;
};

export type ResponseEffect = 'ephemeral' | 'in_channel' | 'replaced' | 'deleted' | 'rejected';

export type ResponseRecord = {
  id: string;
  url: string;
  at: number;
  /** The body as posted (parsed JSON when it was JSON). */
  body: unknown;
  status: number;
  answer: string;
  effect: ResponseEffect;
  /** The message the post created or touched. */
  ts?: string;
  channel?: string;
};

/** What a response_url points back to, so replace_original / delete_original know what "original" is. */
export type ResponseOrigin = { kind: 'message'; channel: string; ts: string } | { kind: 'ephemeral'; ts: string };

export type ResponseUrlOptions = {
  channel?: string;
  user?: string;
  origin?: ResponseOrigin;
};

export type FakeView = {
  id: string;
  team_id: string;
  type: 'modal';
  title: unknown;
  blocks: unknown[];
  close: unknown;
  submit: unknown;
  private_metadata: string;
  callback_id: string;
  external_id: string;
  state: { values: Record<string, unknown> };
  hash: string;
  clear_on_close: boolean;
  notify_on_close: boolean;
  root_view_id: string;
  previous_view_id: string | null;
  app_id: string;
  app_installed_team_id: string;
  bot_id: string;
  /** Not Slack fields: who sees it and whether it is still on screen. */
  user: string;
  open: boolean;
  updates: number;
};

export type SocketAck = {
  envelopeId: string;
  /** The `payload` the bot put in its ack, if any (for slash commands, Slack shows it to the user). */
  payload?: Record<string, unknown>;
  ms: number;
};

export type RateLimitSettings = {
  /** chat.postMessage per channel: refill rate and burst size. */
  postMessage?: { perSecond: number; burst: number };
  /** chat.update per workspace. */
  update?: { perMinute: number; burst: number };
};

export type FakeSlackOptions = {
  /** Default `xoxb-fake-bot-token` (not shaped like a real token on purpose). */
  botToken?: string;
  /** Default `xapp-fake-app-token`. */
  appToken?: string;
  teamId?: string;
  teamDomain?: string;
  botUserId?: string;
  botId?: string;
  appId?: string;
  /** Bot scopes granted at install; default: the manifest's commands, chat:write, chat:write.public, im:write. */
  scopes?: string[];
  /** Channels to add to the defaults (same id replaces a default). */
  channels?: ChannelSpec[];
  /** Apply Slack's posting limits: true for defaults, or settings. */
  enforceRateLimits?: boolean | RateLimitSettings;
  /** Socket Mode: how long to wait for an ack (Slack: 3 s) and how often to ping. */
  ackTimeoutMs?: number;
  pingIntervalMs?: number;
  /** trigger_id lifetime (Slack: 3 s) and response_url lifetime (30 min) and uses (5). */
  triggerTtlMs?: number;
  responseUrlTtlMs?: number;
  responseUrlMaxUses?: number;
};
