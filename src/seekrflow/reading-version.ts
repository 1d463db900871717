import { readFileSync } from 'node:fs';
import { xxh3 } from '@node-rs/xxhash';
import { z } from 'zod';

/**
 * Which reading of a job this build makes, as a hash of the code that decides it: the modules that
 * turn an answer into a job and a reading (read-body.ts and all it imports: the schema, the check
 * compiled from it, the bounds, the summary, the card) and those that decide what a watch keeps of
 * it (snapshot.ts, diff.ts, and theirs), with zod's version. An answer's identity carries it (the
 * client's `bodyHash`), so a watch read by another build never matches, and its next answer is read
 * in full once, even if SeekrFlow's bytes did not change. Nobody keeps it by hand.
 *
 * Computed once as the process starts, from the files it runs (the compiled .js of a build, or the
 * .ts sources under tsx): the same build always gives the same version.
 */
export const READING_ROOTS = ['seekrflow/read-body.js', 'domain/snapshot.js', 'domain/diff.js'];

/** The reading version of the sources under `base` (the folder that holds seekrflow/ and domain/). */
export function readingVersionOf(base: URL, roots: readonly string[] = READING_ROOTS): string {
  // Under tsx a module's URL may carry a query: the path says which files run.
  const typescript = new URL(import.meta.url).pathname.endsWith('.ts');
  const pending = roots.map((root) => new URL(root, base).href);
  const seen = new Set<string>();
  const files: [string, string][] = [];
  while (pending.length > 0) {
    const href = pending.pop() as string;
    if (seen.has(href)) continue;
    seen.add(href);
    // A file that cannot be read throws: a version made of less than the reading would differ between
    // the event loop and the reader threads, or miss a change.
    const text = readFileSync(new URL(typescript ? href.replace(/\.js$/, '.ts') : href), 'utf8');
    files.push([href.slice(base.href.length), text]);
    for (const [, specifier] of text.matchAll(RELATIVE_IMPORT)) pending.push(new URL(specifier as string, href).href);
  }
  const hash = xxh3.Xxh3.withSeed();
  const { major, minor, patch } = z.core.version;
  hash.update(`zod ${major}.${minor}.${patch}\n`);
  // By path, so the order the imports were met in does not matter.
  for (const [path, text] of files.sort(([a], [b]) => (a < b ? -1 : 1))) hash.update(`${path}\n${text.length}\n`).update(text);
  return hash.digest().toString(16).padStart(16, '0');
}

/** `from './x.js'`, `import './x.js'` and `import('./x.js')` (relative only: packages are zod's version, above). */
const RELATIVE_IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.\.?\/[^'"]+)['"]/g;

/** This build's reading version. */
export const READING_VERSION = readingVersionOf(new URL('../', import.meta.url));
