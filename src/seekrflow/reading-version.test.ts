import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { READING_VERSION, readingVersionOf } from './reading-version.js';

/**
 * The reading version follows from the code that reads a job: the same sources give the same
 * version wherever they are, a change to the schema or the reading gives another, a change elsewhere
 * does not. Against a copy of src/, edited as a developer would.
 */

const SRC = new URL('../', import.meta.url);
let copy: string;
const versionOfCopy = () => readingVersionOf(pathToFileURL(`${copy}/`));
const edit = (file: string, change: (text: string) => string) => {
  const path = join(copy, file);
  writeFileSync(path, change(readFileSync(path, 'utf8')));
};

beforeEach(() => {
  copy = mkdtempSync(join(tmpdir(), 'datajob-reading-version-'));
  cpSync(SRC, copy, { recursive: true });
});
afterEach(() => rmSync(copy, { recursive: true, force: true }));

describe('the reading version', () => {
  it('is this build’s, and the same for the same sources anywhere', () => {
    expect(READING_VERSION).toMatch(/^[0-9a-f]{16}$/);
    expect(readingVersionOf(SRC)).toBe(READING_VERSION);
    expect(versionOfCopy()).toBe(READING_VERSION);
  });

  it('changes when the schema changes', () => {
    edit('domain/data-job.ts', (text) => text.replace('  system_prompt: text,\n', '  system_prompt: text,\n  origin_data_job_id: text,\n'));
    expect(versionOfCopy()).not.toBe(READING_VERSION);
  });

  it.each([
    ['the summary', 'domain/job-summary.ts'],
    ['the card', 'domain/job-card.ts'],
    ['the bound on strings', 'seekrflow/bounded-json.ts'],
    ['the compiled check', 'seekrflow/compile-check.ts'],
    ['what a watch keeps', 'domain/snapshot.ts'],
  ])('changes when %s changes (%s)', (_what, file) => {
    edit(file, (text) => `${text}\nexport const changed = 1;\n`);
    expect(versionOfCopy()).not.toBe(READING_VERSION);
  });

  it('stays when code that does not read a job changes', () => {
    edit('seekrflow/read-pool.ts', (text) => `${text}\nexport const changed = 1;\n`);
    edit('slack/notifier.ts', (text) => `${text}\nexport const changed = 1;\n`);
    expect(versionOfCopy()).toBe(READING_VERSION);
  });
});
