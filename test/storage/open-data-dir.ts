import { openStore } from '../../src/storage/open-store.js';
import { recordingLogger } from './quiet-logger.js';

/**
 * A second process on a data directory, as the bot opens it: `node --import tsx open-data-dir.ts <dir>`.
 * Prints `open` and stays until killed once the store is open; prints the error and exits 1 when refused.
 */
const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: open-data-dir.ts <data directory>');
try {
  await openStore({ dataDir, logger: recordingLogger() });
  process.stdout.write(`open ${process.pid}\n`);
  setInterval(() => {}, 60_000);
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
}
