import { describe, expect, it } from 'vitest';
import type { DeliveryKind } from '../../src/core/delivery.js';
import { createDeliveryRunner } from '../../src/core/delivery-runner.js';

/** When each lane runs: a recorder for runs that take `ms` each. */
function recorder(ms = 0) {
  const started: { kind: DeliveryKind; at: number }[] = [];
  const signals: AbortSignal[] = [];
  const t0 = Date.now();
  const run = async (kind: DeliveryKind, signal: AbortSignal) => {
    started.push({ kind, at: Date.now() - t0 });
    signals.push(signal);
    await new Promise((r) => setTimeout(r, ms));
  };
  return { run, started, signals, of: (kind: DeliveryKind) => started.filter((s) => s.kind === kind) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('createDeliveryRunner', () => {
  it('after a pass: replies at once, cards once the pass has settled, so a pass right behind it can replace them', async () => {
    const r = recorder();
    const runner = createDeliveryRunner({ run: r.run, settleMs: 200 });
    runner.passed();
    await sleep(50);
    runner.passed();
    await sleep(50);
    expect(r.of('reply').length).toBeGreaterThanOrEqual(1);
    expect(r.of('card')).toHaveLength(0);
    // The periodic tick leaves cards alone while a pass just ended.
    runner.tick();
    await sleep(20);
    expect(r.of('card')).toHaveLength(0);
    await sleep(200);
    expect(r.of('card').length).toBeGreaterThanOrEqual(1);
    expect(r.of('card')[0]?.at).toBeGreaterThanOrEqual(195);
    await runner.stop();
  });

  it('the tick runs both lanes when no pass just ended; now() runs both without waiting for a settle', async () => {
    const r = recorder();
    const runner = createDeliveryRunner({ run: r.run, settleMs: 10_000 });
    runner.tick();
    await sleep(10);
    expect(r.started.map((s) => s.kind).sort()).toEqual(['card', 'reply']);
    runner.passed();
    await runner.now();
    expect(r.of('card')).toHaveLength(2);
    await runner.stop();
  });

  it('one run at a time per lane; asked while one waits to start, the asker shares it; lanes never wait for each other', async () => {
    const r = recorder(100);
    const runner = createDeliveryRunner({ run: r.run, settleMs: 0 });
    const first = runner.now();
    await sleep(10);
    const second = runner.now();
    const third = runner.now();
    await Promise.all([first, second, third]);
    // The first ran at once; the second waited for it and the third shared the second's run.
    expect(r.of('reply').map((s) => Math.round(s.at / 100))).toEqual([0, 1]);
    expect(r.of('card').map((s) => Math.round(s.at / 100))).toEqual([0, 1]);
    await runner.stop();
  });

  it('stop() ends the runs under way (their signal aborts), cancels the settle timers and waits', async () => {
    const r = recorder(50);
    const runner = createDeliveryRunner({ run: r.run, settleMs: 100 });
    runner.passed();
    await sleep(10);
    await runner.stop();
    expect(r.signals.every((s) => s.aborted)).toBe(true);
    await sleep(150);
    expect(r.of('card')).toHaveLength(0);
    runner.tick();
    runner.passed();
    await sleep(20);
    expect(r.of('reply')).toHaveLength(1);
  });
});
