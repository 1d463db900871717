import { WATCH_SHORTCUT_ID } from '../src/slack/blocks/watch-modal.js';
import { checkHomeView, checkMessage, checkUnfurls, checkView, type SlackRejection } from '../test/support/block-kit-rules.js';
import type { CallRecord, FakeSlack, SlackMessage } from '../test/support/fake-slack.js';
import type { MessageShortcut, PageChannel, PageEphemeral, PageError, PageMessage, PageModal, PageState, PageUser } from './protocol.js';

/**
 * The workspace as the viewer sees it, read from the fake Slack: what the page draws. Built anew
 * whenever something changed (the fake keeps the truth; the page keeps nothing of its own but what
 * is on screen).
 */

/** The app's message shortcuts, as manifest.yml declares them. */
export const SHORTCUTS: MessageShortcut[] = [
  {
    name: 'Watch this job',
    callbackId: WATCH_SHORTCUT_ID,
    description: 'Keep a living card of the data job this message names in this channel',
  },
];

/** Which of the project's Block Kit checks judges what each method carries. */
const CHECKS: Record<string, (args: Record<string, unknown>) => SlackRejection | null> = {
  'chat.postMessage': (a) => checkMessage(a),
  'chat.postEphemeral': (a) => checkMessage(a),
  'chat.update': (a) => (a.blocks === undefined && a.text === undefined ? null : checkMessage({ text: a.text ?? ' ', blocks: a.blocks })),
  'chat.unfurl': (a) => checkUnfurls(a.unfurls),
  'views.open': (a) => checkView(a.view),
  'views.update': (a) => checkView(a.view),
  'views.push': (a) => checkView(a.view),
  'views.publish': (a) => checkHomeView(a.view),
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);
const plain = (v: unknown): string | undefined => (isRecord(v) && typeof v.text === 'string' ? v.text : undefined);

/** A Web API call Slack refused for what it carried (not for a scope, a channel or a rate limit). */
function refusedCall(call: CallRecord, index: number): PageError | null {
  const check = CHECKS[call.method];
  if (call.response.ok !== false || !check || check(call.args) === null) return null;
  const channel = typeof call.args.channel === 'string' ? call.args.channel : undefined;
  return {
    id: `call-${index}`,
    at: call.at,
    ...(channel ? { channel } : {}),
    method: call.method,
    error: String(call.response.error),
    details: strings(call.response.errors),
  };
}

export type DemoNotice = PageEphemeral & { user: string };

export interface SnapshotSources {
  slack: FakeSlack;
  viewer: PageUser;
  channelIds: readonly string[];
  /** What Slack itself told the viewer (an unknown command, an app that did not answer). */
  notices: readonly DemoNotice[];
  /** The channel a response_url the demo handed the bot answers in. */
  responseChannel(url: string): string | undefined;
}

export function pageState({ slack, viewer, channelIds, notices, responseChannel }: SnapshotSources): PageState {
  const channels: PageChannel[] = channelIds.flatMap((id) => {
    const c = slack.channel(id);
    return c && !c.isArchived ? [{ id: c.id, name: c.name, isPrivate: c.isPrivate, botIsMember: c.botIsMember }] : [];
  });
  const toPage = (m: SlackMessage): PageMessage => ({
    channel: m.channel,
    ts: m.ts,
    user: m.user,
    fromBot: m.bot_id !== undefined,
    text: m.text,
    ...(m.blocks ? { blocks: m.blocks } : {}),
    ...(m.thread_ts ? { threadTs: m.thread_ts } : {}),
    broadcast: m.reply_broadcast === true,
    replyCount: m.reply_count ?? 0,
    replyUsers: m.reply_users ?? [],
    ...(m.latest_reply ? { latestReply: m.latest_reply } : {}),
    unfurls: Object.entries(slack.unfurlsOf(m.channel, m.ts) ?? {}).map(([url, u]) => ({
      url,
      blocks: isRecord(u) && Array.isArray(u.blocks) ? u.blocks : [],
    })),
  });
  const dmMessages = slack.directMessages(viewer.id);
  const ephemerals: PageEphemeral[] = [
    ...slack.ephemerals({ user: viewer.id }).map(
      (e): PageEphemeral => ({
        channel: e.channel,
        ts: e.ts,
        from: 'app',
        text: e.text,
        ...(e.blocks ? { blocks: e.blocks } : {}),
        ...(e.thread_ts ? { threadTs: e.thread_ts } : {}),
      }),
    ),
    ...notices.filter((n) => n.user === viewer.id).map(({ user: _user, ...n }) => n),
  ];

  const stack = slack.views().filter((v) => v.user === viewer.id && v.open);
  const top = stack.at(-1);
  const modal: PageModal | null = top
    ? {
        id: top.id,
        title: plain(top.title) ?? '',
        ...(plain(top.close) ? { close: plain(top.close) } : {}),
        ...(plain(top.submit) ? { submit: plain(top.submit) } : {}),
        blocks: top.blocks,
        errors: top.errors ?? {},
        below: stack.filter((v) => v.root_view_id === top.root_view_id).length - 1,
        view: slack.publicView(top.id),
      }
    : null;
  const home = slack.homeView(viewer.id);

  const callErrors = slack.calls.map(refusedCall).filter((e): e is PageError => e !== null);
  const responseErrors = slack
    .responsesAll()
    .filter((r) => r.effect === 'rejected' && r.status === 400)
    .map((r, i): PageError => {
      const answer = parseJson(r.answer);
      const channel = responseChannel(r.url);
      return {
        id: `response-${i}`,
        at: r.at,
        ...(channel ? { channel } : {}),
        method: 'response_url',
        error: isRecord(answer) ? String(answer.error) : r.answer,
        details: isRecord(answer) ? strings(answer.errors) : [],
      };
    });

  const bot = slack.user(slack.botUserId);
  return {
    viewer,
    bot: { id: slack.botUserId, name: bot?.name ?? 'datajob-bot', appName: 'datajob-bot' },
    team: 'datajob-bot demo',
    channels,
    dm: { channel: dmMessages[0]?.channel ?? null, messages: dmMessages.map(toPage) },
    messages: channels.flatMap((c) => slack.messages(c.id).map(toPage)),
    ephemerals,
    modal,
    home: home ? { blocks: home.blocks, view: slack.publicView(home.id) } : null,
    errors: [...callErrors, ...responseErrors].sort((a, b) => a.at - b.at),
    users: [viewer, { id: slack.botUserId, name: bot?.name ?? 'datajob-bot' }],
    shortcuts: SHORTCUTS,
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
