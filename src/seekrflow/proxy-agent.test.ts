import { describe, expect, it } from 'vitest';
import { bypassesProxy, proxyAgents } from './proxy-agent.js';

describe('NO_PROXY, as curl reads it', () => {
  it.each([
    ['https://flow.seekr.com', 'seekr.com', true],
    ['https://flow.seekr.com', '.seekr.com', true],
    ['https://flow.seekr.com', '*.seekr.com', true],
    ['https://flow.seekr.com', 'flow.seekr.com:443', true],
    ['https://flow.seekr.com', 'flow.seekr.com:8443', false],
    ['https://flow.seekr.com', 'notseekr.com', false],
    ['https://flow.seekr.com', 'internal.example, seekr.com', true],
    ['https://flow.seekr.com', 'internal.example seekr.com', true],
    ['https://flow.seekr.com', '*', true],
    ['https://flow.seekr.com', '', false],
    ['http://127.0.0.1:8080', '127.0.0.1', true],
    ['http://127.0.0.1:8080', '127.0.0.1:9090', false],
    ['http://[::1]:8080', '::1', true],
  ])('%s with NO_PROXY=%j: direct %s', (url, noProxy, direct) => {
    expect(bypassesProxy(new URL(url), noProxy)).toBe(direct);
  });

  it('gives an agent for the target’s scheme only when a proxy is set for it and NO_PROXY does not name it', () => {
    expect(proxyAgents(new URL('https://flow.seekr.com'), { https: 'http://proxy:3128' })?.https).toBeDefined();
    expect(proxyAgents(new URL('https://flow.seekr.com'), { http: 'http://proxy:3128' })).toBeUndefined();
    expect(proxyAgents(new URL('http://sim.local:8080'), { http: 'http://proxy:3128' })?.http).toBeDefined();
    expect(proxyAgents(new URL('https://flow.seekr.com'), { https: 'http://proxy:3128', noProxy: 'seekr.com' })).toBeUndefined();
  });
});
