import { closeSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * One process per SQLite data directory. Two bots on the same file would both poll and both post
 * (the outbox claims are safe, but the passes and their cards would not be coordinated), so the
 * second one refuses to start. Replicas need PostgreSQL.
 *
 * The lock is a file created exclusively (`wx`) holding the owner's pid. A lock whose pid is no
 * longer running (the owner was killed with -9, the machine rebooted) is stale and taken over.
 *
 * PID reuse: a stale lock whose pid now belongs to an unrelated process looks held, and the bot
 * refuses to start until the file is removed by hand; the message says which file. The common case
 * of this, a container where the bot is always pid 1, is recognised: a lock naming our own pid that
 * this process does not hold can only be a previous incarnation's.
 */

export const LOCK_FILE_NAME = 'datajob-bot.lock';

export class DataDirLockedError extends Error {
  readonly code = 'DATA_DIR_LOCKED' as const;
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    const holder =
      pid === process.pid ? `this process (pid ${pid}) already has it open` : `another datajob-bot process (pid ${pid}) holds it`;
    super(
      `The data directory ${dataDir} is in use: ${holder}. ` +
        'Stop that process, or give this one a different data directory; to run several replicas, use PostgreSQL (DATABASE_URL). ' +
        `If no such process is running, delete ${join(dataDir, LOCK_FILE_NAME)}.`,
    );
    this.name = 'DataDirLockedError';
  }
}

export interface DataDirLock {
  readonly path: string;
  /** Removes the lock file if it is still ours. Safe to call twice. */
  release(): void;
}

/** Lock files this process holds, so that a second open in the same process is refused too. */
const held = new Set<string>();

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, it is just not ours to signal.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPid(path: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function tryCreate(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, `${process.pid}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Moves a stale lock out of the way. Two starters may both see the same stale lock: renaming is
 * atomic, so only one of them moves the stale file; the other may move the winner's fresh lock
 * instead, which it notices by its content and puts back (link fails if a third party got there first).
 */
function removeStale(path: string, stalePid: number | null): void {
  const aside = `${path}.stale-${process.pid}-${Date.now()}`;
  try {
    renameSync(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (readPid(aside) !== stalePid) {
    try {
      linkSync(aside, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  unlinkSync(aside);
}

/** Takes the data directory's lock, or throws a `DataDirLockedError` while another live process holds it. */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  const dir = resolve(dataDir);
  const path = join(dir, LOCK_FILE_NAME);
  if (held.has(path)) throw new DataDirLockedError(dir, process.pid);

  for (let attempt = 0; attempt < 5; attempt++) {
    if (tryCreate(path)) {
      held.add(path);
      let released = false;
      return {
        path,
        release() {
          if (released) return;
          released = true;
          held.delete(path);
          // Only our own file: after a takeover by someone else (we were presumed dead) it is theirs.
          if (readPid(path) === process.pid) unlinkSync(path);
        },
      };
    }
    const pid = readPid(path);
    if (pid === null) {
      // Gone between our create and our read, or empty because a starter is writing it right now:
      // look again shortly. Still empty after that, it was left by a crash mid-write: stale.
      if (attempt < 2) sleepSync(50);
      else removeStale(path, null);
      continue;
    }
    const stale = pid === process.pid ? !held.has(path) : !isRunning(pid);
    if (!stale) throw new DataDirLockedError(dir, pid);
    removeStale(path, pid);
  }
  // Only reachable when other starters keep racing us for the file: one of them holds it now.
  throw new DataDirLockedError(dir, readPid(path) ?? 0);
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
