import type { SubscriptionFilter } from '../../domain/events.js';
import { JOB_ID_PATTERN } from '../../domain/job-id.js';
import { type FormView, type ModalView, mrkdwn, type Option, plainText } from './block-kit.js';
import { renderNoteModal } from './note-modal.js';

/**
 * "Watch this job", the message shortcut: a modal that asks what the channel should hear about the
 * job the message names, then subscribes the channel as `/datajob subscribe` does.
 */

/** The shortcut's callback_id, as manifest.yml declares it. */
export const WATCH_SHORTCUT_ID = 'watch_job';
export const WATCH_CALLBACK_ID = 'watch_job_modal';
export const WATCH_INPUT = { blockId: 'filter', actionId: 'filter' } as const;

/** What the modal carries between opening and submission: the job and the channel of the message. */
export interface WatchMetadata {
  jobId: string;
  channelId: string;
}

const FILTERS: { value: SubscriptionFilter; label: string; description: string }[] = [
  { value: 'changes', label: '*Changes*', description: 'Status changes, failed files and the end' },
  { value: 'all', label: '*Everything*', description: 'Changes, and each alignment step' },
  { value: 'failures', label: '*Failures*', description: 'Only what needs a person: failures, review, the end' },
  { value: 'digest', label: '*Digest only*', description: 'The card kept current, no replies: the channel’s digest tells the rest' },
];

const option = (f: (typeof FILTERS)[number]): Option => ({ text: mrkdwn(f.label), value: f.value, description: mrkdwn(f.description) });

export function renderWatchForm(target: WatchMetadata): FormView {
  const defaultFilter = FILTERS[0] as (typeof FILTERS)[number];
  return {
    type: 'modal',
    callback_id: WATCH_CALLBACK_ID,
    title: plainText('Watch this job'),
    close: plainText('Cancel'),
    submit: plainText('Subscribe'),
    private_metadata: JSON.stringify(target satisfies WatchMetadata),
    blocks: [
      {
        type: 'section',
        block_id: 'what',
        // The id passed JOB_ID_PATTERN (letters, digits, - _ . :): nothing in it is markup.
        text: mrkdwn(
          `Keep a living card of data job \`${target.jobId}\` in <#${target.channelId}>, current as the job runs, ` +
            'with a thread of what happens.',
        ),
      },
      {
        type: 'input',
        block_id: WATCH_INPUT.blockId,
        label: plainText('What should the channel hear?'),
        element: {
          type: 'radio_buttons',
          action_id: WATCH_INPUT.actionId,
          options: FILTERS.map(option),
          initial_option: option(defaultFilter),
        },
      },
    ],
  };
}

/** One sentence in the modal: subscribing under way, what came of it, or why not. */
export function renderWatchNote(text: string, at: Date): ModalView {
  return renderNoteModal({ callbackId: WATCH_CALLBACK_ID, title: 'Watch this job', text, at });
}

/** Reads the modal's metadata back; null when it is not ours. */
export function parseWatchMetadata(raw: string | undefined): WatchMetadata | null {
  try {
    const { jobId, channelId } = JSON.parse(raw ?? '') as Record<string, unknown>;
    if (typeof jobId !== 'string' || !JOB_ID_PATTERN.test(jobId)) return null;
    if (typeof channelId !== 'string' || !/^[CGD][A-Z0-9_]{1,40}$/.test(channelId)) return null;
    return { jobId, channelId };
  } catch {
    return null;
  }
}

/** The filter chosen, or null for anything that is not one of the options. */
export function parseWatchFilter(value: string | null | undefined): SubscriptionFilter | null {
  return FILTERS.find((f) => f.value === value)?.value ?? null;
}
