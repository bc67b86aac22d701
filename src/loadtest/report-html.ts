import { formatMs, formatPercent } from '../metrics/render.js';
import { escapeXml } from './junit.js';
import { timeLabel } from './render.js';
import { describeChains, type LoadTestResults } from './results.js';
import { svgLineChart, type Series } from './svg-chart.js';

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 800px; color: #1d1d1f; padding: 0 1rem; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: .5rem 0; } td, th { padding: .25rem .75rem; border-bottom: 1px solid #ddd; text-align: left; }
.pass { color: #1a7f37; font-weight: 600; } .fail { color: #cf222e; font-weight: 600; }
figure { margin: 1rem 0; } figcaption { font-weight: 600; } .unit { font-weight: normal; color: #666; }
svg text { font-size: 11px; fill: #444; } svg .grid { stroke: #eee; } svg .axis { stroke: #999; }
pre { background: #f6f8fa; padding: .75rem; overflow-x: auto; }`;

/** Throughput is averaged over this share of the makespan, so the line shows a trend, not single completions. */
const THROUGHPUT_WINDOW_SHARE = 1 / 20;

/** Issues done per minute over the trailing window, at each timeline point. */
export function throughputSeries(r: LoadTestResults): [number, number][] {
  const tl = r.timeline;
  const window = Math.max(1, (tl[tl.length - 1]?.at ?? 0) * THROUGHPUT_WINDOW_SHARE);
  const points: [number, number][] = [];
  let from = 0;
  for (const cur of tl) {
    while (from < tl.length - 1 && tl[from]!.at < cur.at - window) from++;
    const start = tl[from]!;
    const dt = cur.at - start.at;
    if (dt > 0) points.push([cur.at, ((cur.done - start.done) / dt) * 60_000]);
  }
  return points;
}

function rows(cells: readonly (readonly string[])[]): string {
  return cells.map((row) => `<tr>${row.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n');
}

/**
 * One self-contained HTML page (inline CSS and SVG, no scripts, nothing
 * fetched): verdict, criteria, results, scaling quality and three charts.
 */
export function renderHtmlReport(r: LoadTestResults): string {
  const tl = timeLabel(r);
  const e = escapeXml;
  const verdict = r.passed ? '<span class="pass">PASSED</span>' : '<span class="fail">FAILED</span>';
  const criteria = rows(r.criteria.map((c) => [e(c.name), e(c.threshold), e(c.detail), c.passed ? '<span class="pass">PASS</span>' : '<span class="fail">FAIL</span>']));
  const q = r.quality;
  const results = rows([
    ['issues', `${r.issues.total}: ${r.issues.done} done, ${r.issues.failed} failed`],
    ...(r.chains ? [['chains', e(describeChains(r.chains, r.issues.total))]] : []),
    ['sessions', `${r.sessions.total}: ${r.sessions.success} ok, ${r.sessions.failure} failed, ${r.sessions.stalled} stalled`],
    [`throughput (${e(tl)})`, `${r.throughputPerSecond.toFixed(3)} issues/s`],
    [`latency (${e(tl)})`, `avg ${formatMs(r.avgLatencyMs)}, p95 ${formatMs(r.p95LatencyMs)}, p99 ${formatMs(r.p99LatencyMs)}`],
    ['success rate', formatPercent(r.successRate)],
    ['peak concurrency', `${r.peakConcurrentWorkers} (target ${r.spec.concurrentAgents})`],
    ['scale operations', String(r.scaleOperations)],
    ['backpressure activations', String(r.backpressureActivations)],
    ['worker stalls', String(r.workerStalls)],
    ['health', `${r.health.final} (worst ${r.health.worst})`],
  ]);
  const quality = rows([
    [`makespan (${e(tl)})`, `${formatMs(q.makespanMs)}, ${q.makespanRatio.toFixed(2)}× the lower bound (${formatMs(q.lowerBoundMs)})`],
    ...(r.chains ? [[`critical path (${e(tl)})`, formatMs(q.criticalPathMs)]] : []),
    ['worker-seconds', `${q.workerSeconds.toFixed(0)} (${formatPercent(q.idleShare)} idle)`],
    [`p95 queue wait (${e(tl)})`, formatMs(q.p95QueueWaitMs)],
    ['scale reversals', String(q.scaleReversals)],
    ['under / over-provisioned', `${formatPercent(q.underProvisionedShare)} / ${formatPercent(q.overProvisionedShare)}`],
    ["Little's law", `L = ${q.littlesLaw.meanWorkInProgress.toFixed(2)}, relative error ${formatPercent(q.littlesLaw.relativeError)}`],
  ]);
  const at = (pick: (s: LoadTestResults['timeline'][number]) => number): [number, number][] => r.timeline.map((s) => [s.at, pick(s)]);
  const workers: Series[] = [
    { label: 'live workers', color: '#0969da', points: at((s) => s.workers) },
    { label: 'busy workers', color: '#1a7f37', points: at((s) => s.busy) },
  ];
  const queue: Series[] = [
    { label: 'queued (scaler view)', color: '#8250df', points: at((s) => s.queueDepth) },
    { label: 'waiting incl. held back', color: '#bf8700', points: at((s) => s.waiting) },
  ];
  const throughput: Series[] = [{ label: 'issues done per minute (trailing 1/20 of the run)', color: '#cf222e', points: throughputSeries(r) }];
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>harness load test: ${e(r.scenario)}</title><style>${STYLE}</style></head>
<body>
<h1>Load test “${e(r.scenario)}”: ${verdict}</h1>
<p>${e(r.mode)} mode, ${e(r.time.note)}; seed ${r.spec.seed}; policy ${e(r.policy)}.</p>
<h2>Acceptance criteria</h2>
<table><tr><th>criterion</th><th>threshold</th><th>measured</th><th>verdict</th></tr>
${criteria}</table>
<h2>Over time</h2>
${svgLineChart(workers, { title: 'Workers', unit: 'count', timeLabel: tl })}
${svgLineChart(queue, { title: 'Queue depth', unit: 'issues', timeLabel: tl })}
${svgLineChart(throughput, { title: 'Throughput', unit: 'issues per minute', timeLabel: tl, steps: false })}
<h2>Results</h2>
<table>${results}</table>
<h2>Scaling quality</h2>
<table>${quality}</table>
<h2>Summary</h2>
<pre>${e(r.summary)}</pre>
<h2>Spec and configuration</h2>
<pre>${e(JSON.stringify({ spec: r.spec, config: r.config }, null, 2))}</pre>
</body></html>
`;
}
