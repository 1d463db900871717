import type { FailureGroup } from '../../domain/failure-groups.js';
import { codePointLength, escapeAndTruncate } from './escape.js';
import { formatCount, plural } from './format.js';

/**
 * One cause of failure as mrkdwn, the same on every surface (card, thread reply, modal, direct
 * message), in three lines: which files, the error, the fix. A group of one file reads as that file:
 *
 *     *scan.pdf*                                  *9 files:* scan-1.pdf, scan-2.pdf, scan-3.pdf and 6 more
 *     *Error:* No extractable text layer.         *Error:* No extractable text layer in … (… pages).
 *     *Fix:* Export it again with OCR.            *Fix:* Export … again with OCR.
 *
 * Every string from SeekrFlow goes through `escapeAndTruncate` (one inert line), so no line can be
 * forged; the caps bound the whole text.
 */

export interface FailureGroupCaps {
  /** One name, in code points. */
  name: number;
  /** A group's names together, with their commas and "and N more". */
  names: number;
  error: number;
  fix: number;
}

export interface FailureGroupLabels {
  /** Before the error, e.g. `*Error:* ` (may be empty). */
  error: string;
  /** Before the fix, e.g. `*Fix:* `. */
  fix: string;
  /** Said when there is no error message. */
  noError: string;
  /** Said when there is no fix; null leaves the fix line out. */
  noFix: string | null;
}

export const CARD_LABELS: FailureGroupLabels = {
  error: '*Error:* ',
  fix: '*Fix:* ',
  noError: '_no error message_',
  noFix: '_no suggested fix_',
};

/** Whether a text says nothing, reading only its first few thousand characters. */
const isBlank = (s: string | null | undefined): s is null | undefined =>
  s == null || (s.length > 4_096 ? s.slice(0, 4_096) : s).trim() === '';

/** A name shown alone, or in a list. */
function nameText(name: string | undefined, cap: number): string {
  return (isBlank(name) ? '' : escapeAndTruncate(name, cap, { oneLine: true })) || 'unnamed file';
}

/** The names of a group that fit in `caps.names` (at least one), escaped. */
function shownNames(group: FailureGroup, caps: FailureGroupCaps): string[] {
  const shown: string[] = [];
  let used = 0;
  for (const name of group.names.slice(0, group.count)) {
    const text = nameText(name, caps.name);
    // Room for ", " and for " and 1,234,567 more".
    const cost = codePointLength(text) + (shown.length > 0 ? 2 : 0);
    if (shown.length > 0 && used + cost + 24 > caps.names) break;
    shown.push(text);
    used += cost;
  }
  return shown;
}

/** How many of the group's files a heading names; the others it only counts. */
export function namedInHeading(group: FailureGroup, caps: FailureGroupCaps): number {
  return group.count <= 1 ? group.count : shownNames(group, caps).length;
}

/**
 * Which files: `*scan.pdf*` for one; for more, `*9 files:* a.pdf, b.pdf and 7 more`, as many names as
 * fit in `caps.names` (at least one), the rest counted. `after` ends the line (a time, say).
 */
export function failureGroupHeading(group: FailureGroup, caps: FailureGroupCaps, after = ''): string {
  if (group.count <= 1) return `*${nameText(group.names[0], caps.name)}*${after}`;
  const shown = shownNames(group, caps);
  const more = group.count - shown.length;
  const list = `${shown.join(', ')}${more > 0 ? ` and ${formatCount(more)} more` : ''}`;
  return `*${plural(group.count, 'file')}:* ${list}${after}`;
}

/** The three lines (two when there is no fix and `labels.noFix` is null). */
export function failureGroupText(
  group: FailureGroup,
  caps: FailureGroupCaps,
  labels: FailureGroupLabels = CARD_LABELS,
  after = '',
): string {
  const error = isBlank(group.error) ? labels.noError : escapeAndTruncate(group.error, caps.error);
  const lines = [failureGroupHeading(group, caps, after), `${labels.error}${error}`];
  if (!isBlank(group.fix)) lines.push(`${labels.fix}${escapeAndTruncate(group.fix, caps.fix)}`);
  else if (labels.noFix !== null) lines.push(`${labels.fix}${labels.noFix}`);
  return lines.join('\n');
}
