import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { uuid } from './clock.js';
import type { SocketAck } from './types.js';

export type EnvelopeType = 'slash_commands' | 'interactive' | 'events_api';

export type Envelope = {
  envelope_id: string;
  type: EnvelopeType;
  payload: Record<string, unknown>;
  accepts_response_payload: boolean;
  retry_attempt?: number;
  retry_reason?: string;
};

type Pending = { resolve: (ack: SocketAck) => void; reject: (e: Error) => void; timer: NodeJS.Timeout; sentAt: number; envelope: Envelope };

export type SocketModeDeps = {
  appId: string;
  ackTimeoutMs: number;
  pingIntervalMs: number;
  /** Where an ack payload for a slash command goes: Slack shows it to the user. */
  onAckPayload: (envelope: Envelope, payload: Record<string, unknown>) => void;
};

/**
 * Slack's Socket Mode side: single-use connection tickets from apps.connections.open, a `hello`
 * on connect, server pings, envelopes out and acks (`{envelope_id, payload?}`) back, and
 * `disconnect` messages when Slack recycles a connection.
 */
export class SocketModeServer {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly tickets = new Set<string>();
  private readonly sockets: WebSocket[] = [];
  private readonly pending = new Map<string, Pending>();
  private readonly waiters: (() => void)[] = [];
  /** Every envelope sent and every ack received, for assertions. */
  readonly envelopes: Envelope[] = [];
  readonly acks: { envelope_id: string; payload?: Record<string, unknown>; ms: number }[] = [];
  /** Messages the client sent that were not acks of a pending envelope. */
  readonly unexpected: unknown[] = [];

  constructor(private readonly deps: SocketModeDeps) {}

  /** The URL apps.connections.open returns: one ticket, one connection. */
  issueUrl(origin: string): string {
    const ticket = uuid();
    this.tickets.add(ticket);
    return `${origin.replace(/^http/, 'ws')}/socket?ticket=${ticket}&app_id=${this.deps.appId}`;
  }

  /** Handles the HTTP upgrade for /socket; refuses unknown or reused tickets as Slack does. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const ticket = url.searchParams.get('ticket') ?? '';
    if (url.pathname !== '/socket' || !this.tickets.delete(ticket)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws));
  }

  private onConnection(ws: WebSocket): void {
    this.sockets.push(ws);
    const ping = setInterval(() => ws.ping(`ping from fake slack ${Date.now()}`), this.deps.pingIntervalMs);
    ws.on('close', () => {
      clearInterval(ping);
      const i = this.sockets.indexOf(ws);
      if (i >= 0) this.sockets.splice(i, 1);
    });
    ws.on('error', () => {
      // A client going away mid-frame is normal during shutdown; the close handler cleans up.
    });
    ws.on('message', (data) => this.onMessage(data.toString()));
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.sockets.length,
        debug_info: { host: 'fake-slack-applink-1', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: this.deps.appId },
      }),
    );
    for (const w of this.waiters.splice(0)) w();
  }

  private onMessage(text: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      this.unexpected.push(text);
      return;
    }
    const id = typeof msg === 'object' && msg !== null ? (msg as { envelope_id?: unknown }).envelope_id : undefined;
    const pending = typeof id === 'string' ? this.pending.get(id) : undefined;
    if (!pending || typeof id !== 'string') {
      this.unexpected.push(msg);
      return;
    }
    this.pending.delete(id);
    clearTimeout(pending.timer);
    const raw = (msg as { payload?: unknown }).payload;
    const payload = typeof raw === 'object' && raw !== null && Object.keys(raw).length > 0 ? (raw as Record<string, unknown>) : undefined;
    const ms = Date.now() - pending.sentAt;
    this.acks.push({ envelope_id: id, ...(payload ? { payload } : {}), ms });
    if (payload && pending.envelope.accepts_response_payload) this.deps.onAckPayload(pending.envelope, payload);
    pending.resolve({ envelopeId: id, ...(payload ? { payload } : {}), ms });
  }

  get connectionCount(): number {
    return this.sockets.length;
  }

  /** Resolves once a client has connected (and been sent `hello`). */
  waitForConnection(timeoutMs = 5000): Promise<void> {
    if (this.sockets.length > 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no Socket Mode connection within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /**
   * Sends an envelope to the newest connection and resolves with the ack. Rejects when nobody
   * acks within the ack timeout: what the user would see as `operation_timeout`.
   */
  send(type: EnvelopeType, payload: Record<string, unknown>, acceptsResponsePayload: boolean): Promise<SocketAck> {
    const ws = this.sockets.at(-1);
    if (!ws) return Promise.reject(new Error('no Socket Mode connection to send to'));
    const envelope: Envelope = {
      envelope_id: uuid(),
      type,
      payload,
      accepts_response_payload: acceptsResponsePayload,
      // Events are the only envelopes Slack redelivers, and they say which attempt this is.
      ...(type === 'events_api' ? { retry_attempt: 0, retry_reason: '' } : {}),
    };
    this.envelopes.push(envelope);
    return new Promise((resolve, reject) => {
      const seconds = this.deps.ackTimeoutMs / 1000;
      const timer = setTimeout(() => {
        this.pending.delete(envelope.envelope_id);
        reject(new Error(`no ack in ${seconds} s for ${type} envelope ${envelope.envelope_id}`));
      }, this.deps.ackTimeoutMs);
      this.pending.set(envelope.envelope_id, { resolve, reject, timer, sentAt: Date.now(), envelope });
      ws.send(JSON.stringify(envelope));
    });
  }

  /**
   * Slack's "please reconnect". `warning` only announces it; for the others Slack closes the
   * connection itself if the client has not done so after a short grace period.
   */
  disconnect(reason: 'refresh_requested' | 'warning' | 'link_disabled' = 'refresh_requested', graceMs = 1000): void {
    for (const ws of [...this.sockets]) {
      ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'fake-slack-applink-1' } }));
      if (reason === 'warning') continue;
      const timer = setTimeout(() => ws.close(1000), graceMs);
      timer.unref();
      ws.once('close', () => clearTimeout(timer));
    }
  }

  async close(): Promise<void> {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error('fake Slack closed'));
    }
    this.pending.clear();
    for (const ws of this.sockets) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
