import { afterEach, describe, expect, it, vi } from 'vitest';
import { CredentialState } from '../core/credentials.js';
import { Lifecycle } from './lifecycle.js';
import type { BotParts } from './parts.js';
import { startTokenProbe } from './token-probe.js';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

describe('Lifecycle', () => {
  it('stops what was started last first, and goes on past a part that fails to stop', async () => {
    const stopped: string[] = [];
    const lifecycle = new Lifecycle(quiet);
    for (const name of ['store', 'delivery', 'servers']) {
      lifecycle.add({
        stop: async () => {
          stopped.push(name);
          if (name === 'delivery') throw new Error('stuck');
        },
      });
    }
    await lifecycle.stopAll();
    expect(stopped).toEqual(['servers', 'delivery', 'store']);
    // Stopped once: a second stop finds nothing left.
    await lifecycle.stopAll();
    expect(stopped).toHaveLength(3);
  });
});

describe('startTokenProbe, alone', () => {
  afterEach(() => vi.useRealTimers());

  it('asks Slack only while the token is refused, and resumes delivery once it is accepted', async () => {
    vi.useFakeTimers();
    const credentials = new CredentialState();
    let accepts = false;
    let asked = 0;
    let resumed = 0;
    const parts = {
      credentials,
      slack: {
        notifier: {
          checkCredentials: async () => {
            asked++;
            return accepts ? { ok: true } : { ok: false, why: 'revoked', detail: 'token_revoked' };
          },
        },
      },
      config: { delivery: { tokenProbeSeconds: 1 } },
      logger: { child: () => quiet },
    } as unknown as BotParts;
    const probe = startTokenProbe(parts, () => resumed++);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(asked).toBe(0);
    credentials.refuse('revoked', 'token_revoked', new Date());
    await vi.advanceTimersByTimeAsync(2_000);
    expect([asked, resumed, credentials.refused !== null]).toEqual([2, 0, true]);
    accepts = true;
    await vi.advanceTimersByTimeAsync(1_000);
    expect([asked, resumed, credentials.refused]).toEqual([3, 1, null]);
    await probe.stop();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(asked).toBe(3);
  });
});
