/**
 * Workers and queue depth over time, drawn in the terminal from the metric
 * snapshots (one per health check). Two panels share one time axis; each
 * column is one slice of time showing the largest value recorded in it, so
 * a short peak is never averaged away. Pure: points in, a string out.
 */

export interface ChartPoint {
  at: number;
  workers: number;
  queueDepth: number;
}

export interface ChartOptions {
  /** Total width in columns (default 80). */
  width?: number;
  /** Rows per panel (default 6). */
  height?: number;
  /** Time range shown (default: first to last point). */
  from?: number;
  to?: number;
}

/** Columns taken by the value labels and the axis, left of the plot. */
const LABEL_WIDTH = 6;
const AXIS_WIDTH = 2;
const BLOCKS = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;

/** Plot columns in a chart `width` columns wide. */
export function plotColumns(width = 80): number {
  return Math.max(1, width - LABEL_WIDTH - AXIS_WIDTH);
}

/** Milliseconds per column so that [from, to] fits in `columns`; the snapshot query buckets with the same step. */
export function chartStep(from: number, to: number, columns: number): number {
  return Math.max(1, Math.ceil((to - from + 1) / columns));
}

export function renderChart(points: readonly ChartPoint[], options: ChartOptions = {}): string {
  if (points.length === 0) return 'no metric snapshots recorded yet: `harness run` writes one at every health check';
  const width = options.width ?? 80;
  const height = options.height ?? 6;
  const from = options.from ?? Math.min(...points.map((p) => p.at));
  const to = options.to ?? Math.max(...points.map((p) => p.at));
  const columns = plotColumns(width);
  const step = chartStep(from, to, columns);
  const workers: (number | null)[] = new Array(columns).fill(null);
  const queue: (number | null)[] = new Array(columns).fill(null);
  for (const point of points) {
    const column = Math.floor((point.at - from) / step);
    if (column < 0 || column >= columns) continue;
    workers[column] = Math.max(workers[column] ?? 0, point.workers);
    queue[column] = Math.max(queue[column] ?? 0, point.queueDepth);
  }
  const reach = Math.ceil((2 * medianGap(points)) / step);
  holdValues(workers, reach);
  holdValues(queue, reach);
  return [
    ...panel('workers', workers, height),
    ...panel('queue depth', queue, height),
    ' '.repeat(LABEL_WIDTH + 1) + '└' + '─'.repeat(columns),
    timeAxis(from, to, columns),
  ].join('\n');
}

/**
 * Snapshots are further apart than a column is wide when the range is short,
 * which would draw a comb. A value holds until the next snapshot, so it is
 * carried over the empty columns after it, but only as far as `reach`
 * columns: a longer silence (between two runs) stays blank.
 */
function holdValues(values: (number | null)[], reach: number): void {
  let last: number | null = null;
  let empty = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value !== null && value !== undefined) {
      last = value;
      empty = 0;
    } else if (last !== null && ++empty <= reach) values[i] = last;
  }
}

/** The usual time between snapshots: the median gap between consecutive points. */
function medianGap(points: readonly ChartPoint[]): number {
  const times = [...new Set(points.map((p) => p.at))].sort((a, b) => a - b);
  const gaps = times.slice(1).map((t, i) => t - (times[i] ?? t));
  gaps.sort((a, b) => a - b);
  return gaps[Math.floor((gaps.length - 1) / 2)] ?? 0;
}

function panel(title: string, values: readonly (number | null)[], height: number): string[] {
  const peak = Math.max(0, ...values.map((v) => v ?? 0));
  const scale = Math.max(1, peak);
  const eighths = values.map((v) => (v === null || v <= 0 ? 0 : Math.max(1, Math.round((v / scale) * height * 8))));
  const rows = [`${title} (peak ${peak})`];
  for (let row = 0; row < height; row++) {
    const base = (height - 1 - row) * 8;
    const label = row === 0 ? String(scale) : row === height - 1 ? '0' : '';
    const plot = eighths.map((e) => BLOCKS[Math.min(8, Math.max(0, e - base))]).join('');
    rows.push(`${label.padStart(LABEL_WIDTH)} ${label ? '┤' : '│'}${plot}`.trimEnd());
  }
  return rows;
}

/** Start and end times under the plot, in UTC; dates appear when the range spans more than a day. */
function timeAxis(from: number, to: number, columns: number): string {
  const long = to - from >= 86_400_000;
  const format = (ms: number): string => {
    const iso = new Date(ms).toISOString();
    return long ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : iso.slice(11, 19);
  };
  const start = format(from);
  const end = `${format(to)} UTC`;
  const gap = Math.max(1, columns - start.length - end.length);
  return ' '.repeat(LABEL_WIDTH + AXIS_WIDTH) + start + ' '.repeat(gap) + end;
}
