import type { ScaleConfig } from './scale-config.js';

/**
 * Stall and timeout detection. A stall is measured from the last progress
 * (any output from the agent), never from the session start: a long session
 * that keeps producing output is working, and killing it would be the worst
 * kind of false positive. The session timeout is the separate, absolute cap.
 */
export interface WorkingSession {
  workerId: string;
  sessionId: string;
  startedAt: number;
  lastProgressAt: number;
}

/** True when no progress has been seen for strictly longer than the stall timeout. */
export function isStalled(s: Pick<WorkingSession, 'lastProgressAt'>, stallTimeoutMs: number, now: number): boolean {
  return now - s.lastProgressAt > stallTimeoutMs;
}

export function findStalls<T extends WorkingSession>(
  sessions: readonly T[],
  config: Pick<ScaleConfig, 'workerStallTimeoutMs'>,
  now: number,
): T[] {
  return sessions.filter((s) => isStalled(s, config.workerStallTimeoutMs, now));
}

/** Sessions that have run strictly longer than the timeout, progress or not. */
export function findTimeouts<T extends WorkingSession>(
  sessions: readonly T[],
  sessionTimeoutMs: number,
  now: number,
): T[] {
  return sessions.filter((s) => now - s.startedAt > sessionTimeoutMs);
}

/**
 * The first instant at which `isStalled` can turn true if no more progress
 * arrives; a scheduler can sleep until then instead of polling.
 */
export function nextStallCheckAt(s: WorkingSession, stallTimeoutMs: number): number {
  return s.lastProgressAt + stallTimeoutMs + 1;
}
