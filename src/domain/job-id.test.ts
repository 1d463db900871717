import { describe, expect, it } from 'vitest';
import { parseCommand } from '../slack/command-text.js';
import { type JobIdResult, normalizeJobId } from './job-id.js';

const ID = 'dj-0b6f1f5e-3a43-4c1e-9d59-2f1d8c7a1a01';

/**
 * The parser as it was, with regexes (quadratic on long runs of backticks). The loops must give the
 * same answer for every text it could still answer in reasonable time.
 */
function regexParser(raw: string): JobIdResult {
  let id = raw.trim();
  id = id.replace(/^`+|`+$/g, '').trim();
  if (id.startsWith('<') && id.endsWith('>')) {
    id = id.slice(1, -1);
    const bar = id.lastIndexOf('|');
    if (bar >= 0) id = id.slice(bar + 1);
    id = id.trim();
  }
  if (id === '') return { ok: false, reason: 'no job id was given' };
  if ([...id].length > 128) return { ok: false, reason: 'a job id is at most 128 characters' };
  if (/^\.+$/.test(id)) return { ok: false, reason: 'a job id is more than dots' };
  if (!/^(?!\.+$)[A-Za-z0-9_.:-]{1,128}$/.test(id)) return { ok: false, reason: 'a job id has only letters, digits and - _ . :' };
  return { ok: true, id };
}

const CASES = [
  ID,
  `  ${ID}\n`,
  `\`${ID}\``,
  `\`\`\`${ID}\`\`\``,
  `<${ID}>`,
  `<http://${ID}|${ID}>`,
  `< \`${ID}\` >`,
  `\` <${ID}> \``,
  'job:42.v2_a',
  '',
  ' ',
  '`',
  '``',
  '<>',
  '<|>',
  '<<<>>>',
  '<dj-1',
  'dj-1>',
  '.',
  '..',
  '`..`',
  '<x|..>',
  'x'.repeat(128),
  'x'.repeat(129),
  `\`${'x'.repeat(128)}\``,
  '💥'.repeat(128),
  '💥'.repeat(129),
  'dj-💥',
  '\u202eevil',
  '\ufeffdj-1',
  'dj-1 dj-2',
  'dj-1\ndj-2',
  '../etc/passwd',
  '%2F',
  'a`b',
  '`a``b`',
  `${'`'.repeat(300)}${ID}${'`'.repeat(300)}`,
  `${' '.repeat(400)}<http://${'h'.repeat(300)}|${ID}>${' '.repeat(100)}`,
  '`'.repeat(1_000),
  ' '.repeat(1_000),
];

/** A small deterministic generator (mulberry32), so a failure names a reproducible input. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = ['`', '<', '>', '|', ' ', '\t', '\n', '\u00a0', 'a', 'Z', '9', '.', '-', ':', '/', 'é', '💥'];

/** The shortest of five runs: on two shared cores one run can be preempted; a quadratic parser is slow every time. */
function msOf(fn: () => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let run = 0; run < 5; run++) {
    const started = performance.now();
    fn();
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

describe('normalizeJobId', () => {
  it.each(CASES.map((c) => [c]))('%j: as the regex parser said', (text) => {
    expect(normalizeJobId(text)).toEqual(regexParser(text));
  });

  it('agrees with the regex parser on 20,000 random short texts of wrapping characters', () => {
    const next = random(20_251_128);
    for (let n = 0; n < 20_000; n++) {
      const length = Math.floor(next() * 16);
      let text = '';
      for (let i = 0; i < length; i++) text += ALPHABET[Math.floor(next() * ALPHABET.length)];
      expect(normalizeJobId(text), JSON.stringify(text)).toEqual(regexParser(text));
    }
  });

  const N = [40_000, 400_000];
  it.each(
    N.flatMap((n) => [
      [`a + ${n} backticks + a`, `a${'`'.repeat(n)}a`],
      [`${n} backticks`, '`'.repeat(n)],
      [`${n} backticks around an id`, `${'`'.repeat(n)}${ID}${'`'.repeat(n)}`],
      [`${n} <`, '<'.repeat(n)],
      [`<, ${n} spaces, >`, `<${' '.repeat(n)}x>`],
      [`${n} spaces then x`, `${' '.repeat(n)}x`],
      [`${n} dots`, '.'.repeat(n)],
    ]),
  )('%s: refused as too long in under 50 ms', (_name, text) => {
    let result: JobIdResult | undefined;
    expect(msOf(() => (result = normalizeJobId(text)))).toBeLessThan(50);
    expect(result).toEqual({ ok: false, reason: 'a job id is at most 128 characters' });
  });

  it('parses the longest text it accepts, in under 50 ms', () => {
    const text = `${'`'.repeat(480)}${ID}${'`'.repeat(481)}`;
    expect(text).toHaveLength(1_000);
    let result: JobIdResult | undefined;
    expect(msOf(() => (result = normalizeJobId(text)))).toBeLessThan(50);
    expect(result).toEqual({ ok: true, id: ID });
  });

  it.each(N)('a /datajob text of %i backticks, < or spaces is answered in under 50 ms', (n) => {
    const texts: [string, string][] = [
      [`subscribe ${'`'.repeat(n)}`, 'invalid'],
      [`${'<'.repeat(n)} all`, 'invalid'],
      ['`'.repeat(n), 'invalid'],
      // Runs of spaces are one space to the command parser: what is left is a plain id.
      [`${' '.repeat(n)}x${' \u00a0'.repeat(n)}`, 'show'],
    ];
    for (const [text, expected] of texts) {
      let kind = '';
      expect(msOf(() => (kind = parseCommand(text).kind))).toBeLessThan(50);
      expect(kind).toBe(expected);
    }
  });
});
