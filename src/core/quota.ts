import type { ScaleConfig } from './scale-config.js';

/**
 * The per-worker session quota, after Celery's `--max-tasks-per-child`: a
 * worker that has run its quota gets no more work and is recycled (replaced
 * by a fresh worker), which bounds whatever state a long-lived worker leaks.
 */
export function hasExceededQuota(
  sessionsRun: number,
  config: Pick<ScaleConfig, 'maxSessionsPerWorker'>,
): boolean {
  return sessionsRun >= config.maxSessionsPerWorker;
}

/**
 * The first idle worker still under quota, in the given (oldest-first)
 * order. Undefined when every idle worker is over quota: those must be
 * recycled, never handed another session.
 */
export function pickWorker<W extends { id: string; sessionsRun: number }>(
  idle: readonly W[],
  config: Pick<ScaleConfig, 'maxSessionsPerWorker'>,
): W | undefined {
  return idle.find((w) => !hasExceededQuota(w.sessionsRun, config));
}
