import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DeliveryKind } from '../../src/core/delivery.js';
import { createDeliveryRunner } from '../../src/core/delivery-runner.js';

/**
 * When each lane runs. The timers are vitest's fake ones: time moves only when a test advances it, so
 * what the runner does at each moment is exact whatever the machine's load.
 */

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A recorder for runs that take `ms` each (on the fake timers), started at the fake clock's `at`. */
function recorder(ms = 0) {
  const started: { kind: DeliveryKind; at: number }[] = [];
  const signals: AbortSignal[] = [];
  const t0 = Date.now();
  const run = async (kind: DeliveryKind, signal: AbortSignal) => {
    started.push({ kind, at: Date.now() - t0 });
    signals.push(signal);
    if (ms > 0) await new Promise((r) => setTimeout(r, ms));
  };
  return { run, started, signals, of: (kind: DeliveryKind) => started.filter((s) => s.kind === kind) };
}

const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);

describe('createDeliveryRunner', () => {
  it('after a pass: replies at once, cards once the pass has settled, so a pass right behind it can replace them', async () => {
    const r = recorder();
    const runner = createDeliveryRunner({ run: r.run, settleMs: 200, clock: Date.now });
    runner.passed();
    await advance(50);
    runner.passed();
    await advance(50);
    expect(r.of('reply').map((s) => s.at)).toEqual([0, 50]);
    expect(r.of('card')).toHaveLength(0);
    // The periodic tick leaves cards alone while a pass just ended.
    runner.tick();
    await advance(20);
    expect(r.of('reply')).toHaveLength(3);
    expect(r.of('card')).toHaveLength(0);
    // The first pass's cards go once it has settled (200 ms after it), not a moment before.
    await advance(79);
    expect(r.of('card')).toHaveLength(0);
    await advance(1);
    expect(r.of('card').map((s) => s.at)).toEqual([200]);
    await advance(50);
    expect(r.of('card').map((s) => s.at)).toEqual([200, 250]);
    await runner.stop();
  });

  it('the tick runs both lanes when no pass just ended; now() runs both without waiting for a settle', async () => {
    const r = recorder();
    const runner = createDeliveryRunner({ run: r.run, settleMs: 10_000, clock: Date.now });
    runner.tick();
    await advance(0);
    expect(r.started.map((s) => s.kind).sort()).toEqual(['card', 'reply']);
    runner.passed();
    // No time passes: now() does not wait for the pass's 10 s settle.
    await runner.now();
    expect(r.of('card')).toHaveLength(2);
    expect(r.of('card').map((s) => s.at)).toEqual([0, 0]);
    await runner.stop();
  });

  it('one run at a time per lane; asked while one waits to start, the asker shares it; lanes never wait for each other', async () => {
    const r = recorder(100);
    const runner = createDeliveryRunner({ run: r.run, settleMs: 0, clock: Date.now });
    const first = runner.now();
    await advance(10);
    const second = runner.now();
    const third = runner.now();
    await advance(200);
    await Promise.all([first, second, third]);
    // The first ran at once; the second waited for it and the third shared the second's run.
    expect(r.of('reply').map((s) => s.at)).toEqual([0, 100]);
    expect(r.of('card').map((s) => s.at)).toEqual([0, 100]);
    await runner.stop();
  });

  it('stop() ends the runs under way (their signal aborts), cancels the settle timers and waits', async () => {
    const r = recorder(50);
    const runner = createDeliveryRunner({ run: r.run, settleMs: 100, clock: Date.now });
    runner.passed();
    await advance(10);
    let stopped = false;
    const stopping = runner.stop().then(() => {
      stopped = true;
    });
    expect(r.signals.every((s) => s.aborted)).toBe(true);
    // It waits for the reply run under way (40 ms more).
    await advance(39);
    expect(stopped).toBe(false);
    await advance(1);
    await stopping;
    expect(stopped).toBe(true);
    // The pass's settle timer is gone with it: nothing is left to fire.
    expect(vi.getTimerCount()).toBe(0);
    await advance(150);
    expect(r.of('card')).toHaveLength(0);
    runner.tick();
    runner.passed();
    await advance(20);
    expect(r.of('reply')).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});
