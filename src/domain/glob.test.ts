import { describe, expect, it } from 'vitest';
import { globMatches } from './glob.js';

describe('globMatches', () => {
  it.each<[string, string, boolean]>([
    ['prod-*', 'prod-claims-assistant-3', true],
    ['prod-*', 'Prod-Claims', true],
    ['prod-*', 'nightly-prod-1', false],
    ['*eval*', 'nightly-eval-12', true],
    ['nightly-eval-?', 'nightly-eval-7', true],
    ['nightly-eval-?', 'nightly-eval-12', false],
    ['*', '', true],
    ['', '', true],
    ['', 'x', false],
    ['a*b*c', 'aXXbYYc', true],
    ['a*b*c', 'aXXbYY', false],
    ['[prod]*', '[prod]-1', true],
    ['.*', 'anything', false],
    ['claims 😀*', 'Claims 😀 handbook', true],
    // A `*` or `?` in the name is a character like any other.
    ['*', '*star*', true],
    ['*r', '*star*r', true],
    ['a*', 'a*b', true],
    ['?', '*', true],
    ['*?', '?', true],
  ])('%j matches %j: %s', (pattern, name, expected) => {
    expect(globMatches(pattern, name)).toBe(expected);
  });

  it('stays fast on a hostile pattern and name', () => {
    const started = performance.now();
    expect(globMatches(`${'*a'.repeat(200)}b`, 'a'.repeat(5_000))).toBe(false);
    expect(performance.now() - started).toBeLessThan(500);
  });
});
