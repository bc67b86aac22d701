/**
 * What a run keeps of its finished sessions: counts, a duration digest and
 * the trailing windows throughput and health are judged over. Finished
 * sessions are folded in as they end, so memory does not grow with the
 * number of sessions beyond one number per duration. Plain data, changed
 * only by the functions here.
 */
import { healthWindowMs } from './health.js';
import { digestAdd, emptyDigest, emptyWindow, THROUGHPUT_WINDOW_MS, windowAdd, type DurationDigest, type TimeWindow } from './metrics.js';
import type { ScaleConfig } from './scale-config.js';
import { FAILED_OUTCOMES, REFUNDED_OUTCOMES, type SessionOutcome } from './states.js';

export interface SessionTally {
  /** Sessions that succeeded. */
  completed: number;
  /** Sessions that failed, stalled or timed out. */
  failed: number;
  /** Durations of the counted sessions (completed and failed). */
  durations: DurationDigest;
  /** End times of successful sessions, over the throughput window. */
  throughput: TimeWindow;
  /** Health window: successes, failures and stall detections. */
  recentOk: TimeWindow;
  recentFailed: TimeWindow;
  recentStalls: TimeWindow;
  /** Stalls detected since the start. */
  stalls: number;
}

export function emptyTally(config: Pick<ScaleConfig, 'healthCheckIntervalMs'>): SessionTally {
  const window = healthWindowMs(config);
  return {
    completed: 0,
    failed: 0,
    durations: emptyDigest(),
    throughput: emptyWindow(THROUGHPUT_WINDOW_MS),
    recentOk: emptyWindow(window),
    recentFailed: emptyWindow(window),
    recentStalls: emptyWindow(window),
    stalls: 0,
  };
}

/** Fold in a session that ended. Cancelled and lost sessions are not the agent's doing and are not counted. */
export function tallySessionEnd(tally: SessionTally, outcome: SessionOutcome, durationMs: number, at: number): void {
  if (REFUNDED_OUTCOMES.includes(outcome)) return;
  digestAdd(tally.durations, Math.max(0, durationMs));
  if (outcome === 'success') {
    tally.completed++;
    windowAdd(tally.throughput, at);
    windowAdd(tally.recentOk, at);
  } else if (FAILED_OUTCOMES.includes(outcome)) {
    tally.failed++;
    windowAdd(tally.recentFailed, at);
  }
}

export function tallyStall(tally: SessionTally, at: number): void {
  tally.stalls++;
  windowAdd(tally.recentStalls, at);
}
