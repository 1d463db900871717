import type { Agents } from 'got';
import { HttpProxyAgent, HttpsProxyAgent } from 'hpagent';

/**
 * SeekrFlow through the company's forward proxy: hpagent's agents (CONNECT for https, a forward
 * request for http), for every request to SeekrFlow, on the event loop and on the reader threads
 * alike (the settings are plain data, so they travel to a thread).
 */
export interface ProxyRoute {
  /** The proxy for https:// targets (HTTPS_PROXY). */
  https?: string | undefined;
  /** The proxy for http:// targets (HTTP_PROXY). */
  http?: string | undefined;
  /** Hosts reached directly (NO_PROXY): comma- or space-separated names, `.domain` or `*.domain` for its subdomains, an optional `:port`, `*` for all. */
  noProxy?: string | undefined;
}

/** The agents got takes for requests to `base`'s origin, or none: directly. */
export function proxyAgents(base: URL, route: ProxyRoute | undefined): Agents | undefined {
  const proxy = base.protocol === 'https:' ? route?.https : route?.http;
  if (!proxy || bypassesProxy(base, route?.noProxy)) return undefined;
  const options = { proxy, keepAlive: true };
  return base.protocol === 'https:' ? { https: new HttpsProxyAgent(options) } : { http: new HttpProxyAgent(options) };
}

/**
 * NO_PROXY as curl reads it, for the one origin the client calls (hpagent leaves the choice to its
 * caller): a name matches itself and its subdomains, a leading `.` or `*.` is the same, a `:port`
 * narrows it to that port, and `*` alone sends everything directly.
 */
export function bypassesProxy(target: URL, noProxy: string | undefined): boolean {
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  for (const raw of (noProxy ?? '').split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    const { name, entryPort } = hostAndPort(entry);
    if (entryPort && entryPort !== port) continue;
    const domain = name.replace(/^\*?\./, '');
    if (host === domain || host.endsWith(`.${domain}`)) return true;
  }
  return false;
}

/** `host`, `host:port`, `[v6]`, `[v6]:port`, or a bare IPv6 address (which has no port). */
function hostAndPort(entry: string): { name: string; entryPort: string | undefined } {
  const bracketed = /^\[([^\]]*)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { name: bracketed[1] ?? '', entryPort: bracketed[2] };
  if (entry.split(':').length > 2) return { name: entry, entryPort: undefined };
  const [name = entry, entryPort] = entry.split(':');
  return { name, entryPort };
}
