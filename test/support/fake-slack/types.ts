/** Public shapes of the fake Slack: what tests set up and what they read back. */

export type ChannelSpec = {
  id: string;
  name?: string;
  isPrivate?: boolean;
  isArchived?: boolean;
  /** Whether the bot user was invited. Defaults to true. */
  botIsMember?: boolean;
  /** Shared with another organisation (Slack Connect). */
  isExtShared?: boolean;
  /** Shared between workspaces of one Enterprise Grid organisation. */
  isOrgShared?: boolean;
  /** A Slack Connect invitation not accepted yet. */
  isPendingExtShared?: boolean;
  /** A direct message (between `members`; the bot's own IM has the bot among them). */
  isIm?: boolean;
  /** A group DM between `members`. */
  isMpim?: boolean;
  /** The people in a direct message or group DM (conversations.members). */
  members?: string[];
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
  /** Who is in it, for direct messages and group DMs (conversations.members); channels answer with the bot and the default person. */
  members?: string[];
  /** Opened by the app (conversations.open), not set up by a test: forgotten at reset. */
  openedByApp?: boolean;
  created: number;
  isExtShared: boolean;
  isOrgShared: boolean;
  isPendingExtShared: boolean;
};

/** A person (or bot) the fake workspace knows, as tests describe it to `addUser`. */
export type UserSpec = {
  id: string;
  name: string;
  /** Multi-channel guest. */
  isRestricted?: boolean;
  /** Single-channel guest. */
  isUltraRestricted?: boolean;
  /** Their home workspace; default the fake's own (`T_FAKE`), or `T_OTHER` for a stranger. */
  teamId?: string;
  /** Their Enterprise Grid organisation; default the fake's own `enterpriseId`, if any (not for strangers). */
  enterpriseId?: string;
  deleted?: boolean;
  /** Someone from another organisation met in a shared channel: not a member of this workspace. */
  isStranger?: boolean;
  /** Default `<name>@example.com`; strangers and bots have none unless given. */
  email?: string;
  isBot?: boolean;
};

/** A user as the fake stores it (every field resolved). */
export type FakeUser = {
  id: string;
  name: string;
  isRestricted: boolean;
  isUltraRestricted: boolean;
  teamId: string;
  enterpriseId?: string;
  deleted: boolean;
  isStranger: boolean;
  email?: string;
  isBot: boolean;
};

export type UsergroupSpec = {
  /** `S…` */
  id: string;
  users: string[];
  /** Default the id in lower case. */
  handle?: string;
  disabled?: boolean;
};

export type FakeUsergroup = { id: string; handle: string; users: string[]; disabled: boolean };

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
  /** Answered 429, by an injected `rateLimit` or by the enforced limits. */
  rateLimited: boolean;
};

/** Calls and 429s, for benchmarks: how hard the bot pushed against Slack's limits. */
export type RateLimitStats = {
  calls: number;
  limited: number;
  byMethod: Record<string, { calls: number; limited: number }>;
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
  /** Not Slack fields: who sees it, whether it is still on screen, and what the last submission was told. */
  user: string;
  open: boolean;
  updates: number;
  /** The `errors` of the last `response_action: 'errors'` answer, shown under the inputs. */
  errors?: Record<string, string>;
};

/** A user's Home tab as published with views.publish. */
export type FakeHomeView = {
  id: string;
  team_id: string;
  type: 'home';
  blocks: unknown[];
  private_metadata: string;
  callback_id: string;
  external_id: string;
  state: { values: Record<string, unknown> };
  hash: string;
  title: null;
  close: null;
  submit: null;
  clear_on_close: false;
  notify_on_close: false;
  root_view_id: string;
  previous_view_id: null;
  app_id: string;
  app_installed_team_id: string;
  bot_id: string;
  /** Not Slack fields: whose Home it is and how many times it was published. */
  user: string;
  publishes: number;
};

/** How Slack's request reached the bot and what it answered: an HTTP response, or a Socket Mode ack. */
export type Delivery =
  | { via: 'http'; status: number; body: string; json?: unknown; ms: number }
  | { via: 'socket'; envelopeId: string; payload?: Record<string, unknown>; ms: number };

/** Where Slack sends events and interactions when the app is not in Socket Mode: its Request URL. */
export type RequestUrl = { url: string; signingSecret: string };

export type SocketAck = {
  envelopeId: string;
  /** The `payload` the bot put in its ack, if any (for slash commands, Slack shows it to the user). */
  payload?: Record<string, unknown>;
  ms: number;
};

/** A token bucket: `burst` calls at once, refilled at `perMinute`. */
export type Rate = { perMinute: number; burst: number };

/**
 * Slack's limits per method. Each entry replaces the default for that method; `false` lifts it.
 * `methods` are per workspace; `perChannel` adds a bucket per channel (chat.postMessage's rule).
 */
export type RateLimitSettings = {
  methods?: Record<string, Rate | false>;
  perChannel?: Record<string, Rate | false>;
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
  /** People besides the default ones, known from the start (the bot may look them up as it starts). */
  users?: UserSpec[];
  /** Apply Slack's rate limits: true for the defaults (DEFAULT_RATE_LIMITS), or overrides. */
  enforceRateLimits?: boolean | RateLimitSettings;
  /** The installation's Enterprise Grid organisation (auth.test's `enterprise_id`); none by default. */
  enterpriseId?: string;
  /** The manifest's `features.unfurl_domains`; default: every domain unfurls. */
  unfurlDomains?: string[];
  /** `features.app_home.home_tab_enabled`; default true (views.publish answers not_enabled otherwise). */
  homeTabEnabled?: boolean;
  /** Socket Mode: how long to wait for an ack (Slack: 3 s) and how often to ping. */
  ackTimeoutMs?: number;
  pingIntervalMs?: number;
  /** trigger_id lifetime (Slack: 3 s) and response_url lifetime (30 min) and uses (5). */
  triggerTtlMs?: number;
  responseUrlTtlMs?: number;
  responseUrlMaxUses?: number;
};

/** A button's confirm dialog as Slack showed it on a click (see FakeSlack.dialogs). */
export interface ShownDialog {
  user: string;
  actionId: string;
  dialog: Record<string, unknown>;
  answer: 'confirm' | 'deny';
}
