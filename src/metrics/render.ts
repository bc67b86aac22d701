import Table from 'cli-table3';
import type { ScaleMetrics } from '../core/metrics-types.js';

/** What the table shows: the seed's set without the bookkeeping fields, so a report read from the store renders too. */
export type MetricsTableInput = Omit<ScaleMetrics, 'timestamp' | 'drainingWorkers'>;

export interface RenderOptions {
  /** Label times as virtual (load-test simulation). */
  virtualTime?: boolean;
}

/** Milliseconds as a short human duration: 850ms, 12.3s, 4m05s, 1h02m. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const totalSeconds = Math.round(ms / 1000);
  if (ms < 3_600_000) return `${Math.floor(totalSeconds / 60)}m${String(totalSeconds % 60).padStart(2, '0')}s`;
  const minutes = Math.round(ms / 60_000);
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

export function formatPercent(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`;
}

/** The seed's metric set as a plain-text table (no colour, no escape codes). */
export function renderMetricsTable(metrics: MetricsTableInput, options: RenderOptions = {}): string {
  const t = options.virtualTime ? ' (virtual)' : '';
  const table = new Table({
    head: ['workers', 'queue', 'throughput', `latency${t}`, 'success', 'health', 'backpressure', 'scale ops'],
    style: { head: [], border: [], compact: true },
  });
  table.push([
    `${metrics.activeWorkers}/${metrics.currentWorkers} busy` + (metrics.stalledWorkers ? `, ${metrics.stalledWorkers} stalled` : ''),
    `${metrics.queueDepth}` + (metrics.mergeQueueDepth ? ` (+${metrics.mergeQueueDepth} merging)` : ''),
    `${round(metrics.throughputPerMinute)}/min`,
    `avg ${formatMs(metrics.avgSessionDurationMs)} p95 ${formatMs(metrics.p95SessionDurationMs)} p99 ${formatMs(metrics.p99SessionDurationMs)}`,
    `${formatPercent(metrics.successRate)} (${metrics.totalSessionsCompleted} ok, ${metrics.totalSessionsFailed} failed)`,
    metrics.health,
    metrics.backpressureActive ? `on (${metrics.backpressureActivations}×)` : `off (${metrics.backpressureActivations}×)`,
    String(metrics.scaleOperations),
  ]);
  return table.toString();
}

function round(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
