import { cpus, totalmem } from 'node:os';
import { benchDelivery } from './delivery.js';
import { benchDiscovery } from './discovery.js';
import { benchGotPairs } from './got-pairs.js';
import { benchGrouping } from './grouping.js';
import { benchRealJobs } from './real-jobs.js';
import { benchRender } from './render.js';
import { benchValidate } from './validate.js';

/**
 * `npm run bench`: every benchmark, with the machine it ran on. `BENCH_ONLY` (comma-separated:
 * render, validate, grouping, realistic, heavy, got, lookup, ack, memory, discovery, delivery) runs a subset.
 */
const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(`datajob-bot benchmarks: Node ${process.version}, ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`);
const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',').map((name) => name.trim())) : null;
const wanted = (...names: string[]) => only === null || names.some((name) => only.has(name));
if (wanted('render')) await benchRender();
if (wanted('validate')) await benchValidate();
if (wanted('grouping')) await benchGrouping();
// The poll pass with jobs of real size (realistic, heavy), the look-up, the ack under load and the bot's memory; reads BENCH_ONLY itself.
if (wanted('realistic', 'heavy', 'lookup', 'ack', 'memory')) await benchRealJobs();
if (wanted('got')) await benchGotPairs();
if (wanted('discovery')) await benchDiscovery();
if (wanted('delivery')) await benchDelivery();
