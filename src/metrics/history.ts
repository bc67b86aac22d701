import { chartStep, plotColumns, type ChartPoint } from './chart.js';
import { ALL_TIME, type StoreQueries, type TimeRange } from './queries.js';

export interface ChartData {
  points: ChartPoint[];
  /** First and last snapshot shown (ms), or null when there are none. */
  from: number | null;
  to: number | null;
}

/**
 * The snapshots for a chart `width` columns wide, already reduced in SQL to
 * one point per column (the largest values in it), so a long history never
 * loads every snapshot.
 */
export function readChartData(queries: StoreQueries, options: { now: number; sinceMs?: number | null; width?: number }): ChartData {
  const range: TimeRange = options.sinceMs == null ? ALL_TIME : { from: options.now - options.sinceMs, to: options.now };
  const { first, last } = queries.snapshotRange(range);
  if (first === null || last === null) return { points: [], from: null, to: null };
  const step = chartStep(first, last, plotColumns(options.width));
  const points = queries.snapshotBuckets(range, first, step).map((b) => ({ at: first + b.bucket * step, workers: b.workers, queueDepth: b.queueDepth }));
  return { points, from: first, to: last };
}
