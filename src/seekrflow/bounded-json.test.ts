import { describe, expect, it } from 'vitest';
import { API_STRING_BOUND, boundStrings } from './bounded-json.js';

describe('boundStrings', () => {
  const long = 'x'.repeat(API_STRING_BOUND + 10);
  const max = API_STRING_BOUND;

  it('cuts every string, in arrays and objects at any depth, and keeps the rest as it is', () => {
    const json = JSON.parse(JSON.stringify({ a: long, b: [long, 1, null, true, { c: [[long]] }], d: 'short', e: 2 }));
    expect(boundStrings(json)).toEqual({
      a: 'x'.repeat(max),
      b: ['x'.repeat(max), 1, null, true, { c: [['x'.repeat(max)]] }],
      d: 'short',
      e: 2,
    });
  });

  it('cuts keys, without ever ending in half a surrogate pair', () => {
    const key = `${'k'.repeat(max - 1)}😀tail`;
    const json = JSON.parse(JSON.stringify({ [key]: 'v', [`${'y'.repeat(max - 1)}😀`]: `${'z'.repeat(max - 1)}😀` }));
    boundStrings(json);
    expect(Object.keys(json).map((k) => k.length)).toEqual([max - 1, max - 1]);
    expect(Object.values(json)).toEqual(['v', 'z'.repeat(max - 1)]);
  });

  it('bounds an own `__proto__` key like any other, without touching the prototype', () => {
    const json = JSON.parse(`{"__proto__": ${JSON.stringify(long)}}`) as Record<string, unknown>;
    boundStrings(json);
    expect(Object.getPrototypeOf(json)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(json, '__proto__')).toMatchObject({ value: 'x'.repeat(max) });
  });

  it('walks 100,000 levels of nesting without overflowing the stack', () => {
    const depth = 100_000;
    const json = JSON.parse(`${'['.repeat(depth)}${JSON.stringify(long)}${']'.repeat(depth)}`) as unknown;
    boundStrings(json);
    let node = json;
    for (let i = 0; i < depth; i++) node = (node as unknown[])[0];
    expect((node as string).length).toBe(max);
  });

  it('bounds a bare string', () => {
    expect(boundStrings(long)).toBe('x'.repeat(max));
  });
});
