import { cpus, totalmem } from 'node:os';
import { benchDelivery } from './delivery.js';
import { benchDiscovery } from './discovery.js';
import { benchGrouping } from './grouping.js';
import { benchPoll } from './poll.js';
import { benchRender } from './render.js';
import { benchValidate } from './validate.js';

/** `npm run bench`: every benchmark, with the machine it ran on. */
const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(`datajob-bot benchmarks: Node ${process.version}, ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`);
await benchRender();
await benchValidate();
await benchGrouping();
await benchPoll();
await benchDiscovery();
await benchDelivery();
