import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { payloadEnterprise, payloadUser } from '../test/support/fake-slack/payloads.js';
import { messageLinks } from '../test/support/fake-slack/workspace.js';
import type { FakeSlack } from '../test/support/fake-slack.js';
import { type ActionTarget, clickButton, findAction, sendSlashCommand } from '../test/support/slack-requests.js';
import type { PageAssets } from './build-page.js';
import {
  type ActionAnswer,
  type ActionRequest,
  type CloseRequest,
  type CommandRequest,
  type HomeRequest,
  MAX_MESSAGE_CHARS,
  MAX_REQUEST_BYTES,
  type MessageRequest,
  type PageUser,
  type ShortcutRequest,
  type SubmitRequest,
  type Surface,
} from './protocol.js';
import { type DemoNotice, pageState, SHORTCUTS } from './snapshot.js';

/**
 * The demo page's server: the page itself, the workspace as the viewer sees it (`GET /api/state`,
 * and `GET /api/stream` pushing it again on every change), and the viewer's actions, each turned into
 * what Slack would send the bot: a signed slash command, a block_actions or view_submission
 * payload, an Events API callback (link_shared, app_home_opened). The fake Slack holds every
 * message and view; nothing here keeps a copy of its own.
 */

export interface PageServerOptions {
  slack: FakeSlack;
  /** The bot's Request URL (`…/slack/events`) and its signing secret. */
  botUrl: string;
  signingSecret: string;
  viewer: PageUser;
  /** The channels shown in the sidebar, in order (the list may grow while the server runs). */
  channelIds: readonly string[];
  assets: PageAssets;
  port: number;
}

export interface PageServer {
  url: string;
  /** Sends the state to every open page now if it changed (the server also looks on its own). */
  refresh(): void;
  close(): Promise<void>;
}

/** Slack's own answers when an app fails a slash command. */
const COMMAND_TIMEOUT_MS = 3_000;
/** How often the server looks for changes the bot made (every change is a call to the fake Slack). */
const WATCH_MS = 100;

class BadRequest extends Error {}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function field(body: Record<string, unknown>, name: string, max = 256): string {
  const v = body[name];
  if (typeof v !== 'string' || v.length === 0 || v.length > max) throw new BadRequest(`${name} must be a string of 1 to ${max} characters`);
  return v;
}

function optionalField(body: Record<string, unknown>, name: string, max = 256): string | undefined {
  return body[name] === undefined ? undefined : field(body, name, max);
}

/** What Slack's client does to a typed message: `&`, `<` and `>` escaped, and links put in angle brackets. */
export function typedMessageText(typed: string): string {
  const escaped = typed.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
  return escaped.replace(/\bhttps?:\/\/[^\s<>]+[^\s<>.,;:!?)'"]/g, (url) => `<${url}>`);
}

function surfaceOf(v: unknown): Surface {
  if (!isRecord(v)) throw new BadRequest('surface must be an object');
  switch (v.kind) {
    case 'message':
      return { kind: 'message', channel: field(v, 'channel'), ts: field(v, 'ts') };
    case 'ephemeral':
      return { kind: 'ephemeral', ts: field(v, 'ts') };
    case 'unfurl':
      return { kind: 'unfurl', channel: field(v, 'channel'), ts: field(v, 'ts'), url: field(v, 'url', 3_000) };
    case 'view':
      return { kind: 'view', id: field(v, 'id') };
    case 'home':
      return { kind: 'home' };
    default:
      throw new BadRequest('unknown surface');
  }
}

export async function startPageServer(options: PageServerOptions): Promise<PageServer> {
  const { slack, viewer, botUrl, signingSecret } = options;
  const notices: DemoNotice[] = [];
  /** response_url → the channel it answers in: the fake keeps that to itself. */
  const responseChannels = new Map<string, string>();
  const clients = new Set<ServerResponse>();
  let actions = 0;
  let lastKey = '';
  let lastState = '';

  const state = () =>
    pageState({
      slack,
      viewer,
      channelIds: options.channelIds,
      notices,
      responseChannel: (url) => responseChannels.get(url),
    });

  const push = (force: boolean) => {
    const key = `${slack.calls.length}/${slack.responsesAll().length}/${actions}/${options.channelIds.length}`;
    if (!force && key === lastKey) return;
    lastKey = key;
    const json = JSON.stringify(state());
    if (json === lastState) return;
    lastState = json;
    for (const client of clients) client.write(`data: ${json}\n\n`);
  };
  const changed = () => {
    actions++;
    push(false);
  };
  const watcher = setInterval(() => push(false), WATCH_MS);
  // What changes without a call (a modal's errors, a view closed by a submission) is caught here too.
  const sweeper = setInterval(() => push(true), 2_000);

  const notice = (channel: string, text: string, threadTs?: string) => {
    notices.push({ user: viewer.id, channel, ts: slack.clock.nextTs(), from: 'slack', text, ...(threadTs ? { threadTs } : {}) });
  };
  const channelOf = (id: string) => {
    const channel = slack.channel(id);
    if (!channel || !options.channelIds.includes(channel.id)) throw new BadRequest(`no channel ${id}`);
    return channel;
  };
  const remember = (payload: Record<string, unknown>, channel: string | undefined) => {
    if (typeof payload.response_url === 'string' && channel) responseChannels.set(payload.response_url, channel);
  };
  const deliveryProblem = (delivery: { via: string; status?: number; ms: number }): string | undefined => {
    if (delivery.via === 'http' && delivery.status !== 200) return `datajob-bot answered HTTP ${delivery.status}`;
    if (delivery.ms > COMMAND_TIMEOUT_MS) return 'datajob-bot did not answer within 3 seconds';
    return undefined;
  };

  const routes: Record<string, (body: Record<string, unknown>) => Promise<ActionAnswer>> = {
    async '/api/command'(body) {
      const req: CommandRequest = { channel: field(body, 'channel'), text: field(body, 'text', MAX_MESSAGE_CHARS) };
      const channel = channelOf(req.channel);
      const [command = '', rest = ''] = req.text.trim().split(/\s+(.*)/s);
      if (command !== '/datajob') {
        notice(
          channel.id,
          `\`${command}\` is not a valid command. In Slack, all messages that start with the "/" character are interpreted as commands.`,
        );
        return { ok: true };
      }
      const responseUrl = slack.responseUrl({ channel: channel.id, user: viewer.id });
      responseChannels.set(responseUrl, channel.id);
      const res = await sendSlashCommand(
        botUrl,
        signingSecret,
        { text: rest, channelId: channel.id, channelName: channel.name, userId: viewer.id, userName: viewer.name, responseUrl },
        { fake: slack },
      );
      // Slack's words when the app fails a command; the person sees them, the channel does not.
      if (res.status !== 200) notice(channel.id, '/datajob failed with the error "dispatch_failed"');
      else if (res.ms > COMMAND_TIMEOUT_MS) notice(channel.id, '/datajob failed with the error "operation_timeout"');
      return { ok: true };
    },

    async '/api/message'(body) {
      const req: MessageRequest = { channel: field(body, 'channel'), text: field(body, 'text', MAX_MESSAGE_CHARS) };
      const threadTs = optionalField(body, 'threadTs');
      const channel = channelOf(req.channel);
      const text = typedMessageText(req.text);
      const urls = messageLinks({ text });
      if (urls.length > 0) await slack.shareLinks({ channel: channel.id, user: viewer.id, urls, text, ...(threadTs ? { threadTs } : {}) });
      else slack.addUserMessage(channel.id, { user: viewer.id, text, ...(threadTs ? { thread_ts: threadTs } : {}) });
      return { ok: true };
    },

    async '/api/action'(body) {
      const req: ActionRequest = { surface: surfaceOf(body.surface), actionId: field(body, 'actionId') };
      const blockId = optionalField(body, 'blockId');
      const payload = req.surface.kind === 'unfurl' ? unfurlClick(slack, viewer, req.surface, req.actionId) : buttonClick(req, blockId);
      remember(payload, channelOfSurface(req.surface));
      const delivery = await slack.sendInteraction(payload);
      const problem = deliveryProblem(delivery);
      return problem ? { ok: false, error: problem } : { ok: true };
    },

    async '/api/shortcut'(body) {
      const req: ShortcutRequest = { channel: field(body, 'channel'), ts: field(body, 'ts'), callbackId: field(body, 'callbackId') };
      if (!SHORTCUTS.some((s) => s.callbackId === req.callbackId)) throw new BadRequest(`no shortcut ${req.callbackId}`);
      const channel = channelOf(req.channel);
      const { payload, delivery } = await slack.messageShortcut({
        channel: channel.id,
        ts: req.ts,
        callbackId: req.callbackId,
        user: viewer.id,
      });
      remember(payload, channel.id);
      const problem = deliveryProblem(delivery);
      return problem ? { ok: false, error: problem } : { ok: true };
    },

    async '/api/view/submit'(body) {
      const values = body.values;
      if (!isRecord(values) || Object.values(values).some((v) => v !== null && (typeof v !== 'string' || v.length > MAX_MESSAGE_CHARS)))
        throw new BadRequest('values must map inputs to strings or null');
      const req: SubmitRequest = { viewId: field(body, 'viewId'), values: values as Record<string, string | null> };
      const { outcome } = await slack.submitView({ viewId: req.viewId, values: req.values, user: viewer.id });
      // Slack's own words when a submission gets no usable answer; the reason is for whoever debugs the bot.
      if (outcome.action === 'refused') return { ok: false, error: `We had some trouble connecting. Try again? (${outcome.reason})` };
      return { ok: true };
    },

    async '/api/view/close'(body) {
      const req: CloseRequest = { viewId: field(body, 'viewId'), all: body.all === true };
      const view = slack.view(req.viewId);
      if (!view?.open || view.user !== viewer.id) throw new BadRequest(`no open view ${req.viewId}`);
      const closing = req.all ? slack.views().filter((v) => v.open && v.root_view_id === view.root_view_id) : [view];
      for (const v of closing) slack.closeView(v.id);
      return { ok: true };
    },

    async '/api/home'(body) {
      const req: HomeRequest = { tab: body.tab === 'messages' ? 'messages' : 'home' };
      const { delivery } = await slack.openHome({ user: viewer.id, tab: req.tab });
      const problem = deliveryProblem(delivery);
      return problem ? { ok: false, error: problem } : { ok: true };
    },
  };

  const buttonClick = (req: ActionRequest, blockId: string | undefined) => {
    const s = req.surface;
    const target: ActionTarget =
      s.kind === 'message'
        ? { channel: s.channel, ts: s.ts }
        : s.kind === 'ephemeral'
          ? { ephemeralTs: s.ts }
          : s.kind === 'view'
            ? { viewId: s.id }
            : { homeOf: viewer.id };
    try {
      return clickButton(slack, { ...target, actionId: req.actionId, user: viewer, ...(blockId ? { blockId } : {}) });
    } catch (error) {
      // The page showed a button the fake no longer holds (the message changed under the click).
      throw new BadRequest((error as Error).message);
    }
  };
  const channelOfSurface = (s: Surface) =>
    s.kind === 'message' || s.kind === 'unfurl' ? s.channel : s.kind === 'ephemeral' ? slack.ephemeral(s.ts)?.channel : undefined;

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, error instanceof BadRequest ? 400 : 500, { ok: false, error: String((error as Error).message) });
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (req.method === 'GET' && path === '/api/state') return sendJson(res, 200, state());
    if (req.method === 'GET' && path === '/api/stream') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write(`data: ${JSON.stringify(state())}\n\n`);
      clients.add(res);
      req.once('close', () => clients.delete(res));
      return;
    }
    const route = routes[path];
    if (req.method === 'POST' && route) {
      const body = await readJson(req);
      const answer = await route(body);
      changed();
      return sendJson(res, 200, answer);
    }
    if (req.method === 'GET') {
      const asset = options.assets.get(path === '/' ? '/index.html' : path);
      if (asset) {
        res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'no-store' });
        return void res.end(asset.body);
      }
    }
    sendJson(res, 404, { ok: false, error: 'not found' });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url,
    refresh: () => push(true),
    close: async () => {
      clearInterval(watcher);
      clearInterval(sweeper);
      for (const client of clients) client.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A click on a button of an app unfurl: Slack reports it from the message's attachment, with the
 * link it unfurls (the fake's clickButton knows message blocks only).
 */
function unfurlClick(slack: FakeSlack, viewer: PageUser, s: Extract<Surface, { kind: 'unfurl' }>, actionId: string) {
  const unfurl = slack.unfurlsOf(s.channel, s.ts)?.[s.url];
  const found = findAction(isRecord(unfurl) && Array.isArray(unfurl.blocks) ? unfurl.blocks : [], actionId);
  const message = slack.message(s.channel, s.ts);
  if (!found || !message) throw new BadRequest(`no ${actionId} under ${s.url}`);
  const { channel: _channel, ...publicMessage } = message;
  return {
    type: 'block_actions',
    user: payloadUser(slack, viewer),
    api_app_id: slack.appId,
    token: 'fake-verification-token',
    container: {
      type: 'message_attachment',
      message_ts: s.ts,
      attachment_id: 1,
      channel_id: s.channel,
      is_ephemeral: false,
      is_app_unfurl: true,
      app_unfurl_url: s.url,
    },
    trigger_id: slack.triggerId(viewer.id),
    team: { id: slack.teamId, domain: slack.teamDomain },
    enterprise: payloadEnterprise(slack),
    is_enterprise_install: false,
    channel: { id: s.channel, name: slack.channel(s.channel)?.name ?? s.channel },
    message: publicMessage,
    state: { values: {} },
    response_url: slack.responseUrl({ channel: s.channel, user: viewer.id, origin: { kind: 'message', channel: s.channel, ts: s.ts } }),
    actions: [{ ...found.element, action_id: actionId, block_id: found.blockId, action_ts: slack.clock.nextTs() }],
  };
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) throw new BadRequest(`the request is larger than ${MAX_REQUEST_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new BadRequest('the request is not JSON');
  }
  if (!isRecord(body)) throw new BadRequest('the request is not a JSON object');
  return body;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
