import { describe, expect, it } from 'vitest';
import { blocksTextLength, checkMessage } from '../../../test/support/block-kit-rules.js';
import { makeJobWithFiles, wordFor } from '../../../test/support/make-job.js';
import { diff } from '../../domain/diff.js';
import type { JobEvent } from '../../domain/events.js';
import type { FailureGroup } from '../../domain/failure-groups.js';
import { readJob } from '../../domain/job-reading.js';
import type { MessagePayload } from './block-kit.js';
import { renderEventReply } from './event-reply.js';
import { BLOCKS_TEXT_BUDGET } from './limits.js';

const JOB = { id: 'dj-1', name: 'Claims handbook' };

const texts = (reply: MessagePayload, purpose: string) =>
  reply.blocks
    .filter((b) => b.block_id.startsWith(`${purpose}.`))
    .map((b) => (b.type === 'section' ? b.text?.text : b.type === 'context' ? b.elements[0]?.text : ''));

/** The `files_failed` event a poll makes when these files fail (after a poll where they were processing). */
function failedEvent(files: { name: string; error: string; fix?: string }[]): JobEvent {
  const settings = { stallAfterMinutes: 60, unreachableAfterMinutes: 10 };
  const before = makeJobWithFiles(files.map(() => ({ state: 'processing' as const })));
  const after = makeJobWithFiles(files.map((f) => ({ state: 'failed' as const, ...f })));
  const watch = diff(null, { kind: 'seen', reading: readJob(before) }, new Date(0), settings).watch;
  const [event] = diff(watch, { kind: 'seen', reading: readJob(after) }, new Date(60_000), settings).events;
  if (!event) throw new Error('no event');
  return event;
}

const similar = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    name: `scan-${i + 1}.pdf`,
    error: `No extractable text layer in scan-${i + 1}.pdf (${i + 2} pages).`,
    fix: `Export scan-${i + 1}.pdf again with OCR.`,
  }));

describe('the thread reply for failed files', () => {
  it('tells one section per cause: nine similar failures are one, with the first names', () => {
    const reply = renderEventReply(
      failedEvent([
        ...similar(9),
        { name: 'minutes.docx', error: 'Password protected', fix: 'Ask the owner for an unprotected copy.' },
        { name: 'empty.txt', error: 'The file is empty' },
      ]),
      JOB,
      '1.0',
    );
    expect(texts(reply, 'files_failed')).toEqual([':x: *11 files failed to process*']);
    expect(texts(reply, 'failed_file')).toEqual([
      '*9 files:* scan-1.pdf, scan-2.pdf, scan-3.pdf, scan-4.pdf, scan-5.pdf and 4 more\nNo extractable text layer in … (… pages).\n:bulb: *Suggested fix:* Export … again with OCR.',
      '*minutes.docx*\nPassword protected\n:bulb: *Suggested fix:* Ask the owner for an unprotected copy.',
      // No fix given: no fix line (makeJobWithFiles gives the factory's fix unless told otherwise).
      expect.stringMatching(/^\*empty\.txt\*\nThe file is empty\n/),
    ]);
    expect(texts(reply, 'more_failed')).toEqual([]);
    expect(reply.text).toBe('Claims handbook: files failed');
    expect(checkMessage(reply)).toBeNull();
  });

  it('a single failure reads as before: name, error, suggested fix', () => {
    const reply = renderEventReply(failedEvent([{ name: 'scan.pdf', error: 'No text', fix: 'Run OCR' }]), JOB, '1.0');
    expect(texts(reply, 'failed_file')).toEqual(['*scan.pdf*\nNo text\n:bulb: *Suggested fix:* Run OCR']);
  });

  it('tells at most 8 causes, and counts the files of the others', () => {
    const event = failedEvent(Array.from({ length: 30 }, (_, i) => ({ name: `f-${wordFor(i)}.pdf`, error: `Reason ${wordFor(i)}` })));
    expect(event.type === 'files_failed' && event.groups).toHaveLength(8);
    const reply = renderEventReply(event, JOB, '1.0');
    expect(texts(reply, 'failed_file')).toHaveLength(8);
    expect(texts(reply, 'more_failed')).toEqual(['+22 more failed files: open *Show all failed files* on the card.']);
  });

  it('stays within Slack’s limits with 8 causes of 5,000-character names and texts', () => {
    const hostile = (seed: string) => `${seed} <!channel> <@U1> &amp; *b* 😀👍🏽 e\u0301\n*Fix:* rm -rf / `.repeat(120);
    const groups: FailureGroup[] = Array.from({ length: 8 }, (_, i) => ({
      count: 1_000,
      names: Array.from({ length: 5 }, (_, k) => hostile(`name ${k}`)),
      error: hostile(`error ${wordFor(i)}`),
      fix: hostile('fix'),
      latestFailedAt: null,
    }));
    const reply = renderEventReply({ type: 'files_failed', count: 9_000, groups }, JOB, '1.0');
    expect(checkMessage(reply)).toBeNull();
    expect(blocksTextLength(reply.blocks)).toBeLessThanOrEqual(BLOCKS_TEXT_BUDGET);
    for (const text of texts(reply, 'failed_file')) {
      expect(text?.split('\n')).toHaveLength(3);
      expect(text).not.toContain('<!channel>');
    }
    expect(texts(reply, 'more_failed')).toEqual(['+1,000 more failed files: open *Show all failed files* on the card.']);
  });

  it('reads an event an earlier build stored (its first files one by one), grouping them', () => {
    const stored = {
      type: 'files_failed',
      count: 3,
      files: [
        { id: 'rec-1', name: 'a.pdf', error: 'No text layer in a.pdf', fix: 'Run OCR' },
        { id: 'rec-2', name: 'b.pdf', error: 'No text layer in b.pdf', fix: 'Run OCR' },
        { id: 'rec-3', name: 'c.pdf', error: 'Password protected', fix: null },
      ],
    } as unknown as JobEvent;
    const reply = renderEventReply(stored, JOB, '1.0');
    expect(texts(reply, 'failed_file')).toEqual([
      '*2 files:* a.pdf, b.pdf\nNo text layer in …\n:bulb: *Suggested fix:* Run OCR',
      '*c.pdf*\nPassword protected',
    ]);
    expect(checkMessage(reply)).toBeNull();
  });
});
