import type { ScaleConfig } from './scale-config.js';
import type { HealthStatus } from './states.js';

/**
 * Health is judged over a trailing window, not an instant. Callers pass the
 * success rate of sessions that finished within the last `healthWindowMs`
 * and the number of stalls detected within it. A stalled session is killed
 * and requeued within one check, so counting only workers stalled right now
 * would show "healthy" again a moment later; counting detections keeps the
 * pool degraded for the whole window, which is what an operator should see.
 */
export interface HealthInput {
  /** ok ÷ finished over the window; null when nothing finished in it. */
  successRate: number | null;
  /** Stalls detected within the window. */
  stalledWorkers: number;
}

/** Success rate at or above which the pool may be healthy. */
const HEALTHY_SUCCESS_RATE = 0.8;
/** Success rate below which the pool is unhealthy. */
const UNHEALTHY_SUCCESS_RATE = 0.5;
/** More stalls than this within the window make the pool unhealthy. */
const MAX_DEGRADED_STALLS = 2;

/** How many health-check periods the health window spans. */
const HEALTH_WINDOW_CHECKS = 10;

/**
 * The seed's table: healthy at ≥ 80 % success and no stalls; unhealthy below
 * 50 % or with more than 2 stalls; degraded in between. With nothing finished
 * there is no failure to hold against the pool, so the rate counts as 1 (a
 * NaN rate, from 0 ÷ 0, is read the same way).
 */
export function assessHealth(input: HealthInput): HealthStatus {
  const rate = input.successRate === null || Number.isNaN(input.successRate) ? 1 : input.successRate;
  if (rate < UNHEALTHY_SUCCESS_RATE || input.stalledWorkers > MAX_DEGRADED_STALLS) return 'unhealthy';
  if (rate >= HEALTHY_SUCCESS_RATE && input.stalledWorkers === 0) return 'healthy';
  return 'degraded';
}

/** The trailing window health is judged over: 10 checks (5 min at the default 30 s). */
export function healthWindowMs(config: Pick<ScaleConfig, 'healthCheckIntervalMs'>): number {
  return HEALTH_WINDOW_CHECKS * config.healthCheckIntervalMs;
}

/** Events at times t with t ≤ now and now − t < windowMs; later times have not happened yet. */
export function recentCount(times: readonly number[], now: number, windowMs: number): number {
  let count = 0;
  for (const t of times) {
    if (t <= now && now - t < windowMs) count += 1;
  }
  return count;
}
