/**
 * `npm run demo`: the whole bot, a local Slack in the browser and a simulated SeekrFlow, with no
 * `.env`, no Slack workspace and no SeekrFlow account. Prints the page's address and the sample
 * jobs; Ctrl-C stops everything. DEMO_PORT sets the page's port (default 4000; 0 for any).
 */

import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { type Demo, jobUrl, startDemo } from './start-demo.js';

const DEFAULT_PORT = 4000;

function portFromEnv(): number {
  const raw = process.env.DEMO_PORT;
  if (raw === undefined || raw === '') return DEFAULT_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`demo: DEMO_PORT must be a port number (got "${raw}")`);
    process.exit(2);
  }
  return port;
}

async function main(): Promise<void> {
  const port = portFromEnv();
  let demo: Demo;
  const logFile = (dir: string) => join(dir, 'bot.log');
  // The log goes where the bot's data goes, and both go when the demo stops.
  const log = new PassThrough();
  try {
    demo = await startDemo({ port, log });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    console.error(code === 'EADDRINUSE' ? `demo: port ${port} is in use; set DEMO_PORT to another (0 for any free port)` : error);
    process.exit(1);
  }
  const file = createWriteStream(logFile(demo.dataDir));
  log.pipe(file);

  const width = Math.max(...demo.samples.map((s) => s.label.length));
  console.log(
    [
      'datajob-bot demo: the bot as it runs in production, a local Slack and a simulated SeekrFlow.',
      '',
      `  Open ${demo.url}`,
      '',
      'Sample jobs (they move through their lifecycle over a few minutes):',
      ...demo.samples.map((s) => `  ${s.id}  ${s.label.padEnd(width)}  ${s.description}`),
      '',
      'In #data-jobs, try:',
      '  /datajob help',
      `  /datajob ${demo.samples[0]?.id ?? '<job id>'}                 (then Subscribe this channel)`,
      `  a message with a job link: ${jobUrl(demo.samples[1]?.id ?? '<job id>')}`,
      '  the datajob-bot app in the sidebar for its Home tab',
      '',
      `Bot log: ${logFile(demo.dataDir)}`,
      'Ctrl-C stops everything.',
    ].join('\n'),
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      console.log('Stopping at once.');
      process.exit(1);
    }
    stopping = true;
    console.log(`\n${signal}: stopping the page, the bot, the fake Slack and the simulator…`);
    log.unpipe(file);
    file.end();
    demo.stop().then(
      () => {
        console.log('Stopped.');
        process.exit(0);
      },
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

await main();
