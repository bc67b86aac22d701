import { describe, expect, it } from 'vitest';
import { chartStep, plotColumns, renderChart, type ChartPoint } from '../../src/metrics/chart.js';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
const points = (values: [number, number][], spacingMs = 1000): ChartPoint[] =>
  values.map(([workers, queueDepth], i) => ({ at: T0 + i * spacingMs, workers, queueDepth }));

describe('renderChart', () => {
  it('draws two panels on one time axis within 80 columns', () => {
    const chart = renderChart(points(Array.from({ length: 300 }, (_, i) => [Math.min(30, 2 + Math.floor(i / 10)), Math.max(0, 100 - i)])));
    const lines = chart.split('\n');
    expect(lines).toHaveLength(2 * (1 + 6) + 2);
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(80);
    expect(lines[0]).toBe('workers (peak 30)');
    expect(lines[7]).toBe('queue depth (peak 100)');
    expect(lines[1]).toMatch(/^ {4}30 ┤/);
    expect(lines[6]).toMatch(/^ {5}0 ┤/);
    expect(lines[14]).toMatch(/^ {7}└─+$/);
    expect(lines[15]).toMatch(/^ {8}12:00:00 +12:04:59 UTC$/);
  });

  it('scales each panel to its own peak: a rising series fills the last column and leaves the first nearly empty', () => {
    const chart = renderChart(points(Array.from({ length: 72 }, (_, i) => [i + 1, 72 - i])), { width: 80, height: 4 });
    const rows = chart.split('\n');
    const plot = (line: string) => [...line].slice(8);
    const top = plot(rows[1]!);
    const bottom = plot(rows[4]!);
    expect(top.at(-1)).toBe('█');
    expect(top[0]).toBe(' ');
    expect(bottom[0]).toBe('▁');
    expect(plot(rows[6]!)[0]).toBe('█');
  });

  it('keeps a short peak: each column shows the largest value in its slice of time', () => {
    const values: [number, number][] = Array.from({ length: 1000 }, () => [1, 0]);
    values[500] = [10, 0];
    const top = renderChart(points(values), { height: 2 }).split('\n')[1]!;
    expect(top).toContain('█');
  });

  it('holds a value between sparse snapshots but leaves a long silence blank', () => {
    const sparse: ChartPoint[] = [
      { at: T0, workers: 4, queueDepth: 0 },
      { at: T0 + 10_000, workers: 4, queueDepth: 0 },
      { at: T0 + 20_000, workers: 4, queueDepth: 0 },
      // Nothing for a long while: a second run.
      { at: T0 + 600_000, workers: 4, queueDepth: 0 },
    ];
    const bottom = renderChart(sparse, { height: 1 }).split('\n')[1]!;
    const plot = [...bottom].slice(8).join('');
    expect(plot.startsWith('███')).toBe(true);
    expect(plot).toMatch(/█ +█$/);
  });

  it('says so when there is nothing to draw', () => {
    expect(renderChart([])).toMatch(/no metric snapshots recorded yet/);
  });

  it('labels dates when the range spans days', () => {
    const axis = renderChart([{ at: T0, workers: 1, queueDepth: 1 }, { at: T0 + 3 * 86_400_000, workers: 1, queueDepth: 1 }]).split('\n').at(-1)!;
    expect(axis).toMatch(/01-01 12:00 +01-04 12:00 UTC$/);
  });

  it('shares its column step with the snapshot query', () => {
    expect(plotColumns(80)).toBe(72);
    expect(chartStep(0, 71, 72)).toBe(1);
    expect(chartStep(0, 72, 72)).toBe(2);
    expect(chartStep(5, 5, 72)).toBe(1);
  });
});
