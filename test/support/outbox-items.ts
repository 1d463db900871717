import { toJobCard } from '../../src/domain/job-card.js';
import { summarizeJob } from '../../src/domain/job-summary.js';
import type { OutboxItem } from '../../src/domain/messages.js';
import { makeJob } from './make-job.js';

/**
 * Outbox items for storage and delivery tests, each recognisable by one text (the job's name): the
 * stores treat items as opaque, so any real item will do.
 */

export function replyItem(text: string, options: { loud?: boolean } = {}): OutboxItem {
  return {
    kind: 'reply',
    reply: {
      event: { type: 'status_changed', from: 'file_processing', to: 'ready_to_start' },
      job: { id: 'dj-test', name: text },
      eventId: `e.${text}`,
      loud: options.loud ?? false,
    },
  };
}

export function cardItem(text: string): OutboxItem {
  return {
    kind: 'card',
    state: { card: toJobCard(summarizeJob(makeJob({ id: 'dj-test', name: text }))), fetchedAt: '2026-07-28T14:00:00.000Z' },
  };
}

/** The text an item was made with. */
export function itemText(item: OutboxItem): string {
  switch (item.kind) {
    case 'reply':
      return item.reply.job.name;
    case 'card':
      return item.state.card.name;
  }
}
