import { afterEach, describe, expect, it, vi } from 'vitest';
import { Pacer, TurnTimeout } from './pacing.js';

/** A clock that only moves when someone sleeps: the pacer's waits become exact, instant arithmetic. */
function virtualTime() {
  let now = 0;
  return {
    clock: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
    get now() {
      return now;
    },
  };
}

/** When each of `n` calls of `method` got its turn, called back to back (each answered at once). */
async function turns(pacer: Pacer, time: ReturnType<typeof virtualTime>, n: number, method: string, channel?: string) {
  const at: number[] = [];
  for (let i = 0; i < n; i++) {
    (await pacer.acquire(method, channel))();
    at.push(Math.round(time.now));
  }
  return at;
}

describe('Pacer', () => {
  it('lets tier 3’s burst of 10 chat.update through, then one every 1.25 s (48 a minute, under tier 3’s 50)', async () => {
    const time = virtualTime();
    const pacer = new Pacer(time);
    const at = await turns(pacer, time, 14, 'chat.update');
    expect(at.slice(0, 10)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(at.slice(10)).toEqual([1250, 2500, 3750, 5000]);
  });

  it('paces chat.postMessage per channel: one channel waits, another does not', async () => {
    const time = virtualTime();
    const pacer = new Pacer(time);
    const busy = await turns(pacer, time, 4, 'chat.postMessage', 'C_BUSY');
    expect(busy[1]).toBe(0);
    expect(busy[2]).toBeGreaterThan(1000);
    const start = Math.round(time.now);
    expect(await turns(pacer, time, 2, 'chat.postMessage', 'C_QUIET')).toEqual([start, start]);
  });

  it('holds a method for everyone after a 429, for its Retry-After, then starts again slowly', async () => {
    const time = virtualTime();
    const pacer = new Pacer(time);
    pacer.hold('chat.update', undefined, 30_000);
    expect(pacer.capacity('chat.update')).toBe(0);
    const at = await turns(pacer, time, 2, 'chat.update');
    expect(at[0]).toBeGreaterThanOrEqual(30_000);
    expect((at[1] ?? 0) - (at[0] ?? 0)).toBe(1250);
  });

  it('holds only the channel that got the 429 when posting', async () => {
    const time = virtualTime();
    const pacer = new Pacer(time);
    pacer.hold('chat.postMessage', 'C_HOT', 5_000);
    expect(await turns(pacer, time, 1, 'chat.postMessage', 'C_OTHER')).toEqual([0]);
    expect((await turns(pacer, time, 1, 'chat.postMessage', 'C_HOT'))[0]).toBeGreaterThanOrEqual(5_000);
  });

  it('says how many card updates can go out soon, so the rest can wait and be replaced by newer ones', async () => {
    const time = virtualTime();
    const pacer = new Pacer(time);
    expect(pacer.capacity('chat.update', 0)).toBe(10);
    expect(pacer.capacity('chat.update', 2_000)).toBe(11);
    await turns(pacer, time, 10, 'chat.update');
    expect(pacer.capacity('chat.update', 0)).toBe(0);
  });

  it('scales every rate for a faster fake Slack', async () => {
    const time = virtualTime();
    const pacer = new Pacer({ ...time, scale: 60 });
    const at = await turns(pacer, time, 10, 'chat.update');
    expect(at.at(-1)).toBeLessThan(100);
  });
});

describe('Pacer, with the answer’s latency', () => {
  it('starts refilling a full bucket when Slack answers its first call, not when it was sent', async () => {
    const time = virtualTime();
    const pacer = new Pacer(time);
    const answers: Array<() => void> = [];
    for (let i = 0; i < 10; i++) answers.push(await pacer.acquire('chat.update'));
    // The burst is answered 100 ms later: for Slack, its bucket was full until the calls arrived.
    await time.sleep(100);
    for (const answered of answers) answered();
    const done = await pacer.acquire('chat.update');
    done();
    expect(Math.round(time.now)).toBe(1_350);
  });

  it('takes nothing back from a bucket that was not full: the refill it lacked was Slack’s too', async () => {
    const time = virtualTime();
    const pacer = new Pacer(time);
    for (let i = 0; i < 10; i++) (await pacer.acquire('chat.update'))();
    expect(Math.round(time.now)).toBe(0);
    const answered = await pacer.acquire('chat.update');
    expect(Math.round(time.now)).toBe(1_250);
    await time.sleep(100);
    answered();
    await pacer.acquire('chat.update');
    expect(Math.round(time.now)).toBe(2_500);
  });
});

describe('Pacer, with many calls of a burst in flight', () => {
  it('takes the latency back once per burst, however many of its calls are in flight (a fast gate is not starved)', async () => {
    const time = virtualTime();
    const pacer = new Pacer({ ...time, scale: 60 });
    // The workspace posting gate at × 60: 290 a second, a burst of 100, each call answered 200 ms later.
    const answers: Array<() => void> = [];
    for (let i = 0; i < 100; i++) answers.push(await pacer.acquire('chat.postMessage'));
    await time.sleep(200);
    for (const answered of answers) answered();
    const start = time.now;
    for (let i = 0; i < 29; i++) (await pacer.acquire('chat.postMessage'))();
    // 29 more at 290 a second: 100 ms, not seconds.
    expect(time.now - start).toBeLessThanOrEqual(101);
  });

  it('a call never answered freezes the refill 20 s at most', async () => {
    const time = virtualTime();
    const pacer = new Pacer(time);
    await pacer.acquire('chat.update'); // never answered
    for (let i = 0; i < 9; i++) (await pacer.acquire('chat.update'))();
    await pacer.acquire('chat.update');
    expect(Math.round(time.now)).toBe(21_250);
  });
});

describe('Pacer: a person waiting goes first', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('serves an urgent call (a click’s access check) before a backlog of background calls at the same gate', async () => {
    vi.useFakeTimers({ now: 0 });
    const pacer = new Pacer();
    const order: string[] = [];
    const take = (who: string, urgent: boolean) =>
      pacer.acquire('conversations.info', undefined, { urgent }).then((answered) => {
        order.push(`${who}@${Date.now()}`);
        answered();
      });
    // Delivery's look-ups: tier 3's burst of 10 at once, then 20 queued at one every 1.25 s.
    const background = Array.from({ length: 30 }, (_, i) => take(`b${i}`, false));
    const click = take('click', true);
    await vi.advanceTimersByTimeAsync(1_250);
    await click;
    expect(order.slice(0, 11)).toEqual([...Array.from({ length: 10 }, (_, i) => `b${i}@0`), 'click@1250']);
    await vi.advanceTimersByTimeAsync(30_000);
    await Promise.all(background);
    // The click took one turn: the backlog ends one turn later, nothing lost.
    expect(order.at(-1)).toBe('b29@26250');
  });

  it('gives up on a call that got no turn in time, without making it, and leaves the gate to the others', async () => {
    vi.useFakeTimers({ now: 0 });
    const pacer = new Pacer();
    pacer.hold('conversations.info', undefined, 30_000);
    const urgent = pacer.acquire('conversations.info', undefined, { urgent: true, maxWaitMs: 3_000 });
    const rejected = expect(urgent).rejects.toBeInstanceOf(TurnTimeout);
    const background = pacer.acquire('conversations.info');
    await vi.advanceTimersByTimeAsync(3_000);
    await rejected;
    // After a hold the bucket starts empty: the first token comes 1.25 s after it ends.
    await vi.advanceTimersByTimeAsync(28_250);
    (await background)();
    expect(Date.now()).toBe(31_250);
  });
});
