import { clip } from '../domain/bounds.js';

/**
 * The longest string, in UTF-16 units, the bot keeps from a SeekrFlow answer (object keys included).
 * It sits above every bound the domain and the renderers cut to (an id of up to 2,000 characters
 * stays whole, so a longer one is still known to be too long), so cutting here changes nothing anyone
 * sees. What it changes: from the moment an answer is parsed, a 20-million-character name costs the
 * bot 8 KB, in memory, in logs and in storage, whatever path the text takes afterwards.
 */
export const API_STRING_BOUND = 4_096;

/**
 * Cuts every string of freshly parsed JSON to `max`, in place, as copies that do not keep the answer
 * alive. Iterative, so a deeply nested answer cannot overflow the stack; one pass with no allocation
 * for what needs no cut, so that it costs a small part of parsing the answer.
 */
export function boundStrings(root: unknown, max = API_STRING_BOUND): unknown {
  if (typeof root === 'string') return clip(root, max);
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const node = pending.pop();
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const value: unknown = node[i];
        if (typeof value === 'string') {
          if (value.length > max) node[i] = clip(value, max);
        } else if (typeof value === 'object' && value !== null) pending.push(value);
      }
    } else if (typeof node === 'object' && node !== null) {
      boundObject(node as Record<string, unknown>, max, pending);
    }
  }
  return root;
}

function boundObject(node: Record<string, unknown>, max: number, pending: unknown[]): void {
  // for…in rather than Object.keys: no array of keys per object. Long keys are cut after the loop.
  let longKeys: string[] | null = null;
  for (const key in node) {
    const value = node[key];
    if (typeof value === 'string') {
      if (value.length > max) define(node, key, clip(value, max));
    } else if (typeof value === 'object' && value !== null) pending.push(value);
    if (key.length > max) {
      longKeys ??= [];
      longKeys.push(key);
    }
  }
  if (longKeys === null) return;
  for (const key of longKeys) {
    const value = node[key];
    delete node[key];
    define(node, clip(key, max), value);
  }
}

/** An own data property, even for a key such as `__proto__` that plain assignment would treat specially. */
function define(object: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
}
