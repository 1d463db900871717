import { DEFAULT_RATE_LIMITS } from '../test/support/fake-slack/faults.js';
import { startFakeSlack } from '../test/support/fake-slack/server.js';
import type { Rate } from '../test/support/fake-slack/types.js';
import { onStdinLines } from './bench-support.js';

/**
 * The fake Slack in a process of its own for the delivery benchmark: Slack's work (parsing, Block
 * Kit checks, threads) is not the bot's CPU in production, and on two cores it must not be counted
 * against the bot's. Has `BENCH_CHANNELS` channels (C_BENCH_000 …), the bot a member of each. Prints
 * one JSON line ({ apiUrl, botToken }); on stdin, one command a line, each answered with one line:
 * "enforce <scale>" turns on Slack's limits with every rate × scale (bursts unchanged); "calls <from>"
 * answers the calls from index `from` on, as [method, at, status, ok, channel, rateLimited, thread_ts].
 */

const channels = Number(process.env.BENCH_CHANNELS ?? 100);
const slack = await startFakeSlack({
  channels: Array.from({ length: channels }, (_, i) => {
    const id = `C_BENCH_${String(i).padStart(3, '0')}`;
    return { id, name: id.toLowerCase(), botIsMember: true };
  }),
});
process.stdout.write(`${JSON.stringify({ apiUrl: slack.apiUrl, botToken: slack.botToken })}\n`);

const scaled = (rates: Record<string, Rate>, scale: number) =>
  Object.fromEntries(Object.entries(rates).map(([m, r]) => [m, { perMinute: r.perMinute * scale, burst: r.burst }]));

onStdinLines((line) => {
  const [command, arg] = line.split(' ');
  if (command === 'enforce') {
    const scale = Number(arg);
    slack.enforceRateLimits({
      methods: scaled(DEFAULT_RATE_LIMITS.methods, scale),
      perChannel: scaled(DEFAULT_RATE_LIMITS.perChannel, scale),
    });
    process.stdout.write('{"ok":true}\n');
  }
  if (command === 'calls') {
    const rows = slack.calls
      .slice(Number(arg))
      .map((c) => [c.method, c.at, c.status, c.response.ok === true, c.args.channel ?? null, c.rateLimited, c.args.thread_ts ?? null]);
    process.stdout.write(`${JSON.stringify({ rows })}\n`);
  }
  if (command === 'count') process.stdout.write(`${JSON.stringify({ calls: slack.calls.length, now: slack.clock.now() })}\n`);
});
process.stdin.on('end', () => void slack.close().then(() => process.exit(0)));
