import type { KnownStatus } from '../../domain/data-job.js';
import { escapeAndTruncate } from './escape.js';
import { CARD_CAPS } from './limits.js';

/** How a status reads on a card: an emoji and words. `label` is safe mrkdwn. */
export interface StatusDisplay {
  emoji: string;
  label: string;
  known: boolean;
}

const KNOWN: Record<KnownStatus, { emoji: string; label: string }> = {
  file_processing: { emoji: ':gear:', label: 'Processing files' },
  needs_review: { emoji: ':warning:', label: 'Needs review' },
  ready_to_start: { emoji: ':inbox_tray:', label: 'Ready to start' },
  pending: { emoji: ':hourglass:', label: 'Pending' },
  queued: { emoji: ':clock3:', label: 'Queued' },
  running: { emoji: ':arrows_counterclockwise:', label: 'Running' },
  completed: { emoji: ':white_check_mark:', label: 'Completed' },
  failed: { emoji: ':x:', label: 'Failed' },
  cancelled: { emoji: ':no_entry_sign:', label: 'Cancelled' },
  stopped: { emoji: ':octagonal_sign:', label: 'Stopped' },
};

/** Neutral on purpose: a status we do not know may be good or bad news. */
const UNKNOWN_STATUS_EMOJI = ':white_circle:';

/** The card's reading of a status. Unknown statuses are shown as the API sent them, escaped. */
export function statusDisplay(status: string): StatusDisplay {
  const known = Object.hasOwn(KNOWN, status) ? KNOWN[status as KnownStatus] : undefined;
  if (known) return { ...known, known: true };
  const label = status.trim() === '' ? 'no status' : escapeAndTruncate(status, CARD_CAPS.statusWord, { oneLine: true });
  return { emoji: UNKNOWN_STATUS_EMOJI, label, known: false };
}
