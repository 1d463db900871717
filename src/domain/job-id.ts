/**
 * Job ids are opaque (today `dj-<uuid>`). People paste them from anywhere, so the bot forgives
 * wrapping (whitespace, backticks, Slack's `<…>` link brackets) and refuses anything that cannot be
 * an id before it goes near an HTTP path.
 */

const JOB_ID_MAX_LENGTH = 128;
// Dots alone are refused: `.` and `..` are path segments that a URL resolves away, whatever the encoding.
export const JOB_ID_PATTERN = /^(?!\.+$)[A-Za-z0-9_.:-]{1,128}$/;

export type JobIdResult = { ok: true; id: string } | { ok: false; reason: string };

export function normalizeJobId(raw: string): JobIdResult {
  let id = raw.trim();
  // `dj-1`, ```dj-1```, <dj-1>, and Slack's auto-link form <http://x|dj-1> (keep the label).
  id = id.replace(/^`+|`+$/g, '').trim();
  if (id.startsWith('<') && id.endsWith('>')) {
    id = id.slice(1, -1);
    const bar = id.lastIndexOf('|');
    if (bar >= 0) id = id.slice(bar + 1);
    id = id.trim();
  }
  if (id === '') return { ok: false, reason: 'no job id was given' };
  if ([...id].length > JOB_ID_MAX_LENGTH) return { ok: false, reason: `a job id is at most ${JOB_ID_MAX_LENGTH} characters` };
  if (/^\.+$/.test(id)) return { ok: false, reason: 'a job id is more than dots' };
  if (!JOB_ID_PATTERN.test(id)) return { ok: false, reason: 'a job id has only letters, digits and - _ . :' };
  return { ok: true, id };
}
