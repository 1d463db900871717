/**
 * What the demo page and the demo server say to each other: the workspace as one person sees it
 * (`PageState`, sent whole on every change), and what that person does (the POST bodies). The
 * server turns each action into what Slack would send the bot; the page never talks to the bot.
 */

export type PageUser = { id: string; name: string };

export type PageChannel = { id: string; name: string; isPrivate: boolean; botIsMember: boolean };

/** What chat.unfurl attached under one link of a message. */
export type PageUnfurl = { url: string; blocks: unknown[] };

export type PageMessage = {
  channel: string;
  ts: string;
  user: string;
  fromBot: boolean;
  text: string;
  blocks?: unknown[];
  /** Set on replies (and on a parent once it has replies, as Slack does). */
  threadTs?: string;
  /** A reply also sent to the channel. */
  broadcast: boolean;
  replyCount: number;
  replyUsers: string[];
  latestReply?: string;
  unfurls: PageUnfurl[];
};

/** A message only the viewer sees: from the app (chat.postEphemeral, a response_url) or from Slack itself. */
export type PageEphemeral = {
  channel: string;
  ts: string;
  from: 'app' | 'slack';
  text: string;
  blocks?: unknown[];
  threadTs?: string;
};

/** The modal on top of the viewer's stack. */
export type PageModal = {
  id: string;
  title: string;
  close?: string;
  submit?: string;
  blocks: unknown[];
  /** The last `response_action: errors`, by input block_id. */
  errors: Record<string, string>;
  /** How many views are under it in the stack (pushed views show a way back). */
  below: number;
  /** Slack's view object, as views.open took it (for the Block Kit Builder link). */
  view: Record<string, unknown>;
};

/**
 * Something the bot sent that Slack refused, told as Slack answers it: the method (or
 * `response_url`), the error code and Slack's messages, in the channel it was meant for if any.
 */
export type PageError = {
  id: string;
  at: number;
  channel?: string;
  method: string;
  error: string;
  details: string[];
};

export type MessageShortcut = { name: string; callbackId: string; description: string };

export type PageState = {
  viewer: PageUser;
  bot: PageUser & { appName: string };
  team: string;
  channels: PageChannel[];
  /** The bot's direct messages with the viewer: the app's Messages tab. */
  dm: { channel: string | null; messages: PageMessage[] };
  messages: PageMessage[];
  ephemerals: PageEphemeral[];
  modal: PageModal | null;
  home: { blocks: unknown[]; view: Record<string, unknown> } | null;
  errors: PageError[];
  users: PageUser[];
  shortcuts: MessageShortcut[];
};

/** Where a clicked element is. */
export type Surface =
  | { kind: 'message'; channel: string; ts: string }
  | { kind: 'ephemeral'; ts: string }
  | { kind: 'unfurl'; channel: string; ts: string; url: string }
  | { kind: 'view'; id: string }
  | { kind: 'home' };

export type CommandRequest = { channel: string; text: string };
export type MessageRequest = { channel: string; text: string; threadTs?: string };
export type ActionRequest = { surface: Surface; actionId: string; blockId?: string };
export type ShortcutRequest = { channel: string; ts: string; callbackId: string };
export type SubmitRequest = { viewId: string; values: Record<string, string | null> };
export type CloseRequest = { viewId: string; all: boolean };
export type HomeRequest = { tab: 'home' | 'messages' };

/** Every POST answers this; `error` is for the person (what Slack would have shown them). */
export type ActionAnswer = { ok: true } | { ok: false; error: string };

/** Bounds on what the page may send: Slack's own limit for a message, and room for a modal's entries. */
export const MAX_REQUEST_BYTES = 256 * 1024;
export const MAX_MESSAGE_CHARS = 40_000;
