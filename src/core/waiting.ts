import { inAnyGroup } from './access.js';
import { type ActionPolicy, actionsOn } from './actions.js';
import type { Directory } from './ports/directory.js';
import type { WatchStore } from './ports/watches.js';

/**
 * The App Home's "Waiting for you": jobs ready to start that the person owns, and, for someone who may
 * act, every watched job ready to start. From the bot's own memory (what the last pass saw): opening
 * the Home costs SeekrFlow nothing. Whether a job is still ready is checked again on the click.
 */

export interface WaitingDeps {
  policy: ActionPolicy;
  directory: Pick<Directory, 'groupMembers'>;
  watches: Pick<WatchStore, 'watchedJobIds' | 'getWatches'>;
}

export interface Waiting {
  jobs: Array<{ jobId: string; name: string; canAct: boolean }>;
  total: number;
}

const READY = 'ready_to_start';

export async function jobsWaitingFor(
  deps: WaitingDeps,
  userId: string,
  owned: ReadonlyArray<{ jobId: string; name: string; status: string }>,
): Promise<Waiting> {
  const on = actionsOn(deps.policy);
  const member = on && (await inAnyGroup(deps.directory, deps.policy.usergroups, userId)) === true;
  const ownCanAct = member || (on && deps.policy.owners);
  const jobs = owned.filter((j) => j.status === READY).map((j) => ({ jobId: j.jobId, name: j.name, canAct: ownCanAct }));
  if (member) {
    const mine = new Set(jobs.map((j) => j.jobId));
    const watched = (await deps.watches.watchedJobIds()).filter((id) => !mine.has(id));
    const watches = await deps.watches.getWatches(watched);
    for (const [jobId, stored] of watches) {
      const snapshot = stored.watch.snapshot;
      if (snapshot?.status === READY) jobs.push({ jobId, name: snapshot.name, canAct: true });
    }
  }
  return { jobs, total: jobs.length };
}
