import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseQuery } from 'node:querystring';
import { FakeClock } from './clock.js';
import { Faults } from './faults.js';
import { type SlashCommandInput, slashCommandPayload } from './payloads.js';
import { postToResponseUrl, type ResponseUrlLimits } from './response-urls.js';
import { type Envelope, SocketModeServer } from './socket-mode.js';
import type {
  CallRecord,
  Channel,
  ChannelSpec,
  EphemeralMessage,
  FakeSlackOptions,
  FakeView,
  RateLimitSettings,
  ResponseRecord,
  ResponseUrlOptions,
  SlackMessage,
  SocketAck,
} from './types.js';
import { type ApiAnswer, METHODS, type MethodContext, normaliseArgs, publicView } from './web-api.js';
import { DEFAULT_CHANNELS, DEFAULT_USER, type Identity, Workspace } from './workspace.js';

export type TokenState = 'ok' | 'token_revoked' | 'account_inactive';

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
  readonly clock: FakeClock;

  addChannel(spec: ChannelSpec): Channel;
  channel(idOrName: string): Channel | undefined;
  /** A message from a person (which the bot cannot update or delete). */
  addUserMessage(channel: string, fields: { user: string; text: string; thread_ts?: string }): SlackMessage;

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

  failNext(method: string, error: string, opts?: { times?: number; channel?: string }): void;
  rateLimit(method: string, retryAfterSeconds: number, opts?: { times?: number }): void;
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

  readonly socket: FakeSocket;

  /** Forgets messages, calls, faults, views, response_urls; keeps the channel registry unless asked. */
  reset(opts?: { channels?: boolean }): void;
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
  };
  const scopes = new Set(opts.scopes ?? DEFAULT_SCOPES);
  const limits: ResponseUrlLimits = { ttlMs: opts.responseUrlTtlMs ?? 30 * 60_000, maxUses: opts.responseUrlMaxUses ?? 5 };
  const clock = new FakeClock();
  let origin = '';
  const ws = new Workspace(identity, clock, () => origin);
  const faults = new Faults(clock, opts.enforceRateLimits);
  const calls: CallRecord[] = [];
  let tokenState: TokenState = 'ok';

  const seedChannels = () => {
    for (const spec of [...DEFAULT_CHANNELS, ...(opts.channels ?? [])]) ws.addChannel(spec);
  };
  seedChannels();

  const socketServer = new SocketModeServer({
    appId: identity.appId,
    ackTimeoutMs: opts.ackTimeoutMs ?? 3000,
    pingIntervalMs: opts.pingIntervalMs ?? 5000,
    onAckPayload: (envelope, payload) => {
      const url = envelope.payload.response_url;
      if (envelope.type === 'slash_commands' && typeof url === 'string') postToResponseUrl(ws, url, JSON.stringify(payload), limits, 'ack');
    },
  });

  const ctx: MethodContext = {
    ws,
    scopes,
    triggerTtlMs: opts.triggerTtlMs ?? 3000,
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
      calls.push({ method, args: recorded, at: clock.now(), status, response: body });
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
    const needed = def.scope?.(args, ctx);
    if (needed && !scopes.has(needed)) {
      return answer(
        200,
        { ok: false, error: 'missing_scope', needed, provided: [...scopes].join(',') },
        { 'x-accepted-oauth-scopes': needed },
      );
    }

    const channelRef = typeof args.channel === 'string' ? args.channel : undefined;
    const fault = faults.check(method, channelRef ? (ws.findChannel(channelRef)?.id ?? channelRef) : undefined);
    if (fault?.kind === 'ratelimited') return answer(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(fault.retryAfter) });
    if (fault?.kind === 'error') return answer(200, { ok: false, error: fault.error });

    answer(200, def.run(args, ctx), needed ? { 'x-accepted-oauth-scopes': needed } : {});
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
    disconnect: (reason) => socketServer.disconnect(reason),
  };

  const fake: FakeSlack = {
    url: origin,
    apiUrl: `${origin}/api/`,
    ...identity,
    clock,
    addChannel: (spec) => ws.addChannel(spec),
    channel: (ref) => ws.findChannel(ref),
    addUserMessage: (channel, fields) => ws.addMessage(channel, { text: fields.text, thread_ts: fields.thread_ts, user: fields.user }),
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
    callsTo: (method) => calls.filter((c) => c.method === method),
    failNext: (method, error, o) => faults.failNext(method, error, o),
    rateLimit: (method, retryAfter, o) => faults.rateLimit(method, retryAfter, o),
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
      const v = ws.views.get(id);
      if (!v) throw new Error(`no view ${id}`);
      return publicView(v);
    },
    closeView: (id) => {
      const v = ws.views.get(id);
      if (v) v.open = false;
    },
    socket,
    reset: (o = {}) => {
      ws.reset();
      calls.length = 0;
      faults.reset();
      tokenState = 'ok';
      if (o.channels) {
        ws.channels.clear();
        seedChannels();
      }
    },
    close: async () => {
      await socketServer.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}
