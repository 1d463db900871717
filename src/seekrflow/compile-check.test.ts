import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { makeAlignment, makeBusyJob, makeEvent, makeJob, makeJobWithManyFiles } from '../../test/support/make-job.js';
import { AlignmentJob, DataJob, DataJobFile, IngestionJob, IngestionRecord, TimelineEvent } from '../domain/data-job.js';
import { compileCheck } from './compile-check.js';
import { parseJobBody } from './read-body.js';

/*
 * zod is the reference: every input below goes through DataJob.safeParse and the check compiled from
 * the same schema, each on its own fresh JSON.parse of the same text, and they must agree on the
 * verdict and on the output (deep-equal, own keys and prototypes included). Why an answer does not
 * fit is always zod's to say (read-body.ts asks it), so only the verdict and the output are compared.
 */

const fitsDataJob = compileCheck(DataJob);

type Json = Record<string, unknown>;

interface Outcome {
  success: boolean;
  data?: unknown;
  path?: PropertyKey[];
  message?: string;
}

function viaZod(text: string): Outcome {
  const parsed = DataJob.safeParse(JSON.parse(text));
  if (parsed.success) return { success: true, data: parsed.data };
  const issue = parsed.error.issues[0];
  return { success: false, path: issue?.path ?? [], message: issue?.message ?? '' };
}

function viaCompiled(text: string): Outcome {
  // In place: on yes, the job is the parsed JSON itself.
  const json: unknown = JSON.parse(text);
  return fitsDataJob(json) ? { success: true, data: json } : { success: false };
}

/** Why the two disagree on `text`, or null. */
function disagreement(text: string): string | null {
  const expected = viaZod(text);
  const actual = viaCompiled(text);
  if (expected.success !== actual.success) {
    return `zod ${expected.success ? 'accepts' : `rejects at ${expected.path?.join('.')}`}, the compiled check ${actual.success ? 'accepts' : 'rejects'}`;
  }
  if (expected.success) return isDeepStrictEqual(actual.data, expected.data) ? null : 'outputs differ';
  return null;
}

/** Runs every case; the test fails with the first few disagreements, each named by its case. */
function expectAgreement(cases: Iterable<[name: string, text: string]>): number {
  const problems: string[] = [];
  let count = 0;
  for (const [name, text] of cases) {
    count++;
    const problem = disagreement(text);
    if (problem) problems.push(`${name}: ${problem}`);
  }
  if (problems.length > 0) expect.fail(`${problems.length} of ${count} cases disagree:\n${problems.slice(0, 10).join('\n')}`);
  return count;
}

/** Valid jobs from the factories, as the API would send them (every collection, of several sizes). */
const BASES: [string, () => Json][] = [
  ['makeJob', () => makeJob() as Json],
  ['makeJobWithManyFiles(6, 2)', () => makeJobWithManyFiles(6, 2) as Json],
  [
    'makeBusyJob(8) with every list filled',
    () =>
      makeBusyJob(
        8,
        { failedEvery: 3, events: 4 },
        {
          alignment_job_id: 'aln-1',
          additional_alignment_file_ids: ['file-a', 'file-b'],
          fine_tuning_job_ids: ['ft-1', 'ft-2', 'ft-3'],
          instructions: 'Be brief.',
        },
      ) as Json,
  ],
  [
    'makeJob with two ingestion runs and a finished alignment',
    () => {
      const job = makeJobWithManyFiles(4, 1, {
        alignment_job: makeAlignment({ status: 'completed', step_progress: 3, eta_minutes: null }),
      });
      const first = job.ingestion_jobs[0];
      if (first) job.ingestion_jobs.push({ ...first, id: 'ing-2', records: first.records.map((r) => ({ ...r, deleted: true })) });
      job.timeline.push(makeEvent({ event_type: 'files_added', metadata: { count: 4, nested: { a: [1, 2] } } }));
      return job as Json;
    },
  ],
];

/** Where each object of a job sits, and the zod schema for it. */
const PLACES: { name: string; schema: z.ZodObject; at: (job: Json) => Json | undefined }[] = [
  { name: 'job', schema: DataJob, at: (job) => job },
  { name: 'ingestion_jobs.0', schema: IngestionJob, at: (job) => list(job, 'ingestion_jobs')[0] },
  { name: 'ingestion_jobs.0.records.0', schema: IngestionRecord, at: (job) => list(list(job, 'ingestion_jobs')[0], 'records')[0] },
  { name: 'ingestion_jobs.0.records.3', schema: IngestionRecord, at: (job) => list(list(job, 'ingestion_jobs')[0], 'records')[3] },
  { name: 'alignment_job', schema: AlignmentJob, at: (job) => (job.alignment_job as Json | null) ?? undefined },
  { name: 'files.0', schema: DataJobFile, at: (job) => list(job, 'files')[0] },
  { name: 'files.3', schema: DataJobFile, at: (job) => list(job, 'files')[3] },
  { name: 'timeline.0', schema: TimelineEvent, at: (job) => list(job, 'timeline')[0] },
  { name: 'timeline.2', schema: TimelineEvent, at: (job) => list(job, 'timeline')[2] },
];

function list(object: Json | undefined, key: string): Json[] {
  const value = object?.[key];
  return Array.isArray(value) ? (value as Json[]) : [];
}

const MISSING = Symbol('missing');

/** Every kind of value a field can be given: missing, null, each JSON type, empty and not. */
const VALUES: [string, unknown][] = [
  ['missing', MISSING],
  ['null', null],
  ['0', 0],
  ['-1.5', -1.5],
  ['a string', 'text'],
  ['an empty string', ''],
  ['an empty object', {}],
  ['an object', { nested: { deeper: [1, 'x'] } }],
  ['an empty array', []],
  ['an array of strings', ['x', 'y']],
  ['an array of numbers', [1, 2]],
  ['an array of empty objects', [{}]],
  ['an array of arrays', [[]]],
  ['an array with a null', ['x', null]],
  ['true', true],
  ['false', false],
];

/** The base job with one field of one object set to `value` (or removed), as JSON text. */
function withField(base: () => Json, place: (typeof PLACES)[number], key: string, value: unknown): string | null {
  const job = base();
  const object = place.at(job);
  if (!object) return null;
  if (value === MISSING) delete object[key];
  else object[key] = structuredClone(value);
  return JSON.stringify(job);
}

function* fieldCases(base: () => Json, place: (typeof PLACES)[number]): Generator<[string, string]> {
  const keys = [...Object.keys(place.schema.shape), 'extra_field'];
  for (const key of keys) {
    for (const [label, value] of VALUES) {
      const text = withField(base, place, key, value);
      if (text !== null) yield [`${place.name}.${key} ${label}`, text];
    }
  }
  // An own __proto__ key: zod leaves it out of its copy; the validator must too, and never touch a prototype.
  const text = withField(base, place, 'PROTO_MARK', 1);
  if (text !== null) {
    yield [`${place.name} with an own __proto__ (object)`, text.replace('"PROTO_MARK":1', '"__proto__":{"polluted":true}')];
    yield [`${place.name} with an own __proto__ (string)`, text.replace('"PROTO_MARK":1', '"__proto__":"x"')];
  }
}

/** Arrays holding items of the wrong kind, first, in the middle and last. */
function* itemCases(base: () => Json): Generator<[string, string]> {
  const wrong: [string, unknown][] = [
    ['null', null],
    ['a number', 7],
    ['a string', 'x'],
    ['an array', []],
    ['an empty object', {}],
    ['true', true],
  ];
  const lists: [string, (job: Json) => unknown[] | undefined][] = [
    ['additional_alignment_file_ids', (job) => job.additional_alignment_file_ids as unknown[]],
    ['fine_tuning_job_ids', (job) => job.fine_tuning_job_ids as unknown[]],
    ['ingestion_jobs', (job) => job.ingestion_jobs as unknown[]],
    ['ingestion_jobs.0.file_ids', (job) => list(job, 'ingestion_jobs')[0]?.file_ids as unknown[] | undefined],
    ['ingestion_jobs.0.records', (job) => list(job, 'ingestion_jobs')[0]?.records as unknown[] | undefined],
    ['files', (job) => job.files as unknown[]],
    ['timeline', (job) => job.timeline as unknown[]],
  ];
  for (const [name, at] of lists) {
    for (const [label, value] of wrong) {
      for (const where of ['first', 'middle', 'last'] as const) {
        const job = base();
        const items = at(job);
        if (!items) continue;
        const index = where === 'first' ? 0 : where === 'middle' ? Math.floor(items.length / 2) : items.length;
        items.splice(index, 0, structuredClone(value));
        yield [`${name}: ${label} ${where}`, JSON.stringify(job)];
      }
    }
  }
  // metadata with an own __proto__ key (z.record leaves it out too).
  const job = base();
  const event = list(job, 'timeline')[0];
  if (event) {
    event.metadata = { keep: 1, PROTO_MARK: 1 };
    yield ['timeline.0.metadata with an own __proto__', JSON.stringify(job).replace('"PROTO_MARK":1', '"__proto__":{"polluted":true}')];
  }
}

describe('the check compiled from the DataJob schema agrees with zod', () => {
  it.each(BASES)('valid factory job %s: accepted, with the same output', (_name, base) => {
    expect(viaZod(JSON.stringify(base())).success).toBe(true);
    expectAgreement([['as made', JSON.stringify(base())]]);
  });

  it('a root that is not an object', () => {
    const job = JSON.stringify(makeJob());
    expectAgreement(
      ['null', '0', '1.5', '"job"', '""', 'true', 'false', '[]', `[${job}]`, '{}', '{"id": "x"}'].map((text) => [text, text]),
    );
  });

  describe.each(BASES)('every field of %s set to every kind of value', (_name, base) => {
    it.each(PLACES.map((place) => [place.name, place] as const))('%s', (_place, place) => {
      const cases = [...fieldCases(base, place)];
      if (place.at(base())) expect(cases.length).toBeGreaterThan(VALUES.length * Object.keys(place.schema.shape).length);
      expectAgreement(cases);
    });
  });

  it.each(BASES)('arrays of %s with items of the wrong kind', (_name, base) => {
    expectAgreement(itemCases(base));
  });

  it('several fields wrong at once, at every level, with keys in any order', () => {
    // A seeded generator: the same cases every run.
    let seed = 13;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const cases: [string, string][] = [];
    for (let n = 0; n < 400; n++) {
      const [baseName, base] = pick(BASES);
      const job = base();
      const changes: string[] = [];
      for (let k = 1 + Math.floor(random() * 4); k > 0; k--) {
        const place = pick(PLACES);
        const object = place.at(job);
        if (!object) continue;
        const key = pick([...Object.keys(place.schema.shape), 'extra_field']);
        const [label, value] = pick(VALUES);
        if (value === MISSING) delete object[key];
        else object[key] = structuredClone(value);
        changes.push(`${place.name}.${key} ${label}`);
      }
      const text = JSON.stringify(job, random() < 0.5 ? undefined : reversedKeys);
      cases.push([`${baseName}: ${changes.join(', ')}`, text]);
    }
    expect(expectAgreement(cases)).toBe(400);
  });

  it('a large job: accepted, with the same output', () => {
    expectAgreement([['makeBusyJob(2000)', JSON.stringify(makeBusyJob(2_000))]]);
  });
});

/** A JSON.stringify replacer that writes every object's keys in reverse order. */
function reversedKeys(this: unknown, _key: string, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).reverse());
}

describe('compileCheck', () => {
  it('fills in the defaults in place and keeps what it does not know', () => {
    const json = JSON.parse(
      JSON.stringify({
        ...makeJob(),
        alignment_job: undefined,
        ingestion_jobs: [{ id: 'i', status: 's', created_at: 't', updated_at: 't', records: [{ ...recordFields(), deleted: null }] }],
        files: null,
        timeline: [{ timestamp: 't', event_type: 'e', message: 'm', future: { x: 1 } }],
        origin_data_job_id: 'dj-0',
      }),
    ) as Json;
    const records = (json.ingestion_jobs as Json[])[0]?.records;
    expect(fitsDataJob(json)).toBe(true);
    expect(json).toMatchObject({
      alignment_job: null,
      files: [],
      fine_tuning_job_ids: [],
      ingestion_jobs: [{ file_ids: [], records: [{ deleted: false }] }],
      timeline: [{ metadata: {}, future: { x: 1 } }],
      origin_data_job_id: 'dj-0',
    });
    // The same arrays, not copies.
    expect((json.ingestion_jobs as Json[])[0]?.records).toBe(records);
  });

  it('follows the schema: a field added to it is checked, with no other change', () => {
    const job = JSON.stringify(makeJob());
    const grown = compileCheck(DataJob.extend({ origin_data_job_id: z.string() }));
    expect(grown(JSON.parse(job))).toBe(false);
    expect(grown(JSON.parse(job.replace(/^\{/, '{"origin_data_job_id":"dj-0",')))).toBe(true);
    expect(fitsDataJob(JSON.parse(job))).toBe(true);
  });

  it.each([
    ['a string with checks', z.looseObject({ id: z.string().min(1) })],
    ['an object that drops unknown keys', z.object({ id: z.string() })],
    ['an enum', z.looseObject({ status: z.enum(['a', 'b']) })],
    ['a transform of its own', z.looseObject({ id: z.string().transform((v) => v.trim()) })],
  ])('refuses, when compiled, a schema it does not know: %s', (_name, schema) => {
    expect(() => compileCheck(schema)).toThrow(/fast path does not know/);
  });

  it('leaves why to zod: the reading names the first failing field, `files.3.file_id`', () => {
    const job = makeJobWithManyFiles(6) as Json;
    (list(job, 'files')[3] as Json).file_id = 42;
    (list(job, 'files')[5] as Json).file_id = 43;
    expect(parseJobBody(JSON.stringify(job))).toMatchObject({
      ok: false,
      message: expect.stringContaining('(field `files.3.file_id`)'),
      detail: 'response does not fit DataJobDetailResponse at files.3.file_id: Invalid input: expected string, received number',
    });
  });
});

function recordFields(): Json {
  return { record_id: 'r', ingestion_job_id: 'i', alignment_file_id: 'f', user_id: 'u', filename: 'n', status: 's', created_at: 't' };
}
