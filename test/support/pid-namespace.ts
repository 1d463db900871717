import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * The command prefix that runs a program as pid 1 of a PID namespace of its own, as a container runs
 * its entry point (`unshare`, as root, else in a user namespace of its own); null on a machine that
 * allows neither. `--kill-child`: killing the prefix's process kills the program with it.
 */
export const inPidNamespace: readonly string[] | null = probe();

function probe(): string[] | null {
  const candidates = [
    ['unshare', '--pid', '--fork', '--mount-proc', '--kill-child'],
    ['unshare', '--user', '--map-root-user', '--pid', '--fork', '--mount-proc', '--kill-child'],
  ];
  for (const [command = '', ...args] of candidates) {
    const probed = spawnSync(command, [...args, process.execPath, '-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    if (probed.status === 0 && probed.stdout === '1') return [command, ...args];
  }
  return null;
}

/** The pid that the program started behind `inPidNamespace` (whose own process is `prefixPid`) sees itself as. */
export function pidSeenInside(prefixPid: number): number | null {
  const child = readFileSync(`/proc/${prefixPid}/task/${prefixPid}/children`, 'utf8').trim().split(/\s+/)[0];
  const nsPid = /^NSpid:\s+(.+)$/m
    .exec(readFileSync(`/proc/${child}/status`, 'utf8'))?.[1]
    ?.trim()
    .split(/\s+/);
  return nsPid ? Number(nsPid[nsPid.length - 1]) : null;
}
