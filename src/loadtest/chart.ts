import { formatMs } from '../metrics/render.js';
import type { TimelineSample } from './observe.js';

export interface ChartOptions {
  /** Columns of the plot area. Default 60. */
  width?: number;
  /** Rows per panel. Default 6. */
  height?: number;
  /** Appended to the time axis, e.g. "virtual". */
  timeLabel?: string;
}

/** Eighths of a cell, from empty to full. */
const LEVELS = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/**
 * One value per column: the largest sample whose time falls in the column's
 * span, or the previous column's value when none does (the pool keeps its
 * size between checks).
 */
export function columns(samples: readonly TimelineSample[], pick: (s: TimelineSample) => number, width: number): number[] {
  const end = samples[samples.length - 1]?.at ?? 0;
  const out = new Array<number>(width).fill(Number.NaN);
  for (const s of samples) {
    const col = end > 0 ? Math.min(width - 1, Math.floor((s.at / end) * width)) : 0;
    const v = pick(s);
    out[col] = Number.isNaN(out[col]!) ? v : Math.max(out[col]!, v);
  }
  let last = 0;
  return out.map((v) => (Number.isNaN(v) ? last : (last = v)));
}

function panel(title: string, values: readonly number[], height: number): string[] {
  const max = Math.max(1, ...values);
  const labelWidth = String(max).length;
  const rows: string[] = [`${title} (max ${max})`];
  for (let r = height - 1; r >= 0; r--) {
    const cells = values.map((v) => LEVELS[Math.round(Math.min(1, Math.max(0, (v / max) * height - r)) * 8)]).join('');
    const label = r === height - 1 ? String(max) : r === 0 ? '0' : '';
    rows.push(`${label.padStart(labelWidth)} │${cells}`);
  }
  return rows;
}

/** Workers and queue depth over time as two stacked block charts (plain text, no colour). */
export function renderTimelineChart(samples: readonly TimelineSample[], options: ChartOptions = {}): string {
  const width = options.width ?? 60;
  const height = options.height ?? 6;
  if (samples.length === 0) return '(no timeline: the run recorded no health checks)';
  const workers = panel('workers', columns(samples, (s) => s.workers, width), height);
  const queue = panel('queue depth (queued + held back by backpressure)', columns(samples, (s) => s.waiting, width), height);
  const pad = Math.max(...[...workers, ...queue].map((line) => line.indexOf('│')));
  const align = (line: string) => (line.includes('│') ? line.padStart(line.length + pad - line.indexOf('│')) : line);
  const end = formatMs(samples[samples.length - 1]?.at ?? 0);
  const axis = `${' '.repeat(pad)}└${'─'.repeat(width)}`;
  const times = `${' '.repeat(pad + 1)}0${end.padStart(width - 1)}${options.timeLabel ? ` (${options.timeLabel})` : ''}`;
  return [...workers.map(align), ...queue.map(align), axis, times].join('\n');
}
