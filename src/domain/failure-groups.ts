import { clipShort } from './bounds.js';
import {
  analyseText,
  NAME_SLOT,
  needlesOf,
  representative,
  type SlotValue,
  STEM_SLOT,
  type TextCache,
  type TextKey,
} from './failure-text.js';

/**
 * Failed files grouped by cause. Files whose error and suggested fix say the same thing once what
 * differs from file to file is set aside (the file's own name, numbers, ids, paths, other file
 * names) are one group: "9 files: No extractable text layer in …. Fix: Export … again with OCR."
 * rather than nine near-identical lines.
 *
 * Pure and bounded: only the first LONG_TEXT_BOUND characters of an error or fix are read (nothing past
 * them is stored or shown anywhere), each once (the first text of each group returned once more, to
 * show it), by a hand-written scanner: no regular expression runs on the texts, so nothing can
 * backtrack. Texts that repeat, exactly or but for the file's name, are looked up rather than read
 * again. A group keeps a few names, not its files.
 */

/** A failed file as the summary lists it (`JobSummary.failed`), most recent failure first. */
export interface FailedFileInput {
  fileId: string;
  name: string;
  error: string | null;
  fix: string | null;
  failedAt?: string | null;
}

export interface FailureGroup {
  /** Failed files with this cause. */
  count: number;
  /**
   * The cause in the files' words: the first file's error, where what differs between the files of
   * the group is replaced by "…" (a group of one keeps its error as it is). Null when none was given.
   * At most LONG_TEXT_BOUND characters (names and the time, SHORT_TEXT_BOUND).
   */
  error: string | null;
  /** The suggested fix, the same way. */
  fix: string | null;
  /** The first few files of the group (their names, else their ids), most recent failure first. */
  names: string[];
  /** When the group's most recent failure happened, as the API said it; null when unknown. */
  latestFailedAt: string | null;
}

export interface FailureGroups {
  /** Failed files grouped: all of them, whether their group is listed or not. */
  total: number;
  /** Distinct causes, listed or not. */
  causes: number;
  /** The largest groups first; equal sizes keep the order of their first file (most recent first). */
  groups: FailureGroup[];
}

export interface GroupingLimits {
  /** Groups returned (the largest); all by default. */
  groups?: number;
  /** Names kept per group; 20 by default. */
  names?: number;
}

const DEFAULT_NAMES = 20;

// ---------------------------------------------------------------------------------------------
// Grouping
// ---------------------------------------------------------------------------------------------

interface Building {
  order: number;
  count: number;
  first: FailedFileInput;
  firstNeedles: { name: string; stem: string };
  names: string[];
  error: SlotValue[];
  fix: SlotValue[];
  /** Per varying part: it differs between two files of the group. Null: the parts did not line up, all vary. */
  errorVaries: boolean[] | null;
  fixVaries: boolean[] | null;
}

/** Whether two varying parts are the same text: a name stands for the file's own, so two files' names compare as their names. */
const slotText = (v: SlotValue, name: string, stem: string) => (v === NAME_SLOT ? name : v === STEM_SLOT ? stem : v);

function markVarying(
  varies: boolean[] | null,
  first: SlotValue[],
  firstName: { name: string; stem: string },
  text: TextKey,
  name: string,
  stem: string,
): boolean[] | null {
  const slots = text.slots;
  if (varies === null || text.overflow || slots.length !== first.length) return null;
  for (let k = 0; k < slots.length; k++) {
    if (varies[k]) continue;
    const a = first[k] as SlotValue;
    const b = slots[k] as SlotValue;
    if (a === b && typeof a === 'string') continue;
    if (slotText(a, firstName.name, firstName.stem) !== slotText(b, name, stem)) varies[k] = true;
  }
  return varies;
}

const label = (f: FailedFileInput) => {
  const name = clipShort(f.name);
  return name.trim() === '' ? clipShort(f.fileId) : name;
};

/** A file's cause as one number: its error's key and its fix's, mixed (53 bits). */
function causeKey(error: TextKey, fix: TextKey): number {
  let h1 = Math.imul(error.h1 ^ 0x9e3779b9, 0x85ebca6b);
  h1 = Math.imul(h1 ^ (h1 >>> 13) ^ fix.h1, 0xc2b2ae35);
  h1 ^= h1 >>> 16;
  let h2 = Math.imul(error.h2 ^ 0x7f4a7c15, 0x27d4eb2f);
  h2 = Math.imul(h2 ^ (h2 >>> 15) ^ fix.h2, 0x165667b1);
  h2 ^= h2 >>> 13;
  return (h1 >>> 0) * 0x200000 + (h2 >>> 11);
}

/**
 * Groups failed files by cause: the same error and the same fix once names, numbers, ids and paths
 * are set aside, compared regardless of case, spacing and punctuation. O(characters read) time, with
 * no regular expression over the texts; memory O(causes + names kept). Give the files most recent
 * failure first (as `JobSummary.failed` does): names and ties follow that order.
 *
 * Causes are told apart by a 53-bit hash of their words: two different causes share a group only by
 * a collision, about one chance in 10^7 for a job with 20,000 different causes.
 */
export function groupFailures(files: readonly FailedFileInput[], limits: GroupingLimits = {}): FailureGroups {
  const namesKept = Math.max(0, Math.trunc(limits.names ?? DEFAULT_NAMES));
  const byKey = new Map<number, Building>();
  // Errors and fixes are cached apart: fixes often repeat when errors do not.
  const errors: TextCache = { map: new Map(), lookups: 0, hits: 0 };
  const fixes: TextCache = { map: new Map(), lookups: 0, hits: 0 };
  for (const file of files) {
    const needles = needlesOf(file.name);
    const error = analyseText(file.error, needles.name, needles.stem, errors);
    const fix = analyseText(file.fix, needles.name, needles.stem, fixes);
    const key = causeKey(error, fix);
    const group = byKey.get(key);
    if (!group) {
      byKey.set(key, {
        order: byKey.size,
        count: 1,
        first: file,
        firstNeedles: needles,
        names: namesKept > 0 ? [label(file)] : [],
        error: error.slots,
        fix: fix.slots,
        errorVaries: error.overflow ? null : error.slots.map(() => false),
        fixVaries: fix.overflow ? null : fix.slots.map(() => false),
      });
      continue;
    }
    group.count += 1;
    if (group.names.length < namesKept) group.names.push(label(file));
    group.errorVaries = markVarying(group.errorVaries, group.error, group.firstNeedles, error, needles.name, needles.stem);
    group.fixVaries = markVarying(group.fixVaries, group.fix, group.firstNeedles, fix, needles.name, needles.stem);
  }

  const all = [...byKey.values()];
  all.sort((a, b) => b.count - a.count || a.order - b.order);
  const wanted = limits.groups === undefined ? all.length : Math.max(0, Math.trunc(limits.groups));
  return { total: files.length, causes: all.length, groups: all.slice(0, wanted).map(finish) };
}

function finish(group: Building): FailureGroup {
  const { first, count } = group;
  const { name, stem } = group.firstNeedles;
  return {
    count,
    error: representative(first.error, count, name, stem, group.errorVaries),
    fix: representative(first.fix, count, name, stem, group.fixVaries),
    names: group.names,
    latestFailedAt: first.failedAt == null ? null : clipShort(first.failedAt),
  };
}
