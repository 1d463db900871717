import { createConnection, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy on loopback in front of a server, that can stop forwarding without closing anything:
 * what a failover that drops packets looks like to a client. While it drops, every connection stays
 * open and bytes in either direction vanish (the kernel still acknowledges them, so TCP keepalive sees
 * nothing wrong). A connection that lost bytes is out of step with its server for good, so it never
 * forwards again; connections made after `resume` forward as usual.
 */

export interface TcpProxy {
  port: number;
  /** From now on, every byte of every connection open now or opened until `resume` is dropped. */
  blackhole(): void;
  resume(): void;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const lost = new WeakSet<Socket>();
  let dropping = false;
  let accepted = 0;

  const server = createServer((client) => {
    accepted += 1;
    const upstream = createConnection(target);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      // Either end going away takes the other with it, as a real path would.
      s.on('error', () => {});
    }
    if (dropping) lost.add(client);
    const forward = (from: Socket, to: Socket) =>
      from.on('data', (chunk: Buffer) => {
        if (dropping) lost.add(client);
        if (!lost.has(client)) to.write(chunk);
      });
    forward(client, upstream);
    forward(upstream, client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };

  return {
    port,
    blackhole() {
      dropping = true;
    },
    resume() {
      dropping = false;
    },
    connections: () => accepted,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
