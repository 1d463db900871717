/**
 * What a simulated job will do. A named scenario is a preset ScenarioSpec; tests that need something
 * else pass a spec of their own (file counts, failures, outcome, stage durations).
 */

export type Outcome = 'completed' | 'failed' | 'cancelled' | 'stopped' | 'stalled';

export interface StageDurations {
  /** `file_processing` with every record queued, before the first file starts. */
  queuedMs: number;
  /** Typical time one file spends processing; each file varies by ±25%, failing files fail sooner. */
  fileMs: number;
  /** `needs_review` before the person acts (replaces failed files, sets the system prompt). */
  reviewMs: number;
  /** `ready_to_start` before someone starts the alignment. */
  readyMs: number;
  /** `pending` → `queued` → `running`, in total. */
  alignmentQueueMs: number;
  /** `running`, from its start to completion. */
  alignmentMs: number;
}

export interface ScenarioSpec {
  /** Files that go through ingestion. Default 3. */
  files?: number;
  /** Markdown files: they skip ingestion, so their `files[]` entry has `record_id: null, status: null`. Default 1. */
  markdownFiles?: number;
  /** How many of `files` fail in the first ingestion run. Default 0. */
  failingFiles?: number;
  /** After `needs_review`, remove the failed files (records `deleted: true`) and add fixed copies. Default true. */
  fixFailures?: boolean;
  /** Whether the job starts with a system prompt; without one it stops in `needs_review`. Default true. */
  systemPrompt?: boolean;
  /** Whether someone sets the missing system prompt during review. Default true. */
  fixSystemPrompt?: boolean;
  /** How the alignment ends. `stalled`: it stops changing while `running`. Default `completed`. */
  outcome?: Outcome;
  /** For outcomes other than `completed`: how far (0..1) the alignment gets first. Default 0.5. */
  endAtProgress?: number;
  /** Progress updates while `running`. Default 6. */
  progressUpdates?: number;
  /** Files processed at once. Default 2. */
  ingestionConcurrency?: number;
  durations?: Partial<StageDurations>;
}

export type ResolvedScenario = Required<Omit<ScenarioSpec, 'durations'>> & { name: string; durations: StageDurations };

export const DEFAULT_DURATIONS: StageDurations = {
  queuedMs: 4_000,
  fileMs: 8_000,
  reviewMs: 15_000,
  readyMs: 6_000,
  alignmentQueueMs: 6_000,
  alignmentMs: 60_000,
};

export const SCENARIOS = {
  happy: {},
  'file-failures': { files: 5, failingFiles: 2 },
  'needs-review': { files: 4, failingFiles: 1, fixFailures: false },
  'missing-prompt': { systemPrompt: false },
  'alignment-fails': { files: 4, outcome: 'failed', endAtProgress: 0.6 },
  cancelled: { outcome: 'cancelled', endAtProgress: 0.3 },
  stopped: { files: 4, outcome: 'stopped', endAtProgress: 0.8 },
  stalls: { outcome: 'stalled', endAtProgress: 0.4 },
} as const satisfies Record<string, ScenarioSpec>;

export type ScenarioName = keyof typeof SCENARIOS;
export const SCENARIO_NAMES = Object.keys(SCENARIOS) as ScenarioName[];

export function resolveScenario(scenario: ScenarioName | ScenarioSpec = 'happy'): ResolvedScenario {
  const name = typeof scenario === 'string' ? scenario : 'custom';
  const spec: ScenarioSpec = typeof scenario === 'string' ? SCENARIOS[scenario] : scenario;
  if (spec === undefined) throw new Error(`unknown scenario "${name}"; known: ${SCENARIO_NAMES.join(', ')}`);
  const files = count(spec.files ?? 3, 'files');
  const failingFiles = count(spec.failingFiles ?? 0, 'failingFiles');
  if (failingFiles > files) throw new RangeError(`failingFiles (${failingFiles}) exceeds files (${files})`);
  const endAtProgress = spec.endAtProgress ?? 0.5;
  if (!(endAtProgress >= 0 && endAtProgress <= 1)) throw new RangeError(`endAtProgress must be within 0..1 (got ${endAtProgress})`);
  const durations = { ...DEFAULT_DURATIONS, ...spec.durations };
  for (const [key, ms] of Object.entries(durations)) {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`durations.${key} must be a non-negative number (got ${ms})`);
  }
  return {
    name,
    files,
    markdownFiles: count(spec.markdownFiles ?? 1, 'markdownFiles'),
    failingFiles,
    fixFailures: spec.fixFailures ?? true,
    systemPrompt: spec.systemPrompt ?? true,
    fixSystemPrompt: spec.fixSystemPrompt ?? true,
    outcome: spec.outcome ?? 'completed',
    endAtProgress,
    progressUpdates: Math.max(1, count(spec.progressUpdates ?? 6, 'progressUpdates')),
    ingestionConcurrency: Math.max(1, count(spec.ingestionConcurrency ?? 2, 'ingestionConcurrency')),
    durations,
  };
}

function count(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${what} must be a non-negative integer (got ${value})`);
  return value;
}

/** One line on what the job will do, for people reading the CLI's list. */
export function describeScenario(s: ResolvedScenario): string {
  const stages: string[] = [`${s.files + s.markdownFiles} files`];
  const needsReview = (s.failingFiles > 0 && s.files > 0) || !s.systemPrompt;
  if (s.failingFiles > 0) stages.push(`${s.failingFiles} fail`);
  if (needsReview) {
    stages.push('needs_review');
    const blocked = (s.failingFiles > 0 && !s.fixFailures) || (!s.systemPrompt && !s.fixSystemPrompt);
    if (blocked) return `${stages.join(' → ')} (stays there)`;
    if (s.failingFiles > 0) stages.push('failed files replaced');
    if (!s.systemPrompt) stages.push('system prompt set');
  }
  stages.push('ready_to_start', 'running');
  const at = `${Math.round(s.endAtProgress * 100)}%`;
  const end = {
    completed: 'completed',
    failed: `failed at ${at}`,
    cancelled: `cancelled at ${at}`,
    stopped: `stopped at ${at}`,
    stalled: `stalls at ${at} (never changes again)`,
  }[s.outcome];
  stages.push(end);
  return stages.join(' → ');
}
