import type { DataJob } from '../../domain/data-job.js';
import { type FailureGroup, groupFailures } from '../../domain/failure-groups.js';
import { type JobSummary, summarizeJob } from '../../domain/job-summary.js';
import { type Block, type Button, blockIds, type ModalView, mrkdwn, plainText } from './block-kit.js';
import { codePointLength, escapeAndTruncate } from './escape.js';
import { CARD_LABELS, type FailureGroupCaps, failureGroupText } from './failure-group.js';
import { formatCount, formatTimestamp, plural } from './format.js';
import { MODAL_CAPS, SLACK_LIMITS } from './limits.js';
import { renderNoteModal } from './note-modal.js';

/** The modal behind "Show all failed files". Listeners register on these ids. */
export const FAILED_FILES_CALLBACK_ID = 'failed_files';
export const FAILED_FILES_ACTIONS = {
  next: 'failed_files_next',
  prev: 'failed_files_prev',
} as const;

export interface FailedFilesModalOptions {
  /** 1-based; clamped to the pages that exist. */
  page: number;
  /** Causes per page, 1–20; 10 by default. */
  pageSize?: number;
}

/** What the modal carries in `private_metadata`, so that Next/Previous know which job to page. */
export interface FailedFilesMetadata {
  jobId: string;
  page: number;
}

export function renderFailedFilesModal(job: DataJob, options: FailedFilesModalOptions): ModalView {
  return renderFailedFilesModalFromSummary(summarizeJob(job), options);
}

/**
 * One page of a job's failed files by cause, the commonest first (files that each fail their own way
 * come most recent first): each cause with how many files, up to 20 of their names, its error and
 * its fix. A cause of one file reads as that file, with when it failed.
 */
export function renderFailedFilesModalFromSummary(summary: JobSummary, options: FailedFilesModalOptions): ModalView {
  const { job, failed } = summary;
  if (failed.length === 0) return renderNoFailedFilesModal(job);
  const { total, causes, groups } = groupFailures(failed, { names: MODAL_CAPS.namesPerCause });
  const pageSize = clampPageSize(options.pageSize);
  const pages = pageCount(groups.length, pageSize);
  const page = clampPage(options.page, pages);
  const first = (page - 1) * pageSize;
  const last = Math.min(groups.length, first + pageSize);
  const id = blockIds(`p${page}`);
  const grouped = causes < total;

  const order = total === 1 ? '' : grouped ? `, ${plural(causes, 'cause')}, the commonest first` : ', most recent first';
  const blocks: Block[] = [
    { type: 'section', block_id: id('job'), text: mrkdwn(`*${jobName(job)}*: ${plural(total, 'failed file')}${order}`) },
    {
      type: 'context',
      block_id: id('page'),
      elements: [mrkdwn(`Page ${formatCount(page)} of ${formatCount(pages)} · ${range(first + 1, last, grouped ? 'cause' : 'file')}`)],
    },
  ];
  const caps = causeCaps(last - first);
  for (let i = first; i < last; i++) {
    const group = groups[i];
    if (!group) continue;
    blocks.push({ type: 'divider', block_id: id('divider') });
    blocks.push({ type: 'section', block_id: id('file'), text: mrkdwn(causeText(group, caps)) });
  }
  const buttons: Button[] = [];
  if (page > 1) buttons.push(pageButton('← Previous', FAILED_FILES_ACTIONS.prev, page - 1));
  if (page < pages) buttons.push(pageButton('Next →', FAILED_FILES_ACTIONS.next, page + 1));
  if (buttons.length > 0) blocks.push({ type: 'actions', block_id: id('pages'), elements: buttons });

  return modal(job, page, blocks);
}

/** For a job without failed files (they may have been fixed since the card was drawn). */
function renderNoFailedFilesModal(job: DataJob): ModalView {
  const id = blockIds('p1');
  const text = `:white_check_mark: *${jobName(job)}* has no failed files right now.`;
  return modal(job, 1, [{ type: 'section', block_id: id('none'), text: mrkdwn(text) }]);
}

/** Reads `private_metadata` back; null when it is not ours. */
export function parseFailedFilesMetadata(raw: string): FailedFilesMetadata | null {
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value !== 'object' || value === null) return null;
    const { jobId, page } = value as Record<string, unknown>;
    if (typeof jobId !== 'string' || typeof page !== 'number' || !Number.isInteger(page) || page < 1) return null;
    return { jobId, page };
  } catch {
    return null;
  }
}

function pageCount(causes: number, pageSize: number): number {
  return Math.max(1, Math.ceil(causes / pageSize));
}

function clampPageSize(pageSize: number | undefined): number {
  if (pageSize === undefined || !Number.isFinite(pageSize)) return MODAL_CAPS.defaultPageSize;
  return Math.min(MODAL_CAPS.maxPageSize, Math.max(1, Math.trunc(pageSize)));
}

function clampPage(page: number, pages: number): number {
  const p = Number.isFinite(page) ? Math.trunc(page) : 1;
  return Math.min(pages, Math.max(1, p));
}

function modal(job: DataJob, page: number, blocks: Block[]): ModalView {
  return {
    type: 'modal',
    callback_id: FAILED_FILES_CALLBACK_ID,
    title: plainText('Failed files'),
    close: plainText('Close'),
    private_metadata: metadata(job.id, page),
    blocks,
  };
}

/**
 * `{ jobId, page }` as JSON. A valid id is ≤ 128 characters; one too long for Slack's 3,000 (after
 * JSON escaping) is left out rather than cut, because a cut id would page another job.
 */
function metadata(jobId: string, page: number): string {
  // Checked before serialising: a hostile id of millions of characters is never copied.
  if (jobId.length > SLACK_LIMITS.privateMetadata) return JSON.stringify({ jobId: '', page });
  const json = JSON.stringify({ jobId, page } satisfies FailedFilesMetadata);
  return codePointLength(json) <= SLACK_LIMITS.privateMetadata ? json : JSON.stringify({ jobId: '', page });
}

function range(from: number, to: number, what: 'cause' | 'file'): string {
  return from === to ? `${what} ${formatCount(from)}` : `${what}s ${formatCount(from)}–${formatCount(to)}`;
}

function pageButton(label: string, actionId: string, page: number): Button {
  return { type: 'button', text: plainText(label), action_id: actionId, value: String(page) };
}

function jobName(job: DataJob): string {
  return escapeAndTruncate(job.name.trim() || job.id, MODAL_CAPS.jobName, { oneLine: true }) || 'This data job';
}

/**
 * The page's text budget shared by its causes: fewer causes on the page, more of each shown. A cause
 * of several files gives 40% of its share to their names; the labels and the time (a date token,
 * ~80) take 160 of the rest, and the error and the fix split what is left.
 */
function causeCaps(onPage: number): { one: FailureGroupCaps; many: FailureGroupCaps } {
  const share = Math.min(MODAL_CAPS.causeSection, Math.floor(MODAL_CAPS.pageTextBudget / Math.max(1, onPage)));
  const name = Math.min(200, Math.floor(share * 0.15));
  const rest = Math.floor((share - name - 120) / 2);
  const names = Math.floor(share * 0.4);
  const text = Math.floor((share - names - 160) / 2);
  return {
    one: { name, names: name, error: rest, fix: rest },
    many: { name: Math.min(100, names), names, error: text, fix: text },
  };
}

function causeText(group: FailureGroup, caps: { one: FailureGroupCaps; many: FailureGroupCaps }): string {
  const when = group.latestFailedAt ? ` · ${group.count === 1 ? 'failed' : 'latest'} ${formatTimestamp(group.latestFailedAt, 40)}` : '';
  return failureGroupText(group, group.count === 1 ? caps.one : caps.many, CARD_LABELS, when);
}

/** One sentence in the modal, in place of the list: loading, a refusal, or why the job could not be read. */
export function renderFailedFilesNote(jobId: string, text: string, at: Date): ModalView {
  return renderNoteModal({
    callbackId: FAILED_FILES_CALLBACK_ID,
    title: 'Failed files',
    text,
    at,
    privateMetadata: JSON.stringify({ jobId, page: 1 }),
  });
}
