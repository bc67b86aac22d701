import { healthWindowMs } from '../core/health.js';
import { computeMetricSet } from '../core/metric-set.js';
import { THROUGHPUT_WINDOW_MS } from '../core/metrics.js';
import type { ScaleMetrics } from '../core/metrics-types.js';
import type { IssueStatus, SessionOutcome } from '../core/states.js';
import type { RunLockInfo } from '../store/types.js';
import { HEALTH_INTERVAL_SAMPLE, healthIntervalFromSnapshots, isRunLive, nearestRank, rankOffset, type Liveness } from './derive.js';
import { ALL_TIME, COUNTED_OUTCOMES, type HoldRecordRow, type StoreQueries, type TimeRange } from './queries.js';

/**
 * The seed's metric set as `harness metrics` computes it from the store:
 * the ScaleManager's fields, where workers belong to the live run (0 when
 * none is live; stalled as of its latest health check), queue depths come
 * from issue statuses (`queued`, `merging`), and the session figures
 * (mean, percentiles, success rate, totals) cover the sessions in the
 * window, with throughput over the 60 s before `now`.
 */
export type SeedMetrics = Omit<ScaleMetrics, 'timestamp' | 'drainingWorkers' | 'backpressureActivations' | 'workerStalls'>;

export type MetricsEvent =
  | { at: number; type: 'scale:up' | 'scale:down'; from: number; to: number; reason: string }
  | { at: number; type: 'backpressure:on' | 'backpressure:off'; queueDepth: number }
  | { at: number; type: 'session:stalled' | 'session:timeout'; sessionId: string; issueId: string; workerId: string; reason: string | null }
  | { at: number; type: 'pool:recycled'; workerId: string; sessionsRun: number }
  | { at: number; type: 'hold:on'; kind: string; reason: string; fix: string; until: number | null }
  | { at: number; type: 'hold:off'; kind: string; by: string | null };

export interface MetricsReport extends SeedMetrics {
  /** The state file read. */
  state: string;
  /** A `harness run` holds this store right now. */
  live: boolean;
  /** The instant the figures describe (ms): wall-clock time while a run is live, else the last recorded activity. */
  now: number;
  nowSource: 'clock' | 'last-activity';
  /** The run lock as recorded (the live run, or the last one if it died without releasing it). */
  run: RunLockInfo | null;
  /** Windowed figures cover sessions and events after this time (ms), or everything when null. */
  since: number | null;
  throughputWindowMs: number;
  /** Health is judged over the trailing 10 health-check intervals. */
  healthWindowMs: number;
  healthCheckIntervalMs: number;
  healthCheckIntervalSource: 'snapshots' | 'default';
  /** Times backpressure turned on, in the window. */
  backpressureActivations: number;
  /** Sessions stopped as stalled, in the window. */
  workerStalls: number;
  scaleOperationsByDirection: { up: number; down: number };
  /** Finished sessions in the window by outcome, cancelled and lost included. */
  sessionsByOutcome: Record<SessionOutcome, number>;
  issuesByStatus: Record<IssueStatus, number>;
  /** What the state has spent in all, as the agents reported it (USD; tokens without cache reads and writes). Not windowed. */
  totalCostUsd: number;
  totalInputTokens: number;
  totalOutputTokens: number;
  /**
   * Holds on the fleet: those of the live run, or those the last run ended
   * under (what the next run must fix), oldest first. A new run ends them.
   */
  holds: HoldRecordRow[];
  /**
   * Reports of outcomes to the issues' tracker (sources beads, github) by
   * state: `pending` and `sending` are still to go; `rejected` the tracker
   * refused (the latest listed in rejectedReports). Null when the state has
   * no outbox (before schema 10).
   */
  reports: { pending: number; sending: number; sent: number; rejected: number } | null;
  rejectedReports: { issueId: string; kind: string; source: string; error: string | null; at: number | null }[];
  /** The latest notable events in the window, oldest first. */
  events: MetricsEvent[];
}

export interface ReportOptions extends Liveness {
  /** The state file's path, as shown to the user. */
  state: string;
  /** Restrict windowed figures and events to the last `sinceMs` before `now`. */
  sinceMs?: number | null;
  /** How many events to list (default 20). */
  eventLimit?: number;
}

export const DEFAULT_EVENT_LIMIT = 20;

/** Read the store once (one read transaction) and compute the report. */
export function buildReport(queries: StoreQueries, options: ReportOptions): MetricsReport {
  return queries.snapshot(() => readReport(queries, options));
}

export interface ReportClock {
  live: boolean;
  now: number;
  nowSource: 'clock' | 'last-activity';
  lock: RunLockInfo | undefined;
}

/**
 * The instant a report describes. While a run is live that is the wall clock;
 * once it has ended, the wall clock would make every trailing window empty,
 * so the figures are given as of the last thing the store recorded, and the
 * report says so.
 */
export function reportClock(q: StoreQueries, liveness: Liveness): ReportClock {
  const lock = q.runLock();
  const live = isRunLive(lock, liveness);
  const lastActivity = live ? null : q.lastActivity();
  if (live || lastActivity === null) return { live, now: liveness.now, nowSource: 'clock', lock };
  return { live, now: lastActivity, nowSource: 'last-activity', lock };
}

function readReport(q: StoreQueries, options: ReportOptions): MetricsReport {
  const { live, now, nowSource, lock } = reportClock(q, options);
  const sinceMs = options.sinceMs ?? null;
  const window: TimeRange = sinceMs === null ? ALL_TIME : { from: now - sinceMs, to: now };

  const totals = q.outcomeTotals(window);
  let counted = 0;
  let countedMs = 0;
  for (const outcome of COUNTED_OUTCOMES) {
    counted += totals[outcome].count;
    countedMs += totals[outcome].durationMs;
  }
  const percentile = (p: number): number => {
    if (counted === 0) return 0;
    const { order, offset } = rankOffset(nearestRank(p, counted), counted);
    return Math.max(0, q.countedDurationAt(window, offset, order) ?? 0);
  };

  const interval = healthIntervalFromSnapshots(q.recentSnapshotTimes(HEALTH_INTERVAL_SAMPLE));
  const healthWindow = healthWindowMs({ healthCheckIntervalMs: interval.ms });
  const recent = q.outcomeTotals({ from: now - healthWindow, to: now });
  const recentOk = recent.success.count;
  const recentBad = recent.failure.count + recent.stalled.count + recent.timeout.count;

  // Workers, stalls and backpressure belong to the live run only: a new run starts with a fresh pool and intake open.
  const runStart = live && lock ? lock.startedAt : null;
  const currentWorkers = runStart === null ? 0 : q.workersAlive(runStart);
  const activeWorkers = runStart === null ? 0 : Math.min(q.openSessionCount(), currentWorkers);
  const stalledWorkers = runStart === null ? 0 : Math.min(q.stalledOpenSessions(runStart), activeWorkers);
  const backpressureActive = runStart === null ? false : (q.latestBackpressure(runStart)?.active ?? false);

  const issuesByStatus = q.issueCounts();
  const scale = q.scaleOperationCounts(window);
  const success = totals.success.count;
  // The seed's figures by the one definition every view uses (src/core/metric-set.ts).
  const seed = computeMetricSet({
    timestamp: now,
    workers: { idle: currentWorkers - activeWorkers, busy: activeWorkers, draining: 0, stalled: stalledWorkers },
    queueDepth: issuesByStatus.queued,
    mergeQueueDepth: issuesByStatus.merging,
    sessions: {
      completed: success,
      failed: counted - success,
      meanMs: counted === 0 ? 0 : countedMs / counted,
      p95Ms: percentile(0.95),
      p99Ms: percentile(0.99),
      recentSuccesses: q.successesEnded({ from: now - THROUGHPUT_WINDOW_MS, to: now }),
    },
    healthWindow: { ok: recentOk, failed: recentBad, stalls: q.stallsDetected({ from: now - healthWindow, to: now }) },
    backpressure: { active: backpressureActive, activations: q.backpressureActivations(window) },
    scaleOperations: scale.up + scale.down,
    workerStalls: q.stallsDetected(window),
  });
  return {
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
    state: options.state,
    live,
    now,
    nowSource,
    run: lock ?? null,
    since: sinceMs === null ? null : window.from,
    throughputWindowMs: THROUGHPUT_WINDOW_MS,
    healthWindowMs: healthWindow,
    healthCheckIntervalMs: interval.ms,
    healthCheckIntervalSource: interval.source,
    backpressureActivations: seed.backpressureActivations,
    workerStalls: seed.workerStalls,
    scaleOperationsByDirection: scale,
    sessionsByOutcome: Object.fromEntries(Object.entries(totals).map(([o, t]) => [o, t.count])) as Record<SessionOutcome, number>,
    issuesByStatus,
    ...spendFields(q),
    holds: q.activeHolds(),
    reports: q.reportCounts() as MetricsReport['reports'],
    rejectedReports: q.rejectedReports(5),
    events: latestEvents(q, window, options.eventLimit ?? DEFAULT_EVENT_LIMIT),
  };
}

function spendFields(q: StoreQueries): Pick<MetricsReport, 'totalCostUsd' | 'totalInputTokens' | 'totalOutputTokens'> {
  const spent = q.spendTotals();
  return { totalCostUsd: spent.costUsd, totalInputTokens: spent.inputTokens, totalOutputTokens: spent.outputTokens };
}

/** A hold's start, and its end when that is in the window too. */
function holdEvents(hold: HoldRecordRow, window: TimeRange): MetricsEvent[] {
  const events: MetricsEvent[] = [];
  if (hold.since > window.from && hold.since <= window.to) events.push({ at: hold.since, type: 'hold:on', kind: hold.kind, reason: hold.reason, fix: hold.fix, until: hold.until });
  if (hold.endedAt !== null && hold.endedAt > window.from && hold.endedAt <= window.to) events.push({ at: hold.endedAt, type: 'hold:off', kind: hold.kind, by: hold.endedBy });
  return events;
}

/** The latest `limit` events from every source, merged, oldest first. */
function latestEvents(q: StoreQueries, window: TimeRange, limit: number): MetricsEvent[] {
  if (limit <= 0) return [];
  const events: MetricsEvent[] = [
    ...q.latestScaleOperations(window, limit).map((op): MetricsEvent => ({
      at: op.at,
      type: op.direction === 'up' ? 'scale:up' : 'scale:down',
      from: op.from,
      to: op.to,
      reason: op.reason,
    })),
    ...q.latestBackpressureChanges(window, limit).map((b): MetricsEvent => ({
      at: b.at,
      type: b.active ? 'backpressure:on' : 'backpressure:off',
      queueDepth: b.queueDepth,
    })),
    ...q.latestKilledSessions(window, limit).map((s): MetricsEvent => ({
      at: s.at,
      type: s.outcome === 'stalled' ? 'session:stalled' : 'session:timeout',
      sessionId: s.sessionId,
      issueId: s.issueId,
      workerId: s.workerId,
      reason: s.reason,
    })),
    ...q.latestRecycles(window, limit).map((r): MetricsEvent => ({ at: r.at, type: 'pool:recycled', workerId: r.workerId, sessionsRun: r.sessionsRun })),
    ...q.latestHoldChanges(window, limit).flatMap((hold) => holdEvents(hold, window)),
  ];
  // Stable: events at the same instant keep their source order.
  return events.sort((a, b) => a.at - b.at).slice(-limit);
}
