/**
 * The history charts' data: workers against queue depth, throughput and
 * the cumulative cost, over the live run (or the last recorded stretch),
 * reduced in SQL to at most CHART_POINTS columns, so a run of days costs
 * the same to draw as a run of minutes.
 */
import type { CostBucket, FleetQueries, HistoryBucket } from '../metrics/fleet.js';
import type { StoreQueries } from '../metrics/queries.js';

export const CHART_POINTS = 120;
/** The longest stretch shown (ms): the latest six hours. */
export const CHART_SPAN_MS = 6 * 3_600_000;

export interface ChartPoint {
  at: number;
  workers: number;
  busy: number;
  queueDepth: number;
  throughputPerMinute: number;
  /** What every session that ended by then had spent (USD). */
  costUsd: number;
}

export interface Charts {
  from: number | null;
  to: number | null;
  stepMs: number;
  points: ChartPoint[];
}

/**
 * The charts end at the latest snapshot, so they stay the same between two
 * health checks: read once per snapshot (and per change of the spend), not
 * once per update.
 */
export class ChartCache {
  private key: string | null = null;
  private charts: Charts | null = null;

  read(fleet: FleetQueries, queries: StoreQueries, at: { now: number; runStart: number | null; recordedCostUsd: number }): Charts {
    const last = queries.snapshotRange({ from: at.runStart ?? Number.MIN_SAFE_INTEGER, to: at.now }).last;
    const key = `${last}:${at.runStart}:${at.recordedCostUsd}`;
    if (this.charts === null || key !== this.key) {
      this.charts = readCharts(fleet, queries, { to: last, runStart: at.runStart, recordedCostUsd: at.recordedCostUsd });
      this.key = key;
    }
    return this.charts;
  }
}

export function readCharts(fleet: FleetQueries, queries: StoreQueries, at: { to: number | null; runStart: number | null; recordedCostUsd: number }): Charts {
  const to = at.to;
  if (to === null) return NO_CHARTS;
  const first = queries.snapshotRange(chartSpan(to, at.runStart)).first;
  if (first === null) return NO_CHARTS;
  const { from, stepMs } = chartSteps(first, to);
  const range = { from, to };
  return chartsOf({ from, to, stepMs }, fleet.history(range, from, stepMs), fleet.costHistory(range, from, stepMs), at.recordedCostUsd);
}

export const NO_CHARTS: Charts = { from: null, to: null, stepMs: 0, points: [] };

/** Where the first snapshot charted is looked for: the latest CHART_SPAN_MS, within the live run. */
export function chartSpan(to: number, runStart: number | null): { from: number; to: number } {
  const earliest = to - CHART_SPAN_MS;
  return { from: Math.max(earliest, runStart ?? earliest) - 1, to };
}

/** The columns from the first snapshot charted to the last: at most CHART_POINTS, each at least a second. */
export function chartSteps(first: number, to: number): { from: number; stepMs: number } {
  const from = first - 1;
  return { from, stepMs: Math.max(1000, Math.ceil((to - from) / CHART_POINTS)) };
}

/** The points, from the snapshots' and the ended sessions' columns; `recordedCostUsd` is what was spent in all. */
export function chartsOf(span: { from: number; to: number; stepMs: number }, history: readonly HistoryBucket[], costs: readonly CostBucket[], recordedCostUsd: number): Charts {
  const { from, to, stepMs } = span;
  // The cost line starts from what was spent before the charted stretch.
  let cost = recordedCostUsd - costs.reduce((sum, c) => sum + c.costUsd, 0);
  const costByBucket = new Map(costs.map((c) => [c.bucket, c.costUsd]));
  const points: ChartPoint[] = [];
  let next = 0;
  for (const h of history) {
    for (; next <= h.bucket; next++) cost += costByBucket.get(next) ?? 0;
    points.push({ at: from + (h.bucket + 1) * stepMs, workers: h.workers, busy: h.busy, queueDepth: h.queueDepth, throughputPerMinute: h.throughputPerMinute, costUsd: Math.max(0, cost) });
  }
  return { from, to, stepMs, points };
}
