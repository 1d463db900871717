/**
 * Remembers answers for a while and shares one load among concurrent askers: a hundred clicks in a
 * second cost one lookup. Answers `keep` refuses (errors) are not remembered, so the next ask tries
 * again. Bounded: past `maxEntries`, the oldest entries go first.
 */
export function ttlCache<K, V>(
  load: (key: K) => Promise<V>,
  options: { ttlMs: number; maxEntries?: number; keep?: (value: V) => boolean; now?: () => number },
): (key: K) => Promise<V> {
  const now = options.now ?? Date.now;
  const max = options.maxEntries ?? 10_000;
  const stored = new Map<K, { value: V; until: number }>();
  const loading = new Map<K, Promise<V>>();
  return (key) => {
    const hit = stored.get(key);
    if (hit && hit.until > now()) return Promise.resolve(hit.value);
    if (hit) stored.delete(key);
    const pending = loading.get(key);
    if (pending) return pending;
    const request = load(key)
      .then((value) => {
        if (options.keep?.(value) ?? true) {
          stored.set(key, { value, until: now() + options.ttlMs });
          // Maps iterate in insertion order: the first key is the oldest.
          if (stored.size > max) stored.delete(stored.keys().next().value as K);
        }
        return value;
      })
      .finally(() => loading.delete(key));
    loading.set(key, request);
    return request;
  };
}
