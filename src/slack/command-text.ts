import type { SubscriptionFilter } from '../domain/events.js';
import { normalizeJobId } from '../domain/job-id.js';

/** What `/datajob <text>` asks for. Pure: the listener does the rest. */
export type Command =
  | { kind: 'help' }
  | { kind: 'show'; jobId: string }
  | { kind: 'subscribe'; jobId: string; filter: SubscriptionFilter }
  | { kind: 'unsubscribe'; jobId: string }
  | { kind: 'pause'; jobId: string }
  | { kind: 'resume'; jobId: string }
  | { kind: 'list' }
  /** Something we understood enough to say what is wrong with it. `problem` is plain text, not mrkdwn. */
  | { kind: 'invalid'; problem: string };

const FILTER_WORDS: Record<string, SubscriptionFilter> = { all: 'all', everything: 'all', failures: 'failures', changes: 'changes' };

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
      if (restWords.length > 1) return { kind: 'invalid', problem: '`unsubscribe` takes one job id.' };
      return withId(rest, (jobId) => ({ kind: 'unsubscribe', jobId }), 'unsubscribe');
    case 'pause':
    case 'resume':
      if (restWords.length > 1) return { kind: 'invalid', problem: `\`${verb}\` takes one job id.` };
      return withId(rest, (jobId) => ({ kind: verb, jobId }), verb);
    case 'subscribe':
    case 'sub': {
      if (restWords.length > 2) return { kind: 'invalid', problem: '`subscribe` takes a job id and optionally `all` or `failures`.' };
      const [idText = '', filterWord] = restWords;
      let filter: SubscriptionFilter = 'changes';
      if (filterWord !== undefined) {
        const known = FILTER_WORDS[filterWord.toLowerCase()];
        if (!known) return { kind: 'invalid', problem: `\`${'subscribe'}\` filters are \`all\` and \`failures\`.` };
        filter = known;
      }
      return withId(idText, (jobId) => ({ kind: 'subscribe', jobId, filter }), 'subscribe');
    }
    default: {
      if (restWords.length > 0) return { kind: 'invalid', problem: 'That is not a command the bot knows.' };
      const id = normalizeJobId(trimmed);
      return id.ok ? { kind: 'show', jobId: id.id } : { kind: 'invalid', problem: `That is not a job id: ${id.reason}.` };
    }
  }
}
