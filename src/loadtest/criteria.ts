import type { HealthStatus } from '../core/states.js';

/** One of the seed's acceptance criteria, judged on a run. */
export interface Criterion {
  name: string;
  /** The rule in words, with the numbers it compares against. */
  threshold: string;
  /** What the run measured (a number, or a health status). */
  measured: number | string;
  /** The measured value in words, e.g. "89.2%" or "0 stalls of 25 workers". */
  detail: string;
  passed: boolean;
}

export interface CriteriaInput {
  /** Successful ÷ finished sessions (1 when none finished, by the metric set's rule). */
  successRate: number;
  /** Sessions that finished (cancelled and lost ones not counted): with none, there is no rate to pass on. */
  finishedSessions: number;
  /** Health at the end of the run. */
  finalHealth: HealthStatus;
  /** Stalls detected. */
  workerStalls: number;
  /** Workers that ran at least one session. */
  distinctWorkers: number;
  peakConcurrentWorkers: number;
  /** The spec's concurrentAgents. */
  targetConcurrency: number;
}

/** Pass mark of criterion 1. */
export const MIN_SUCCESS_RATE = 0.8;
/** Criterion 3: stalls must stay below this share of the workers. */
export const MAX_STALL_SHARE = 0.1;
/** Criterion 4: the peak may differ from the target by at most this share of it. */
export const PEAK_TOLERANCE = 0.2;

const percent = (x: number) => `${(x * 100).toFixed(1)}%`;

/**
 * The seed's four criteria. Comparisons are made in integers where the rule
 * allows (10 × stalls < workers, 5 × |peak − target| ≤ target), so a
 * threshold such as 0.2 × 35 cannot be missed by floating-point noise.
 */
export function evaluateCriteria(input: CriteriaInput): Criterion[] {
  const { successRate, finishedSessions, finalHealth, workerStalls, distinctWorkers, peakConcurrentWorkers: peak, targetConcurrency: target } = input;
  const slack = PEAK_TOLERANCE * target;
  return [
    {
      name: 'success rate',
      threshold: `≥ ${percent(MIN_SUCCESS_RATE)}`,
      measured: successRate,
      detail: finishedSessions === 0 ? 'no session finished' : percent(successRate),
      passed: finishedSessions > 0 && successRate >= MIN_SUCCESS_RATE,
    },
    {
      name: 'health',
      threshold: 'healthy or degraded (not unhealthy)',
      measured: finalHealth,
      detail: finalHealth,
      passed: finalHealth !== 'unhealthy',
    },
    {
      name: 'worker stalls',
      threshold: `< ${percent(MAX_STALL_SHARE)} of workers (< ${round(MAX_STALL_SHARE * distinctWorkers)} of ${distinctWorkers})`,
      measured: workerStalls,
      detail: `${workerStalls} stall${workerStalls === 1 ? '' : 's'} across ${distinctWorkers} worker${distinctWorkers === 1 ? '' : 's'}`,
      passed: workerStalls * Math.round(1 / MAX_STALL_SHARE) < distinctWorkers,
    },
    {
      name: 'peak concurrency',
      threshold: `within ${percent(PEAK_TOLERANCE)} of ${target} (${round(target - slack)}–${round(target + slack)})`,
      measured: peak,
      detail: `${peak} concurrent session${peak === 1 ? '' : 's'}`,
      passed: Math.abs(peak - target) * Math.round(1 / PEAK_TOLERANCE) <= target,
    },
  ];
}

function round(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(1);
}
