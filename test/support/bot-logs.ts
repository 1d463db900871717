import { waitFor } from './harness.js';

/**
 * Signs in the bots' logs, for tests that must know the bot finished something before they assert
 * what did not happen: a pass done, a delivery run done. Works on the in-process harness (JSON lines)
 * and on bot processes (parsed lines), one bot or several replicas together.
 */

export type LogLine = Record<string, unknown>;
export interface LogSource {
  logs: ReadonlyArray<string | LogLine>;
}

function parse(line: string | LogLine): LogLine {
  if (typeof line !== 'string') return line;
  try {
    return JSON.parse(line) as LogLine;
  } catch {
    return {};
  }
}

/** Where each source's log ends now: what is logged after it happened since. */
export function logMark(sources: readonly LogSource[]): number[] {
  return sources.map((s) => s.logs.length);
}

/**
 * Waits until the sources together logged `count` lines that `match` accepts since `since`; resolves
 * with the mark at that moment (what is logged after it came after the last of them).
 */
export async function waitForLines(
  sources: readonly LogSource[],
  since: readonly number[],
  match: (line: LogLine) => boolean,
  count: number,
  what: string,
  timeoutMs = 30_000,
): Promise<number[]> {
  const next = [...since];
  let found = 0;
  return waitFor(
    () => {
      sources.forEach((source, i) => {
        let at = next[i] ?? 0;
        for (; at < source.logs.length; at++) if (match(parse(source.logs[at] as string | LogLine))) found += 1;
        next[i] = at;
      });
      return found >= count && [...next];
    },
    `${count} × ${what}`,
    timeoutMs,
  );
}

export const msg = (text: string) => (line: LogLine) => line.msg === text;

/**
 * Two delivery runs of each lane (replies, cards) ended since `since`: the second of each began once
 * the first had ended, so after `since`, and tried whatever was due then. Resolves with the mark after them.
 */
export async function deliveryRunsSince(sources: readonly LogSource[], since: readonly number[], timeoutMs = 30_000): Promise<number[]> {
  let mark = [...since];
  const after = await Promise.all(
    (['reply', 'card'] as const).map((kind) =>
      waitForLines(sources, since, (l) => l.msg === 'delivery run done' && l.kind === kind, 2, `a ${kind} delivery run done`, timeoutMs),
    ),
  );
  for (const m of after) mark = mark.map((v, i) => Math.max(v, m[i] ?? 0));
  return mark;
}

/**
 * Whatever the bot processes were to send has been tried: `passes` more poll passes (each starts
 * delivery and does not wait for it), then two delivery runs of each lane after the last of them.
 */
export async function passesDelivered(sources: readonly LogSource[], passes = 2, timeoutMs = 30_000): Promise<number[]> {
  const passed = await waitForLines(sources, logMark(sources), msg('poll pass done'), passes, 'a poll pass done', timeoutMs);
  return deliveryRunsSince(sources, passed, timeoutMs);
}
