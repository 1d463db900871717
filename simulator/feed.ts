/**
 * A team feed: new jobs appear in a workspace every `everyMs` of simulator time, each one a
 * lifecycle from the rotation below, so a bot that watches the list sees jobs arrive, fail files,
 * wait for review, complete and fail. Like lifecycles, it runs on the simulator's clock without
 * timers: the server catches the feed up whenever someone looks (a request, `jobIds()`,
 * `advanceTime`), so a manual clock is exact and a real one costs nothing while nobody polls.
 */

import type { DataJob } from '../src/domain/data-job.js';
import type { Random } from './random.js';
import type { ScenarioName } from './scenarios.js';

export interface FeedOptions {
  /** Simulator time between two new jobs. Default 30,000 (30 s). */
  everyMs?: number;
  /** The workspace: default the simulator's team (personal when it has none); `null`: personal. */
  teamId?: string | null;
  /**
   * Jobs already there when the feed starts, created `everyMs` apart before now, so the older ones
   * have progressed or ended. Default 0: the first job appears `everyMs` after the start.
   */
  backlog?: number;
  /** How many jobs appear after the start (the backlog aside); then the feed ends. Default: no end. */
  count?: number;
  /**
   * Who owns the jobs (`user_id`), in turn at random. Default: in a team, the key owner and three
   * teammates; in the personal workspace, the key owner only.
   */
  owners?: readonly string[];
  /** Called with each job as the feed creates it (the CLI prints them). */
  onJob?: (job: DataJob) => void;
}

export interface Feed {
  readonly everyMs: number;
  readonly teamId: string | null;
  readonly owners: readonly string[];
  /** The jobs it has created so far, oldest first, after catching up with the clock. */
  jobIds(): string[];
  /** When the next job is due on the simulator's clock; null once the feed has ended or stopped. */
  nextAt(): number | null;
  /** No new jobs from now on; the ones created keep their lifecycles. */
  stop(): void;
}

/** One job the feed wants created: the server plans it with the feed's own random source. */
export interface FeedJob {
  scenario: ScenarioName;
  jobType: string;
  name: string;
  userId: string;
  teamId: string | null;
  createdAt: number;
}

interface FeedKind {
  scenario: ScenarioName;
  jobType: string;
}

/**
 * The rotation, one kind per job in turn: every ten jobs bring clean completions, failed files that
 * get fixed, a review that never ends, a missing system prompt, failed alignments and a cancel, over
 * all three job types (the old types only where their lifecycle makes sense: no prompt review).
 */
export const FEED_ROTATION: readonly FeedKind[] = [
  { scenario: 'happy', jobType: 'principle_files' },
  { scenario: 'file-failures', jobType: 'principle_files' },
  { scenario: 'happy', jobType: 'context_grounded_files' },
  { scenario: 'needs-review', jobType: 'principle_files' },
  { scenario: 'alignment-fails', jobType: 'principle_files' },
  { scenario: 'happy', jobType: 'context_grounded_vector_db' },
  { scenario: 'missing-prompt', jobType: 'principle_files' },
  { scenario: 'file-failures', jobType: 'context_grounded_files' },
  { scenario: 'cancelled', jobType: 'principle_files' },
  { scenario: 'alignment-fails', jobType: 'context_grounded_vector_db' },
];

/** Names with shapes people give jobs, so name globs (`prod-*`, `*claims*`) have something to match. */
const NAME_TEMPLATES: readonly ((n: number) => string)[] = [
  (n) => `prod-claims-assistant-${n}`,
  (n) => `staging-claims-assistant-${n}`,
  (n) => `HR policy assistant v${n}`,
  (n) => `Support KB refresh #${n}`,
  (n) => `nightly-eval-${n}`,
  (n) => `Security questionnaire answers (${n})`,
];

export const DEFAULT_FEED_EVERY_MS = 30_000;

interface FeedSettings {
  everyMs: number;
  teamId: string | null;
  backlog: number;
  count: number;
  owners: readonly string[];
}

function checkedSettings(options: FeedOptions, teamId: string | null, owners: readonly string[]): FeedSettings {
  const everyMs = options.everyMs ?? DEFAULT_FEED_EVERY_MS;
  if (!Number.isFinite(everyMs) || everyMs <= 0) throw new RangeError(`everyMs must be a positive number (got ${options.everyMs})`);
  const backlog = options.backlog ?? 0;
  if (!Number.isInteger(backlog) || backlog < 0) throw new RangeError(`backlog must be a non-negative integer (got ${options.backlog})`);
  const count = options.count ?? Number.POSITIVE_INFINITY;
  if (!(count >= 0) || (Number.isFinite(count) && !Number.isInteger(count))) {
    throw new RangeError(`count must be a non-negative integer (got ${options.count})`);
  }
  if (owners.length === 0) throw new RangeError('owners must name at least one user');
  return { everyMs, teamId, backlog, count, owners: [...owners] };
}

/**
 * The feed's schedule: job `i` (from 0, backlog first) is due at `start + (i - backlog + 1) × everyMs`.
 * Its random source is its own, drawn from the simulator's seed when it starts, so a seed gives the
 * same jobs whenever and however often anyone looks, whatever else the test creates meanwhile.
 */
export class FeedSchedule implements Feed {
  private readonly settings: FeedSettings;
  private readonly ids: string[] = [];
  private readonly onJob: FeedOptions['onJob'];
  private made = 0;
  private stopped = false;

  constructor(
    options: FeedOptions,
    defaults: { teamId: string | null; owners: readonly string[] },
    private readonly random: Random,
    private readonly start: number,
    private readonly create: (job: FeedJob, random: Random) => DataJob,
    private readonly now: () => number,
  ) {
    const teamId = options.teamId === undefined ? defaults.teamId : options.teamId;
    this.settings = checkedSettings(options, teamId, options.owners ?? defaults.owners);
    this.onJob = options.onJob;
  }

  get everyMs(): number {
    return this.settings.everyMs;
  }

  get teamId(): string | null {
    return this.settings.teamId;
  }

  get owners(): readonly string[] {
    return this.settings.owners;
  }

  /** Creates every job due by `now`, each at its own due time (so late ones have already progressed). */
  catchUp(now: number): void {
    for (let at = this.nextAt(); at !== null && at <= now; at = this.nextAt()) {
      const job = this.create(this.plan(this.made, at), this.random);
      this.made += 1;
      this.ids.push(job.id);
      this.onJob?.(job);
    }
  }

  nextAt(): number | null {
    const { backlog, count, everyMs } = this.settings;
    if (this.stopped || this.made >= backlog + count) return null;
    return this.start + (this.made - backlog + 1) * everyMs;
  }

  jobIds(): string[] {
    this.catchUp(this.now());
    return [...this.ids];
  }

  stop(): void {
    this.stopped = true;
  }

  private plan(index: number, createdAt: number): FeedJob {
    const kind = FEED_ROTATION[index % FEED_ROTATION.length] as FeedKind;
    const name = this.random.pick(NAME_TEMPLATES)(index + 1);
    const userId = this.random.pick(this.settings.owners);
    return { scenario: kind.scenario, jobType: kind.jobType, name, userId, teamId: this.settings.teamId, createdAt };
  }
}
