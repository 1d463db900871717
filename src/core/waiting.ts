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
  watches: Pick<WatchStore, 'watchedJobsInStatus'>;
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
  limit: number,
): Promise<Waiting> {
  const on = actionsOn(deps.policy);
  const member = on && (await inAnyGroup(deps.directory, deps.policy.usergroups, userId)) === true;
  const ownCanAct = member || (on && deps.policy.owners);
  const jobs = owned.filter((j) => j.status === READY).map((j) => ({ jobId: j.jobId, name: j.name, canAct: ownCanAct }));
  if (!member) return { jobs, total: jobs.length };
  // Someone who may act also sees every other watched job ready to start: one page of them, and their count.
  const room = Math.max(1, limit - jobs.length);
  const others = await deps.watches.watchedJobsInStatus(READY, { limit: room, except: jobs.map((j) => j.jobId) });
  for (const job of others.jobs) jobs.push({ ...job, canAct: true });
  return { jobs, total: jobs.length - others.jobs.length + others.total };
}
