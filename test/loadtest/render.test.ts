import { describe, expect, it } from 'vitest';
import { columns, renderTimelineChart } from '../../src/loadtest/chart.js';
import { escapeXml, renderJUnit } from '../../src/loadtest/junit.js';
import { createProgressView, renderProgressLine } from '../../src/loadtest/progress.js';
import { renderHtmlReport, throughputSeries } from '../../src/loadtest/report-html.js';
import { renderComparison, renderReport } from '../../src/loadtest/render.js';
import { runLoadTestScenario } from '../../src/loadtest/run.js';
import { niceMax } from '../../src/loadtest/svg-chart.js';
import type { TimelineSample } from '../../src/loadtest/observe.js';

const sample = (at: number, workers: number, waiting: number, done = 0): TimelineSample => ({ at, workers, busy: workers, queueDepth: waiting, waiting, done });

describe('the ASCII chart', () => {
  it('buckets samples by time, keeping each column’s maximum and carrying the last value over gaps', () => {
    const samples = [sample(0, 1, 0), sample(10, 4, 0), sample(20, 2, 0), sample(90, 3, 0), sample(100, 1, 0)];
    expect(columns(samples, (s) => s.workers, 5)).toEqual([4, 2, 2, 2, 3]);
  });

  it('draws both panels with their maxima and the time axis', () => {
    const chart = renderTimelineChart([sample(0, 4, 0), sample(30_000, 8, 20), sample(60_000, 4, 0)], { width: 20, height: 4, timeLabel: 'virtual' });
    expect(chart).toMatch(/^workers \(max 8\)/);
    expect(chart).toMatch(/queue depth .*\(max 20\)/);
    expect(chart).toMatch(/(1\.0m?|1m00s) \(virtual\)$/);
    expect(chart).not.toMatch(/\u001b/);
  });
});

describe('reports', () => {
  it('escape everything that comes from user input', () => {
    expect(escapeXml(`<a href="x">&'\u0001`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;');
  });

  it('render one JUnit case per criterion, a failure for each failed one, and a case for an incomplete run', async () => {
    const r = await runLoadTestScenario('smoke', '/tmp', { readConfig: false, overrides: { maxWorkers: 2, minWorkers: 2 } });
    const xml = renderJUnit(r);
    expect(xml.match(/<testcase /g)).toHaveLength(4);
    expect(xml.match(/<failure /g)).toHaveLength(1);
    expect(xml).toMatch(/peak concurrency: measured 2 concurrent sessions, needs within 20.0% of 5/);
    expect(renderJUnit({ ...r, complete: false }).match(/<testcase /g)).toHaveLength(5);
    const html = renderHtmlReport(r);
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toMatch(/FAILED/);
    expect(throughputSeries(r).every(([, perMinute]) => perMinute >= 0)).toBe(true);
  });

  it('label times as virtual in the terminal report and compare policies side by side', async () => {
    const r = await runLoadTestScenario('light', '/tmp', { readConfig: false });
    expect(renderReport(r)).toMatch(/latency \(virtual\)/);
    expect(renderComparison([r, { ...r, policy: 'other' }])).toMatch(/│ default │ other/);
  });

  it('pick round axis maxima', () => {
    expect([0, 1, 3, 7, 10, 11, 25, 164, 0.37].map(niceMax)).toEqual([1, 1, 3, 8, 10, 12, 25, 200, 0.4]);
  });
});

describe('progress', () => {
  it('draws a bar and, outside a terminal, prints a line per tenth of the issues', () => {
    expect(renderProgressLine({ finished: 5, total: 10, done: 4, failed: 1, running: 3 }, 10)).toBe('[#####-----]  50% 5/10 issues · 3 running · 4 done · 1 failed');
    let text = '';
    const view = createProgressView({ write: (s: string) => ((text += s), true) } as unknown as NodeJS.WritableStream, false);
    for (let finished = 1; finished <= 20; finished++) view.update({ finished, total: 20, done: finished, failed: 0, running: 1 });
    view.finish();
    expect(text.trim().split('\n')).toHaveLength(10);
    expect(text).not.toMatch(/\u001b|\r/);
  });
});
