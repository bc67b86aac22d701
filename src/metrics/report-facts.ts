import { healthWindowMs } from '../core/health.js';
import { computeMetricSet } from '../core/metric-set.js';
import { THROUGHPUT_WINDOW_MS } from '../core/metrics.js';
import type { IssueStatus, SessionOutcome } from '../core/states.js';
import type { RunLockInfo } from '../store/types.js';
import type { CoordinatorFigures } from './coordinators.js';
import { nearestRank, rankOffset, type HealthInterval } from './derive.js';
import {
  ALL_TIME,
  COUNTED_OUTCOMES,
  type BackpressureEventRow,
  type HoldRecordRow,
  type KilledSessionRow,
  type OutcomeTotals,
  type RecycleRow,
  type ScaleOperationEventRow,
  type SpendTotals,
  type TimeRange,
} from './query-types.js';
import type { MetricsEvent, MetricsReport } from './report.js';

/**
 * What a report is made of, as read from a store: counts and rows, no
 * rule applied yet. Each store reads them its own way (SQLite through
 * StoreQueries, synchronously; PostgreSQL through its own queries, with
 * promises) and `assembleReport` turns them into the one MetricsReport,
 * so the figures of the two cannot drift apart.
 */
export interface ReportFacts {
  live: boolean;
  now: number;
  nowSource: 'clock' | 'last-activity';
  run: RunLockInfo | null;
  sinceMs: number | null;
  window: TimeRange;
  /** Finished sessions per outcome in the window. */
  totals: Record<SessionOutcome, OutcomeTotals>;
  /** Nearest-rank p95 and p99 of the counted durations in the window (ms, 0 when none). */
  p95Ms: number;
  p99Ms: number;
  interval: HealthInterval;
  /** Finished sessions per outcome in the health window. */
  recent: Record<SessionOutcome, OutcomeTotals>;
  /** Stalls detected in the health window, and in the report's window. */
  recentStalls: number;
  workerStalls: number;
  /** Successes in the throughput window. */
  recentSuccesses: number;
  /** Workers of the live run (or the fleet's live coordinators): all, those running a session, those stalled. */
  workers: { current: number; active: number; stalled: number };
  backpressureActive: boolean;
  backpressureActivations: number;
  issuesByStatus: Record<IssueStatus, number>;
  scale: { up: number; down: number };
  spend: SpendTotals;
  holds: HoldRecordRow[];
  reports: MetricsReport['reports'];
  rejectedReports: MetricsReport['rejectedReports'];
  events: MetricsEvent[];
  /** A fleet's coordinators (PostgreSQL); absent for a single harness's store. */
  coordinators?: CoordinatorFigures[];
}

/** The window of `sinceMs` before `now`, or all time. */
export function reportWindow(now: number, sinceMs: number | null): TimeRange {
  return sinceMs === null ? ALL_TIME : { from: now - sinceMs, to: now };
}

/** The health window ending at `now`, for a health-check interval. */
export function healthRange(now: number, interval: HealthInterval): TimeRange {
  return { from: now - healthWindowMs({ healthCheckIntervalMs: interval.ms }), to: now };
}

/** The throughput window ending at `now`. */
export function throughputRange(now: number): TimeRange {
  return { from: now - THROUGHPUT_WINDOW_MS, to: now };
}

/** Sessions and summed duration of the counted outcomes. */
export function countedOf(totals: Record<SessionOutcome, OutcomeTotals>): { count: number; durationMs: number } {
  let count = 0;
  let durationMs = 0;
  for (const outcome of COUNTED_OUTCOMES) {
    count += totals[outcome].count;
    durationMs += totals[outcome].durationMs;
  }
  return { count, durationMs };
}

/**
 * Where the nearest-rank `p` of `counted` durations sits, to read with one
 * `ORDER BY … LIMIT 1 OFFSET k` from the shorter end; null when there is
 * none to read.
 */
export function percentileSeek(p: number, counted: number): { order: 'asc' | 'desc'; offset: number } | null {
  return counted === 0 ? null : rankOffset(nearestRank(p, counted), counted);
}

/** The duration a seek found, 0 for none; a negative one (a clock step) counts as 0. */
export function percentileValue(found: number | undefined): number {
  return Math.max(0, found ?? 0);
}

/** The event rows a report lists, by source, each the latest `limit` of its kind in the window. */
export interface EventRows {
  scale: ScaleOperationEventRow[];
  backpressure: BackpressureEventRow[];
  killed: KilledSessionRow[];
  recycles: RecycleRow[];
  holds: HoldRecordRow[];
}

/** The latest `limit` events from every source, merged, oldest first. */
export function mergeEvents(rows: EventRows, window: TimeRange, limit: number): MetricsEvent[] {
  if (limit <= 0) return [];
  const events: MetricsEvent[] = [
    ...rows.scale.map((op): MetricsEvent => ({ at: op.at, type: op.direction === 'up' ? 'scale:up' : 'scale:down', from: op.from, to: op.to, reason: op.reason })),
    ...rows.backpressure.map((b): MetricsEvent => ({ at: b.at, type: b.active ? 'backpressure:on' : 'backpressure:off', queueDepth: b.queueDepth })),
    ...rows.killed.map((s): MetricsEvent => ({
      at: s.at,
      type: s.outcome === 'stalled' ? 'session:stalled' : 'session:timeout',
      sessionId: s.sessionId,
      issueId: s.issueId,
      workerId: s.workerId,
      reason: s.reason,
    })),
    ...rows.recycles.map((r): MetricsEvent => ({ at: r.at, type: 'pool:recycled', workerId: r.workerId, sessionsRun: r.sessionsRun })),
    ...rows.holds.flatMap((hold) => holdEvents(hold, window)),
  ];
  // Stable: events at the same instant keep their source order.
  return events.sort((a, b) => a.at - b.at).slice(-limit);
}

/** A hold's start, and its end when that is in the window too. */
function holdEvents(hold: HoldRecordRow, window: TimeRange): MetricsEvent[] {
  const events: MetricsEvent[] = [];
  if (hold.since > window.from && hold.since <= window.to) events.push({ at: hold.since, type: 'hold:on', kind: hold.kind, reason: hold.reason, fix: hold.fix, until: hold.until });
  if (hold.endedAt !== null && hold.endedAt > window.from && hold.endedAt <= window.to) events.push({ at: hold.endedAt, type: 'hold:off', kind: hold.kind, by: hold.endedBy });
  return events;
}

/** The report, by the one definition of the metric set every view uses (src/core/metric-set.ts). */
export function assembleReport(state: string, f: ReportFacts): MetricsReport {
  const counted = countedOf(f.totals);
  const success = f.totals.success.count;
  const active = Math.min(f.workers.active, f.workers.current);
  const seed = computeMetricSet({
    timestamp: f.now,
    workers: { idle: f.workers.current - active, busy: active, draining: 0, stalled: Math.min(f.workers.stalled, active) },
    queueDepth: f.issuesByStatus.queued,
    mergeQueueDepth: f.issuesByStatus.merging,
    sessions: {
      completed: success,
      failed: counted.count - success,
      meanMs: counted.count === 0 ? 0 : counted.durationMs / counted.count,
      p95Ms: f.p95Ms,
      p99Ms: f.p99Ms,
      recentSuccesses: f.recentSuccesses,
    },
    healthWindow: {
      ok: f.recent.success.count,
      failed: f.recent.failure.count + f.recent.stalled.count + f.recent.timeout.count,
      stalls: f.recentStalls,
    },
    backpressure: { active: f.backpressureActive, activations: f.backpressureActivations },
    scaleOperations: f.scale.up + f.scale.down,
    workerStalls: f.workerStalls,
  });
  const report: MetricsReport = {
    currentWorkers: seed.currentWorkers,
    activeWorkers: seed.activeWorkers,
    idleWorkers: seed.idleWorkers,
    stalledWorkers: seed.stalledWorkers,
    queueDepth: seed.queueDepth,
    mergeQueueDepth: seed.mergeQueueDepth,
    throughputPerMinute: seed.throughputPerMinute,
    avgSessionDurationMs: seed.avgSessionDurationMs,
    p95SessionDurationMs: seed.p95SessionDurationMs,
    p99SessionDurationMs: seed.p99SessionDurationMs,
    successRate: seed.successRate,
    totalSessionsCompleted: seed.totalSessionsCompleted,
    totalSessionsFailed: seed.totalSessionsFailed,
    health: seed.health,
    backpressureActive: seed.backpressureActive,
    scaleOperations: seed.scaleOperations,
    state,
    live: f.live,
    now: f.now,
    nowSource: f.nowSource,
    run: f.run,
    since: f.sinceMs === null ? null : f.window.from,
    throughputWindowMs: THROUGHPUT_WINDOW_MS,
    healthWindowMs: healthWindowMs({ healthCheckIntervalMs: f.interval.ms }),
    healthCheckIntervalMs: f.interval.ms,
    healthCheckIntervalSource: f.interval.source,
    backpressureActivations: seed.backpressureActivations,
    workerStalls: seed.workerStalls,
    scaleOperationsByDirection: f.scale,
    sessionsByOutcome: Object.fromEntries(Object.entries(f.totals).map(([o, t]) => [o, t.count])) as Record<SessionOutcome, number>,
    issuesByStatus: f.issuesByStatus,
    totalCostUsd: f.spend.costUsd,
    totalInputTokens: f.spend.inputTokens,
    totalOutputTokens: f.spend.outputTokens,
    holds: f.holds,
    reports: f.reports,
    rejectedReports: f.rejectedReports,
    events: f.events,
  };
  if (f.coordinators) report.coordinators = f.coordinators;
  return report;
}
