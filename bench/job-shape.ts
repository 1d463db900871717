import type { DataJob, DataJobFile, IngestionJob, IngestionRecord, TimelineEvent } from '../src/domain/data-job.js';

/**
 * Jobs shaped like the ones SeekrFlow really sends, for the benchmarks that must pay what the bot
 * pays for a real answer: uuids for every id, timestamps with microseconds, file names of 40–60
 * characters, one ingestion record per file (several ingestion runs for a big job), a running
 * alignment, a timeline that grows with the files, and every tenth file failed with an error and a
 * fix of about 100 characters each (five causes, each with the file's own page number), and a few
 * fields the contract does not list (a checksum, a storage path, `updated_at`), as the live API
 * sends more than its contract says. A job of 2,000 files is about 2.4 MB of JSON. Deterministic:
 * the same (id, files) gives the same bytes.
 */

/** A seeded 32-bit generator (mulberry32): fast, and the same sequence for the same seed. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function seedOf(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

const hex8 = (random: () => number) =>
  Math.floor(random() * 0x1_0000_0000)
    .toString(16)
    .padStart(8, '0');

function uuid(random: () => number): string {
  const a = hex8(random);
  const b = hex8(random);
  const c = hex8(random);
  const d = hex8(random);
  return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${((Number.parseInt(c[0] as string, 16) & 0x3) | 0x8).toString(16)}${c.slice(1, 4)}-${c.slice(4)}${d}`;
}

const sha256 = (random: () => number) => Array.from({ length: 8 }, () => hex8(random)).join('');

/** `2026-07-28T14:03:12.345678Z`: SeekrFlow's timestamps carry microseconds. */
function timestamp(ms: number, random: () => number): string {
  return new Date(ms).toISOString().replace(
    'Z',
    `${Math.floor(random() * 1000)
      .toString()
      .padStart(3, '0')}Z`,
  );
}

const WORDS = [
  'claims',
  'handbook',
  'underwriting',
  'policy',
  'guidelines',
  'quarterly',
  'report',
  'appendix',
  'customer',
  'onboarding',
  'compliance',
  'review',
  'procedures',
  'benefits',
  'summary',
  'pricing',
  'schedule',
  'training',
  'manual',
  'regional',
  'operations',
  'contract',
  'amendment',
  'glossary',
];
const EXTENSIONS = [
  ['pdf', 0.8],
  ['docx', 0.95],
  ['md', 1],
] as const;

/** A file name of 40 to 60 characters: words, a section number, a date, a version and the extension. */
function fileName(i: number, random: () => number, type: string): string {
  const target = 40 + Math.floor(random() * 21);
  const tail = `_s${i}_2026-0${1 + Math.floor(random() * 9)}_v${1 + Math.floor(random() * 4)}.${type}`;
  let name = '';
  for (;;) {
    const word = WORDS[Math.floor(random() * WORDS.length)] as string;
    const next = `${name}${name ? '_' : ''}${word}`;
    if (next.length + tail.length > target) break;
    name = next;
  }
  // Pad with a word cut to fit, so the length is exactly the target.
  const room = target - tail.length - name.length - 1;
  if (room > 0) name += `_${'revisedannotatedfinaldraft'.slice(0, room)}`;
  return `${name}${tail}`;
}

/** Five causes, each about 100 characters of error and 100 of fix; numbers differ from file to file. */
const CAUSES: Array<(page: number) => { error: string; fix: string }> = [
  (p) => ({
    error: `No extractable text found on page ${p}: the PDF appears to contain only scanned images, with no text layer.`,
    fix: 'Run OCR on the document (or export it again with a text layer), then upload the new file to this job.',
  }),
  (p) => ({
    error: `The document is password protected (encryption detected at object ${p}); the ingestion worker cannot open it.`,
    fix: 'Remove the password in the application that produced the file, save a copy and upload that copy instead.',
  }),
  (p) => ({
    error: `Parsing stopped at byte offset ${p * 4096}: the file ends early and its cross-reference table is missing.`,
    fix: 'The upload was probably cut short: download the original again, check that it opens, and upload it again.',
  }),
  (p) => ({
    error: `Page ${p} is larger than the 50 MB per-page limit after rendering, so extraction was skipped for the file.`,
    fix: 'Split the document into smaller parts or lower the resolution of its embedded images, then upload them again.',
  }),
  (p) => ({
    error: `Unsupported encoding on page ${p}: the text uses a legacy font without a Unicode map, so the extraction failed.`,
    fix: 'Export the document again to PDF/A from its source, which embeds Unicode fonts, and upload the exported file.',
  }),
];

const RUN_SIZE = 500;

export interface JobShapeOptions {
  status?: string;
  /** One file in this many fails (0: none). */
  failedEvery?: number;
}

/** A job of `files` files, shaped as described above. */
export function realisticJob(id: string, files: number, options: JobShapeOptions = {}): DataJob {
  const random = generator(seedOf(`${id}:${files}`));
  const failedEvery = options.failedEvery ?? 10;
  const userId = uuid(random);
  const t0 = Date.UTC(2026, 6, 28, 9, 0, 0);
  const ingestionJobs: IngestionJob[] = [];
  const fileList: DataJobFile[] = [];
  const timeline: TimelineEvent[] = [
    { timestamp: timestamp(t0, random), event_type: 'job_created', message: 'Data job created', metadata: {} },
  ];
  for (let start = 0, run = 0; start < files; start += RUN_SIZE, run++) {
    const runStart = t0 + run * 3_600_000;
    const ingestion: IngestionJob = {
      id: uuid(random),
      status: 'completed',
      created_at: timestamp(runStart, random),
      updated_at: timestamp(runStart + 3_000_000, random),
      file_ids: [],
      records: [],
    };
    const end = Math.min(files, start + RUN_SIZE);
    timeline.push({
      timestamp: timestamp(runStart, random),
      event_type: 'files_added',
      message: `${end - start} files added`,
      metadata: { file_count: end - start, ingestion_job_id: ingestion.id, method: 'best' },
    });
    let failedInRun = 0;
    for (let i = start; i < end; i++) {
      const pick = random();
      const type = EXTENSIONS.find(([, upTo]) => pick < upTo)?.[0] ?? 'pdf';
      const name = fileName(i, random, type);
      const fileId = uuid(random);
      const created = runStart + i * 37;
      const bytes = 20_000 + Math.floor(random() * 8_000_000);
      if (type === 'md') {
        // Markdown skips ingestion: no record, no status (docs/seekrflow-api.md).
        const at = timestamp(created, random);
        fileList.push({
          file_id: fileId,
          record_id: null,
          name,
          type,
          created_at: at,
          updated_at: at,
          status: null,
          suggested_fix: null,
          bytes,
          sha256: sha256(random),
        });
        continue;
      }
      const failed = failedEvery > 0 && i % failedEvery === failedEvery - 1;
      const cause = failed ? (CAUSES[i % CAUSES.length] as (p: number) => { error: string; fix: string })(1 + (i % 97)) : null;
      const record: IngestionRecord = {
        record_id: uuid(random),
        ingestion_job_id: ingestion.id,
        alignment_file_id: fileId,
        user_id: userId,
        filename: name,
        metaflow_job_id: `IngestionFlow/${1_000_000 + Math.floor(random() * 9_000_000)}`,
        method: 'best',
        status: failed ? 'failed' : 'completed',
        queue_position: null,
        error_message: cause?.error ?? null,
        suggested_fix: cause?.fix ?? null,
        worker_id: `ingest-worker-${hex8(random)}-${Math.floor(random() * 16)}`,
        deleted: false,
        created_at: timestamp(created, random),
        processing_at: timestamp(created + 60_000, random),
        completed_at: failed ? null : timestamp(created + 180_000, random),
        failed_at: failed ? timestamp(created + 120_000, random) : null,
        source_uri: `uploads/${userId}/${fileId}/${encodeURIComponent(name)}`,
      };
      if (failed) failedInRun++;
      ingestion.records.push(record);
      ingestion.file_ids.push(fileId);
      fileList.push({
        file_id: fileId,
        record_id: record.record_id,
        name,
        type,
        created_at: record.created_at,
        updated_at: (failed ? record.failed_at : record.completed_at) ?? record.created_at,
        status: record.status,
        suggested_fix: record.suggested_fix ?? null,
        bytes,
        sha256: sha256(random),
      });
    }
    if (failedInRun > 0) {
      timeline.push({
        timestamp: timestamp(runStart + 3_000_000, random),
        event_type: 'ingestion_file_failed',
        message: `${failedInRun} files failed ingestion`,
        metadata: { failed_count: failedInRun, ingestion_job_id: ingestion.id },
      });
    }
    ingestionJobs.push(ingestion);
  }
  const alignmentStart = t0 + Math.ceil(files / RUN_SIZE) * 3_600_000;
  timeline.push({
    timestamp: timestamp(alignmentStart, random),
    event_type: 'alignment_started',
    message: 'Alignment started',
    metadata: { method: 'principle_files' },
  });
  return {
    id,
    user_id: userId,
    name: `Bench ${files} files ${id}`,
    job_type: 'principle_files',
    alignment_job_id: null,
    created_at: timestamp(t0, random),
    updated_at: timestamp(alignmentStart, random),
    status: options.status ?? 'running',
    system_prompt: 'You are a careful assistant for the claims team. Answer from the handbook only, and cite the section you used.',
    instructions: null,
    resolved_instructions: null,
    vector_database_id: null,
    additional_alignment_file_ids: [],
    ingestion_jobs: ingestionJobs,
    alignment_job: {
      id: uuid(random),
      created_at: timestamp(alignmentStart, random),
      updated_at: timestamp(alignmentStart + 600_000, random),
      completed_at: null,
      status: 'running',
      current_step: 'generating_qa_pairs',
      step_progress: `${Math.floor(files / 4)}/${files}`,
      progress: 25,
      estimated_completion_at: timestamp(alignmentStart + 7_200_000, random),
      eta_minutes: 110,
      status_message: 'Generating question-answer pairs',
    },
    files: fileList,
    fine_tuning_job_ids: [],
    timeline,
  };
}

/**
 * A size distribution such as `1880x20,100x200,20x2000` (count × files per job), spread evenly
 * over the job ids so that every stretch of a pass holds its share of big jobs. Returns the file
 * count of each job, in id order.
 */
export function spreadSizes(spec: string): number[] {
  const groups = spec.split(',').map((part) => {
    const match = /^\s*(\d+)\s*[x×]\s*(\d+)\s*$/.exec(part);
    if (!match) throw new Error(`bad size group "${part}": expected <jobs>x<files>, e.g. 1880x20`);
    return { count: Number(match[1]), files: Number(match[2]) };
  });
  const keyed = groups.flatMap((g) => Array.from({ length: g.count }, (_, k) => ({ key: (k + 0.5) / g.count, files: g.files })));
  return keyed.sort((a, b) => a.key - b.key).map((k) => k.files);
}

/** `1880x20,100x200,20x2000` → "1,880 × 20 + 100 × 200 + 20 × 2,000 files". */
export function describeSizes(spec: string): string {
  return `${spec
    .split(',')
    .map((part) =>
      part
        .split(/[x×]/)
        .map((n) => Number(n).toLocaleString('en'))
        .join(' × '),
    )
    .join(' + ')} files`;
}
