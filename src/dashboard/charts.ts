/**
 * The history charts' data: workers against queue depth, throughput and
 * the cumulative cost, over the live run (or the last recorded stretch),
 * reduced in SQL to at most CHART_POINTS columns, so a run of days costs
 * the same to draw as a run of minutes.
 */
import type { FleetQueries } from '../metrics/fleet.js';
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
  if (to === null) return { from: null, to: null, stepMs: 0, points: [] };
  const earliest = to - CHART_SPAN_MS;
  const first = queries.snapshotRange({ from: Math.max(earliest, at.runStart ?? earliest) - 1, to }).first;
  if (first === null) return { from: null, to: null, stepMs: 0, points: [] };
  const from = first - 1;
  const stepMs = Math.max(1000, Math.ceil((to - from) / CHART_POINTS));
  const range = { from, to };
  const costs = fleet.costHistory(range, from, stepMs);
  // The cost line starts from what was spent before the charted stretch.
  let cost = at.recordedCostUsd - costs.reduce((sum, c) => sum + c.costUsd, 0);
  const costByBucket = new Map(costs.map((c) => [c.bucket, c.costUsd]));
  const points: ChartPoint[] = [];
  let next = 0;
  for (const h of fleet.history(range, from, stepMs)) {
    for (; next <= h.bucket; next++) cost += costByBucket.get(next) ?? 0;
    points.push({ at: from + (h.bucket + 1) * stepMs, workers: h.workers, busy: h.busy, queueDepth: h.queueDepth, throughputPerMinute: h.throughputPerMinute, costUsd: Math.max(0, cost) });
  }
  return { from, to, stepMs, points };
}
