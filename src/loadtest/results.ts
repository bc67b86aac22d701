import { successRateOf } from '../core/metric-set.js';
import { FAILED_OUTCOMES, type HealthStatus, type SessionOutcome } from '../core/states.js';
import { formatMs, formatPercent } from '../metrics/render.js';
import type { BlockerFailureMode } from '../core/dependencies.js';
import { chainCount, type ChainSpec } from './chains.js';
import type { ProviderCounts, RateLimitSpec } from './provider.js';
import { terminalSafe } from '../text/escape.js';
import type { RunSummary } from '../runtime/coordinator-types.js';
import type { LoadTestConfig } from './config.js';
import { evaluateCriteria, type Criterion } from './criteria.js';
import type { Observation, TimelineSample } from './observe.js';
import { computeQuality, type ScalingQuality } from './quality.js';
import type { LoadTestSpec } from './spec.js';

/** What a mode hands back: the coordinator's summary and what the observer saw. */
export interface RunRecord {
  summary: RunSummary;
  observation: Observation;
  /** False when the run was stopped before every issue finished. */
  complete: boolean;
  /** What the provider's rate limit saw, when the spec has one. */
  provider?: ProviderCounts | null;
}

export type LoadTestMode = 'simulation' | 'process';

/**
 * The seed's LoadTestResults, plus the verdict per criterion and the
 * scaling-quality figures. Every time is in scenario milliseconds: virtual
 * time in simulation mode, real time ÷ timeScale in process mode.
 */
export interface LoadTestResults {
  /** Issues done per second of scenario time: done ÷ makespan. */
  throughputPerSecond: number;
  /** Issue latency (arrival → done or failed), mean and nearest-rank percentiles. */
  avgLatencyMs: number;
  p95LatencyMs: number;
  p99LatencyMs: number;
  /** Successful ÷ finished sessions (cancelled sessions are not counted); 1 when none finished, as in every metric view. */
  successRate: number;
  /** Most sessions running at once. */
  peakConcurrentWorkers: number;
  scaleOperations: number;
  backpressureActivations: number;
  /** Stalls the health checker detected. */
  workerStalls: number;
  /** Human-readable report. */
  summary: string;

  passed: boolean;
  /** False when the run had to be stopped before every issue finished. */
  complete: boolean;
  criteria: Criterion[];
  scenario: string;
  spec: LoadTestSpec;
  mode: LoadTestMode;
  /** The scaling policy: "default" or a baseline's name. */
  policy: string;
  time: { kind: 'virtual' | 'real'; timeScale: number; note: string };
  /** The config the run used, in scenario time: in process mode after its real-time floors (PROCESS_FLOORS_MS), ÷ timeScale. */
  config: LoadTestConfig;
  health: { final: HealthStatus; worst: HealthStatus };
  /** `failed` includes `blockedFailed`, which failed without running because a blocker failed; `unfinished` includes issues left waiting on a failed blocker. */
  issues: { total: number; done: number; failed: number; blockedFailed: number; unfinished: number };
  sessions: Record<SessionOutcome, number> & { total: number };
  /** Workers that ran at least one session. */
  distinctWorkers: number;
  quality: ScalingQuality;
  /** Pool and queue over time, at most TIMELINE_POINTS points. */
  timeline: TimelineSample[];
  /** The provider's rate limit and what it did, when the spec has one. */
  rateLimit: RateLimitResult | null;
  /** The dependency chains and what became of them, when the spec has some. */
  chains: ChainsResult | null;
  /** The only fields that differ between two runs of one seed. */
  wallClock: { elapsedMs: number };
}

export interface RateLimitResult {
  limit: RateLimitSpec;
  requests: number;
  /** Requests answered 429 (each retried by its agent after a backoff). */
  rejected: number;
  /** Time sessions spent waiting to retry, summed over sessions (scenario ms). */
  retryWaitMs: number;
  /** Times the coordinator's adaptive concurrency moved, and the lowest it went (null: it never moved). */
  concurrencyChanges: number;
  lowestConcurrency: number | null;
}

export interface ChainsResult {
  spec: ChainSpec;
  /** Chains in the workload, and the issues in them. */
  count: number;
  chainedIssues: number;
  onBlockerFailure: BlockerFailureMode;
  /** Issues that failed without running: their blocker failed (mode fail). */
  blockedFailed: number;
  /** Issues the run ended with, still waiting for a blocker that failed (mode wait). */
  leftWaiting: number;
}

export const TIMELINE_POINTS = 240;

export interface ResultMeta {
  mode: LoadTestMode;
  policy: string;
  timeScale: number;
  wallClockMs: number;
}

export function buildResults(spec: LoadTestSpec, config: LoadTestConfig, record: RunRecord, meta: ResultMeta): LoadTestResults {
  const o = record.observation;
  const ok = o.outcomes.success;
  const finished = ok + FAILED_OUTCOMES.reduce((n, k) => n + o.outcomes[k], 0);
  const successRate = successRateOf(ok, finished - ok);
  const quality = computeQuality(o, config.scale);
  const finalHealth = record.summary.metrics.health;
  const criteria = evaluateCriteria({
    successRate,
    finishedSessions: finished,
    finalHealth,
    workerStalls: o.stalls,
    distinctWorkers: o.distinctWorkers,
    peakConcurrentWorkers: o.peakRunning,
    targetConcurrency: spec.concurrentAgents,
  });
  const sessions = { ...o.outcomes, total: o.sessionDurations.count };
  const results: LoadTestResults = {
    throughputPerSecond: quality.makespanMs > 0 ? o.done / (quality.makespanMs / 1000) : 0,
    avgLatencyMs: o.latencies.mean(),
    p95LatencyMs: o.latencies.percentile(0.95),
    p99LatencyMs: o.latencies.percentile(0.99),
    successRate,
    peakConcurrentWorkers: o.peakRunning,
    scaleOperations: o.scaleOperations.length,
    backpressureActivations: o.backpressureActivations,
    workerStalls: o.stalls,
    summary: '',
    passed: record.complete && criteria.every((c) => c.passed),
    complete: record.complete,
    criteria,
    scenario: spec.name,
    spec,
    mode: meta.mode,
    policy: meta.policy,
    time:
      meta.mode === 'simulation'
        ? { kind: 'virtual', timeScale: 1, note: 'virtual time: simulated on a discrete-event clock' }
        : { kind: 'real', timeScale: meta.timeScale, note: `real time ÷ ${meta.timeScale}: measured on the wall clock, converted back to scenario time` },
    config,
    health: { final: finalHealth, worst: o.worstHealth },
    issues: { total: spec.totalIssues, done: o.done, failed: o.failed, blockedFailed: o.blockedFailed, unfinished: spec.totalIssues - o.done - o.failed },
    sessions,
    distinctWorkers: o.distinctWorkers,
    quality,
    timeline: downsample(o.samples, TIMELINE_POINTS),
    rateLimit:
      spec.rateLimit && record.provider
        ? {
            limit: spec.rateLimit,
            requests: record.provider.requests,
            rejected: record.provider.rejected,
            retryWaitMs: record.provider.waitedMs,
            concurrencyChanges: o.concurrency.changes,
            lowestConcurrency: o.concurrency.lowest,
          }
        : null,
    chains: chainsResult(spec, config, o),
    wallClock: { elapsedMs: meta.wallClockMs },
  };
  results.summary = summarize(results);
  return results;
}

function chainsResult(spec: LoadTestSpec, config: LoadTestConfig, o: Observation): ChainsResult | null {
  const count = chainCount(spec);
  if (!spec.chains || count === 0) return null;
  return {
    spec: spec.chains,
    count,
    chainedIssues: count * spec.chains.length,
    onBlockerFailure: config.onBlockerFailure,
    blockedFailed: o.blockedFailed,
    leftWaiting: o.leftWaiting,
  };
}

/** At most `points` samples: each bucket keeps its maxima and its last time and done count. */
export function downsample(samples: readonly TimelineSample[], points: number): TimelineSample[] {
  if (samples.length <= points) return samples.map((s) => ({ ...s }));
  const out: TimelineSample[] = [];
  for (let b = 0; b < points; b++) {
    const from = Math.floor((b * samples.length) / points);
    const to = Math.floor(((b + 1) * samples.length) / points);
    const bucket = samples.slice(from, to);
    const lastOne = bucket[bucket.length - 1]!;
    out.push({
      at: lastOne.at,
      workers: Math.max(...bucket.map((s) => s.workers)),
      busy: Math.max(...bucket.map((s) => s.busy)),
      queueDepth: Math.max(...bucket.map((s) => s.queueDepth)),
      waiting: Math.max(...bucket.map((s) => s.waiting)),
      done: lastOne.done,
    });
  }
  return out;
}

/** The seed's human-readable report. Holds no wall-clock figure, so it is deterministic too. */
export function summarize(r: LoadTestResults): string {
  const t = r.time.kind === 'virtual' ? ' (virtual)' : ` (real ÷ ${r.time.timeScale})`;
  const verdict = r.passed ? 'PASSED' : r.complete ? 'FAILED' : 'FAILED (stopped before every issue finished)';
  const failed = r.criteria.filter((c) => !c.passed).map((c) => `${c.name} ${c.detail}, needs ${c.threshold}`);
  return [
    terminalSafe(`Load test "${r.scenario}" (${r.mode}, policy ${r.policy}): ${verdict}`),
    `${r.issues.total} issues: ${r.issues.done} done, ${r.issues.failed} failed${r.issues.unfinished ? `, ${r.issues.unfinished} unfinished` : ''}; ` +
      `${r.sessions.total} sessions, success rate ${formatPercent(r.successRate)}`,
    `makespan ${formatMs(r.quality.makespanMs)}${t}; throughput ${r.throughputPerSecond.toFixed(3)} issues/s; ` +
      `latency avg ${formatMs(r.avgLatencyMs)}, p95 ${formatMs(r.p95LatencyMs)}, p99 ${formatMs(r.p99LatencyMs)}`,
    `peak ${r.peakConcurrentWorkers} concurrent (target ${r.spec.concurrentAgents}); ${r.scaleOperations} scale operations; ` +
      `backpressure ${r.backpressureActivations}×; ${r.workerStalls} stalls; health ${r.health.final} (worst ${r.health.worst})`,
    ...(r.chains ? [`chains: ${describeChains(r.chains, r.issues.total)}; critical path ${formatMs(r.quality.criticalPathMs)}`] : []),
    ...(r.rateLimit
      ? [
          `rate limit ${describeLimit(r.rateLimit.limit)}: ${r.rateLimit.rejected} of ${r.rateLimit.requests} requests answered 429, ` +
            `${formatMs(r.rateLimit.retryWaitMs)} waited in retries; concurrency ${r.rateLimit.lowestConcurrency === null ? 'never lowered' : `lowered to ${r.rateLimit.lowestConcurrency} at the least (${r.rateLimit.concurrencyChanges} changes)`}`,
        ]
      : []),
    failed.length ? `failed criteria: ${failed.join('; ')}` : 'all four acceptance criteria passed',
  ].join('\n');
}

/** A workload's chains and what became of them, in words: "20 chains of 5 (100 of 200 issues); 2 failed because a blocker failed". */
export function describeChains(c: ChainsResult, totalIssues: number): string {
  const fate = c.onBlockerFailure === 'fail' ? `${c.blockedFailed} failed because a blocker failed` : `${c.leftWaiting} left waiting on a blocker that failed`;
  return `${c.count} chain${c.count === 1 ? '' : 's'} of ${c.spec.length} (${c.chainedIssues} of ${totalIssues} issues); ${fate}`;
}

function describeLimit(limit: RateLimitSpec): string {
  const parts = [];
  if (limit.requestsPerMinute !== undefined) parts.push(`${limit.requestsPerMinute} requests/min`);
  if (limit.tokensPerMinute !== undefined) parts.push(`${limit.tokensPerMinute} tokens/min`);
  return parts.join(', ');
}
