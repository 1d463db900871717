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

  /** The payload as served; cached until the job changes, so serving a job costs no serialisation. */
  toJson(): string {
    this.json ??= JSON.stringify(this.job);
    return this.json;
  }

  toBody(): Buffer {
    this.body ??= Buffer.from(this.toJson());
    return this.body;
  }

  /** Call after changing `job` from outside the plan. */
  changed(): void {
    this.json = null;
    this.body = null;
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
  userId: string;
  createdAt: number;
  id?: string;
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

export function planJob(s: ResolvedScenario, ctx: PlanContext): PlannedJob {
  const r = ctx.random;
  const t0 = ctx.createdAt;
  const micros = r.int(0, 999).toString().padStart(3, '0');
  const ts = (t: number): string => isoMicros(t, micros);
  const ats = isoSeconds;
  const d = s.durations;
  // The pause between consecutive changes of one event (e.g. ingestion finished, then the status
  // moves): a second, or less when a test shrinks the stage durations.
  const positive = Object.values(d).filter((ms) => ms > 0);
  const beat = positive.length === 0 ? 1 : Math.max(1, Math.min(1000, Math.round(Math.min(...positive) / 4)));

  const theme = r.pick(THEMES);
  const failing = failingIndexes(s.failingFiles, s.files);
  let failureCount = 0;
  const seeds: FileSeed[] = [];
  for (let i = 0; i < s.files; i++) {
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
  const markdown = Array.from({ length: s.markdownFiles }, (_, i) => ({
    fileId: `file-${r.uuid()}`,
    name: nthName(theme.markdown, i),
    bytes: r.int(2_000, 80_000),
    uploadedBefore: r.int(5_000, 60_000),
  }));
  const firstRunId = r.uuid();

  const record = (seed: FileSeed, runId: string, at: number, method: string, queuePosition: number): IngestionRecord => ({
    record_id: seed.recordId,
    ingestion_job_id: runId,
    alignment_file_id: seed.fileId,
    user_id: ctx.userId,
    filename: seed.name,
    metaflow_job_id: null,
    method,
    status: 'queued',
    queue_position: queuePosition,
    error_message: null,
    suggested_fix: null,
    worker_id: null,
    deleted: false,
    created_at: ts(at),
    processing_at: null,
    completed_at: null,
    failed_at: null,
  });
  const fileEntry = (seed: FileSeed, at: number): DataJobFile => ({
    file_id: seed.fileId,
    record_id: seed.recordId,
    name: seed.name,
    type: extension(seed.name),
    created_at: ts(at - seed.uploadedBefore),
    status: 'queued',
    suggested_fix: null,
    bytes: seed.bytes,
  });
  const run = (id: string, fileSeeds: FileSeed[], at: number, method: string): IngestionJob => ({
    id,
    status: 'queued',
    created_at: ts(at),
    updated_at: ts(at),
    file_ids: fileSeeds.map((f) => f.fileId),
    records: fileSeeds.map((f, i) => record(f, id, at, method, i + 1)),
  });

  const event = (job: DataJob, t: number, eventType: string, message: string, metadata: Record<string, unknown>): void => {
    job.timeline.push({ timestamp: ts(t), event_type: eventType, message, metadata });
  };
  const setStatus = (job: DataJob, t: number, to: string, statusMessage: string | null): void => {
    const from = job.status;
    job.status = to;
    job.status_message = statusMessage;
    event(job, t, 'status_changed', `Status changed to ${to}`, { from, to });
  };

  const hasPrompt = s.systemPrompt;
  const job: DataJob = {
    id: ctx.id ?? `dj-${r.uuid()}`,
    user_id: ctx.userId,
    name: theme.name,
    job_type: 'principle_files',
    alignment_job_id: null,
    created_at: ts(t0),
    updated_at: ts(t0),
    status: 'file_processing',
    system_prompt: hasPrompt ? theme.systemPrompt : null,
    system_prompt_updated_at: hasPrompt ? ts(t0) : null,
    instructions: theme.instructions,
    instructions_updated_at: ts(t0),
    resolved_instructions: theme.resolvedInstructions,
    vector_database_id: null,
    additional_alignment_file_ids: markdown.map((m) => m.fileId),
    ingestion_jobs: seeds.length > 0 ? [run(firstRunId, seeds, t0, 'best')] : [],
    alignment_job: null,
    files: [
      ...seeds.map((seed) => fileEntry(seed, t0)),
      ...markdown.map((m) => ({
        file_id: m.fileId,
        record_id: null,
        name: m.name,
        type: 'md',
        created_at: ts(t0 - m.uploadedBefore),
        status: null,
        suggested_fix: null,
        bytes: m.bytes,
      })),
    ],
    fine_tuning_job_ids: [],
    timeline: [{ timestamp: ts(t0), event_type: 'job_created', message: 'Data job created', metadata: { job_type: 'principle_files' } }],
    // Fields the live API sends beyond the contract.
    origin_data_job_id: null,
    deleted: false,
    status_message: seeds.length > 0 ? `Processing ${plural(seeds.length, 'file')}` : null,
  };
  const total = seeds.length + markdown.length;
  if (total > 0) {
    event(job, t0, 'files_added', `${plural(total, 'file')} added`, { file_count: total, method: 'best' });
  }

  const steps: Step[] = [];
  const step = (at: number, label: string, change: (job: DataJob, t: number) => void): void => {
    // Steps are planned in time order and never share an instant: otherwise advancing a job to one
    // step would make its same-time siblings due as well, and `advance(id, 1)` would not be one change.
    const previous = steps.at(-1);
    steps.push({
      at: previous === undefined ? at : Math.max(at, previous.at + 1),
      label,
      apply: (job, t) => {
        change(job, t);
        job.updated_at = ts(t);
      },
    });
  };

  /** Plans one ingestion run whose records are queued at `queuedAt`; returns when its last file ends. */
  const planRun = (runId: string, fileSeeds: FileSeed[], queuedAt: number): number => {
    const start = queuedAt + d.queuedMs;
    const slots: number[] = Array.from({ length: Math.min(s.ingestionConcurrency, fileSeeds.length) }, () => start);
    const timed = fileSeeds.map((seed) => {
      let slot = 0;
      for (let i = 1; i < slots.length; i++) if ((slots[i] as number) < (slots[slot] as number)) slot = i;
      const begin = slots[slot] as number;
      const span = d.fileMs * (0.75 + 0.5 * r.next()) * (seed.failure ? 0.4 : 1);
      const end = begin + Math.max(d.fileMs > 0 ? 1 : 0, Math.round(span));
      slots[slot] = end;
      return { seed, begin, end, worker: `ingestion-worker-7c9d6b5f4-${r.hex(5)}`, flow: `argo-documentingestionflow-${r.hex(5)}` };
    });
    type Change = { kind: 'start' | 'end'; item: (typeof timed)[number] };
    const byTime = new Map<number, Change[]>();
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
    const order = (c: Change, at: number): number => (c.kind === 'end' && c.item.begin < at ? 0 : c.kind === 'start' ? 1 : 2);
    const times = [...byTime.keys()].sort((a, b) => a - b);
    let first = true;
    for (const at of times) {
      const changes = (byTime.get(at) ?? []).sort((a, b) => order(a, at) - order(b, at));
      const starting = first;
      first = false;
      const started = changes.filter((c) => c.kind === 'start').length;
      const ended = changes.filter((c) => c.kind === 'end').length;
      step(at, `ingestion: ${started} started, ${ended} finished`, (job, t) => {
        const ingestion = job.ingestion_jobs.find((j) => j.id === runId);
        if (!ingestion) return;
        if (starting) {
          ingestion.status = 'running';
          event(job, t, 'ingestion_started', `Ingestion started for ${plural(fileSeeds.length, 'file')}`, {
            ingestion_job_id: runId,
            file_count: fileSeeds.length,
          });
        }
        for (const { kind, item } of changes) {
          const rec = ingestion.records.find((x) => x.record_id === item.seed.recordId);
          const file = job.files.find((f) => f.file_id === item.seed.fileId);
          if (!rec) continue;
          if (kind === 'start') {
            rec.status = 'processing';
            rec.queue_position = null;
            rec.processing_at = ts(t);
            rec.worker_id = item.worker;
            rec.metaflow_job_id = `DocumentIngestionFlow/${item.flow}`;
          } else if (item.seed.failure) {
            rec.status = 'failed';
            rec.failed_at = ts(t);
            rec.error_message = item.seed.failure.error;
            rec.suggested_fix = item.seed.failure.fix;
            if (file) file.suggested_fix = item.seed.failure.fix;
            event(job, t, 'ingestion_file_failed', `${item.seed.name} failed to process`, {
              ingestion_job_id: runId,
              file_id: item.seed.fileId,
              record_id: item.seed.recordId,
            });
          } else {
            rec.status = 'completed';
            rec.completed_at = ts(t);
          }
          if (file) file.status = rec.status;
        }
        let position = 1;
        for (const rec of ingestion.records) if (rec.status === 'queued') rec.queue_position = position++;
        ingestion.updated_at = ts(t);
      });
    }
    return times.at(-1) ?? start;
  };

  const planRunCompletion = (runId: string, fileSeeds: FileSeed[], at: number): void => {
    const failed = fileSeeds.filter((f) => f.failure).length;
    step(at, 'ingestion completed', (job, t) => {
      const ingestion = job.ingestion_jobs.find((j) => j.id === runId);
      if (ingestion) {
        ingestion.status = 'completed';
        ingestion.updated_at = ts(t);
      }
      event(job, t, 'ingestion_completed', `Ingestion finished: ${fileSeeds.length - failed} succeeded, ${failed} failed`, {
        ingestion_job_id: runId,
        succeeded: fileSeeds.length - failed,
        failed,
      });
    });
  };

  // --- ingestion and review
  let t = t0;
  let failedFiles = seeds.filter((f) => f.failure);
  let prompt = hasPrompt;
  if (seeds.length > 0) {
    t = planRun(firstRunId, seeds, t0) + beat;
    planRunCompletion(firstRunId, seeds, t);
  } else {
    t = t0 + d.queuedMs;
  }
  for (;;) {
    t += beat;
    const reasons: string[] = [];
    if (failedFiles.length > 0) reasons.push(`${plural(failedFiles.length, 'file')} failed to process`);
    if (total === 0) reasons.push('the job has no files');
    if (!prompt) reasons.push('a system prompt is required before alignment can start');
    if (reasons.length === 0) {
      step(t, 'ready_to_start', (job, at) => setStatus(job, at, 'ready_to_start', 'Ready to start alignment'));
      break;
    }
    const message = reasons.join('; ');
    step(t, 'needs_review', (job, at) => setStatus(job, at, 'needs_review', message.charAt(0).toUpperCase() + message.slice(1)));
    const blocked = total === 0 || (failedFiles.length > 0 && !s.fixFailures) || (!prompt && !s.fixSystemPrompt);
    if (blocked) return { job, steps };

    if (failedFiles.length > 0) {
      const removed = failedFiles;
      const removeAt = t + Math.round(d.reviewMs * 0.6);
      step(removeAt, 'failed files removed', (job, at) => {
        const ids = new Set(removed.map((f) => f.fileId));
        for (const ingestion of job.ingestion_jobs) {
          for (const rec of ingestion.records) if (ids.has(rec.alignment_file_id)) rec.deleted = true;
        }
        job.files = job.files.filter((f) => !ids.has(f.file_id));
        event(job, at, 'files_removed', `${plural(removed.length, 'file')} removed`, { file_ids: removed.map((f) => f.fileId) });
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
      const addAt = Math.max(removeAt + beat, t + d.reviewMs);
      step(addAt, 'fixed files added', (job, at) => {
        job.ingestion_jobs.push(run(runId, replacements, at, 'accuracy-optimized'));
        job.files.push(...replacements.map((seed) => fileEntry(seed, at)));
        event(job, at, 'files_added', `${plural(replacements.length, 'file')} added`, {
          file_count: replacements.length,
          method: 'accuracy-optimized',
        });
        setStatus(job, at, 'file_processing', `Processing ${plural(replacements.length, 'file')}`);
      });
      t = planRun(runId, replacements, addAt) + beat;
      planRunCompletion(runId, replacements, t);
      failedFiles = [];
    } else {
      t += d.reviewMs;
      const systemPrompt = theme.systemPrompt;
      step(t, 'system prompt set', (job, at) => {
        job.system_prompt = systemPrompt;
        job.system_prompt_updated_at = ts(at);
        event(job, at, 'system_prompt_updated', 'System prompt updated', {});
      });
      prompt = true;
    }
  }

  // --- alignment
  const alignmentId = r.uuid();
  const docs = seeds.length + markdown.length;
  const qaTotal = docs * r.int(50, 90);
  const pendingAt = t + d.readyMs;
  const runningAt = pendingAt + d.alignmentQueueMs;
  const completesAt = runningAt + d.alignmentMs;
  const alignment = (job: DataJob): AlignmentJob | null => job.alignment_job;
  const alignStatus = (job: DataJob, at: number, status: string, statusMessage: string): AlignmentJob | null => {
    const a = alignment(job);
    if (!a) return null;
    a.status = status;
    a.status_message = statusMessage;
    a.updated_at = ats(at);
    setStatus(job, at, status, statusMessage);
    return a;
  };

  step(pendingAt, 'alignment pending', (job, at) => {
    job.alignment_job_id = alignmentId;
    job.alignment_job = {
      id: alignmentId,
      created_at: ats(at),
      updated_at: ats(at),
      completed_at: null,
      status: 'pending',
      current_step: null,
      step_progress: null,
      progress: null,
      estimated_completion_at: null,
      eta_minutes: null,
      status_message: 'Waiting for resources',
    };
    event(job, at, 'alignment_started', 'Alignment started', { alignment_job_id: alignmentId });
    setStatus(job, at, 'pending', 'Waiting for resources');
  });
  step(pendingAt + Math.round(d.alignmentQueueMs / 2), 'alignment queued', (job, at) => {
    alignStatus(job, at, 'queued', 'Queued for processing');
  });

  const progressAt = (job: DataJob, at: number, fraction: number, plannedAt: number): void => {
    const a = alignment(job);
    if (!a) return;
    let stepName: string;
    let stepProgress: string | number | null;
    let message: string;
    if (fraction < 0.1) {
      stepName = 'preparing_documents';
      stepProgress = `${Math.floor((fraction / 0.1) * docs)}/${docs}`;
      message = `Preparing ${plural(docs, 'document')}`;
    } else if (fraction < 0.75) {
      stepName = 'generating_qa_pairs';
      stepProgress = `${Math.round(((fraction - 0.1) / 0.65) * qaTotal)}/${qaTotal}`;
      message = `Generating question-answer pairs from ${plural(docs, 'document')}`;
    } else if (fraction < 0.9) {
      stepName = 'validating_qa_pairs';
      // The live API sends step_progress as a number for some steps.
      stepProgress = Math.round(((fraction - 0.75) / 0.15) * qaTotal);
      message = `Validating ${qaTotal} question-answer pairs`;
    } else {
      stepName = 'packaging_outputs';
      stepProgress = null;
      message = 'Writing output files';
    }
    const remaining = Math.max(0, completesAt - plannedAt);
    a.current_step = stepName;
    a.step_progress = stepProgress;
    a.progress = Math.round(fraction * 1000) / 10;
    a.eta_minutes = Math.max(1, Math.ceil(remaining / 60_000));
    a.estimated_completion_at = ats(at + remaining);
    a.status_message = message;
    a.updated_at = ats(at);
    job.status_message = message;
  };

  step(runningAt, 'alignment running', (job, at) => {
    if (alignStatus(job, at, 'running', 'Starting')) progressAt(job, at, 0, runningAt);
  });

  const endsEarly = s.outcome !== 'completed';
  const fractions: number[] = [];
  for (let k = 1; k < s.progressUpdates; k++) {
    const f = k / s.progressUpdates;
    if (endsEarly && f >= s.endAtProgress) break;
    fractions.push(f);
  }
  if (endsEarly && s.endAtProgress > 0) fractions.push(s.endAtProgress);
  for (const f of fractions) {
    const plannedAt = runningAt + Math.round(f * d.alignmentMs);
    step(plannedAt, `alignment ${Math.round(f * 100)}%`, (job, at) => progressAt(job, at, f, plannedAt));
  }

  const lastUpdate = runningAt + Math.round((fractions.at(-1) ?? 0) * d.alignmentMs);
  const endAt = endsEarly ? lastUpdate + Math.max(1, Math.round(d.alignmentMs / s.progressUpdates / 2)) : completesAt;
  const partialPairs = Math.round(qaTotal * s.endAtProgress);
  const outputIds = { parquet: `file-${r.uuid()}`, jsonl: `file-${r.uuid()}` };
  const outputFile = (at: number, format: 'parquet' | 'jsonl', pairs: number) => ({
    id: outputIds[format],
    filename: `${theme.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-qa.${format}`,
    bytes: pairs * (format === 'parquet' ? 3100 : 4100),
    created_at: ats(at),
    file_type: format,
    purpose: format === 'parquet' ? 'fine-tune' : 'alignment',
  });
  const endAlignment = (a: AlignmentJob, outputFiles: unknown[]): void => {
    a.eta_minutes = null;
    a.estimated_completion_at = null;
    a.stopped_at = null;
    a.output_files = outputFiles;
  };

  // The event that says why comes before the status change it causes, as in the live timeline.
  switch (s.outcome) {
    case 'completed':
      step(endAt, 'alignment completed', (job, at) => {
        if (!alignment(job)) return;
        event(job, at, 'alignment_completed', 'Alignment completed', { alignment_job_id: alignmentId, qa_pairs: qaTotal });
        const a = alignStatus(job, at, 'completed', `Generated ${qaTotal.toLocaleString('en-US')} question-answer pairs`);
        if (!a) return;
        endAlignment(a, [outputFile(at, 'parquet', qaTotal), outputFile(at, 'jsonl', qaTotal)]);
        a.completed_at = ats(at);
        a.progress = 100;
        a.current_step = null;
        a.step_progress = null;
      });
      break;
    case 'failed':
      step(endAt, 'alignment failed', (job, at) => {
        if (!alignment(job)) return;
        const error = 'Alignment failed: the generation model returned errors for 41% of requests; no output was written.';
        event(job, at, 'alignment_failed', 'Alignment failed', { alignment_job_id: alignmentId, error });
        const a = alignStatus(job, at, 'failed', error);
        if (a) endAlignment(a, []);
      });
      break;
    case 'cancelled':
      step(endAt, 'alignment cancelled', (job, at) => {
        if (!alignment(job)) return;
        event(job, at, 'alignment_cancelled', 'Alignment cancelled', { alignment_job_id: alignmentId });
        const a = alignStatus(job, at, 'cancelled', 'Cancelled by user');
        if (a) endAlignment(a, []);
      });
      break;
    case 'stopped':
      step(endAt, 'alignment stopped', (job, at) => {
        if (!alignment(job)) return;
        event(job, at, 'alignment_stopped', 'Alignment stopped', { alignment_job_id: alignmentId, qa_pairs: partialPairs });
        const message = `Stopped by user after ${partialPairs} of ${qaTotal} question-answer pairs; partial output kept`;
        const a = alignStatus(job, at, 'stopped', message);
        if (!a) return;
        endAlignment(a, [outputFile(at, 'jsonl', partialPairs)]);
        a.stopped_at = ats(at);
      });
      break;
    case 'stalled':
      // Nothing more is planned: the job stays `running` with the same progress and updated_at.
      break;
  }
  return { job, steps };
}
