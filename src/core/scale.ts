import type { ScaleConfig } from './scale-config.js';

/**
 * The scaler's decision, as a pure function of a pool snapshot. The runtime
 * gathers the snapshot from the real pool and the real queue, calls
 * `decideScale`, and applies the result; only a decision whose direction is
 * not 'hold' is a scale operation (it is counted and starts the cooldown).
 */
export interface ScaleInput {
  /** Pool size: idle + busy workers, not counting draining or retired ones. */
  workers: number;
  /** Of those, how many are running a session. */
  busy: number;
  /** Issues admitted and waiting for a session, including ones waiting out a retry backoff. */
  queueDepth: number;
  now: number;
  /** Time of the last scale operation that changed the pool size. */
  lastScaleAt: number | null;
}

export type ScaleDirection = 'up' | 'down' | 'hold';

export interface ScaleDecision {
  /** 'hold' exactly when `target === from`. */
  direction: ScaleDirection;
  from: number;
  target: number;
  /** queueDepth ÷ workers; Infinity for an empty pool with work, never NaN. */
  ratio: number;
  /** A short sentence with the numbers behind the decision. */
  reason: string;
}

/** Fewest workers one scale-up may add: Kubernetes HPA's default "4 pods" policy. */
const MIN_SCALE_UP_STEP = 4;

/**
 * queueDepth ÷ workers. An empty pool must not yield NaN (it would poison
 * comparisons and JSON): with work waiting it is Infinity, otherwise 0.
 */
export function queueRatio(queueDepth: number, workers: number): number {
  if (workers <= 0) return queueDepth > 0 ? Infinity : 0;
  return queueDepth / workers;
}

/**
 * Bounds first (they ignore the cooldown, so a pool below minWorkers is
 * topped up at once), then the cooldown, then the queue ratio. Scale-up
 * sizes the pool to the work present (one worker per running or queued
 * issue, as KEDA's ScaledJob does) but at most doubles it per step, like
 * HPA. Scale-down only retires workers that have nothing to do, so it never
 * has to stop a busy one.
 */
/*
 * A reason never repeats the pool sizes: a scale line prints them already
 * (`▲ scale up 4 → 8: queue 40, 10.00 per worker > 2`).
 */
export function decideScale(input: ScaleInput, config: ScaleConfig): ScaleDecision {
  const { workers, busy, queueDepth, now, lastScaleAt } = input;
  const ratio = queueRatio(queueDepth, workers);
  const decide = (target: number, reason: string): ScaleDecision => ({
    direction: target > workers ? 'up' : target < workers ? 'down' : 'hold',
    from: workers,
    target,
    ratio,
    reason,
  });
  const hold = (reason: string): ScaleDecision => decide(workers, reason);

  if (workers < config.minWorkers) {
    const target = config.minWorkers;
    return decide(target, 'below minWorkers');
  }
  if (workers > config.maxWorkers) {
    const target = config.maxWorkers;
    return decide(target, 'above maxWorkers');
  }
  if (lastScaleAt !== null && now - lastScaleAt < config.scaleCooldownMs) {
    const left = config.scaleCooldownMs - (now - lastScaleAt);
    return hold(`cooldown: ${seconds(left)} left of ${seconds(config.scaleCooldownMs)}`);
  }

  const observed = `queue ${queueDepth}, ${formatRatio(ratio)} per worker`;
  if (ratio > config.scaleUpThreshold) {
    const demand = busy + queueDepth;
    const step = Math.max(workers, MIN_SCALE_UP_STEP);
    const target = Math.min(config.maxWorkers, workers + step, Math.max(workers + 1, demand));
    if (target <= workers) {
      return hold(`${observed} > ${config.scaleUpThreshold} but at maxWorkers (${config.maxWorkers})`);
    }
    return decide(target, `${observed} > ${config.scaleUpThreshold}`);
  }
  if (ratio < config.scaleDownThreshold) {
    const needed = busy + queueDepth;
    const target = Math.max(config.minWorkers, needed);
    if (target >= workers) {
      const why =
        needed >= workers
          ? `every worker has work (${busy} busy + ${queueDepth} queued)`
          : `at minWorkers (${config.minWorkers})`;
      return hold(`${observed} < ${config.scaleDownThreshold} but ${why}`);
    }
    return decide(target, `${observed} < ${config.scaleDownThreshold}`);
  }
  return hold(
    `${observed} within [${config.scaleDownThreshold}, ${config.scaleUpThreshold}]: hold at ${workers}`,
  );
}

function formatRatio(ratio: number): string {
  return Number.isFinite(ratio) ? ratio.toFixed(2) : '∞';
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}
