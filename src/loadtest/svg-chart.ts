import { formatMs } from '../metrics/render.js';
import { escapeXml } from './junit.js';

export interface Series {
  label: string;
  /** Any CSS colour. */
  color: string;
  /** [time ms, value], in time order. */
  points: readonly (readonly [number, number])[];
}

export interface SvgChartOptions {
  title: string;
  /** Unit of the y axis, shown after the title. */
  unit: string;
  /** Appended to the time axis label, e.g. "virtual". */
  timeLabel: string;
  width?: number;
  height?: number;
  /** Draw as steps (a value holds until the next point), as pool sizes do. Default true. */
  steps?: boolean;
}

const MARGIN = { top: 28, right: 16, bottom: 34, left: 48 };

/** Multiples of a power of ten that make readable axis maxima. */
const NICE_STEPS = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10];

/** The smallest readable axis maximum (1.2, 25, 200, …) at least the data's maximum. */
export function niceMax(value: number): number {
  if (value <= 0) return 1;
  const base = 10 ** Math.floor(Math.log10(value));
  const step = NICE_STEPS.find((s) => s * base >= value * (1 - 1e-12)) ?? 10;
  return Number((step * base).toPrecision(12));
}

const num = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1));

/** A self-contained SVG line chart of one or more series sharing a time axis. */
export function svgLineChart(series: readonly Series[], options: SvgChartOptions): string {
  const width = options.width ?? 760;
  const height = options.height ?? 220;
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const all = series.flatMap((s) => s.points);
  const endT = Math.max(1, ...all.map(([t]) => t));
  const maxV = niceMax(Math.max(0, ...all.map(([, v]) => v)));
  const x = (t: number) => MARGIN.left + (t / endT) * plotW;
  const y = (v: number) => MARGIN.top + plotH - (v / maxV) * plotH;
  const path = (points: Series['points']): string => {
    const parts: string[] = [];
    points.forEach(([t, v], i) => {
      const prev = points[i - 1];
      if (i === 0) parts.push(`M${num(x(t))},${num(y(v))}`);
      else if (options.steps !== false && prev) parts.push(`H${num(x(t))}V${num(y(v))}`);
      else parts.push(`L${num(x(t))},${num(y(v))}`);
    });
    return parts.join('');
  };
  const gridValues = [0, maxV / 2, maxV];
  const grid = gridValues
    .map((v) => `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${num(y(v))}" y2="${num(y(v))}" class="grid"/>` +
      `<text x="${MARGIN.left - 6}" y="${num(y(v) + 4)}" text-anchor="end">${num(v)}</text>`)
    .join('');
  const legend = series
    .map((s, i) => `<rect x="${MARGIN.left + 8 + i * 170}" y="8" width="12" height="3" fill="${escapeXml(s.color)}"/>` +
      `<text x="${MARGIN.left + 24 + i * 170}" y="13">${escapeXml(s.label)}</text>`)
    .join('');
  const lines = series.map((s) => `<path d="${path(s.points)}" fill="none" stroke="${escapeXml(s.color)}" stroke-width="1.8"/>`).join('');
  const axisY = MARGIN.top + plotH;
  return [
    `<figure><figcaption>${escapeXml(options.title)} <span class="unit">(${escapeXml(options.unit)})</span></figcaption>`,
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(options.title)}">`,
    grid,
    legend,
    lines,
    `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${axisY}" y2="${axisY}" class="axis"/>`,
    `<text x="${MARGIN.left}" y="${axisY + 16}">0</text>`,
    `<text x="${MARGIN.left + plotW}" y="${axisY + 16}" text-anchor="end">${escapeXml(formatMs(endT))}</text>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${axisY + 28}" text-anchor="middle">time (${escapeXml(options.timeLabel)})</text>`,
    '</svg></figure>',
  ].join('\n');
}
