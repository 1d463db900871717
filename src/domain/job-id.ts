/**
 * Job ids are opaque (today `dj-<uuid>`). People paste them from anywhere, so the bot forgives
 * wrapping (whitespace, backticks, Slack's `<…>` link brackets) and refuses anything that cannot be
 * an id before it goes near an HTTP path.
 *
 * The parser is plain loops and refuses over-long text first: it reads what anyone types, and a
 * regex such as /`+$/ backtracks quadratically on a long run of backticks (1.4 s for 40,000).
 */

const JOB_ID_MAX_LENGTH = 128;
/**
 * Longer than any id with its wrapping (backticks, spaces, Slack's `<http://…|label>` link form,
 * whose URL repeats the id): longer text is refused before any work.
 */
const RAW_MAX_LENGTH = 1_000;
// Dots alone are refused: `.` and `..` are path segments that a URL resolves away, whatever the encoding.
export const JOB_ID_PATTERN = /^(?!\.+$)[A-Za-z0-9_.:-]{1,128}$/;

export type JobIdResult = { ok: true; id: string } | { ok: false; reason: string };

const TOO_LONG: JobIdResult = { ok: false, reason: `a job id is at most ${JOB_ID_MAX_LENGTH} characters` };

export function normalizeJobId(raw: string): JobIdResult {
  if (raw.length > RAW_MAX_LENGTH) return TOO_LONG;
  // `dj-1`, ```dj-1```, <dj-1>, and Slack's auto-link form <http://x|dj-1> (keep the label).
  let id = stripRuns(raw.trim(), '`').trim();
  if (id.startsWith('<') && id.endsWith('>')) {
    id = id.slice(1, -1);
    const bar = id.lastIndexOf('|');
    if (bar >= 0) id = id.slice(bar + 1);
    id = id.trim();
  }
  if (id === '') return { ok: false, reason: 'no job id was given' };
  if ([...id].length > JOB_ID_MAX_LENGTH) return TOO_LONG;
  if (onlyDots(id)) return { ok: false, reason: 'a job id is more than dots' };
  if (!JOB_ID_PATTERN.test(id)) return { ok: false, reason: 'a job id has only letters, digits and - _ . :' };
  return { ok: true, id };
}

/** `s` without the runs of `c` at its start and its end. */
function stripRuns(s: string, c: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && s[start] === c) start++;
  while (end > start && s[end - 1] === c) end--;
  return s.slice(start, end);
}

function onlyDots(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s[i] !== '.') return false;
  return s.length > 0;
}
