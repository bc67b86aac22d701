import { readFileSync } from 'node:fs';
import { findSessionProcesses, killGroup, processMatches } from '../agents/process-group.js';
import type { ProcessInspector } from './coordinator-types.js';

/** The operating system as crash recovery and the run lock see it. */
export const systemProcesses: ProcessInspector = {
  belongsToSession: (pid, sessionId) => processMatches(pid, { sessionId }),
  killGroup: (pgid) => {
    killGroup(pgid, 'SIGKILL');
  },
  findSessionProcesses,
  killProcess: (pid) => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  },
  isAlive,
};

/**
 * Whether `pid` is a live process. A zombie (dead, not yet reaped, which
 * happens to a killed harness whose parent never waits for it) is dead.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: alive but owned by someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    // No /proc (not Linux): trust the signal probe.
    return true;
  }
}

/** No operating system at all: for simulations and tests, where sessions are not processes. */
export const NO_PROCESSES: ProcessInspector = {
  belongsToSession: () => false,
  killGroup: () => {},
  findSessionProcesses: () => [],
  killProcess: () => {},
  isAlive: () => false,
};
