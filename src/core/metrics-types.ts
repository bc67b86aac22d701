import type { HealthStatus } from './states.js';

/** The seed's metric set, as `ScaleManager.getMetrics()` returns it. */
export interface ScaleMetrics {
  /** When these were taken (ms). */
  timestamp: number;
  /** Workers alive: idle + busy + draining. */
  currentWorkers: number;
  /** Workers running a session (busy + draining). */
  activeWorkers: number;
  idleWorkers: number;
  /** Busy workers whose session has made no progress for workerStallTimeoutMs, right now. */
  stalledWorkers: number;
  /** Busy workers marked to retire when their session ends. */
  drainingWorkers: number;
  /** Issues admitted and waiting for a session. */
  queueDepth: number;
  /** Branches waiting to merge. */
  mergeQueueDepth: number;
  /** Successful sessions that ended in the last 60 s. */
  throughputPerMinute: number;
  /** Mean duration of finished sessions (ms). */
  avgSessionDurationMs: number;
  /** 95th percentile (nearest rank) of finished session durations (ms). */
  p95SessionDurationMs: number;
  /** 99th percentile (nearest rank) of finished session durations (ms). */
  p99SessionDurationMs: number;
  /** Successful ÷ finished sessions (1 when none finished). */
  successRate: number;
  /** Sessions that succeeded. */
  totalSessionsCompleted: number;
  /** Sessions that failed, stalled or timed out. */
  totalSessionsFailed: number;
  health: HealthStatus;
  backpressureActive: boolean;
  /** Times backpressure turned on. */
  backpressureActivations: number;
  /** Scale operations that changed the pool size. */
  scaleOperations: number;
  /** Stalls detected since start. */
  workerStalls: number;
}
