import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'vite';

/**
 * The demo page, built by Vite into memory when the demo starts (about a second): nothing is
 * written to disk, and what the server serves is always the page's current source.
 */

export type PageAssets = ReadonlyMap<string, { type: string; body: Buffer }>;

const WEB_ROOT = fileURLToPath(new URL('./web/', import.meta.url));
const EMOJI_MODULE = 'virtual:slack-emoji';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/**
 * Slack's emoji names (`:white_check_mark:` → ✅) from emoji-datasource, the table Slack's own
 * names come from, reduced to name → character so the page does not carry the whole table.
 */
export function slackEmojiTable(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const file = require.resolve('emoji-datasource/emoji.json');
  const entries = JSON.parse(readFileSync(file, 'utf8')) as { unified: string; short_names: string[] }[];
  const table: Record<string, string> = {};
  for (const entry of entries) {
    const char = String.fromCodePoint(...entry.unified.split('-').map((hex) => Number.parseInt(hex, 16)));
    for (const name of entry.short_names) table[name] = char;
  }
  return table;
}

function emojiPlugin(): Plugin {
  const resolved = `\0${EMOJI_MODULE}`;
  return {
    name: 'slack-emoji',
    resolveId: (id) => (id === EMOJI_MODULE ? resolved : undefined),
    load: (id) => (id === resolved ? `export default ${JSON.stringify(slackEmojiTable())};` : undefined),
  };
}

let built: Promise<PageAssets> | undefined;

/** Builds the page once per process. */
export function buildPage(): Promise<PageAssets> {
  built ??= buildOnce();
  return built;
}

async function buildOnce(): Promise<PageAssets> {
  const result = await build({
    root: WEB_ROOT,
    configFile: false,
    envDir: false,
    logLevel: 'warn',
    mode: 'production',
    plugins: [emojiPlugin()],
    // A test runner sets NODE_ENV=test, which Vite would take for development: the page is React's
    // production build (and its JSX the production runtime's) whatever runs it.
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    oxc: { jsx: { runtime: 'automatic', development: false } },
    build: { write: false, reportCompressedSize: false, chunkSizeWarningLimit: 4096, sourcemap: false },
  });
  const outputs = Array.isArray(result) ? result : [result];
  const assets = new Map<string, { type: string; body: Buffer }>();
  for (const out of outputs) {
    if (!('output' in out)) throw new Error('the demo page build did not produce files');
    for (const file of out.output) {
      const body = file.type === 'chunk' ? Buffer.from(file.code) : Buffer.from(file.source);
      assets.set(`/${file.fileName}`, { type: TYPES[extname(file.fileName)] ?? 'application/octet-stream', body });
    }
  }
  if (!assets.has('/index.html')) throw new Error('the demo page build has no index.html');
  return assets;
}
