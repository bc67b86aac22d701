import { readdirSync, readFileSync } from 'node:fs';

function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

/**
 * Whether any process of the group still exists. EPERM means it exists but
 * belongs to someone else, which still counts as alive. A zombie (exited,
 * not yet reaped) also counts: signalling it is harmless.
 */
export function isGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) === 'EPERM';
  }
}

/** Signal every process of the group. Returns false when the group is gone (ESRCH). */
export function killGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'ESRCH') return false;
    throw error;
  }
}

/** The process group of `pid` (from /proc), or null when it is gone or /proc cannot say. */
export function processGroupOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // After the command name: state, ppid, pgrp.
    const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    return Number.isInteger(pgrp) ? pgrp : null;
  } catch {
    return null;
  }
}

/** What a pid must look like to be the process harness started. */
export interface ProcessExpectation {
  /** Epoch ms: the process must have started at or after this (with one second of slack). */
  startedAfter?: number;
  /** The process's environment must hold HARNESS_SESSION_ID=<sessionId>. */
  sessionId?: string;
}

/**
 * Linux reports process start times in clock ticks since boot. USER_HZ is
 * 100 on every architecture Linux supports for user space.
 */
const TICKS_PER_SECOND = 100;

function bootTimeMs(): number | null {
  const match = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
  return match?.[1] ? Number(match[1]) * 1000 : null;
}

function startTimeMs(pid: number): number | null {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces and parentheses; fields
  // after the last ')' are plain numbers. starttime is field 22.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[22 - 3]);
  const boot = bootTimeMs();
  if (!Number.isFinite(ticks) || boot === null) return null;
  return boot + (ticks * 1000) / TICKS_PER_SECOND;
}

/**
 * Whether `pid` is still the process harness started, for crash recovery:
 * after a restart, a recorded pid may have been reused by an unrelated
 * process, which must never be killed. Every given expectation must hold;
 * with none given, nothing is proven and the answer is false. Reads /proc,
 * so on systems without it (or for another user's process) the answer is
 * false.
 */
export function processMatches(pid: number, expected: ProcessExpectation): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (expected.startedAfter === undefined && expected.sessionId === undefined) return false;
  try {
    if (expected.startedAfter !== undefined) {
      const started = startTimeMs(pid);
      // btime has one-second resolution, hence the slack.
      if (started === null || started < expected.startedAfter - 1000) return false;
    }
    if (expected.sessionId !== undefined) {
      const wanted = `HARNESS_SESSION_ID=${expected.sessionId}`;
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      if (!environ.includes(wanted)) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * Pids of live processes whose environment carries this session's id: the
 * agent and everything it started (children inherit the environment). For
 * crash recovery, which must also find a session whose pid was never
 * recorded (the harness died while spawning it) or whose leader is gone.
 * Linux only (reads /proc); elsewhere, and for other users' processes, none.
 */
export function findSessionProcesses(sessionId: string): number[] {
  const wanted = `HARNESS_SESSION_ID=${sessionId}`;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(wanted)) found.push(Number(entry));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return found;
}

/**
 * Signal a session's group from a timer or event handler, where a throw would
 * crash the harness. EPERM (a member changed user) leaves nothing we can do.
 */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    killGroup(pgid, signal);
  } catch {
    // See above.
  }
}

/** Signal one process from a timer or event handler; one already gone is fine. */
export function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Gone, or no longer ours.
  }
}
