import type { AlignmentJob, DataJob, DataJobFile, IngestionJob, IngestionRecord } from '../src/domain/data-job.js';
import { isoMicros, isoSeconds } from './clock.js';
import type { Random } from './random.js';
import type { ResolvedScenario } from './scenarios.js';

/**
 * A job's lifecycle is planned in full when the job is created: a list of steps, each a change the
 * API would show at a given time. Steps are applied when someone looks at the job and its time has
 * come (or when a test advances it), so nothing runs in the background and a manual clock is exact.
 *
 * Steps find what they change by id instead of holding object references, so a test that rewrites
 * parts of a job with `updateJob` does not leave later steps editing detached objects.
 */

export interface Step {
  /** Clock time the step is due; advancing a job early shifts the remaining steps back. */
  at: number;
  readonly label: string;
  apply(job: DataJob, t: number): void;
}

export class SimulatedJob {
  private nextStep = 0;
  private lastChange: number;
  private json: string | null = null;
  private body: Buffer | null = null;
  private listItem: string | null = null;

  constructor(
    readonly job: DataJob,
    readonly teamId: string | null,
    private readonly steps: Step[],
    createdAt: number,
  ) {
    this.lastChange = createdAt;
  }

  get remainingSteps(): number {
    return this.steps.length - this.nextStep;
  }

  get nextLabel(): string | null {
    return this.steps[this.nextStep]?.label ?? null;
  }

  /** Applies every step that is due at `now`. */
  settle(now: number): void {
    for (let step = this.steps[this.nextStep]; step !== undefined && step.at <= now; step = this.steps[this.nextStep]) {
      this.apply(step);
    }
  }

  /** Applies the next `count` steps at once, as if their time had come; later steps keep their spacing. */
  advance(now: number, count: number): number {
    this.settle(now);
    let applied = 0;
    for (let step = this.steps[this.nextStep]; step !== undefined && applied < count; step = this.steps[this.nextStep]) {
      const early = step.at - now;
      if (early > 0) for (let i = this.nextStep; i < this.steps.length; i++) (this.steps[i] as Step).at -= early;
      this.apply(step);
      applied += 1;
    }
    return applied;
  }

  /**
   * Someone started the alignment (`POST …/start`): when the plan has the alignment start still to
   * come, it comes now, and the rest of the plan (queued, running, the outcome) follows from here with
   * its spacing. False when the plan has no start to come (a job served as put): the caller starts it.
   */
  startNow(now: number): boolean {
    this.settle(now);
    const at = this.steps.findIndex((step, i) => i >= this.nextStep && step.label === 'alignment pending');
    if (at < 0) return false;
    // The steps before it (none, for a ready job) come first, at once.
    this.advance(now, at - this.nextStep + 1);
    return true;
  }

  /** The job ended by someone's hand (`POST …/cancel`): nothing the plan had in store comes any more. */
  endPlan(): void {
    this.nextStep = this.steps.length;
  }

  /** The payload as served; cached until the job changes, so serving a job costs no serialisation. */
  toJson(): string {
    this.json ??= JSON.stringify(this.job);
    return this.json;
  }

  toBody(): Buffer {
    this.body ??= Buffer.from(this.toJson());
    return this.body;
  }

  /** The job as a list item shows it: the detail without its collections; cached like `toJson`. */
  toListItemJson(): string {
    if (this.listItem === null) {
      const {
        additional_alignment_file_ids: _a,
        ingestion_jobs: _i,
        alignment_job: _al,
        files: _f,
        fine_tuning_job_ids: _ft,
        timeline: _t,
        ...item
      } = this.job;
      this.listItem = JSON.stringify(item);
    }
    return this.listItem;
  }

  /** Call after changing `job` from outside the plan. */
  changed(): void {
    this.json = null;
    this.body = null;
    this.listItem = null;
  }

  private apply(step: Step): void {
    // updated_at must move on every change, even when a test applies several steps in the same instant.
    const t = Math.max(step.at, this.lastChange + 1);
    this.nextStep += 1;
    step.apply(this.job, t);
    this.lastChange = t;
    this.changed();
  }
}

// ---------------------------------------------------------------------------------------------
// Planning

export interface PlanContext {
  random: Random;
  /** The job's owner: its `user_id`, and its ingestion records'. */
  userId: string;
  createdAt: number;
  id?: string;
  /** Default `principle_files`; the job_created event names it too. */
  jobType?: string;
}

export interface PlannedJob {
  job: DataJob;
  steps: Step[];
}

interface Theme {
  name: string;
  systemPrompt: string;
  instructions: string;
  resolvedInstructions: string;
  documents: readonly string[];
  markdown: readonly string[];
}

const THEMES: readonly Theme[] = [
  {
    name: 'Claims handbook Q3 refresh',
    systemPrompt:
      'You are a claims-handling assistant for Acme Mutual. Answer only from the claims handbook and cite the section you used.',
    instructions:
      'Generate question-answer pairs that help new adjusters look up claims procedures, filing deadlines and escalation rules.',
    resolvedInstructions:
      'Generate question-answer pairs that help new adjusters look up claims procedures, filing deadlines and escalation rules. Cover every section of the attached documents and prefer concrete deadlines and thresholds.',
    documents: [
      'Claims Handbook v7 - Part 1.pdf',
      'Claims Handbook v7 - Part 2.pdf',
      'Escalation Matrix 2026.docx',
      'Subrogation Playbook.pdf',
      'Adjuster Onboarding Deck.pptx',
      'Catastrophe Response SOP.docx',
    ],
    markdown: ['Claims FAQ.md', 'Glossary.md'],
  },
  {
    name: 'HR policy assistant v2',
    systemPrompt:
      "You are Acme's HR policy assistant. Answer employee questions using the official HR policies and say when a question needs an HR partner.",
    instructions: 'Create question-answer pairs covering benefits enrollment, leave, expenses and common HR FAQs.',
    resolvedInstructions:
      'Create question-answer pairs covering benefits enrollment, leave, expenses and common HR FAQs. Include eligibility rules, limits and deadlines, and questions phrased the way employees ask them.',
    documents: [
      'Benefits Guide 2026.pdf',
      'PTO and Leave Policy.docx',
      'Expense Policy.pdf',
      'Code of Conduct.pdf',
      'Remote Work Guidelines.docx',
      'Parental Leave Overview.pptx',
    ],
    markdown: ['HR FAQ.md', 'Holiday Calendar.md'],
  },
  {
    name: 'Support assistant knowledge base',
    systemPrompt:
      'You are the support assistant for the Nimbus X2 router. Answer from the product documentation and link the relevant page.',
    instructions: 'Write question-answer pairs for setup, troubleshooting and warranty questions customers ask support.',
    resolvedInstructions:
      'Write question-answer pairs for setup, troubleshooting and warranty questions customers ask support. Include exact menu paths and error codes, and keep answers short enough for chat.',
    documents: [
      'Nimbus X2 User Manual.pdf',
      'Troubleshooting Guide.pdf',
      'Warranty Terms.docx',
      'Firmware Release Notes 2026.pdf',
      'Installation Quick Start.pptx',
      'Return Policy.pdf',
    ],
    markdown: ['Known Issues.md', 'Support Macros.md'],
  },
  {
    name: 'Security questionnaire answers',
    systemPrompt: 'You answer customer security questionnaires for Acme Cloud using only the approved security documentation.',
    instructions: 'Produce question-answer pairs that match common security questionnaire items (SIG, CAIQ) to our controls.',
    resolvedInstructions:
      'Produce question-answer pairs that match common security questionnaire items (SIG, CAIQ) to our controls. Quote control ids and retention periods exactly and never promise what the documents do not state.',
    documents: [
      'Information Security Policy.pdf',
      'Incident Response Plan.docx',
      'Access Control Standard.pdf',
      'Data Retention Schedule.pdf',
      'Business Continuity Plan.docx',
      'Security Awareness Training.pptx',
    ],
    markdown: ['Security FAQ.md', 'Subprocessors.md'],
  },
];

interface FailureKind {
  name: string;
  fixedName: string;
  error: string;
  fix: string;
}

const FAILURES: readonly FailureKind[] = [
  {
    name: 'Appendix C - Scanned Forms.pdf',
    fixedName: 'Appendix C - Scanned Forms (OCR).pdf',
    error: 'No extractable text found: the PDF appears to contain only scanned images without an OCR text layer.',
    fix: 'Run OCR on the document (or re-export it with a text layer), upload the new file, and add it to this data job.',
  },
  {
    name: 'Handbook_FINAL (1).docx',
    fixedName: 'Handbook_FINAL (unlocked).docx',
    error: 'The document could not be opened because it is password-protected.',
    fix: 'Remove the password protection in Word (File > Info > Protect Document), save, re-upload the file and add it again.',
  },
  {
    name: 'Team offsite recording.mp4',
    fixedName: 'Team offsite transcript.docx',
    error: 'Unsupported file type: video/mp4.',
    fix: 'Convert the content to a supported format (PDF, DOCX, PPTX or Markdown), upload it and add it to this data job.',
  },
  {
    name: 'Policy archive 2019-2025.pdf',
    fixedName: 'Policy archive 2025.pdf',
    error: 'The file is 212 MB; the maximum size for ingestion is 100 MB.',
    fix: 'Split the document into files under 100 MB, upload them and add them to this data job.',
  },
  {
    name: 'Vendor contract.pdf',
    fixedName: 'Vendor contract (re-exported).pdf',
    error: 'The file is damaged and could not be parsed (unexpected end of PDF stream).',
    fix: 'Re-export or re-download the original document, upload it again and add it to this data job.',
  },
];

interface FileSeed {
  fileId: string;
  recordId: string;
  name: string;
  bytes: number;
  /** How long before being added the file was uploaded. */
  uploadedBefore: number;
  failure: (FailureKind & { fixedName: string }) | null;
}

interface MarkdownSeed {
  fileId: string;
  name: string;
  bytes: number;
  uploadedBefore: number;
}

const extension = (name: string): string => name.slice(name.lastIndexOf('.') + 1).toLowerCase();

/** The nth name from a pool; past its end, numbered variants keep names unique. */
function nthName(pool: readonly string[], n: number): string {
  const base = pool[n % pool.length] ?? 'Document.pdf';
  const round = Math.floor(n / pool.length);
  if (round === 0) return base;
  const dot = base.lastIndexOf('.');
  return `${base.slice(0, dot)} (${round + 1})${base.slice(dot)}`;
}

/** Which of `total` files fail: spread out, so failures interleave with successes. */
function failingIndexes(failing: number, total: number): Set<number> {
  const out = new Set<number>();
  for (let k = 0; k < failing; k++) out.add(Math.min(total - 1, Math.floor(((k + 0.5) * total) / failing)));
  return out;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * What every stage of a plan shares: the scenario, the random source and the steps planned so far.
 * Stages draw from the random source while planning, in a fixed order, and never when a step
 * applies: a seed gives the same jobs however often and whenever anyone looks at them.
 */
class Planner {
  readonly steps: Step[] = [];
  /**
   * The pause between consecutive changes of one event (e.g. ingestion finished, then the status
   * moves): a second, or less when a test shrinks the stage durations.
   */
  readonly beat: number;

  constructor(
    readonly scenario: ResolvedScenario,
    readonly random: Random,
    readonly userId: string,
    readonly theme: Theme,
    private readonly micros: string,
  ) {
    const positive = Object.values(scenario.durations).filter((ms) => ms > 0);
    this.beat = positive.length === 0 ? 1 : Math.max(1, Math.min(1000, Math.round(Math.min(...positive) / 4)));
  }

  /** A data-job timestamp: the microseconds a millisecond clock lacks are made up once per job. */
  ts(t: number): string {
    return isoMicros(t, this.micros);
  }

  step(at: number, label: string, change: (job: DataJob, t: number) => void): void {
    // Steps are planned in time order and never share an instant: otherwise advancing a job to one
    // step would make its same-time siblings due as well, and `advance(id, 1)` would not be one change.
    const previous = this.steps.at(-1);
    this.steps.push({
      at: previous === undefined ? at : Math.max(at, previous.at + 1),
      label,
      apply: (job, t) => {
        change(job, t);
        job.updated_at = this.ts(t);
      },
    });
  }

  event(job: DataJob, t: number, eventType: string, message: string, metadata: Record<string, unknown>): void {
    job.timeline.push({ timestamp: this.ts(t), event_type: eventType, message, metadata });
  }

  setStatus(job: DataJob, t: number, to: string, statusMessage: string | null): void {
    const from = job.status;
    job.status = to;
    job.status_message = statusMessage;
    this.event(job, t, 'status_changed', `Status changed to ${to}`, { from, to });
  }
}

/**
 * Plans a job's whole life at creation, stage by stage: ingestion of its files, review until
 * nothing blocks alignment (or for ever, when the scenario never fixes what blocks it), then the
 * alignment's start, progress and outcome.
 */
export function planJob(s: ResolvedScenario, ctx: PlanContext): PlannedJob {
  const r = ctx.random;
  const micros = r.int(0, 999).toString().padStart(3, '0');
  const theme = r.pick(THEMES);
  const plan = new Planner(s, r, ctx.userId, theme, micros);
  const seeds = seedIngestedFiles(plan);
  const markdown = seedMarkdownFiles(plan);
  const firstRunId = r.uuid();
  const job = initialPayload(plan, ctx, seeds, markdown, firstRunId);
  const total = seeds.length + markdown.length;
  const failedFiles = seeds.filter((f) => f.failure);

  const ingestedAt = seeds.length > 0 ? planIngestionRun(plan, firstRunId, seeds, ctx.createdAt) : ctx.createdAt + s.durations.queuedMs;
  const readyAt = planReview(plan, ingestedAt, failedFiles, total);
  if (readyAt === null) return { job, steps: plan.steps };
  const alignment = planAlignmentStart(plan, readyAt, total);
  planOutcome(plan, alignment, planProgress(plan, alignment));
  return { job, steps: plan.steps };
}

/**
 * The files that go through ingestion. Failing ones are named after what breaks them (a scanned
 * PDF, a locked DOCX…), so a card or thread shows the failure a person would meet.
 */
function seedIngestedFiles(plan: Planner): FileSeed[] {
  const { scenario, random: r, theme } = plan;
  const failing = failingIndexes(scenario.failingFiles, scenario.files);
  let failureCount = 0;
  const seeds: FileSeed[] = [];
  for (let i = 0; i < scenario.files; i++) {
    let name: string;
    let failure: FileSeed['failure'] = null;
    const kind = failing.has(i) ? FAILURES[failureCount % FAILURES.length] : undefined;
    if (kind) {
      // Past the list of failure kinds, numbered copies keep file names unique.
      const round = Math.floor(failureCount / FAILURES.length);
      failureCount += 1;
      name = nthName([kind.name], round);
      failure = { ...kind, fixedName: nthName([kind.fixedName], round) };
    } else {
      name = nthName(theme.documents, i - failureCount);
    }
    seeds.push({
      fileId: `file-${r.uuid()}`,
      recordId: r.uuid(),
      name,
      bytes: extension(name) === 'mp4' ? r.int(150_000_000, 900_000_000) : r.int(40_000, 12_000_000),
      uploadedBefore: r.int(5_000, 60_000),
      failure,
    });
  }
  return seeds;
}

/** Markdown files skip ingestion: they never change once the job exists. */
function seedMarkdownFiles(plan: Planner): MarkdownSeed[] {
  const r = plan.random;
  return Array.from({ length: plan.scenario.markdownFiles }, (_, i) => ({
    fileId: `file-${r.uuid()}`,
    name: nthName(plan.theme.markdown, i),
    bytes: r.int(2_000, 80_000),
    uploadedBefore: r.int(5_000, 60_000),
  }));
}

function queuedRecord(plan: Planner, seed: FileSeed, runId: string, at: number, method: string, queuePosition: number): IngestionRecord {
  return {
    record_id: seed.recordId,
    ingestion_job_id: runId,
    alignment_file_id: seed.fileId,
    user_id: plan.userId,
    filename: seed.name,
    metaflow_job_id: null,
    method,
    status: 'queued',
    queue_position: queuePosition,
    error_message: null,
    suggested_fix: null,
    worker_id: null,
    deleted: false,
    created_at: plan.ts(at),
    processing_at: null,
    completed_at: null,
    failed_at: null,
  };
}

function fileEntry(plan: Planner, seed: FileSeed, at: number): DataJobFile {
  return {
    file_id: seed.fileId,
    record_id: seed.recordId,
    name: seed.name,
    type: extension(seed.name),
    created_at: plan.ts(at - seed.uploadedBefore),
    status: 'queued',
    suggested_fix: null,
    bytes: seed.bytes,
  };
}

function queuedRun(plan: Planner, id: string, fileSeeds: FileSeed[], at: number, method: string): IngestionJob {
  return {
    id,
    status: 'queued',
    created_at: plan.ts(at),
    updated_at: plan.ts(at),
    file_ids: fileSeeds.map((f) => f.fileId),
    records: fileSeeds.map((f, i) => queuedRecord(plan, f, id, at, method, i + 1)),
  };
}

/** The job as created: every file added at once, the ingestion ones queued in the first run. */
function initialPayload(plan: Planner, ctx: PlanContext, seeds: FileSeed[], markdown: MarkdownSeed[], firstRunId: string): DataJob {
  const t0 = ctx.createdAt;
  const { theme } = plan;
  const hasPrompt = plan.scenario.systemPrompt;
  const jobType = ctx.jobType ?? 'principle_files';
  const job: DataJob = {
    id: ctx.id ?? `dj-${plan.random.uuid()}`,
    user_id: ctx.userId,
    name: theme.name,
    job_type: jobType,
    alignment_job_id: null,
    created_at: plan.ts(t0),
    updated_at: plan.ts(t0),
    status: 'file_processing',
    system_prompt: hasPrompt ? theme.systemPrompt : null,
    system_prompt_updated_at: hasPrompt ? plan.ts(t0) : null,
    instructions: theme.instructions,
    instructions_updated_at: plan.ts(t0),
    resolved_instructions: theme.resolvedInstructions,
    vector_database_id: null,
    additional_alignment_file_ids: markdown.map((m) => m.fileId),
    ingestion_jobs: seeds.length > 0 ? [queuedRun(plan, firstRunId, seeds, t0, 'best')] : [],
    alignment_job: null,
    files: [
      ...seeds.map((seed) => fileEntry(plan, seed, t0)),
      ...markdown.map((m) => ({
        file_id: m.fileId,
        record_id: null,
        name: m.name,
        type: 'md',
        created_at: plan.ts(t0 - m.uploadedBefore),
        status: null,
        suggested_fix: null,
        bytes: m.bytes,
      })),
    ],
    fine_tuning_job_ids: [],
    timeline: [{ timestamp: plan.ts(t0), event_type: 'job_created', message: 'Data job created', metadata: { job_type: jobType } }],
    // Fields the live API sends beyond the contract.
    origin_data_job_id: null,
    deleted: false,
    status_message: seeds.length > 0 ? `Processing ${plural(seeds.length, 'file')}` : null,
  };
  const total = seeds.length + markdown.length;
  if (total > 0) plan.event(job, t0, 'files_added', `${plural(total, 'file')} added`, { file_count: total, method: 'best' });
  return job;
}

interface TimedFile {
  seed: FileSeed;
  begin: number;
  end: number;
  worker: string;
  flow: string;
}

interface FileChange {
  kind: 'start' | 'end';
  item: TimedFile;
}

/**
 * One ingestion run, as a person sees it in the payload: files wait `queuedMs`, workers take them a
 * few at a time, each instant where files start or finish is one change, and a last change closes
 * the run. Returns when it closes.
 */
function planIngestionRun(plan: Planner, runId: string, fileSeeds: FileSeed[], queuedAt: number): number {
  const start = queuedAt + plan.scenario.durations.queuedMs;
  const moments = changesByMoment(assignWorkers(plan, fileSeeds, start));
  moments.forEach(([at, changes], index) => {
    const started = changes.filter((c) => c.kind === 'start').length;
    const ended = changes.filter((c) => c.kind === 'end').length;
    plan.step(at, `ingestion: ${started} started, ${ended} finished`, (job, t) => {
      const ingestion = job.ingestion_jobs.find((j) => j.id === runId);
      if (!ingestion) return;
      if (index === 0) {
        ingestion.status = 'running';
        plan.event(job, t, 'ingestion_started', `Ingestion started for ${plural(fileSeeds.length, 'file')}`, {
          ingestion_job_id: runId,
          file_count: fileSeeds.length,
        });
      }
      for (const change of changes) applyFileChange(plan, job, t, ingestion, change);
      let position = 1;
      for (const rec of ingestion.records) if (rec.status === 'queued') rec.queue_position = position++;
      ingestion.updated_at = plan.ts(t);
    });
  });
  const completesAt = (moments.at(-1)?.[0] ?? start) + plan.beat;
  planRunCompletion(plan, runId, fileSeeds, completesAt);
  return completesAt;
}

/**
 * Each file goes to the `ingestionConcurrency` worker that is free first and takes about `fileMs`
 * (±25%); failing files give up sooner than a success takes.
 */
function assignWorkers(plan: Planner, fileSeeds: FileSeed[], start: number): TimedFile[] {
  const { fileMs } = plan.scenario.durations;
  const r = plan.random;
  const slots: number[] = Array.from({ length: Math.min(plan.scenario.ingestionConcurrency, fileSeeds.length) }, () => start);
  return fileSeeds.map((seed) => {
    let slot = 0;
    for (let i = 1; i < slots.length; i++) if ((slots[i] as number) < (slots[slot] as number)) slot = i;
    const begin = slots[slot] as number;
    const span = fileMs * (0.75 + 0.5 * r.next()) * (seed.failure ? 0.4 : 1);
    const end = begin + Math.max(fileMs > 0 ? 1 : 0, Math.round(span));
    slots[slot] = end;
    return { seed, begin, end, worker: `ingestion-worker-7c9d6b5f4-${r.hex(5)}`, flow: `argo-documentingestionflow-${r.hex(5)}` };
  });
}

/** The run's file starts and ends grouped by instant, in time order. */
function changesByMoment(timed: TimedFile[]): [number, FileChange[]][] {
  const byTime = new Map<number, FileChange[]>();
  for (const item of timed) {
    for (const [kind, at] of [
      ['start', item.begin],
      ['end', item.end],
    ] as const) {
      const list = byTime.get(at);
      if (list) list.push({ kind, item });
      else byTime.set(at, [{ kind, item }]);
    }
  }
  // At one instant: files that finish free their slot before the next files start; a zero-length
  // file still starts before it ends.
  const order = (c: FileChange, at: number): number => (c.kind === 'end' && c.item.begin < at ? 0 : c.kind === 'start' ? 1 : 2);
  return [...byTime.keys()].sort((a, b) => a - b).map((at) => [at, (byTime.get(at) ?? []).sort((a, b) => order(a, at) - order(b, at))]);
}

/** A file starting or ending on its worker shows in its record and its `files[]` entry; a failure also in the timeline. */
function applyFileChange(plan: Planner, job: DataJob, t: number, ingestion: IngestionJob, { kind, item }: FileChange): void {
  const rec = ingestion.records.find((x) => x.record_id === item.seed.recordId);
  const file = job.files.find((f) => f.file_id === item.seed.fileId);
  if (!rec) return;
  if (kind === 'start') {
    rec.status = 'processing';
    rec.queue_position = null;
    rec.processing_at = plan.ts(t);
    rec.worker_id = item.worker;
    rec.metaflow_job_id = `DocumentIngestionFlow/${item.flow}`;
  } else if (item.seed.failure) {
    rec.status = 'failed';
    rec.failed_at = plan.ts(t);
    rec.error_message = item.seed.failure.error;
    rec.suggested_fix = item.seed.failure.fix;
    if (file) file.suggested_fix = item.seed.failure.fix;
    plan.event(job, t, 'ingestion_file_failed', `${item.seed.name} failed to process`, {
      ingestion_job_id: ingestion.id,
      file_id: item.seed.fileId,
      record_id: item.seed.recordId,
    });
  } else {
    rec.status = 'completed';
    rec.completed_at = plan.ts(t);
  }
  if (file) file.status = rec.status;
}

/** Closing a run is a change of its own, a beat after its last file, with the tally of successes and failures. */
function planRunCompletion(plan: Planner, runId: string, fileSeeds: FileSeed[], at: number): void {
  const failed = fileSeeds.filter((f) => f.failure).length;
  plan.step(at, 'ingestion completed', (job, t) => {
    const ingestion = job.ingestion_jobs.find((j) => j.id === runId);
    if (ingestion) {
      ingestion.status = 'completed';
      ingestion.updated_at = plan.ts(t);
    }
    plan.event(job, t, 'ingestion_completed', `Ingestion finished: ${fileSeeds.length - failed} succeeded, ${failed} failed`, {
      ingestion_job_id: runId,
      succeeded: fileSeeds.length - failed,
      failed,
    });
  });
}

/**
 * Review: while something blocks alignment the job is `needs_review`, and the person fixes one
 * thing per visit (failed files first, then the system prompt) until it is `ready_to_start`.
 * Returns when it becomes ready, or null when the scenario leaves it blocked for ever.
 */
function planReview(plan: Planner, ingestedAt: number, failedFiles: FileSeed[], total: number): number | null {
  const s = plan.scenario;
  let t = ingestedAt;
  let failed = failedFiles;
  let prompt = s.systemPrompt;
  for (;;) {
    t += plan.beat;
    const reasons: string[] = [];
    if (failed.length > 0) reasons.push(`${plural(failed.length, 'file')} failed to process`);
    if (total === 0) reasons.push('the job has no files');
    if (!prompt) reasons.push('a system prompt is required before alignment can start');
    if (reasons.length === 0) {
      plan.step(t, 'ready_to_start', (job, at) => plan.setStatus(job, at, 'ready_to_start', 'Ready to start alignment'));
      return t;
    }
    const message = reasons.join('; ');
    plan.step(t, 'needs_review', (job, at) => plan.setStatus(job, at, 'needs_review', message.charAt(0).toUpperCase() + message.slice(1)));
    const blocked = total === 0 || (failed.length > 0 && !s.fixFailures) || (!prompt && !s.fixSystemPrompt);
    if (blocked) return null;

    if (failed.length > 0) {
      t = planFileReplacement(plan, failed, t);
      failed = [];
    } else {
      t += s.durations.reviewMs;
      const systemPrompt = plan.theme.systemPrompt;
      plan.step(t, 'system prompt set', (job, at) => {
        job.system_prompt = systemPrompt;
        job.system_prompt_updated_at = plan.ts(at);
        plan.event(job, at, 'system_prompt_updated', 'System prompt updated', {});
      });
      prompt = true;
    }
  }
}

/**
 * The person's fix for failed files: remove them (their records stay, marked `deleted`), then add
 * fixed copies, which go through an ingestion run of their own. Returns when that run closes.
 */
function planFileReplacement(plan: Planner, removed: FileSeed[], reviewAt: number): number {
  const { reviewMs } = plan.scenario.durations;
  const r = plan.random;
  const removeAt = reviewAt + Math.round(reviewMs * 0.6);
  plan.step(removeAt, 'failed files removed', (job, at) => {
    const ids = new Set(removed.map((f) => f.fileId));
    for (const ingestion of job.ingestion_jobs) {
      for (const rec of ingestion.records) if (ids.has(rec.alignment_file_id)) rec.deleted = true;
    }
    job.files = job.files.filter((f) => !ids.has(f.file_id));
    plan.event(job, at, 'files_removed', `${plural(removed.length, 'file')} removed`, { file_ids: removed.map((f) => f.fileId) });
  });
  const replacements: FileSeed[] = removed.map((f) => ({
    fileId: `file-${r.uuid()}`,
    recordId: r.uuid(),
    name: f.failure?.fixedName ?? f.name,
    bytes: r.int(40_000, 12_000_000),
    uploadedBefore: r.int(5_000, 60_000),
    failure: null,
  }));
  const runId = r.uuid();
  const addAt = Math.max(removeAt + plan.beat, reviewAt + reviewMs);
  plan.step(addAt, 'fixed files added', (job, at) => {
    job.ingestion_jobs.push(queuedRun(plan, runId, replacements, at, 'accuracy-optimized'));
    job.files.push(...replacements.map((seed) => fileEntry(plan, seed, at)));
    plan.event(job, at, 'files_added', `${plural(replacements.length, 'file')} added`, {
      file_count: replacements.length,
      method: 'accuracy-optimized',
    });
    plan.setStatus(job, at, 'file_processing', `Processing ${plural(replacements.length, 'file')}`);
  });
  return planIngestionRun(plan, runId, replacements, addAt);
}

interface AlignmentPlan {
  id: string;
  /** Documents it reads: every file, markdown included. */
  docs: number;
  qaTotal: number;
  runningAt: number;
  completesAt: number;
}

/**
 * Alignment start: someone starts it `readyMs` after the job is ready, then it waits for resources
 * (`pending`, then `queued`) before it is `running`.
 */
function planAlignmentStart(plan: Planner, readyAt: number, docs: number): AlignmentPlan {
  const d = plan.scenario.durations;
  const id = plan.random.uuid();
  const qaTotal = docs * plan.random.int(50, 90);
  const pendingAt = readyAt + d.readyMs;
  const runningAt = pendingAt + d.alignmentQueueMs;
  const alignment: AlignmentPlan = { id, docs, qaTotal, runningAt, completesAt: runningAt + d.alignmentMs };

  plan.step(pendingAt, 'alignment pending', (job, at) => {
    job.alignment_job_id = id;
    job.alignment_job = {
      id,
      created_at: isoSeconds(at),
      updated_at: isoSeconds(at),
      completed_at: null,
      status: 'pending',
      current_step: null,
      step_progress: null,
      progress: null,
      estimated_completion_at: null,
      eta_minutes: null,
      status_message: 'Waiting for resources',
    };
    plan.event(job, at, 'alignment_started', 'Alignment started', { alignment_job_id: id });
    plan.setStatus(job, at, 'pending', 'Waiting for resources');
  });
  plan.step(pendingAt + Math.round(d.alignmentQueueMs / 2), 'alignment queued', (job, at) => {
    setAlignmentStatus(plan, job, at, 'queued', 'Queued for processing');
  });
  plan.step(runningAt, 'alignment running', (job, at) => {
    if (setAlignmentStatus(plan, job, at, 'running', 'Starting')) applyProgress(job, at, 0, runningAt, alignment);
  });
  return alignment;
}

/** The job's status follows its alignment's, in the same change. */
function setAlignmentStatus(plan: Planner, job: DataJob, at: number, status: string, statusMessage: string): AlignmentJob | null {
  const a = job.alignment_job;
  if (!a) return null;
  a.status = status;
  a.status_message = statusMessage;
  a.updated_at = isoSeconds(at);
  plan.setStatus(job, at, status, statusMessage);
  return a;
}

/**
 * Progress while running: `progressUpdates` evenly spaced updates; an alignment that ends early
 * stops updating there, with a last update where it ends. Returns when the last update is due.
 */
function planProgress(plan: Planner, alignment: AlignmentPlan): number {
  const s = plan.scenario;
  const { alignmentMs } = s.durations;
  const endsEarly = s.outcome !== 'completed';
  const fractions: number[] = [];
  for (let k = 1; k < s.progressUpdates; k++) {
    const f = k / s.progressUpdates;
    if (endsEarly && f >= s.endAtProgress) break;
    fractions.push(f);
  }
  if (endsEarly && s.endAtProgress > 0) fractions.push(s.endAtProgress);
  for (const f of fractions) {
    const plannedAt = alignment.runningAt + Math.round(f * alignmentMs);
    plan.step(plannedAt, `alignment ${Math.round(f * 100)}%`, (job, at) => applyProgress(job, at, f, plannedAt, alignment));
  }
  return alignment.runningAt + Math.round((fractions.at(-1) ?? 0) * alignmentMs);
}

/**
 * The ETA counts from when the update was planned, not from `at`: a job advanced early has its later
 * steps moved back by as much, and the ETA moves with them.
 */
function applyProgress(job: DataJob, at: number, fraction: number, plannedAt: number, alignment: AlignmentPlan): void {
  const a = job.alignment_job;
  if (!a) return;
  const stage = alignmentStage(fraction, alignment.docs, alignment.qaTotal);
  const remaining = Math.max(0, alignment.completesAt - plannedAt);
  a.current_step = stage.name;
  a.step_progress = stage.progress;
  a.progress = Math.round(fraction * 1000) / 10;
  a.eta_minutes = Math.max(1, Math.ceil(remaining / 60_000));
  a.estimated_completion_at = isoSeconds(at + remaining);
  a.status_message = stage.message;
  a.updated_at = isoSeconds(at);
  job.status_message = stage.message;
}

/** Which step of the alignment a fraction of the run falls in, and how far through that step it is. */
function alignmentStage(
  fraction: number,
  docs: number,
  qaTotal: number,
): { name: string; progress: string | number | null; message: string } {
  if (fraction < 0.1) {
    return {
      name: 'preparing_documents',
      progress: `${Math.floor((fraction / 0.1) * docs)}/${docs}`,
      message: `Preparing ${plural(docs, 'document')}`,
    };
  }
  if (fraction < 0.75) {
    return {
      name: 'generating_qa_pairs',
      progress: `${Math.round(((fraction - 0.1) / 0.65) * qaTotal)}/${qaTotal}`,
      message: `Generating question-answer pairs from ${plural(docs, 'document')}`,
    };
  }
  if (fraction < 0.9) {
    // The live API sends step_progress as a number for some steps.
    return {
      name: 'validating_qa_pairs',
      progress: Math.round(((fraction - 0.75) / 0.15) * qaTotal),
      message: `Validating ${qaTotal} question-answer pairs`,
    };
  }
  return { name: 'packaging_outputs', progress: null, message: 'Writing output files' };
}

type OutputFormat = 'parquet' | 'jsonl';

/**
 * How the alignment ends: on schedule when it completes, otherwise shortly after its last progress
 * update. A stalled one never ends: it stays `running` with the same progress and updated_at.
 */
function planOutcome(plan: Planner, alignment: AlignmentPlan, lastUpdate: number): void {
  const s = plan.scenario;
  const { outcome } = s;
  const endAt =
    outcome === 'completed' ? alignment.completesAt : lastUpdate + Math.max(1, Math.round(s.durations.alignmentMs / s.progressUpdates / 2));
  const partialPairs = Math.round(alignment.qaTotal * s.endAtProgress);
  // Drawn for every outcome, stalled included: what a seed gives the jobs planned after this one
  // depends on how many draws come before them.
  const outputIds = { parquet: `file-${plan.random.uuid()}`, jsonl: `file-${plan.random.uuid()}` };
  if (outcome === 'stalled') return;
  const output = (at: number, format: OutputFormat, pairs: number) => outputFile(plan.theme, outputIds[format], at, format, pairs);
  const { id, qaTotal } = alignment;

  // The event that says why comes before the status change it causes, as in the live timeline.
  plan.step(endAt, `alignment ${outcome}`, (job, at) => {
    if (!job.alignment_job) return;
    switch (outcome) {
      case 'completed': {
        plan.event(job, at, 'alignment_completed', 'Alignment completed', { alignment_job_id: id, qa_pairs: qaTotal });
        const a = setAlignmentStatus(plan, job, at, 'completed', `Generated ${qaTotal.toLocaleString('en-US')} question-answer pairs`);
        if (!a) return;
        endAlignment(a, [output(at, 'parquet', qaTotal), output(at, 'jsonl', qaTotal)]);
        a.completed_at = isoSeconds(at);
        a.progress = 100;
        a.current_step = null;
        a.step_progress = null;
        break;
      }
      case 'failed': {
        const error = 'Alignment failed: the generation model returned errors for 41% of requests; no output was written.';
        plan.event(job, at, 'alignment_failed', 'Alignment failed', { alignment_job_id: id, error });
        const a = setAlignmentStatus(plan, job, at, 'failed', error);
        if (a) endAlignment(a, []);
        break;
      }
      case 'cancelled': {
        plan.event(job, at, 'alignment_cancelled', 'Alignment cancelled', { alignment_job_id: id });
        const a = setAlignmentStatus(plan, job, at, 'cancelled', 'Cancelled by user');
        if (a) endAlignment(a, []);
        break;
      }
      case 'stopped': {
        plan.event(job, at, 'alignment_stopped', 'Alignment stopped', { alignment_job_id: id, qa_pairs: partialPairs });
        const message = `Stopped by user after ${partialPairs} of ${qaTotal} question-answer pairs; partial output kept`;
        const a = setAlignmentStatus(plan, job, at, 'stopped', message);
        if (!a) return;
        endAlignment(a, [output(at, 'jsonl', partialPairs)]);
        a.stopped_at = isoSeconds(at);
        break;
      }
    }
  });
}

/** Output sizes follow the pair count, so partial output looks as small as it is. */
function outputFile(theme: Theme, id: string, at: number, format: OutputFormat, pairs: number) {
  return {
    id,
    filename: `${theme.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-qa.${format}`,
    bytes: pairs * (format === 'parquet' ? 3100 : 4100),
    created_at: isoSeconds(at),
    file_type: format,
    purpose: format === 'parquet' ? 'fine-tune' : 'alignment',
  };
}

/** Whatever the ending, nothing is expected any more and the outputs (maybe none) are final. */
function endAlignment(a: AlignmentJob, outputFiles: unknown[]): void {
  a.eta_minutes = null;
  a.estimated_completion_at = null;
  a.stopped_at = null;
  a.output_files = outputFiles;
}
