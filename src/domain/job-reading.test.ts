import { describe, expect, it } from 'vitest';
import { makeJobWithFiles } from '../../test/support/make-job.js';
import { toJobCard } from './job-card.js';
import { readJob } from './job-reading.js';
import { summarizeJob } from './job-summary.js';

describe('readJob', () => {
  it('keeps the card drawn from the whole job, and a summary that has dropped the lists it counted', () => {
    const job = makeJobWithFiles([{ state: 'done' }, { state: 'failed', error: 'bad pdf' }, { state: 'queued' }]);
    const reading = readJob(job);
    expect(reading.card).toEqual(toJobCard(summarizeJob(job)));
    expect(reading.summary.fileCount).toBe(3);
    expect(reading.summary.failed).toHaveLength(1);
    expect(Object.keys(reading.summary.job)).not.toContain('files');
    expect(Object.keys(reading.summary.job)).not.toContain('timeline');
  });

  it('cannot have its summary drawn as a card (the typecheck fails when it can)', () => {
    const reading = readJob(makeJobWithFiles([{ state: 'done' }]));
    // @ts-expect-error a reading's summary has no lists to draw: it is not a JobSummary
    const drawable: Parameters<typeof toJobCard>[0] = reading.summary;
    expect(drawable.fileCount).toBe(1);
  });
});
