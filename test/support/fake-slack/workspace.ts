import { type FakeClock, shortId, slackId, triggerIdValue } from './clock.js';
import type {
  Channel,
  ChannelSpec,
  EphemeralMessage,
  FakeHomeView,
  FakeUser,
  FakeUsergroup,
  FakeView,
  MessageMetadata,
  ResponseOrigin,
  ResponseRecord,
  ResponseUrlOptions,
  SlackMessage,
  UsergroupSpec,
  UserSpec,
} from './types.js';

/** Who the bot is in this fake workspace. */
export type Identity = {
  teamId: string;
  teamDomain: string;
  botUserId: string;
  botId: string;
  appId: string;
  botToken: string;
  appToken: string;
  /** The Enterprise Grid organisation the installation belongs to, if any. */
  enterpriseId?: string;
};

export type Trigger = { id: string; issuedAt: number; used: boolean; user: string };

export type ResponseUrl = {
  id: string;
  url: string;
  createdAt: number;
  uses: number;
  channel: string;
  user: string;
  /** The message the interaction came from (button clicks); absent for slash commands. */
  origin?: ResponseOrigin;
  /** The last message this URL posted: a slash command's "original" for replace_original. */
  lastPosted?: ResponseOrigin;
  records: ResponseRecord[];
};

export const DEFAULT_USER = { id: 'U_ALICE', name: 'alice' } as const;

/** The home team of a stranger whose team the test did not name. */
export const OTHER_TEAM = 'T_OTHER';

/**
 * What one link_shared event told the app: chat.unfurl may answer for these URLs only. Composer
 * links (typed, not sent yet) have no message: their channel is `COMPOSER` and their ts the unfurl_id.
 */
export type LinkShare = {
  unfurlId: string;
  source: 'composer' | 'conversations_history';
  channel: string;
  ts: string;
  urls: string[];
};

/** The URLs a message links to, as Slack finds them: `<url>` / `<url|label>` in text, bare URLs, rich_text links. */
export function messageLinks(m: { text?: string; blocks?: unknown[] }): string[] {
  const found = new Set<string>();
  const text = m.text ?? '';
  for (const match of text.matchAll(/<(https?:\/\/[^|>\s]+)(?:\|[^>]*)?>/g)) if (match[1]) found.add(match[1]);
  for (const match of text.replace(/<[^>]*>/g, ' ').matchAll(/https?:\/\/[^\s<>|]+/g)) found.add(match[0]);
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (isRecord(v)) {
      if (v.type === 'link' && typeof v.url === 'string') found.add(v.url);
      Object.values(v).forEach(walk);
    }
  };
  walk(m.blocks);
  return [...found];
}

/** Channels every fake workspace starts with, covering each posting case. */
export const DEFAULT_CHANNELS: readonly ChannelSpec[] = [
  { id: 'C_GENERAL', name: 'general', botIsMember: true },
  { id: 'C_DATA_JOBS', name: 'data-jobs', botIsMember: true },
  { id: 'C_RANDOM', name: 'random', botIsMember: false },
  { id: 'C_PRIVATE', name: 'ml-private', isPrivate: true, botIsMember: true },
  { id: 'C_SECRET', name: 'secret', isPrivate: true, botIsMember: false },
  { id: 'C_ARCHIVED', name: 'old-jobs', isArchived: true, botIsMember: true },
];

const NOT_SHARED = { isExtShared: false, isOrgShared: false, isPendingExtShared: false } as const;

const INTERACTIVE = new Set(['button', 'overflow', 'static_select', 'plain_text_input', 'datepicker', 'checkboxes', 'radio_buttons']);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Slack fills in a block_id for every block and an action_id for every interactive element sent
 * without one, and returns them in stored messages and interaction payloads.
 */
export function withSlackIds(blocks: unknown[]): unknown[] {
  const fillElement = (el: unknown): unknown => {
    if (!isRecord(el)) return el;
    const copy = { ...el };
    if (typeof copy.type === 'string' && INTERACTIVE.has(copy.type) && copy.action_id === undefined) copy.action_id = shortId(5);
    return copy;
  };
  return blocks.map((block) => {
    if (!isRecord(block)) return block;
    const copy: Record<string, unknown> = structuredClone(block);
    if (copy.block_id === undefined) copy.block_id = shortId(5);
    if (Array.isArray(copy.elements)) copy.elements = copy.elements.map(fillElement);
    if (copy.accessory !== undefined) copy.accessory = fillElement(copy.accessory);
    if (copy.element !== undefined) copy.element = fillElement(copy.element);
    return copy;
  });
}

/** The message as Slack returns it in API answers and payloads (no `channel` field). */
export function publicMessage(m: SlackMessage): Record<string, unknown> {
  const { channel: _channel, ...rest } = m;
  return structuredClone(rest);
}

export type PostFields = {
  text: string;
  blocks?: unknown[] | undefined;
  thread_ts?: string | undefined;
  reply_broadcast?: boolean | undefined;
  metadata?: MessageMetadata | undefined;
  /** Defaults to the bot. */
  user?: string;
};

/** The workspace's state: channels, messages, ephemerals, views, triggers and response_urls. */
export class Workspace {
  readonly channels = new Map<string, Channel>();
  private readonly history = new Map<string, SlackMessage[]>();
  ephemerals: EphemeralMessage[] = [];
  readonly views = new Map<string, FakeView>();
  readonly triggers = new Map<string, Trigger>();
  readonly responseUrls = new Map<string, ResponseUrl>();
  readonly users = new Map<string, FakeUser>();
  readonly usergroups = new Map<string, FakeUsergroup>();
  /** Each user's published Home tab. */
  readonly homeViews = new Map<string, FakeHomeView>();
  /** link_shared events sent, by unfurl_id. */
  readonly linkShares = new Map<string, LinkShare>();
  /** Unfurls attached by chat.unfurl: URL → unfurl, by `channel/ts` (or unfurl_id for composer links). */
  readonly unfurls = new Map<string, Record<string, unknown>>();

  constructor(
    readonly id: Identity,
    readonly clock: FakeClock,
    private readonly baseUrl: () => string,
  ) {}

  // -- channels ------------------------------------------------------------------------------

  addChannel(spec: ChannelSpec): Channel {
    const existing = this.channels.get(spec.id);
    const channel: Channel = {
      id: spec.id,
      name: spec.name ?? existing?.name ?? spec.id.toLowerCase(),
      isPrivate: spec.isPrivate ?? existing?.isPrivate ?? false,
      isArchived: spec.isArchived ?? existing?.isArchived ?? false,
      botIsMember: spec.botIsMember ?? existing?.botIsMember ?? true,
      isIm: spec.isIm ?? existing?.isIm ?? false,
      isMpim: spec.isMpim ?? existing?.isMpim ?? false,
      created: existing?.created ?? Math.floor(this.clock.now() / 1000),
      isExtShared: spec.isExtShared ?? existing?.isExtShared ?? false,
      isOrgShared: spec.isOrgShared ?? existing?.isOrgShared ?? false,
      isPendingExtShared: spec.isPendingExtShared ?? existing?.isPendingExtShared ?? false,
      ...(existing?.user ? { user: existing.user } : {}),
    };
    // A direct message or group DM is private by nature, and names its people.
    if (channel.isIm || channel.isMpim) channel.isPrivate = true;
    const members = spec.members ?? existing?.members;
    if (members) channel.members = [...members];
    if (channel.isIm && !channel.user && members) channel.user = members.find((m) => m !== this.id.botUserId);
    this.channels.set(channel.id, channel);
    return channel;
  }

  /** An id, or a name with or without '#', as chat.postMessage accepts. */
  findChannel(ref: string): Channel | undefined {
    const byId = this.channels.get(ref);
    if (byId) return byId;
    const name = ref.startsWith('#') ? ref.slice(1) : ref;
    for (const c of this.channels.values()) if (!c.isIm && c.name === name) return c;
    return undefined;
  }

  /** The id of the bot's DM with a user (also the App Home's `channel`), whether or not it was opened. */
  dmId(user: string): string {
    for (const c of this.channels.values()) if (c.isIm && c.user === user) return c.id;
    return `D${user.replace(/^[UW]/, '')}`;
  }

  /** The bot's DM with a user, created on first use like conversations.open does. */
  openDm(user: string): { channel: Channel; existed: boolean } {
    for (const c of this.channels.values()) if (c.isIm && c.user === user) return { channel: c, existed: true };
    const channel: Channel = {
      id: this.dmId(user),
      name: user,
      isPrivate: true,
      isArchived: false,
      botIsMember: true,
      isIm: true,
      isMpim: false,
      user,
      members: [this.id.botUserId, user],
      openedByApp: true,
      created: Math.floor(this.clock.now() / 1000),
      ...NOT_SHARED,
    };
    this.channels.set(channel.id, channel);
    return { channel, existed: false };
  }

  openMpim(users: string[]): Channel {
    const name = `mpdm-${[...users].sort().join('--')}-1`;
    for (const c of this.channels.values()) if (c.isMpim && c.name === name) return c;
    const channel: Channel = {
      id: slackId('G', 10),
      name,
      isPrivate: true,
      isArchived: false,
      botIsMember: true,
      isIm: false,
      isMpim: true,
      members: [this.id.botUserId, ...users],
      openedByApp: true,
      created: Math.floor(this.clock.now() / 1000),
      ...NOT_SHARED,
    };
    this.channels.set(channel.id, channel);
    return channel;
  }

  /** A channel the bot can see: public ones, and private ones it was invited to. */
  visible(channel: Channel | undefined): channel is Channel {
    return channel !== undefined && (!channel.isPrivate || channel.botIsMember);
  }

  // -- people ---------------------------------------------------------------------------------

  /** Adds or replaces a user; unnamed fields get a member of this workspace's defaults. */
  addUser(spec: UserSpec): FakeUser {
    const stranger = spec.isStranger ?? false;
    const isBot = spec.isBot ?? false;
    const enterpriseId = spec.enterpriseId ?? (stranger ? undefined : this.id.enterpriseId);
    const email = spec.email ?? (stranger || isBot ? undefined : `${spec.name}@example.com`);
    const user: FakeUser = {
      id: spec.id,
      name: spec.name,
      isRestricted: spec.isRestricted ?? false,
      isUltraRestricted: spec.isUltraRestricted ?? false,
      teamId: spec.teamId ?? (stranger ? OTHER_TEAM : this.id.teamId),
      deleted: spec.deleted ?? false,
      isStranger: stranger,
      isBot,
      ...(enterpriseId ? { enterpriseId } : {}),
      ...(email ? { email } : {}),
    };
    this.users.set(user.id, user);
    return user;
  }

  addUsergroup(spec: UsergroupSpec): FakeUsergroup {
    const group: FakeUsergroup = {
      id: spec.id,
      handle: spec.handle ?? spec.id.toLowerCase(),
      users: [...spec.users],
      disabled: spec.disabled ?? false,
    };
    this.usergroups.set(group.id, group);
    return group;
  }

  /** The bot itself and the default person: what every fake workspace starts with. */
  seedPeople(): void {
    this.users.clear();
    this.usergroups.clear();
    this.addUser({ id: this.id.botUserId, name: 'datajob-bot', isBot: true });
    this.addUser(DEFAULT_USER);
  }

  // -- messages ------------------------------------------------------------------------------

  messages(channel: string): SlackMessage[] {
    return [...(this.history.get(channel) ?? [])];
  }

  message(channel: string, ts: string): SlackMessage | undefined {
    return this.history.get(channel)?.find((m) => m.ts === ts);
  }

  addMessage(channel: string, fields: PostFields): SlackMessage {
    const ts = this.clock.nextTs();
    const user = fields.user ?? this.id.botUserId;
    const fromBot = fields.user === undefined;
    const message: SlackMessage = {
      type: 'message',
      channel,
      ts,
      user,
      ...(fromBot ? { bot_id: this.id.botId, app_id: this.id.appId } : {}),
      team: this.id.teamId,
      text: fields.text,
      ...(fields.blocks ? { blocks: withSlackIds(fields.blocks) } : {}),
      ...(fields.metadata ? { metadata: fields.metadata } : {}),
    };
    if (fields.thread_ts) {
      message.thread_ts = fields.thread_ts;
      if (fields.reply_broadcast) {
        message.reply_broadcast = true;
        message.subtype = 'thread_broadcast';
      }
      const parent = this.message(channel, fields.thread_ts);
      if (parent) {
        parent.thread_ts = parent.ts;
        parent.reply_count = (parent.reply_count ?? 0) + 1;
        parent.latest_reply = ts;
        parent.reply_users = [...new Set([...(parent.reply_users ?? []), user])];
      }
    }
    const list = this.history.get(channel) ?? [];
    list.push(message);
    this.history.set(channel, list);
    return message;
  }

  /** Replaces text/blocks as chat.update does: omitted blocks are kept, an empty array removes them. */
  editMessage(
    message: SlackMessage,
    fields: { text?: string | undefined; blocks?: unknown[] | undefined; metadata?: MessageMetadata | undefined },
  ) {
    if (fields.text !== undefined) message.text = fields.text;
    if (fields.blocks !== undefined) {
      if (fields.blocks.length > 0) message.blocks = withSlackIds(fields.blocks);
      else delete message.blocks;
    }
    if (fields.metadata !== undefined) message.metadata = fields.metadata;
    message.edited = { user: this.id.botUserId, ts: this.clock.nextTs() };
  }

  deleteMessage(message: SlackMessage): void {
    const list = this.history.get(message.channel) ?? [];
    this.history.set(
      message.channel,
      list.filter((m) => m !== message),
    );
    this.unfurls.delete(`${message.channel}/${message.ts}`);
    if (message.thread_ts && message.thread_ts !== message.ts) {
      const parent = this.message(message.channel, message.thread_ts);
      if (parent?.reply_count) parent.reply_count--;
    }
  }

  addEphemeral(e: Omit<EphemeralMessage, 'ts' | 'deleted' | 'replaced'>): EphemeralMessage {
    const eph: EphemeralMessage = { ...e, ts: this.clock.nextTs(), deleted: false, replaced: 0 };
    if (eph.blocks) eph.blocks = withSlackIds(eph.blocks);
    this.ephemerals.push(eph);
    return eph;
  }

  ephemeral(ts: string): EphemeralMessage | undefined {
    return this.ephemerals.find((e) => e.ts === ts);
  }

  // -- triggers, views ------------------------------------------------------------------------

  issueTrigger(user: string = DEFAULT_USER.id): string {
    const id = triggerIdValue();
    this.triggers.set(id, { id, issuedAt: this.clock.now(), used: false, user });
    return id;
  }

  // -- response_urls --------------------------------------------------------------------------

  issueResponseUrl(opts: ResponseUrlOptions = {}): string {
    const id = `${this.id.teamId}/${slackId('', 12)}/${shortId(24)}`;
    const url = `${this.baseUrl()}/response/${id}`;
    this.responseUrls.set(id, {
      id,
      url,
      createdAt: this.clock.now(),
      uses: 0,
      channel: opts.channel ?? 'C_GENERAL',
      user: opts.user ?? DEFAULT_USER.id,
      records: [],
      ...(opts.origin ? { origin: opts.origin } : {}),
    });
    return url;
  }

  /** Accepts the id or the whole URL. */
  responseUrl(idOrUrl: string): ResponseUrl | undefined {
    const marker = '/response/';
    const at = idOrUrl.indexOf(marker);
    const id = at >= 0 ? idOrUrl.slice(at + marker.length) : idOrUrl;
    return this.responseUrls.get(id);
  }

  reset(): void {
    this.history.clear();
    this.ephemerals = [];
    this.views.clear();
    this.triggers.clear();
    this.responseUrls.clear();
    this.homeViews.clear();
    this.linkShares.clear();
    this.unfurls.clear();
    for (const [id, c] of this.channels) if (c.openedByApp) this.channels.delete(id);
  }
}
