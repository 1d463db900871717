import type { DigestRequest, QuietRequest } from '../core/digest.js';
import type { MeRequest } from '../core/owners.js';
import type { SubscriptionFilter } from '../domain/events.js';
import { normalizeJobId } from '../domain/job-id.js';
import { parseClock } from '../domain/local-time.js';

/** What `/datajob <text>` asks for. Pure: the listener does the rest. */
export type Command =
  | { kind: 'help' }
  | { kind: 'show'; jobId: string }
  | { kind: 'subscribe'; jobId: string; filter: SubscriptionFilter }
  | { kind: 'unsubscribe'; jobId: string }
  | { kind: 'pause'; jobId: string }
  | { kind: 'resume'; jobId: string }
  | { kind: 'list' }
  | { kind: 'subscribe_team'; filter: SubscriptionFilter; jobType: string | null; nameGlob: string | null }
  | { kind: 'unsubscribe_team' }
  | { kind: 'me'; request: MeRequest }
  /** Start or cancel a job's alignment: answered with a confirmation, never done at once. */
  | { kind: 'act'; action: 'start' | 'cancel'; jobId: string }
  | { kind: 'digest'; request: DigestRequest }
  | { kind: 'quiet'; request: QuietRequest }
  /** Something we understood enough to say what is wrong with it. `problem` is plain text, not mrkdwn. */
  | { kind: 'invalid'; problem: string };

const FILTER_WORDS: Record<string, SubscriptionFilter> = {
  all: 'all',
  everything: 'all',
  failures: 'failures',
  changes: 'changes',
  digest: 'digest',
};

function withId(rest: string, make: (jobId: string) => Command, verb: string): Command {
  const id = normalizeJobId(rest);
  if (!id.ok) return { kind: 'invalid', problem: `\`${verb}\` needs a job id: ${id.reason}.` };
  return make(id.id);
}

export function parseCommand(text: string): Command {
  // Slack may send non-breaking spaces and newlines from pasted text; treat every space alike.
  const trimmed = text.replace(/[\s\u00a0]+/g, ' ').trim();
  if (trimmed === '' || /^(help|-h|--help|\?)$/i.test(trimmed)) return { kind: 'help' };

  const [first = '', ...restWords] = trimmed.split(' ');
  const verb = first.toLowerCase();
  const rest = restWords.join(' ');

  switch (verb) {
    case 'list':
    case 'ls':
      return rest === '' ? { kind: 'list' } : { kind: 'invalid', problem: '`list` takes nothing after it.' };
    case 'unsubscribe':
    case 'unsub':
      if (rest.toLowerCase() === 'team') return { kind: 'unsubscribe_team' };
      if (restWords.length > 1) return { kind: 'invalid', problem: '`unsubscribe` takes one job id.' };
      return withId(rest, (jobId) => ({ kind: 'unsubscribe', jobId }), 'unsubscribe');
    case 'pause':
    case 'resume':
      if (restWords.length > 1) return { kind: 'invalid', problem: `\`${verb}\` takes one job id.` };
      return withId(rest, (jobId) => ({ kind: verb, jobId }), verb);
    case 'subscribe':
    case 'sub': {
      if (restWords[0]?.toLowerCase() === 'team') return parseTeam(restWords.slice(1));
      if (restWords.length > 2)
        return { kind: 'invalid', problem: '`subscribe` takes a job id and optionally `all`, `failures` or `digest`.' };
      const [idText = '', filterWord] = restWords;
      let filter: SubscriptionFilter = 'changes';
      if (filterWord !== undefined) {
        const known = FILTER_WORDS[filterWord.toLowerCase()];
        if (!known) return { kind: 'invalid', problem: `\`${'subscribe'}\` filters are \`all\`, \`failures\` and \`digest\`.` };
        filter = known;
      }
      return withId(idText, (jobId) => ({ kind: 'subscribe', jobId, filter }), 'subscribe');
    }
    case 'me':
      return parseMe(restWords);
    case 'start':
    case 'cancel':
      if (restWords.length > 1) return { kind: 'invalid', problem: `\`${verb}\` takes one job id.` };
      return withId(rest, (jobId) => ({ kind: 'act', action: verb, jobId }), verb);
    case 'digest':
      return parseDigest(restWords);
    case 'quiet':
      return parseQuiet(restWords);
    default: {
      if (restWords.length > 0) return { kind: 'invalid', problem: 'That is not a command the bot knows.' };
      const id = normalizeJobId(trimmed);
      return id.ok ? { kind: 'show', jobId: id.id } : { kind: 'invalid', problem: `That is not a job id: ${id.reason}.` };
    }
  }
}

/** Glob characters and the name characters of data jobs; nothing that could be markup. */
const GLOB = /^[A-Za-z0-9_.:*?-]{1,100}$/;
const JOB_TYPE = /^[a-z_]{1,64}$/;

/** `subscribe team [all|failures] [type:<job_type>] [name:<glob>]`, in any order. */
function parseTeam(words: string[]): Command {
  let filter: SubscriptionFilter = 'changes';
  let jobType: string | null = null;
  let nameGlob: string | null = null;
  for (const word of words) {
    const lower = word.toLowerCase();
    const known = FILTER_WORDS[lower];
    if (known) filter = known;
    else if (lower.startsWith('type:') && JOB_TYPE.test(word.slice(5))) jobType = word.slice(5);
    else if (lower.startsWith('name:') && GLOB.test(word.slice(5))) nameGlob = word.slice(5);
    else {
      return {
        kind: 'invalid',
        problem:
          '`subscribe team` takes `all`, `failures` or `digest`, `type:<job type>` and `name:<glob>` (letters, digits, `-_.:`, `*` and `?`).',
      };
    }
  }
  return { kind: 'subscribe_team', filter, jobType, nameGlob };
}

/** `me`, `me <seekrflow user id>`, `me off`, `me quiet`, `me quiet off`. */
function parseMe(words: string[]): Command {
  const [first, second, ...more] = words.map((w) => w.trim());
  if (more.length > 0) return { kind: 'invalid', problem: '`me` takes your SeekrFlow user id, `off`, or `quiet` (`quiet off`).' };
  if (first === undefined) return { kind: 'me', request: { kind: 'show' } };
  const lower = first.toLowerCase();
  if (lower === 'off' && second === undefined) return { kind: 'me', request: { kind: 'unlink' } };
  if (lower === 'quiet') {
    if (second === undefined) return { kind: 'me', request: { kind: 'quiet', quiet: true } };
    if (second.toLowerCase() === 'off') return { kind: 'me', request: { kind: 'quiet', quiet: false } };
  }
  if (second === undefined) return { kind: 'me', request: { kind: 'link', seekrflowUserId: trimBackticks(first) } };
  return { kind: 'invalid', problem: '`me` takes your SeekrFlow user id, `off`, or `quiet` (`quiet off`).' };
}

/** Without surrounding backticks (a pasted `id`), in one linear pass. */
function trimBackticks(word: string): string {
  let start = 0;
  let end = word.length;
  while (start < end && word[start] === '`') start++;
  while (end > start && word[end - 1] === '`') end--;
  return word.slice(start, end);
}

const DIGEST_USAGE =
  '`digest` takes `daily` or `weekdays`, a time like `09:00`, optionally a time zone like `Europe/Berlin` and `quiet`; or `off`.';
const QUIET_USAGE = '`quiet` takes hours like `19:00-08:00`, optionally a time zone like `Europe/Berlin` and `all`; or `off`.';

/** `digest daily|weekdays HH:MM [tz] [quiet]`, `digest off`. The zone is checked by the core, against Intl. */
function parseDigest(words: string[]): Command {
  const [first = '', time = '', ...rest] = words;
  const days = first.toLowerCase();
  if (days === 'off' && time === '') return { kind: 'digest', request: { kind: 'off' } };
  const minutes = parseClock(time);
  if ((days !== 'daily' && days !== 'weekdays') || minutes === null) return { kind: 'invalid', problem: DIGEST_USAGE };
  const skipEmpty = rest[rest.length - 1]?.toLowerCase() === 'quiet';
  const zone = skipEmpty ? rest.slice(0, -1) : rest;
  if (zone.length > 1) return { kind: 'invalid', problem: DIGEST_USAGE };
  return { kind: 'digest', request: { kind: 'set', days, minutes, tz: zone[0] ?? null, skipEmpty } };
}

/** `quiet HH:MM-HH:MM [tz] [all]`, `quiet off`. */
function parseQuiet(words: string[]): Command {
  const [hours = '', ...rest] = words;
  if (hours.toLowerCase() === 'off' && rest.length === 0) return { kind: 'quiet', request: { kind: 'off' } };
  const [from = '', to = '', extra] = hours.split('-');
  const start = parseClock(from);
  const end = parseClock(to);
  if (start === null || end === null || extra !== undefined || start === end) return { kind: 'invalid', problem: QUIET_USAGE };
  const all = rest[rest.length - 1]?.toLowerCase() === 'all';
  const zone = all ? rest.slice(0, -1) : rest;
  if (zone.length > 1) return { kind: 'invalid', problem: QUIET_USAGE };
  return { kind: 'quiet', request: { kind: 'set', start, end, tz: zone[0] ?? null, all } };
}
