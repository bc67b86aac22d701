/**
 * The seed's metric set, defined once. Every view computes its figures
 * through here: the live table and `ScaleManager.getMetrics()` from the
 * run's tally, `harness metrics` and Prometheus from the store's SQL
 * aggregates, the load test from what it observed. Each source supplies the
 * raw counts (MetricInputs); the rules that turn counts into rates, health
 * and percentiles are the ones below, so the views cannot drift apart.
 * docs/metrics.md describes every field.
 */
import { assessHealth } from './health.js';
import { digestMean, digestPercentile, THROUGHPUT_WINDOW_MS, windowCount } from './metrics.js';
import type { ScaleMetrics } from './metrics-types.js';
import type { HealthStatus } from './states.js';
import type { SessionTally } from './tally.js';

/** Finished-session figures, over whatever span the source covers. */
export interface SessionFigures {
  /** Successful sessions. */
  completed: number;
  /** Failed, stalled and timed-out sessions. */
  failed: number;
  /** Mean, p95 and p99 (nearest rank) of the counted sessions' durations (ms). */
  meanMs: number;
  p95Ms: number;
  p99Ms: number;
  /** Successful sessions that ended in the throughput window (the 60 s before `now`). */
  recentSuccesses: number;
}

/** What health is judged on: the trailing health window. */
export interface HealthFigures {
  ok: number;
  failed: number;
  stalls: number;
}

export interface MetricInputs {
  timestamp: number;
  /** idle, busy (making progress or not) and draining workers; `stalled` of the working ones. */
  workers: { idle: number; busy: number; draining: number; stalled: number };
  queueDepth: number;
  mergeQueueDepth: number;
  sessions: SessionFigures;
  healthWindow: HealthFigures;
  backpressure: { active: boolean; activations: number };
  scaleOperations: number;
  /** Stalls detected over the source's span. */
  workerStalls: number;
}

/** Successful ÷ counted sessions; 1 when none finished (nothing has failed yet). */
export function successRateOf(completed: number, failed: number): number {
  const finished = completed + failed;
  return finished === 0 ? 1 : completed / finished;
}

/** The seed's health table over the health window. */
export function healthOf(window: HealthFigures): HealthStatus {
  const finished = window.ok + window.failed;
  return assessHealth({ successRate: finished === 0 ? null : window.ok / finished, stalledWorkers: window.stalls });
}

/** Successful sessions per minute, from the count in the throughput window. */
export function throughputPerMinute(recentSuccesses: number): number {
  return (recentSuccesses * 60_000) / THROUGHPUT_WINDOW_MS;
}

export function computeMetricSet(i: MetricInputs): ScaleMetrics {
  const working = i.workers.busy + i.workers.draining;
  return {
    timestamp: i.timestamp,
    currentWorkers: i.workers.idle + working,
    activeWorkers: working,
    idleWorkers: i.workers.idle,
    stalledWorkers: Math.min(i.workers.stalled, working),
    drainingWorkers: i.workers.draining,
    queueDepth: i.queueDepth,
    mergeQueueDepth: i.mergeQueueDepth,
    throughputPerMinute: throughputPerMinute(i.sessions.recentSuccesses),
    avgSessionDurationMs: i.sessions.meanMs,
    p95SessionDurationMs: i.sessions.p95Ms,
    p99SessionDurationMs: i.sessions.p99Ms,
    successRate: successRateOf(i.sessions.completed, i.sessions.failed),
    totalSessionsCompleted: i.sessions.completed,
    totalSessionsFailed: i.sessions.failed,
    health: healthOf(i.healthWindow),
    backpressureActive: i.backpressure.active,
    backpressureActivations: i.backpressure.activations,
    scaleOperations: i.scaleOperations,
    workerStalls: i.workerStalls,
  };
}

/** A live run's session and health figures, from its tally at `now`. */
export function tallyFigures(tally: SessionTally, now: number): { sessions: SessionFigures; healthWindow: HealthFigures } {
  return {
    sessions: {
      completed: tally.completed,
      failed: tally.failed,
      meanMs: digestMean(tally.durations),
      p95Ms: digestPercentile(tally.durations, 0.95),
      p99Ms: digestPercentile(tally.durations, 0.99),
      recentSuccesses: windowCount(tally.throughput, now),
    },
    healthWindow: {
      ok: windowCount(tally.recentOk, now),
      failed: windowCount(tally.recentFailed, now),
      stalls: windowCount(tally.recentStalls, now),
    },
  };
}
