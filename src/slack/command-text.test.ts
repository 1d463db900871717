import { describe, expect, it } from 'vitest';
import { parseCommand } from './command-text.js';

const ID = 'dj-0b6f1f5e-3a43-4c1e-9d59-2f1d8c7a1a01';

describe('parseCommand', () => {
  it.each([
    ['', { kind: 'help' }],
    ['   ', { kind: 'help' }],
    ['help', { kind: 'help' }],
    ['HELP', { kind: 'help' }],
    ['?', { kind: 'help' }],
    [ID, { kind: 'show', jobId: ID }],
    [`  ${ID}\n`, { kind: 'show', jobId: ID }],
    [`\`${ID}\``, { kind: 'show', jobId: ID }],
    [`\`\`\`${ID}\`\`\``, { kind: 'show', jobId: ID }],
    [`<${ID}>`, { kind: 'show', jobId: ID }],
    [`<http://${ID}|${ID}>`, { kind: 'show', jobId: ID }],
    ['job:42.v2_a', { kind: 'show', jobId: 'job:42.v2_a' }],
    [`subscribe ${ID}`, { kind: 'subscribe', jobId: ID, filter: 'changes' }],
    [`Subscribe  \`${ID}\`  all`, { kind: 'subscribe', jobId: ID, filter: 'all' }],
    [`subscribe ${ID} failures`, { kind: 'subscribe', jobId: ID, filter: 'failures' }],
    [`unsubscribe ${ID}`, { kind: 'unsubscribe', jobId: ID }],
    [`pause ${ID}`, { kind: 'pause', jobId: ID }],
    [`Resume \`${ID}\``, { kind: 'resume', jobId: ID }],
    ['list', { kind: 'list' }],
    [`subscribe ${ID} digest`, { kind: 'subscribe', jobId: ID, filter: 'digest' }],
    ['subscribe team digest', { kind: 'subscribe_team', filter: 'digest', jobType: null, nameGlob: null }],
    ['digest daily 09:00', { kind: 'digest', request: { kind: 'set', days: 'daily', minutes: 540, tz: null, skipEmpty: false } }],
    [
      'digest weekdays 9:30 America/New_York quiet',
      { kind: 'digest', request: { kind: 'set', days: 'weekdays', minutes: 570, tz: 'America/New_York', skipEmpty: true } },
    ],
    ['digest daily 09:00 quiet', { kind: 'digest', request: { kind: 'set', days: 'daily', minutes: 540, tz: null, skipEmpty: true } }],
    ['digest off', { kind: 'digest', request: { kind: 'off' } }],
    ['quiet 19:00-08:00', { kind: 'quiet', request: { kind: 'set', start: 1140, end: 480, tz: null, all: false } }],
    [
      'quiet 22:00-07:00 Europe/Berlin all',
      { kind: 'quiet', request: { kind: 'set', start: 1320, end: 420, tz: 'Europe/Berlin', all: true } },
    ],
    ['quiet off', { kind: 'quiet', request: { kind: 'off' } }],
  ])('%j → %j', (text, expected) => {
    expect(parseCommand(text)).toEqual(expected);
  });

  it.each([
    ['subscribe', /`subscribe` needs a job id: no job id was given/],
    [`subscribe ${ID} loud`, /filters are `all`, `failures` and `digest`/],
    ['digest hourly 09:00', /`digest` takes `daily` or `weekdays`/],
    ['digest daily 9am', /a time like `09:00`/],
    ['digest daily 24:00', /a time like `09:00`/],
    ['digest daily 09:00 Europe/Berlin extra', /`digest` takes/],
    ['quiet 19:00', /hours like `19:00-08:00`/],
    ['quiet 19:00-19:00', /hours like `19:00-08:00`/],
    ['quiet 19:00-08:00 UTC Europe/Berlin', /`quiet` takes/],
    [`subscribe ${ID} all extra`, /takes a job id and optionally/],
    ['unsubscribe', /needs a job id/],
    [`unsubscribe ${ID} ${ID}`, /takes one job id/],
    ['pause', /`pause` needs a job id/],
    [`resume ${ID} now`, /`resume` takes one job id/],
    ['list everything', /takes nothing/],
    ['show me dj-1', /not a command/],
    ['x'.repeat(129), /at most 128 characters/],
    ['../etc/passwd', /only letters, digits/],
    ['dj-1%2F..', /only letters, digits/],
    ['<!channel>', /only letters, digits/],
    ["dj-1' OR 1=1", /not a command/],
    ['dj-1;rm', /only letters, digits/],
    ['dj-💥', /only letters, digits/],
    ['.', /more than dots/],
    ['..', /more than dots/],
  ])('%j is refused: %s', (text, problem) => {
    const parsed = parseCommand(text);
    expect(parsed.kind).toBe('invalid');
    expect(parsed.kind === 'invalid' && parsed.problem).toMatch(problem);
  });
});
