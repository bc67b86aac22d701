import Table from 'cli-table3';
import { formatMs, formatPercent } from '../metrics/render.js';
import { terminalSafe } from '../text/escape.js';
import { renderTimelineChart } from './chart.js';
import { describeChains, type LoadTestResults } from './results.js';

/** How verdicts are decorated; the terminal passes colours, tests and pipes pass nothing. */
export interface Paint {
  pass(text: string): string;
  fail(text: string): string;
  dim(text: string): string;
}

export const PLAIN: Paint = { pass: (t) => t, fail: (t) => t, dim: (t) => t };

/** "virtual" in simulation; "real ÷ 0.01" in process mode. */
export function timeLabel(r: LoadTestResults): string {
  return r.time.kind === 'virtual' ? 'virtual' : `real ÷ ${r.time.timeScale}`;
}

function table(head: string[]): Table.Table {
  return new Table({ head, style: { head: [], border: [], compact: true } });
}

const fixed = (x: number, digits = 2) => (Number.isInteger(x) ? String(x) : x.toFixed(digits));
const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** The seed's results as a two-column table. Times are scenario times, labelled. */
export function renderResultsTable(r: LoadTestResults): string {
  const t = ` (${timeLabel(r)})`;
  const rows: [string, string][] = [
    ['issues', `${r.issues.total}: ${r.issues.done} done, ${r.issues.failed} failed${r.issues.unfinished ? `, ${r.issues.unfinished} unfinished` : ''}`],
    ...(r.chains ? [['chains', describeChains(r.chains, r.issues.total)] as [string, string]] : []),
    ['sessions', `${r.sessions.total}: ${r.sessions.success} ok, ${r.sessions.failure} failed, ${r.sessions.stalled} stalled, ${r.sessions.timeout} timed out`],
    [`throughput${t}`, `${r.throughputPerSecond.toFixed(3)} issues/s (${(r.throughputPerSecond * 60).toFixed(1)}/min)`],
    [`latency${t}`, `avg ${formatMs(r.avgLatencyMs)} · p95 ${formatMs(r.p95LatencyMs)} · p99 ${formatMs(r.p99LatencyMs)}`],
    ['success rate', formatPercent(r.successRate)],
    ['peak concurrency', `${plural(r.peakConcurrentWorkers, 'session')} (target ${r.spec.concurrentAgents})`],
    ['scale operations', String(r.scaleOperations)],
    ['backpressure', plural(r.backpressureActivations, 'activation')],
    ['worker stalls', `${r.workerStalls} of ${r.distinctWorkers} workers`],
    ['health', `${r.health.final} at the end (worst ${r.health.worst})`],
  ];
  const out = table(['result', 'value']);
  out.push(...rows);
  return out.toString();
}

export function renderCriteriaTable(r: LoadTestResults, paint: Paint = PLAIN): string {
  const out = table(['criterion', 'threshold', 'measured', 'verdict']);
  for (const c of r.criteria) out.push([c.name, c.threshold, c.detail, c.passed ? paint.pass('PASS') : paint.fail('FAIL')]);
  return out.toString();
}

/** The scaling-quality figures (see docs/load-test.md for their formulas). */
export function renderQualityTable(r: LoadTestResults): string {
  const q = r.quality;
  const t = ` (${timeLabel(r)})`;
  const law = q.littlesLaw;
  const out = table(['scaling quality', 'value']);
  out.push(
    [`makespan${t}`, `${formatMs(q.makespanMs)} = ${q.makespanRatio.toFixed(2)}× the lower bound ${formatMs(q.lowerBoundMs)}`],
    ...(r.chains ? [[`critical path${t}`, `${formatMs(q.criticalPathMs)}: the longest run of sessions one after another, along a chain`] as [string, string]] : []),
    ['worker-seconds', `${fixed(q.workerSeconds, 0)} paid, ${fixed(q.busyWorkerSeconds, 0)} busy: ${formatPercent(q.idleShare)} idle`],
    [`p95 queue wait${t}`, formatMs(q.p95QueueWaitMs)],
    ['scale reversals', String(q.scaleReversals)],
    ['provisioning', `under ${formatPercent(q.underProvisionedShare)} · over ${formatPercent(q.overProvisionedShare)} of the makespan`],
    [
      "Little's law",
      `L ${fixed(law.meanWorkInProgress)} vs λW ${fixed(law.departuresPerSecond, 4)}/s × ${fixed(law.meanLatencySeconds, 1)}s = ` +
        `${fixed(law.departuresPerSecond * law.meanLatencySeconds)} (error ${formatPercent(law.relativeError)}: ${law.holds ? 'holds' : 'does not hold'})`,
    ],
  );
  return out.toString();
}

/** Everything the terminal shows after a run, as one string. */
export function renderReport(r: LoadTestResults, paint: Paint = PLAIN, chartWidth = 60): string {
  const verdict = r.passed ? paint.pass('PASSED') : paint.fail('FAILED');
  const failed = r.criteria.filter((c) => !c.passed).map((c) => c.name);
  const why = !r.complete ? ': stopped before every issue finished' : failed.length ? `: ${failed.join(', ')}` : '';
  return [
    // The scenario's name comes from its file.
    terminalSafe(`Load test "${r.scenario}" · ${r.mode} mode · ${timeLabel(r)} time · seed ${r.spec.seed} · policy ${r.policy}`),
    renderResultsTable(r),
    renderCriteriaTable(r, paint),
    renderQualityTable(r),
    renderTimelineChart(r.timeline, { width: chartWidth, timeLabel: timeLabel(r) }),
    `${verdict}${why}`,
  ].join('\n');
}

/** One column per policy, one row per figure, for `--compare`. */
export function renderComparison(runs: readonly LoadTestResults[], paint: Paint = PLAIN): string {
  const first = runs[0];
  if (!first) return '';
  const t = ` (${timeLabel(first)})`;
  const rows: [string, (r: LoadTestResults) => string][] = [
    [`makespan${t}`, (r) => formatMs(r.quality.makespanMs)],
    ['throughput (issues/s)', (r) => r.throughputPerSecond.toFixed(3)],
    ['× lower bound', (r) => r.quality.makespanRatio.toFixed(2)],
    ['worker-seconds', (r) => fixed(r.quality.workerSeconds, 0)],
    ['idle share', (r) => formatPercent(r.quality.idleShare)],
    [`p95 queue wait${t}`, (r) => formatMs(r.quality.p95QueueWaitMs)],
    [`p95 latency${t}`, (r) => formatMs(r.p95LatencyMs)],
    ['peak concurrency', (r) => String(r.peakConcurrentWorkers)],
    ['scale operations', (r) => String(r.scaleOperations)],
    ['scale reversals', (r) => String(r.quality.scaleReversals)],
    ['under-provisioned', (r) => formatPercent(r.quality.underProvisionedShare)],
    ['over-provisioned', (r) => formatPercent(r.quality.overProvisionedShare)],
    ...(first.rateLimit
      ? ([
          ['429 responses', (r) => (r.rateLimit ? `${r.rateLimit.rejected} of ${r.rateLimit.requests}` : '–')],
          [`retry wait${t}`, (r) => (r.rateLimit ? formatMs(r.rateLimit.retryWaitMs) : '–')],
          ['lowest concurrency', (r) => (r.rateLimit?.lowestConcurrency === null || !r.rateLimit ? 'never lowered' : String(r.rateLimit.lowestConcurrency))],
        ] as [string, (r: LoadTestResults) => string][])
      : []),
    ['criteria', (r) => (r.passed ? paint.pass('PASS') : paint.fail(`FAIL (${r.criteria.filter((c) => !c.passed).map((c) => c.name).join(', ') || 'incomplete'})`))],
  ];
  const out = table(['policy', ...runs.map((r) => terminalSafe(r.policy))]);
  for (const [label, cell] of rows) out.push([label, ...runs.map(cell)]);
  return `${terminalSafe(`Policies compared on "${first.scenario}" (seed ${first.spec.seed}, same workload for each)`)}\n${out.toString()}`;
}
