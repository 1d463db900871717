/**
 * Seeded randomness for generated jobs. A seed makes a run reproducible (same ids, names, sizes),
 * and a tiny PRNG is much cheaper than crypto when a benchmark creates thousands of jobs.
 */

export interface Random {
  /** A float in [0, 1). */
  next(): number;
  int(minInclusive: number, maxInclusive: number): number;
  pick<T>(items: readonly T[]): T;
  hex(length: number): string;
  uuid(): string;
}

const HEX_BYTES = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const hexByte = (n: number): string => HEX_BYTES[n & 0xff] as string;

export function createRandom(seed: number = Math.floor(Math.random() * 2 ** 32)): Random {
  // mulberry32: small, fast, good enough for test data.
  let state = seed >>> 0;
  const nextUint32 = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const word = (): string => {
    const n = nextUint32();
    return hexByte(n >>> 24) + hexByte(n >>> 16) + hexByte(n >>> 8) + hexByte(n);
  };
  const hex = (length: number): string => {
    let out = '';
    while (out.length < length) out += word();
    return out.length === length ? out : out.slice(0, length);
  };
  const next = (): number => nextUint32() / 4294967296;
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => {
      const item = items[Math.floor(next() * items.length)];
      if (item === undefined) throw new Error('pick from an empty list');
      return item;
    },
    hex,
    uuid: () => {
      const a = word();
      const b = nextUint32();
      const c = nextUint32();
      // Version 4, RFC 4122 variant: the shape real ids have.
      const timeMid = hexByte(b >>> 24) + hexByte(b >>> 16);
      const version = `4${hexByte(b >>> 8).charAt(1)}${hexByte(b)}`;
      const variant = hexByte(((c >>> 24) & 0x3f) | 0x80) + hexByte(c >>> 16);
      return `${a}-${timeMid}-${version}-${variant}-${hexByte(c >>> 8)}${hexByte(c)}${word()}`;
    },
  };
}
