import { createRequire } from 'node:module';
import type TableClass from 'cli-table3';
import type { ScaleMetrics } from '../core/metrics-types.js';

const require = createRequire(import.meta.url);
let tableClass: typeof TableClass | null = null;

/** cli-table3, loaded when the first table is drawn: a run draws none before its first agents start. */
export function Table(): typeof TableClass {
  return (tableClass ??= require('cli-table3') as typeof TableClass);
}

/** What the table shows: the seed's set without the bookkeeping fields, so a report read from the store renders too. */
export type MetricsTableInput = Omit<ScaleMetrics, 'timestamp' | 'drainingWorkers'>;

export interface RenderOptions {
  /** Label times as virtual (load-test simulation). */
  virtualTime?: boolean;
  /**
   * Columns the table must fit in (a terminal's width). When the one-row
   * table is wider, the table is drawn one metric per row instead, wrapping
   * values as needed. Default: no limit (pipes and logs keep one row).
   */
  width?: number;
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

/** An amount in USD: cents, or four decimals below a cent (an agent's single turn often costs less). */
export function formatUsd(usd: number): string {
  return `$${usd < 0.01 && usd > 0 ? usd.toFixed(4) : usd.toFixed(2)}`;
}

export function formatPercent(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`;
}

/** The seed's metric set as a plain-text table (no colour, no escape codes). */
export function renderMetricsTable(metrics: MetricsTableInput, options: RenderOptions = {}): string {
  const t = options.virtualTime ? ' (virtual)' : '';
  const cells: [string, string][] = [
    ['workers', `${metrics.activeWorkers}/${metrics.currentWorkers} busy` + (metrics.stalledWorkers ? `, ${metrics.stalledWorkers} stalled` : '')],
    ['queue', `${metrics.queueDepth}` + (metrics.mergeQueueDepth ? ` (+${metrics.mergeQueueDepth} merging)` : '')],
    ['throughput', `${round(metrics.throughputPerMinute)}/min`],
    [`latency${t}`, `avg ${formatMs(metrics.avgSessionDurationMs)} p95 ${formatMs(metrics.p95SessionDurationMs)} p99 ${formatMs(metrics.p99SessionDurationMs)}`],
    ['success', `${formatPercent(metrics.successRate)} (${metrics.totalSessionsCompleted} ok, ${metrics.totalSessionsFailed} failed)`],
    ['health', metrics.health],
    ['backpressure', metrics.backpressureActive ? `on (${metrics.backpressureActivations}×)` : `off (${metrics.backpressureActivations}×)`],
    ['scale ops', String(metrics.scaleOperations)],
  ];
  const wide = new (Table())({ head: cells.map(([label]) => label), style: { head: [], border: [], compact: true } });
  wide.push(cells.map(([, value]) => value));
  const text = wide.toString();
  if (options.width === undefined || widestLine(text) <= options.width) return text;
  return narrowTable(cells, options.width);
}

/** One metric per row, for a terminal narrower than the one-row table (under about 125 columns). */
function narrowTable(cells: readonly [string, string][], width: number): string {
  const labelWidth = Math.max(...cells.map(([label]) => label.length)) + 2;
  const valueWidth = Math.max(...cells.map(([, value]) => value.length)) + 2;
  // Borders take 3 columns; a value column narrower than its text wraps (down to a floor below which nothing fits anyway).
  const fitted = Math.max(12, Math.min(valueWidth, width - labelWidth - 3));
  const table = new (Table())({ colWidths: [labelWidth, fitted], wordWrap: true, style: { head: [], border: [], compact: true } });
  table.push(...cells.map(([label, value]) => [label, value]));
  return table.toString();
}

function widestLine(text: string): number {
  return Math.max(...text.split('\n').map((line) => [...line].length));
}

function round(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
