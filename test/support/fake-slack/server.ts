import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseQuery } from 'node:querystring';
import { FakeClock } from './clock.js';
import {
  type EventCallback,
  eventCallback,
  type ShareLinksOptions,
  type ShareLinksResult,
  shareLinks,
  urlVerificationBody,
} from './events.js';
import { Faults } from './faults.js';
import {
  applySubmissionAnswer,
  type MessageShortcutOptions,
  messageShortcutPayload,
  type SubmissionOutcome,
  type ViewSubmissionOptions,
  viewSubmissionPayload,
} from './interactions.js';
import { type SlashCommandInput, slashCommandPayload } from './payloads.js';
import { postToResponseUrl, type ResponseUrlLimits } from './response-urls.js';
import { postEvent, postInteraction, type SlackHttpResponse } from './signing.js';
import { type Envelope, SocketModeServer } from './socket-mode.js';
import type {
  CallRecord,
  Channel,
  ChannelSpec,
  Delivery,
  EphemeralMessage,
  FakeHomeView,
  FakeSlackOptions,
  FakeUser,
  FakeUsergroup,
  FakeView,
  RateLimitSettings,
  RateLimitStats,
  RequestUrl,
  ResponseRecord,
  ResponseUrlOptions,
  ShownDialog,
  SlackMessage,
  SocketAck,
  UsergroupSpec,
  UserSpec,
} from './types.js';
import { type ApiAnswer, METHODS, type MethodContext, normaliseArgs, publicView } from './web-api.js';
import { DEFAULT_CHANNELS, DEFAULT_USER, type Identity, Workspace } from './workspace.js';

export type TokenState = 'ok' | 'token_revoked' | 'account_inactive' | 'invalid_auth';

/** The Socket Mode side as tests drive it. */
export interface FakeSocket {
  readonly connectionCount: number;
  readonly envelopes: readonly Envelope[];
  readonly acks: readonly { envelope_id: string; payload?: Record<string, unknown>; ms: number }[];
  waitForConnection(timeoutMs?: number): Promise<void>;
  /** A slash command envelope; response_url and trigger_id are issued by the fake unless given. */
  sendSlashCommand(input?: Partial<SlashCommandInput>): Promise<SocketAck>;
  /** An `interactive` envelope (block_actions from `clickButton`, view_submission, …). */
  sendInteraction(payload: Record<string, unknown>): Promise<SocketAck>;
  /** An `events_api` envelope around an `event_callback` body. */
  sendEvent(body: Record<string, unknown>): Promise<SocketAck>;
  /** Slack's request to reconnect, followed by closing the connection. */
  disconnect(reason?: 'refresh_requested' | 'warning' | 'link_disabled'): void;
}

export interface FakeSlack {
  /** `http://127.0.0.1:PORT`; point the bot at `apiUrl` (`${url}/api/`). */
  readonly url: string;
  readonly apiUrl: string;
  readonly botToken: string;
  readonly appToken: string;
  readonly teamId: string;
  readonly teamDomain: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly appId: string;
  /** The installation's Enterprise Grid organisation, when the fake was started with one. */
  readonly enterpriseId?: string;
  readonly clock: FakeClock;

  addChannel(spec: ChannelSpec): Channel;
  /** Adds or replaces a person; `U_ALICE` and the bot user exist from the start. */
  addUser(spec: UserSpec): FakeUser;
  user(id: string): FakeUser | undefined;
  addUsergroup(spec: UsergroupSpec): FakeUsergroup;
  channel(idOrName: string): Channel | undefined;
  /** A message from a person (which the bot cannot update or delete). */
  addUserMessage(channel: string, fields: { user: string; text: string; thread_ts?: string }): SlackMessage;
  /** Someone deletes a message (a person may delete the bot's messages in the client; the bot's chat.update then fails). */
  deleteMessage(channel: string, ts: string): void;

  /** Every message in the channel, replies included, oldest first. */
  messages(channel: string): SlackMessage[];
  /** Messages that are not thread replies (broadcast replies also show in the channel but are left out here). */
  topLevel(channel: string): SlackMessage[];
  /** The replies under a parent, without the parent. */
  thread(channel: string, ts: string): SlackMessage[];
  /** The messages in the bot's direct-message conversation with `user` (none if it was never opened). */
  directMessages(user: string): SlackMessage[];
  message(channel: string, ts: string): SlackMessage | undefined;
  ephemerals(filter?: { channel?: string; user?: string; includeDeleted?: boolean }): EphemeralMessage[];
  ephemeral(ts: string): EphemeralMessage | undefined;

  readonly calls: readonly CallRecord[];
  callsTo(method: string): CallRecord[];
  /**
   * The confirm dialogs Slack showed before sending a click (a button with a `confirm` object), newest
   * last: what the person read, and what they answered. A denied dialog sends nothing.
   */
  readonly dialogs: ShownDialog[];
  /** Calls and 429s per method and in total (since the last reset). */
  rateLimitStats(): RateLimitStats;

  failNext(
    method: string,
    error: string,
    opts?: { times?: number; channel?: string; when?: (args: Record<string, unknown>) => boolean },
  ): void;
  /**
   * Once: when a call of `method` matching `when` has been carried out, `hook` runs before Slack's
   * answer goes back (a test crashes the bot there, or makes its database fail, between Slack doing
   * something and the bot learning it was done).
   */
  beforeAnswering(
    method: string,
    when: (args: Record<string, unknown>) => boolean,
    hook: (args: Record<string, unknown>) => void | Promise<void>,
  ): void;
  rateLimit(method: string, retryAfterSeconds: number, opts?: { times?: number }): void;
  /** Forgets the injected faults (failNext, rateLimit) of one method, or of every method: its calls go through again. */
  clearFaults(method?: string): void;
  enforceRateLimits(settings: boolean | RateLimitSettings): void;
  /** Every bot-token call answers this error until set back to 'ok'. */
  setTokenState(state: TokenState): void;

  responseUrl(opts?: ResponseUrlOptions): string;
  responses(idOrUrl: string): ResponseRecord[];
  responsesAll(): ResponseRecord[];
  /** What a response_url last posted that is still visible (for clicking buttons on it). */
  responseUrlMessage(idOrUrl: string): { message: SlackMessage } | { ephemeral: EphemeralMessage } | undefined;
  /** Shows an acknowledgement body (HTTP ack response) the way Slack does, without using up the URL. */
  applyAckResponse(responseUrl: string, body: unknown): void;

  triggerId(user?: string): string;
  views(): FakeView[];
  view(id: string): FakeView | undefined;
  publicView(id: string): Record<string, unknown>;
  /** The user closes the modal. */
  closeView(id: string): void;
  /** The Home tab last published for `user` (its `publishes` counts views.publish calls). */
  homeView(user: string): FakeHomeView | undefined;
  /** What chat.unfurl attached to a message (`channel`, `ts`), or to a composer link (its unfurl_id alone): URL → unfurl. */
  unfurlsOf(channelOrUnfurlId: string, ts?: string): Record<string, unknown> | undefined;

  /**
   * HTTP mode: events and interactions go to this Request URL, signed. Without one (the default)
   * they go over Socket Mode. Slash commands and clicks have their own helpers (slack-requests.ts).
   */
  setRequestUrl(target: RequestUrl | undefined): void;
  /** Slack's check of a new Request URL: the bot must echo the challenge. */
  verifyRequestUrl(challenge?: string): Promise<SlackHttpResponse & { ok: boolean }>;
  /** Wraps an event in an `event_callback` and delivers it to the bot. */
  sendEvent(event: Record<string, unknown> & { type: string }): Promise<{ payload: EventCallback; delivery: Delivery }>;
  /** Delivers an interaction payload (block_actions, message_action, view_submission, …) to the bot. */
  sendInteraction(payload: Record<string, unknown>): Promise<Delivery>;
  /** A person posts (or has posted) links: adds the message and sends the bot `link_shared`, as Slack does. */
  shareLinks(opts: ShareLinksOptions): Promise<ShareLinksResult>;
  /** A person opens the app's Home (or Messages) tab: sends `app_home_opened`. */
  openHome(opts: { user: string; tab?: 'home' | 'messages' }): Promise<{ payload: EventCallback; delivery: Delivery }>;
  /** A person runs a message shortcut on a message the fake holds. */
  messageShortcut(opts: MessageShortcutOptions): Promise<{ payload: Record<string, unknown>; delivery: Delivery }>;
  /** A person submits an open modal with these entries; the bot's answer is applied as Slack applies it. */
  submitView(opts: ViewSubmissionOptions): Promise<{ payload: Record<string, unknown>; delivery: Delivery; outcome: SubmissionOutcome }>;

  readonly socket: FakeSocket;

  /**
   * Forgets messages, calls, dialogs, faults, views, Home tabs, unfurls, response_urls; keeps the channel
   * registry and the people (users, user groups) unless asked, and the Request URL.
   */
  reset(opts?: { channels?: boolean; people?: boolean }): void;
  close(): Promise<void>;
}

const DEFAULT_SCOPES = ['commands', 'chat:write', 'chat:write.public', 'im:write'];

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** One value per form field; a repeated field keeps its last value. */
function formArgs(raw: string): Record<string, unknown> {
  const parsed = parseQuery(raw);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(parsed)) out[k] = Array.isArray(v) ? v.at(-1) : v;
  return out;
}

/** Starts a fake Slack on 127.0.0.1 (a free port). Close it with `close()`. */
export async function startFakeSlack(opts: FakeSlackOptions = {}): Promise<FakeSlack> {
  const identity: Identity = {
    teamId: opts.teamId ?? 'T_FAKE',
    teamDomain: opts.teamDomain ?? 'fake-team',
    botUserId: opts.botUserId ?? 'U_BOT',
    botId: opts.botId ?? 'B_BOT',
    appId: opts.appId ?? 'A_FAKE_APP',
    botToken: opts.botToken ?? 'xoxb-fake-bot-token',
    appToken: opts.appToken ?? 'xapp-fake-app-token',
    ...(opts.enterpriseId ? { enterpriseId: opts.enterpriseId } : {}),
  };
  const scopes = new Set(opts.scopes ?? DEFAULT_SCOPES);
  const limits: ResponseUrlLimits = { ttlMs: opts.responseUrlTtlMs ?? 30 * 60_000, maxUses: opts.responseUrlMaxUses ?? 5 };
  const clock = new FakeClock();
  let origin = '';
  const ws = new Workspace(identity, clock, () => origin);
  const faults = new Faults(clock, opts.enforceRateLimits);
  const calls: CallRecord[] = [];
  let tokenState: TokenState = 'ok';
  let requestUrl: RequestUrl | undefined;

  const seedChannels = () => {
    for (const spec of [...DEFAULT_CHANNELS, ...(opts.channels ?? [])]) ws.addChannel(spec);
  };
  const seedPeople = () => {
    ws.seedPeople();
    for (const spec of opts.users ?? []) ws.addUser(spec);
  };
  seedChannels();
  seedPeople();

  const socketServer = new SocketModeServer({
    appId: identity.appId,
    ackTimeoutMs: opts.ackTimeoutMs ?? 3000,
    pingIntervalMs: opts.pingIntervalMs ?? 5000,
    onAckPayload: (envelope, payload) => {
      const url = envelope.payload.response_url;
      if (envelope.type === 'slash_commands' && typeof url === 'string') postToResponseUrl(ws, url, JSON.stringify(payload), limits, 'ack');
    },
  });

  const hooks: Array<{
    method: string;
    when: (args: Record<string, unknown>) => boolean;
    hook: (args: Record<string, unknown>) => void | Promise<void>;
  }> = [];

  const ctx: MethodContext = {
    ws,
    scopes,
    triggerTtlMs: opts.triggerTtlMs ?? 3000,
    homeTabEnabled: opts.homeTabEnabled ?? true,
    openSocketUrl: () => socketServer.issueUrl(origin),
  };

  const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  };

  /** A Web API call: parse as Slack does (form or JSON), authenticate, apply faults, run, record. */
  const handleApi = (method: string, req: IncomingMessage, raw: string, query: URLSearchParams, res: ServerResponse) => {
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    let args: Record<string, unknown> = Object.fromEntries(query);
    let bodyToken: unknown;
    const answer = (status: number, body: ApiAnswer, headers: Record<string, string> = {}) => {
      const { token: _token, ...recorded } = args;
      calls.push({ method, args: recorded, at: clock.now(), status, response: body, rateLimited: status === 429 });
      sendJson(res, status, body, { 'x-oauth-scopes': [...scopes].join(','), ...headers });
    };

    if (contentType === 'application/json') {
      let parsed: unknown;
      try {
        parsed = raw === '' ? {} : JSON.parse(raw);
      } catch {
        return answer(200, { ok: false, error: 'invalid_json' });
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        return answer(200, { ok: false, error: 'json_not_object' });
      args = { ...args, ...(parsed as Record<string, unknown>) };
      // Slack reads the token of a JSON request only from the Authorization header.
      delete args.token;
    } else if (contentType === 'multipart/form-data') {
      return answer(200, { ok: false, error: 'invalid_form_data' });
    } else {
      args = { ...args, ...formArgs(raw) };
      bodyToken = args.token;
    }

    const def = METHODS[method];
    if (!def) return answer(200, { ok: false, error: 'unknown_method' });

    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length).trim() : typeof bodyToken === 'string' ? bodyToken : undefined;
    if (!token) return answer(200, { ok: false, error: 'not_authed' });
    const kind = token === identity.botToken ? 'bot' : token === identity.appToken ? 'app' : undefined;
    if (!kind) return answer(200, { ok: false, error: 'invalid_auth' });
    if (kind === 'bot' && tokenState !== 'ok') return answer(200, { ok: false, error: tokenState });
    if (kind !== def.token) return answer(200, { ok: false, error: 'not_allowed_token_type' });

    args = normaliseArgs(args);
    const required = [def.scope?.(args, ctx) ?? []].flat();
    const accepted: Record<string, string> = required.length > 0 ? { 'x-accepted-oauth-scopes': required.join(',') } : {};
    const needed = required.find((scope) => !scopes.has(scope));
    if (needed) return answer(200, { ok: false, error: 'missing_scope', needed, provided: [...scopes].join(',') }, accepted);

    const channelRef = typeof args.channel === 'string' ? args.channel : undefined;
    const fault = faults.check(method, channelRef ? (ws.findChannel(channelRef)?.id ?? channelRef) : undefined, args);
    if (fault?.kind === 'ratelimited') return answer(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(fault.retryAfter) });
    if (fault?.kind === 'error') {
      // As Slack says it: which scope the method needed, and which the token has.
      const scoped = fault.error === 'missing_scope' ? { needed: required[0] ?? 'unknown', provided: [...scopes].join(',') } : {};
      return answer(200, { ok: false, error: fault.error, ...scoped }, accepted);
    }

    const result = def.run(args, ctx);
    const at = hooks.findIndex((h) => h.method === method && h.when(args));
    const hook = at >= 0 ? hooks.splice(at, 1)[0] : undefined;
    if (!hook) return answer(200, result, accepted);
    void Promise.resolve(hook.hook(args)).finally(() => answer(200, result, accepted));
  };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const raw = await readBody(req);
      if (url.pathname.startsWith('/api/')) return handleApi(url.pathname.slice('/api/'.length), req, raw, url.searchParams, res);
      if (url.pathname.startsWith('/response/') && req.method === 'POST') {
        const out = postToResponseUrl(ws, url.pathname.slice('/response/'.length), raw, limits);
        res.writeHead(out.status, { 'content-type': out.contentType });
        return res.end(out.body);
      }
      sendJson(res, 404, { ok: false, error: 'not_found' });
    })().catch((e: unknown) => {
      // A bug in the fake must show up in the test, not hang the client.
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: 'fake_slack_internal_error', detail: String(e) });
      else res.end();
    });
  });
  server.on('upgrade', (req, socket, head) => socketServer.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const socket: FakeSocket = {
    get connectionCount() {
      return socketServer.connectionCount;
    },
    envelopes: socketServer.envelopes,
    acks: socketServer.acks,
    waitForConnection: (timeoutMs) => socketServer.waitForConnection(timeoutMs),
    sendSlashCommand: (input = {}) => {
      const channelId = input.channelId ?? 'C_GENERAL';
      const userId = input.userId ?? DEFAULT_USER.id;
      const payload = slashCommandPayload({
        teamId: identity.teamId,
        teamDomain: identity.teamDomain,
        apiAppId: identity.appId,
        channelName: ws.findChannel(channelId)?.name ?? channelId,
        ...input,
        text: input.text ?? '',
        channelId,
        userId,
        responseUrl: input.responseUrl ?? ws.issueResponseUrl({ channel: channelId, user: userId }),
        triggerId: input.triggerId ?? ws.issueTrigger(userId),
      });
      return socketServer.send('slash_commands', payload, true);
    },
    sendInteraction: (payload) => socketServer.send('interactive', payload, payload.type === 'view_submission'),
    sendEvent: (body) => socketServer.send('events_api', body, false),
    disconnect: (reason) => socketServer.disconnect(reason),
  };

  /** Sends an event or interaction the way the app is configured: its Request URL, or Socket Mode. */
  const deliver = async (kind: 'event' | 'interaction', body: Record<string, unknown>): Promise<Delivery> => {
    if (requestUrl) {
      const post = kind === 'event' ? postEvent : postInteraction;
      return { via: 'http', ...(await post(requestUrl.url, requestUrl.signingSecret, body)) };
    }
    if (socketServer.connectionCount === 0)
      throw new Error('no Socket Mode connection, and no Request URL set (setRequestUrl) for HTTP mode');
    const ack = kind === 'event' ? await socket.sendEvent(body) : await socket.sendInteraction(body);
    return { via: 'socket', ...ack };
  };

  const sendEvent = async (event: Record<string, unknown> & { type: string }, extShared = false) => {
    const payload = eventCallback(fake, event, { extShared });
    return { payload, delivery: await deliver('event', payload) };
  };

  /** A view_submission's answer: the HTTP body or the ack payload; a failed or late answer leaves the modal as it was. */
  const submitView = async (o: ViewSubmissionOptions) => {
    const payload = viewSubmissionPayload(fake, o);
    const delivery = await deliver('interaction', payload);
    let outcome: SubmissionOutcome;
    if (delivery.via === 'http' && delivery.status !== 200)
      outcome = { action: 'refused', reason: `the bot answered HTTP ${delivery.status}` };
    else if (delivery.ms > 3000) outcome = { action: 'refused', reason: `no answer within 3 s (${Math.round(delivery.ms)} ms)` };
    else outcome = applySubmissionAnswer(ws, o.viewId, delivery.via === 'http' ? (delivery.json ?? delivery.body) : delivery.payload);
    return { payload, delivery, outcome };
  };

  const fake: FakeSlack = {
    url: origin,
    apiUrl: `${origin}/api/`,
    ...identity,
    clock,
    addChannel: (spec) => ws.addChannel(spec),
    addUser: (spec) => ws.addUser(spec),
    user: (id) => ws.users.get(id),
    addUsergroup: (spec) => ws.addUsergroup(spec),
    channel: (ref) => ws.findChannel(ref),
    addUserMessage: (channel, fields) => ws.addMessage(channel, { text: fields.text, thread_ts: fields.thread_ts, user: fields.user }),
    deleteMessage: (channel, ts) => {
      const message = ws.message(channel, ts);
      if (!message) throw new Error(`no message ${ts} in ${channel}`);
      ws.deleteMessage(message);
    },
    messages: (channel) => ws.messages(channel),
    topLevel: (channel) => ws.messages(channel).filter((m) => !m.thread_ts || m.thread_ts === m.ts),
    thread: (channel, ts) => ws.messages(channel).filter((m) => m.thread_ts === ts && m.ts !== ts),
    directMessages: (user) => {
      for (const c of ws.channels.values()) if (c.isIm && c.user === user) return ws.messages(c.id);
      return [];
    },
    message: (channel, ts) => ws.message(channel, ts),
    ephemerals: (filter = {}) =>
      ws.ephemerals.filter(
        (e) =>
          (filter.channel === undefined || e.channel === filter.channel) &&
          (filter.user === undefined || e.user === filter.user) &&
          (filter.includeDeleted || !e.deleted),
      ),
    ephemeral: (ts) => ws.ephemeral(ts),
    calls,
    dialogs: [],
    callsTo: (method) => calls.filter((c) => c.method === method),
    rateLimitStats: () => {
      const stats: RateLimitStats = { calls: 0, limited: 0, byMethod: {} };
      for (const c of calls) {
        const m = stats.byMethod[c.method] ?? { calls: 0, limited: 0 };
        stats.byMethod[c.method] = m;
        m.calls++;
        stats.calls++;
        if (c.rateLimited) {
          m.limited++;
          stats.limited++;
        }
      }
      return stats;
    },
    failNext: (method, error, o) => faults.failNext(method, error, o),
    beforeAnswering: (method, when, hook) => {
      hooks.push({ method, when, hook });
    },
    rateLimit: (method, retryAfter, o) => faults.rateLimit(method, retryAfter, o),
    clearFaults: (method) => faults.clear(method),
    enforceRateLimits: (settings) => faults.setEnforcement(settings),
    setTokenState: (state) => {
      tokenState = state;
    },
    responseUrl: (o) => ws.issueResponseUrl(o),
    responses: (idOrUrl) => [...(ws.responseUrl(idOrUrl)?.records ?? [])],
    responsesAll: () => [...ws.responseUrls.values()].flatMap((r) => r.records).sort((a, b) => a.at - b.at),
    responseUrlMessage: (idOrUrl) => {
      const last = ws.responseUrl(idOrUrl)?.lastPosted;
      if (!last) return undefined;
      if (last.kind === 'message') {
        const message = ws.message(last.channel, last.ts);
        return message ? { message } : undefined;
      }
      const ephemeral = ws.ephemeral(last.ts);
      return ephemeral && !ephemeral.deleted ? { ephemeral } : undefined;
    },
    applyAckResponse: (responseUrl, body) => {
      postToResponseUrl(ws, responseUrl, typeof body === 'string' ? JSON.stringify({ text: body }) : JSON.stringify(body), limits, 'ack');
    },
    triggerId: (user) => ws.issueTrigger(user),
    views: () => [...ws.views.values()],
    view: (id) => ws.views.get(id),
    publicView: (id) => {
      const v = ws.views.get(id) ?? [...ws.homeViews.values()].find((h) => h.id === id);
      if (!v) throw new Error(`no view ${id}`);
      return publicView(v);
    },
    closeView: (id) => {
      const v = ws.views.get(id);
      if (v) v.open = false;
    },
    homeView: (user) => ws.homeViews.get(user),
    unfurlsOf: (channelOrUnfurlId, ts) => {
      const key = ts === undefined ? channelOrUnfurlId : `${ws.findChannel(channelOrUnfurlId)?.id ?? channelOrUnfurlId}/${ts}`;
      const found = ws.unfurls.get(key);
      return found ? structuredClone(found) : undefined;
    },
    setRequestUrl: (target) => {
      requestUrl = target;
    },
    verifyRequestUrl: async (challenge = randomBytes(24).toString('base64url')) => {
      if (!requestUrl) throw new Error('no Request URL set (setRequestUrl)');
      const res = await postEvent(requestUrl.url, requestUrl.signingSecret, urlVerificationBody(challenge));
      // Slack takes the challenge back as plain text, as JSON {challenge} or as a form field.
      const echoed =
        res.body === challenge ||
        (typeof res.json === 'object' && res.json !== null && (res.json as { challenge?: unknown }).challenge === challenge) ||
        new URLSearchParams(res.body).get('challenge') === challenge;
      return { ...res, ok: res.status === 200 && echoed };
    },
    sendEvent: (event) => sendEvent(event),
    sendInteraction: (payload) => deliver('interaction', payload),
    shareLinks: (o) => shareLinks({ ws, scopes, unfurlDomains: opts.unfurlDomains, send: sendEvent }, o),
    openHome: async ({ user, tab = 'home' }) => {
      if (!ws.users.has(user)) throw new Error(`no user ${user} in the fake Slack (addUser)`);
      const home = ws.homeViews.get(user);
      return sendEvent({
        type: 'app_home_opened',
        user,
        channel: ws.dmId(user),
        tab,
        // Slack includes the Home view the app last published, if any.
        ...(tab === 'home' && home ? { view: publicView(home) } : {}),
      });
    },
    messageShortcut: async (o) => {
      const payload = messageShortcutPayload(fake, o);
      return { payload, delivery: await deliver('interaction', payload) };
    },
    submitView,
    socket,
    reset: (o = {}) => {
      ws.reset();
      calls.length = 0;
      fake.dialogs.length = 0;
      faults.reset();
      tokenState = 'ok';
      if (o.channels) {
        ws.channels.clear();
        seedChannels();
      }
      if (o.people) seedPeople();
    },
    close: async () => {
      await socketServer.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}
