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
  identify: processIdentity,
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

let bootId: string | null | undefined;

/**
 * Which process has `pid` now: this boot's id and the process's start time
 * (clock ticks since boot, field 22 of /proc/<pid>/stat). A pid is reused
 * only by a process that starts later, or after a reboot, so the pair tells
 * the process that took the run lock from one that took its pid over. Null
 * when it cannot be read (no such process, or no /proc).
 */
export function processIdentity(pid: number): string | null {
  try {
    bootId ??= readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim();
  } catch {
    bootId = null;
  }
  if (bootId === null) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name (field 2) is in parentheses and may hold spaces: count from the last ')'.
    const startTime = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    return startTime === undefined || !/^\d+$/.test(startTime) ? null : `${bootId}/${startTime}`;
  } catch {
    return null;
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
