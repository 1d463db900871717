import { describe, expect, it } from 'vitest';
import { ttlCache } from './ttl-cache.js';

describe('ttlCache', () => {
  it('shares one load among concurrent askers and remembers it until the time is up', async () => {
    let now = 0;
    const loads: string[] = [];
    const get = ttlCache(
      async (key: string) => {
        loads.push(key);
        await new Promise((r) => setTimeout(r, 5));
        return `${key}@${now}`;
      },
      { ttlMs: 300_000, now: () => now },
    );
    expect(await Promise.all([get('U1'), get('U1'), get('U1'), get('U2')])).toEqual(['U1@0', 'U1@0', 'U1@0', 'U2@0']);
    now = 299_999;
    expect(await get('U1')).toBe('U1@0');
    now = 300_000;
    expect(await get('U1')).toBe('U1@300000');
    expect(loads).toEqual(['U1', 'U2', 'U1']);
  });

  it('does not remember what `keep` refuses (a failure is asked again)', async () => {
    let calls = 0;
    const get = ttlCache(async () => ++calls, { ttlMs: 1_000, keep: (n) => n > 1 });
    expect(await get('k')).toBe(1);
    expect(await get('k')).toBe(2);
    expect(await get('k')).toBe(2);
  });

  it('stays bounded, dropping the oldest entries first', async () => {
    let calls = 0;
    const get = ttlCache(async (k: number) => `${k}.${++calls}`, { ttlMs: 60_000, maxEntries: 2 });
    await get(1);
    await get(2);
    await get(3);
    expect(await get(3)).toBe('3.3');
    expect(await get(1)).toBe('1.4');
  });
});
