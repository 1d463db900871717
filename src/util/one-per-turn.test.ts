import { describe, expect, it } from 'vitest';
import { onePerTurn } from './one-per-turn.js';

describe('onePerTurn', () => {
  it('runs queued work in order, one item a turn, with the loop turning between two items', async () => {
    const inTurn = onePerTurn();
    const seen: string[] = [];
    let finished = () => {};
    const done = new Promise<void>((resolve) => {
      finished = resolve;
    });
    // Each item lets the loop know it would like a turn; with the items run back to back, every
    // such turn would come after the last of them.
    for (const name of ['a', 'b', 'c']) {
      inTurn(() => {
        seen.push(name);
        setImmediate(() => seen.push(`turn after ${name}`));
        if (name === 'c') setImmediate(finished);
      });
    }
    await done;
    expect(seen).toEqual(['a', 'turn after a', 'b', 'turn after b', 'c', 'turn after c']);
  });

  it('starts again when work comes after the queue ran dry', async () => {
    const inTurn = onePerTurn();
    const ran: number[] = [];
    await new Promise<void>((resolve) => inTurn(() => resolve(void ran.push(1))));
    await new Promise<void>((resolve) => inTurn(() => resolve(void ran.push(2))));
    expect(ran).toEqual([1, 2]);
  });
});
