import { coordinatorFigures, coordinatorUp, fleetWorkers, NO_COUNTS, type CoordinatorFigures } from '../coordinators.js';
import { HEALTH_INTERVAL_SAMPLE, healthIntervalFromSnapshots, isRunLive } from '../derive.js';
import { renderPrometheus, SESSION_DURATION_BUCKETS_SECONDS, type DurationHistogram } from '../prometheus.js';
import { DEFAULT_EVENT_LIMIT, type MetricsReport, type ReportOptions } from '../report.js';
import { assembleReport, countedOf, healthRange, mergeEvents, percentileSeek, percentileValue, reportWindow, throughputRange } from '../report-facts.js';
import * as q from './queries.js';
import type { PgReader, ReadTx } from './reader.js';

/**
 * The metric set of a fleet, read from its PostgreSQL store in one
 * snapshot: the same report `harness metrics` makes of a state file
 * (assembleReport), with the fleet's coordinators and their share of it.
 *
 * The fleet is live while one of its coordinators is (its lease holds), or
 * while a harness that did not join a fleet holds the store's run lock;
 * its workers are those of its live coordinators (and of that harness).
 */
export async function buildFleetReport(reader: PgReader, options: ReportOptions): Promise<MetricsReport> {
  return reader.read((tx) => readFleetReport(tx, options));
}

async function readFleetReport(tx: ReadTx, options: ReportOptions): Promise<MetricsReport> {
  const rows = await q.coordinators(tx);
  const lock = await q.runLock(tx);
  const up = rows.filter(coordinatorUp);
  const lockLive = isRunLive(lock, options);
  const live = up.length > 0 || lockLive;
  const lastActivity = live ? null : await q.lastActivity(tx);
  const now = live || lastActivity === null ? options.now : lastActivity;
  const nowSource = live || lastActivity === null ? 'clock' : 'last-activity';
  const sinceMs = options.sinceMs ?? null;
  const window = reportWindow(now, sinceMs);

  const totals = await q.outcomeTotals(tx, window);
  const counted = countedOf(totals).count;
  const percentile = async (p: number): Promise<number> => {
    const seek = percentileSeek(p, counted);
    return seek ? percentileValue(await q.countedDurationAt(tx, window, seek.offset, seek.order)) : 0;
  };

  // Every coordinator writes its own snapshot at each health check: with n of them, a check's interval is n snapshots apart.
  const stride = Math.max(1, up.length);
  const interval = healthIntervalFromSnapshots(await q.recentSnapshotTimes(tx, (HEALTH_INTERVAL_SAMPLE - 1) * stride + 1), stride);
  const health = healthRange(now, interval);
  const recent = throughputRange(now);

  const runStarts = [...up.map((c) => c.startedAt), ...(lockLive && lock ? [lock.startedAt] : [])];
  const liveSince = runStarts.length === 0 ? null : Math.min(...runStarts);
  const loads = await q.coordinatorLoads(tx, lockLive && lock ? lock.startedAt : null);
  const outcomes = await q.coordinatorOutcomes(tx, window, recent);
  const coordinators: CoordinatorFigures[] = rows.map((row) => coordinatorFigures(row, { ...NO_COUNTS, ...loads.get(row.id), ...outcomes.get(row.id) }));
  const workers = fleetWorkers(coordinators);
  const unjoined = loads.get('');
  if (lockLive && unjoined) {
    const busy = Math.min(unjoined.openSessions, unjoined.workers);
    workers.current += unjoined.workers;
    workers.active += busy;
    workers.stalled += Math.min(unjoined.stalledSessions, busy);
  }

  const limit = options.eventLimit ?? DEFAULT_EVENT_LIMIT;
  return assembleReport(options.state, {
    live,
    now,
    nowSource,
    run: lock ?? null,
    sinceMs,
    window,
    totals,
    p95Ms: await percentile(0.95),
    p99Ms: await percentile(0.99),
    interval,
    recent: await q.outcomeTotals(tx, health),
    recentStalls: await q.stallsDetected(tx, health),
    workerStalls: await q.stallsDetected(tx, window),
    recentSuccesses: await q.successesEnded(tx, recent),
    workers,
    backpressureActive: liveSince === null ? false : ((await q.latestBackpressure(tx, liveSince))?.active ?? false),
    backpressureActivations: await q.backpressureActivations(tx, window),
    issuesByStatus: await q.issueCounts(tx),
    scale: await q.scaleOperationCounts(tx, window),
    spend: await q.spendTotals(tx),
    holds: await q.activeHolds(tx),
    reports: await q.reportCounts(tx),
    rejectedReports: await q.rejectedReports(tx, 5),
    events:
      limit <= 0
        ? []
        : mergeEvents(
            {
              scale: await q.latestScaleOperations(tx, window, limit),
              backpressure: await q.latestBackpressureChanges(tx, window, limit),
              killed: await q.latestKilledSessions(tx, window, limit),
              recycles: await q.latestRecycles(tx, window, limit),
              holds: await q.latestHoldChanges(tx, window, limit),
            },
            window,
            limit,
          ),
    coordinators,
  });
}

/** The fleet in Prometheus text exposition: the fleet-wide series of a state file's, and each coordinator's. */
export async function collectFleetPrometheus(reader: PgReader, options: Omit<ReportOptions, 'sinceMs' | 'eventLimit'>): Promise<string> {
  const { report, histogram } = await reader.read(async (tx) => {
    const report = await readFleetReport(tx, { ...options, sinceMs: null, eventLimit: 0 });
    const cumulative = await q.cumulativeDurations(tx, SESSION_DURATION_BUCKETS_SECONDS.map((s) => s * 1000));
    const count = report.totalSessionsCompleted + report.totalSessionsFailed;
    const histogram: DurationHistogram = { cumulative, count, sumSeconds: (report.avgSessionDurationMs * count) / 1000 };
    return { report, histogram };
  });
  return renderPrometheus(report, histogram);
}
