import type { JobEvent, JobEventType } from '../../domain/events.js';
import { type Block, blockIds, type MessagePayload, mrkdwn } from './block-kit.js';
import { truncate } from './escape.js';
import { describeEvent } from './event-reply.js';
import { plural } from './format.js';
import { statusDisplay } from './status.js';

/**
 * The one reply a card gets when its channel's quiet hours end: what happened while it was quiet,
 * grouped by what it was (the status's path, how many files failed in all), not one line per event.
 */

/** Events told in one folded reply; a longer night is counted. */
const EVENTS_TOLD = 40;
const SECTION_BOUND = 2_800;

function statusPath(events: Extract<JobEvent, { type: 'status_changed' }>[]): string {
  const path = [events[0]?.from ?? '', ...events.map((e) => e.to)].map((s) => `*${statusDisplay(s).label}*`);
  return `Status changed ${plural(events.length, 'time')}: ${path.join(' → ')}.`;
}

function groupLine(type: JobEventType, events: JobEvent[]): string {
  const last = events[events.length - 1] as JobEvent;
  if (events.length === 1) return describeEvent(last);
  if (type === 'status_changed') return statusPath(events as Extract<JobEvent, { type: 'status_changed' }>[]);
  if (type === 'files_failed') {
    const count = events.reduce((n, e) => n + (e.type === 'files_failed' ? e.count : 0), 0);
    return `:x: ${plural(count, 'file')} failed to process, over ${plural(events.length, 'pass', 'passes')}: open *Show all failed files* on the card.`;
  }
  return `${describeEvent(last)} _(${events.length} times)_`;
}

export function renderFoldedReply(events: readonly JobEvent[], version: string): MessagePayload {
  const byType = new Map<JobEventType, JobEvent[]>();
  for (const event of events.slice(0, EVENTS_TOLD)) {
    const list = byType.get(event.type);
    if (list) list.push(event);
    else byType.set(event.type, [event]);
  }
  const lines = [...byType].map(([type, list]) => `• ${groupLine(type, list)}`);
  const more = events.length - EVENTS_TOLD;
  if (more > 0) lines.push(`_…and ${plural(more, 'more event')}._`);
  const id = blockIds(version);
  const text = `:crescent_moon: *While it was quiet:*\n${lines.join('\n')}`;
  const blocks: Block[] = [{ type: 'section', block_id: id('quiet'), text: mrkdwn(truncate(text, SECTION_BOUND, true)) }];
  return { text: `While it was quiet: ${plural(events.length, 'update')}`, blocks };
}
