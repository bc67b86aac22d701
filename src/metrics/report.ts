import type { ScaleMetrics } from '../core/metrics-types.js';
import type { IssueStatus, SessionOutcome } from '../core/states.js';
import type { RunLockInfo } from '../store/types.js';
import type { CoordinatorFigures } from './coordinators.js';
import { HEALTH_INTERVAL_SAMPLE, healthIntervalFromSnapshots, isRunLive, type Liveness } from './derive.js';
import type { HoldRecordRow, StoreQueries } from './queries.js';
import { assembleReport, countedOf, healthRange, mergeEvents, percentileSeek, percentileValue, reportWindow, throughputRange } from './report-facts.js';

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
  /**
   * A fleet's coordinators (a PostgreSQL store), live ones first, each with
   * its share of the figures; absent for a single harness's state file.
   */
  coordinators?: CoordinatorFigures[];
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
  const window = reportWindow(now, sinceMs);
  const totals = q.outcomeTotals(window);
  const counted = countedOf(totals).count;
  const percentile = (p: number): number => {
    const seek = percentileSeek(p, counted);
    return seek ? percentileValue(q.countedDurationAt(window, seek.offset, seek.order)) : 0;
  };
  const interval = healthIntervalFromSnapshots(q.recentSnapshotTimes(HEALTH_INTERVAL_SAMPLE));
  const health = healthRange(now, interval);

  // Workers, stalls and backpressure belong to the live run only: a new run starts with a fresh pool and intake open.
  const runStart = live && lock ? lock.startedAt : null;
  const current = runStart === null ? 0 : q.workersAlive(runStart);
  const active = runStart === null ? 0 : Math.min(q.openSessionCount(), current);
  const limit = options.eventLimit ?? DEFAULT_EVENT_LIMIT;
  return assembleReport(options.state, {
    live,
    now,
    nowSource,
    run: lock ?? null,
    sinceMs,
    window,
    totals,
    p95Ms: percentile(0.95),
    p99Ms: percentile(0.99),
    interval,
    recent: q.outcomeTotals(health),
    recentStalls: q.stallsDetected(health),
    workerStalls: q.stallsDetected(window),
    recentSuccesses: q.successesEnded(throughputRange(now)),
    workers: { current, active, stalled: runStart === null ? 0 : q.stalledOpenSessions(runStart) },
    backpressureActive: runStart === null ? false : (q.latestBackpressure(runStart)?.active ?? false),
    backpressureActivations: q.backpressureActivations(window),
    issuesByStatus: q.issueCounts(),
    scale: q.scaleOperationCounts(window),
    spend: q.spendTotals(),
    holds: q.activeHolds(),
    reports: q.reportCounts() as MetricsReport['reports'],
    rejectedReports: q.rejectedReports(5),
    events:
      limit <= 0
        ? []
        : mergeEvents(
            {
              scale: q.latestScaleOperations(window, limit),
              backpressure: q.latestBackpressureChanges(window, limit),
              killed: q.latestKilledSessions(window, limit),
              recycles: q.latestRecycles(window, limit),
              holds: q.latestHoldChanges(window, limit),
            },
            window,
            limit,
          ),
  });
}
