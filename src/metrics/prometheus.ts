import { Counter, Gauge, Registry, type Metric } from 'prom-client';
import { HOLD_KINDS } from '../core/run/state.js';
import { HEALTH_STATES, ISSUE_STATUSES, SESSION_OUTCOMES } from '../core/states.js';
import { registerCoordinatorSeries } from './prometheus-fleet.js';
import { ALL_TIME, type StoreQueries } from './queries.js';
import { buildReport, type MetricsReport, type ReportOptions } from './report.js';

/**
 * The store in Prometheus text exposition (format 0.0.4), for both
 * `harness metrics --format prometheus` and the /metrics endpoint of
 * `harness run --metrics-port`. Counters are totals over the whole store, so
 * they only grow while runs append to it; gauges describe `now`.
 */

export const PROMETHEUS_CONTENT_TYPE: string = Registry.PROMETHEUS_CONTENT_TYPE;

/** Upper bounds (s) of the session-duration buckets: agent sessions take from seconds to hours. */
export const SESSION_DURATION_BUCKETS_SECONDS: readonly number[] = [10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400];

export interface DurationHistogram {
  /** Cumulative count for each of SESSION_DURATION_BUCKETS_SECONDS. */
  cumulative: number[];
  count: number;
  sumSeconds: number;
}

/** Read the report and the duration histogram in one read transaction and render them. */
export async function collectPrometheus(queries: StoreQueries, options: Omit<ReportOptions, 'sinceMs' | 'eventLimit'>): Promise<string> {
  const { report, histogram } = queries.snapshot(() => {
    const report = buildReport(queries, { ...options, sinceMs: null, eventLimit: 0 });
    return { report, histogram: readDurationHistogram(queries, report) };
  });
  return renderPrometheus(report, histogram);
}

/**
 * Bucket counts by range counts on the duration index: each range is walked
 * once, so the histogram costs one pass over the counted sessions at most.
 * The sum comes from the report's mean over the same sessions.
 */
export function readDurationHistogram(queries: StoreQueries, report: MetricsReport): DurationHistogram {
  const cumulative: number[] = [];
  let lower = ALL_TIME.from;
  let total = 0;
  for (const bound of SESSION_DURATION_BUCKETS_SECONDS) {
    total += queries.countedDurationsBetween(lower, bound * 1000);
    cumulative.push(total);
    lower = bound * 1000;
  }
  const count = report.totalSessionsCompleted + report.totalSessionsFailed;
  return { cumulative, count, sumSeconds: (report.avgSessionDurationMs * count) / 1000 };
}

export async function renderPrometheus(report: MetricsReport, histogram: DurationHistogram): Promise<string> {
  const registry = new Registry();
  const registers = [registry];
  const gauge = (name: string, help: string, value: number): void => {
    new Gauge({ name, help, registers }).set(value);
  };
  const labelled = <L extends string>(name: string, help: string, label: L, values: Record<string, number>): void => {
    const metric = new Gauge({ name, help, labelNames: [label], registers });
    for (const [key, value] of Object.entries(values)) metric.set({ [label]: key } as Record<L, string>, value);
  };
  const counter = <L extends string>(name: string, help: string, label: L, values: Record<string, number>): void => {
    const metric = new Counter({ name, help, labelNames: [label], registers });
    for (const [key, value] of Object.entries(values)) metric.inc({ [label]: key } as Record<L, string>, value);
  };

  gauge('harness_run_live', '1 while a harness run holds the state store, else 0.', report.live ? 1 : 0);
  labelled('harness_workers', 'Workers of the live run by state: idle, busy (running a session) or stalled (running, no progress); they sum to all workers.', 'state', {
    idle: report.idleWorkers,
    busy: report.activeWorkers - report.stalledWorkers,
    stalled: report.stalledWorkers,
  });
  gauge('harness_queue_depth', 'Issues admitted and waiting for a session.', report.queueDepth);
  gauge('harness_merge_queue_depth', 'Issues whose branch waits to merge.', report.mergeQueueDepth);
  labelled('harness_issues', 'Issues by status.', 'status', pick(report.issuesByStatus, ISSUE_STATUSES));
  counter('harness_sessions_total', 'Finished sessions by outcome.', 'outcome', pick(report.sessionsByOutcome, SESSION_OUTCOMES));
  registry.registerMetric(durationHistogramMetric(histogram));
  labelled('harness_session_duration_quantile_seconds', 'Nearest-rank quantiles of counted session durations (success, failure, stalled, timeout).', 'quantile', {
    '0.95': report.p95SessionDurationMs / 1000,
    '0.99': report.p99SessionDurationMs / 1000,
  });
  gauge('harness_throughput_per_minute', 'Successful sessions that ended in the last 60 seconds.', report.throughputPerMinute);
  gauge('harness_success_ratio', 'Successful ÷ counted sessions (success, failure, stalled, timeout); 1 when none.', report.successRate);
  labelled('harness_health', '1 for the current health state (judged over the last 10 health checks), 0 for the others.', 'state',
    Object.fromEntries(HEALTH_STATES.map((s) => [s, s === report.health ? 1 : 0])));
  gauge('harness_backpressure_active', '1 while intake is paused by backpressure, else 0.', report.backpressureActive ? 1 : 0);
  new Counter({ name: 'harness_backpressure_activations_total', help: 'Times backpressure turned on.', registers }).inc(report.backpressureActivations);
  counter('harness_scale_operations_total', 'Scale operations that changed the pool size, by direction.', 'direction', report.scaleOperationsByDirection);
  const on = new Set(report.holds.map((h) => h.kind));
  labelled('harness_hold', '1 while the fleet is on hold for this reason (no new session starts), else 0.', 'kind', Object.fromEntries(HOLD_KINDS.map((k) => [k, on.has(k) ? 1 : 0])));
  if (report.reports) labelled('harness_tracker_reports', 'Reports of outcomes to the issues\' tracker, by state (pending and sending are still to go; rejected the tracker refused).', 'state', { ...report.reports });
  new Counter({ name: 'harness_cost_usd_total', help: 'What the agents reported spending, in USD.', registers }).inc(report.totalCostUsd);
  counter('harness_tokens_total', 'Tokens the agents reported, by direction (input excludes cache reads and writes).', 'direction', {
    input: report.totalInputTokens,
    output: report.totalOutputTokens,
  });
  if (report.coordinators) registerCoordinatorSeries(registry, report.coordinators, report.now);
  return registry.metrics();
}

/**
 * prom-client's Histogram takes one observation at a time, and replaying a
 * million sessions through it would cost more than the whole query. The
 * store already has the bucket counts, so this metric hands them to the
 * registry through the same contract its own metrics use (name, help, type,
 * get). The cast is only because prom-client's types list its own classes.
 */
function durationHistogramMetric(histogram: DurationHistogram): Metric {
  const name = 'harness_session_duration_seconds';
  const help = 'Durations of counted sessions (success, failure, stalled, timeout), in seconds.';
  const values = [
    ...SESSION_DURATION_BUCKETS_SECONDS.map((bound, i) => ({
      metricName: `${name}_bucket`,
      labels: { le: bound },
      value: histogram.cumulative[i] ?? 0,
    })),
    { metricName: `${name}_bucket`, labels: { le: '+Inf' }, value: histogram.count },
    { metricName: `${name}_sum`, labels: {}, value: histogram.sumSeconds },
    { metricName: `${name}_count`, labels: {}, value: histogram.count },
  ];
  const metric = {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    get: async () => ({ name, help, type: 'histogram', aggregator: 'sum', values }),
    reset: () => {},
  };
  return metric as unknown as Metric;
}

function pick<K extends string>(values: Record<K, number>, keys: readonly K[]): Record<string, number> {
  return Object.fromEntries(keys.map((k) => [k, values[k]]));
}
