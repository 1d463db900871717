import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { createProxy, type ProxyServer } from 'proxy';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness, visibleText, waitFor } from '../support/harness.js';
import { makeJobWithFiles } from '../support/make-job.js';

/**
 * Behind a company's forward proxy: with HTTPS_PROXY / HTTP_PROXY set, every call out goes through
 * it (SeekrFlow; Slack's Web API, Socket Mode's WebSocket, response_url posts), and everything still works.
 */

describe.each(['http', 'socket'] as const)('behind a forward proxy (%s mode)', (mode) => {
  let proxy: ProxyServer;
  let proxyUrl: string;
  /** Every request the proxy forwarded or tunnelled, as `METHOD host:port/path`. */
  const seen: string[] = [];
  let h: Harness;

  beforeAll(async () => {
    proxy = createProxy(createServer());
    proxy.prependListener('request', (req: IncomingMessage) => {
      const url = new URL(req.url ?? '');
      seen.push(`${req.method} ${url.host}${url.pathname}`);
    });
    // A tunnel to a plain-HTTP host (the fakes here) shows the requests it carries: their request lines are read as they pass.
    proxy.prependListener('connect', (req: IncomingMessage, socket: Duplex) => {
      seen.push(`CONNECT ${req.url}`);
      socket.on('data', (chunk: Buffer) => {
        for (const [, method, path] of chunk.toString('latin1').matchAll(/^(GET|POST) (\S+) HTTP\/1\.1\r$/gm))
          seen.push(`${method} ${req.url}${path}`);
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    proxy.closeAllConnections();
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
  });
  afterEach(async () => h.stop());

  it('sends every call to SeekrFlow and Slack through it, and the card still arrives', async () => {
    seen.length = 0;
    // Lower case, as many tools set them; NO_PROXY names a host the bot never calls.
    h = await startHarness({ mode, env: { http_proxy: proxyUrl, https_proxy: proxyUrl, NO_PROXY: 'internal.example' } });
    const slack = new URL(h.slack.url).host;
    const job = makeJobWithFiles([{ state: 'processing' }], { id: 'dj-proxied', name: 'Behind the proxy', status: 'file_processing' });
    h.sim.putJob(job);
    const answer = await h.ask('subscribe dj-proxied');
    expect(visibleText(answer.body as object)).toMatch(/Subscribed/);
    const card = await waitFor(() => h.slack.topLevel('C_DATA_JOBS')[0], 'the living card');
    expect(visibleText(card)).toContain('Behind the proxy');
    // The token check, the card, and the answer to the command (its response_url) all went through it.
    const seekrflow = new URL(h.sim.url).host;
    expect(seen).toEqual(
      expect.arrayContaining([
        // SeekrFlow: got through hpagent's agent.
        `GET ${seekrflow}/v1/flow/data-jobs/dj-proxied`,
        `POST ${slack}/api/auth.test`,
        `POST ${slack}/api/chat.postMessage`,
        expect.stringMatching(new RegExp(`^POST ${slack}/response/`)),
      ]),
    );
    // Socket Mode: its WebSocket is opened through the proxy too.
    if (mode === 'socket') expect(seen).toContainEqual(expect.stringMatching(new RegExp(`^GET ${slack}/`)));
  });

  it('goes direct to the hosts NO_PROXY names', async () => {
    seen.length = 0;
    h = await startHarness({ mode, env: { HTTPS_PROXY: proxyUrl, HTTP_PROXY: proxyUrl, no_proxy: '127.0.0.1' } });
    h.sim.putJob(makeJobWithFiles([{ state: 'processing' }], { id: 'dj-direct', name: 'Direct', status: 'file_processing' }));
    await h.ask('subscribe dj-direct');
    await waitFor(() => h.slack.topLevel('C_DATA_JOBS')[0], 'the living card');
    expect(seen).toEqual([]);
  });
});
