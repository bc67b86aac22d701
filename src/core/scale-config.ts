/**
 * The seed's ScaleConfig and its Phase 2 defaults: the one table every
 * threshold comes from. See README "Configuration" for each field's meaning.
 */
export interface ScaleConfig {
  /** Smallest pool size (workers). The pool is raised to this at once. Default 4. */
  minWorkers: number;
  /** Largest pool size (workers). Default 30. */
  maxWorkers: number;
  /**
   * Backpressure low-water mark (issues). Once backpressure is on, intake
   * resumes only when the queue has drained to this depth. Default 10.
   */
  targetQueueDepth: number;
  /** Backpressure turns on when the queue holds more than this many issues. Default 100. */
  maxQueueDepth: number;
  /** A busy worker with no progress for this long (ms) is stalled. Default 600000 (10 min). */
  workerStallTimeoutMs: number;
  /** Period (ms) of the health check, which also evaluates scaling. Default 30000. */
  healthCheckIntervalMs: number;
  /** Scale up when queueDepth ÷ workers exceeds this ratio. Default 2.0. */
  scaleUpThreshold: number;
  /** Scale down when queueDepth ÷ workers is below this ratio. Default 0.5. */
  scaleDownThreshold: number;
  /** Minimum time (ms) between two scale operations, either direction. Default 60000. */
  scaleCooldownMs: number;
  /** Sessions a worker runs before it is recycled (replaced by a fresh worker). Default 50. */
  maxSessionsPerWorker: number;
}

export const DEFAULT_SCALE_CONFIG: Readonly<ScaleConfig> = Object.freeze({
  minWorkers: 4,
  maxWorkers: 30,
  targetQueueDepth: 10,
  maxQueueDepth: 100,
  workerStallTimeoutMs: 10 * 60 * 1000,
  healthCheckIntervalMs: 30 * 1000,
  scaleUpThreshold: 2.0,
  scaleDownThreshold: 0.5,
  scaleCooldownMs: 60 * 1000,
  maxSessionsPerWorker: 50,
});

export const SCALE_CONFIG_KEYS = Object.keys(DEFAULT_SCALE_CONFIG) as (keyof ScaleConfig)[];

/** How sessions run, beside the scale config: the defaults DEFAULT_CONFIG (src/config/types.ts) takes too. */
export const DEFAULT_RUN_SETTINGS = Object.freeze({
  /** Session attempts an issue gets before it is failed. */
  maxAttempts: 3,
  /** A session running longer than this (ms) is stopped with outcome `timeout`. */
  sessionTimeoutMs: 60 * 60 * 1000,
  /** Base retry delay (ms); attempt n waits retryDelayMs × 2^(n−1), at most 100×. */
  retryDelayMs: 5000,
  /** Minimum time (ms) between two writes of one session's progress time to the store. */
  progressPersistMs: 5000,
});
