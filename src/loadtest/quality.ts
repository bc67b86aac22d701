import type { Observation } from './observe.js';

/**
 * How well the pool was sized, beyond pass or fail. Times in scenario ms;
 * see docs/load-test.md for each formula.
 */
export interface ScalingQuality {
  /** First arrival → last final outcome. */
  makespanMs: number;
  /** No schedule with maxWorkers workers could have finished this work sooner. */
  lowerBoundMs: number;
  /**
   * The earliest the longest path of sessions that had to run one after
   * another could end (an issue's attempts, and before them its blockers'
   * along a dependency chain, none before its arrival): part of the lower bound.
   */
  criticalPathMs: number;
  /** makespan ÷ lower bound (≥ 1; 1 is perfect). */
  makespanRatio: number;
  /** ∫ live workers dt, in worker-seconds: the capacity paid for. */
  workerSeconds: number;
  /** ∫ busy workers dt, in worker-seconds. */
  busyWorkerSeconds: number;
  /** 1 − busy ÷ worker-seconds. */
  idleShare: number;
  /** Nearest-rank p95 of arrival → first session start. */
  p95QueueWaitMs: number;
  /** Scale operations that reversed the previous one within one cooldown of it becoming allowed. */
  scaleReversals: number;
  /** Share of the makespan with fewer workers than clamp(demand, min, max). */
  underProvisionedShare: number;
  /** Share of the makespan with more workers than that. */
  overProvisionedShare: number;
  littlesLaw: LittlesLaw;
}

/** L = λW over the makespan: mean work in progress against departures/s × mean latency. */
export interface LittlesLaw {
  /** L: time-average of issues in the system, from the store's counts. */
  meanWorkInProgress: number;
  /** λ: finished issues (done or failed) per second. */
  departuresPerSecond: number;
  /** W: mean arrival → final outcome, in seconds. */
  meanLatencySeconds: number;
  /** |L − λW| ÷ L. */
  relativeError: number;
  /** relativeError ≤ LITTLES_LAW_TOLERANCE. */
  holds: boolean;
}

export const LITTLES_LAW_TOLERANCE = 0.01;

/**
 * The lower bound on the makespan. Work that arrives at or after time a
 * cannot start before a, so with m workers the run lasts at least
 * a + W(≥a) ÷ m for every arrival time a (a = 0 gives total work ÷ m); and an
 * issue's attempts run one after another, so it lasts at least
 * arrival + Σ its session durations. An issue in a chain cannot start
 * before its blocker is done either, so its path ends no sooner than
 * max(arrival, its blocker's path end) + Σ its session durations: the
 * critical path, which the caller works out and passes as `pathEnd`.
 *
 * Folded in issue by issue: the work is summed per arrival time, and past
 * ARRIVAL_LIMIT distinct times, per interval of arrival times (the bound
 * is then taken at the intervals' starts, which keeps it a lower bound,
 * lower by less than one interval at most). Memory stays bounded however
 * many issues arrive.
 */
export class MakespanBound {
  private longest = 0;
  private width = 0;
  private readonly work = new Map<number, number>();

  /** An issue that arrived at `arrival` and ran `work` ms of sessions; its path ends at `pathEnd` at the earliest (arrival + work unless it waited for a blocker). */
  add(arrival: number, work: number, pathEnd = arrival + work): void {
    if (pathEnd > this.longest) this.longest = pathEnd;
    const key = this.width === 0 ? arrival : Math.floor(arrival / this.width) * this.width;
    this.work.set(key, (this.work.get(key) ?? 0) + work);
    if (this.work.size > ARRIVAL_LIMIT) this.coarsen();
  }

  /** The latest any issue's path (its blockers' sessions, then its own, none before its arrival) could end at the earliest. */
  criticalPath(): number {
    return this.longest;
  }

  bound(maxWorkers: number): number {
    let bound = this.longest;
    let suffixWork = 0;
    for (const a of [...this.work.keys()].sort((x, y) => y - x)) {
      suffixWork += this.work.get(a) as number;
      bound = Math.max(bound, a + suffixWork / maxWorkers);
    }
    return bound;
  }

  private coarsen(): void {
    const keys = [...this.work.keys()];
    const span = Math.max(...keys) - Math.min(...keys);
    this.width = this.width === 0 ? 2 ** Math.ceil(Math.log2(Math.max(1, span / (ARRIVAL_LIMIT / 4)))) : this.width * 2;
    const entries = [...this.work];
    this.work.clear();
    for (const [a, w] of entries) {
      const key = Math.floor(a / this.width) * this.width;
      this.work.set(key, (this.work.get(key) ?? 0) + w);
    }
  }
}

export const ARRIVAL_LIMIT = 4096;

export function makespanLowerBound(arrivals: readonly number[], work: readonly number[], maxWorkers: number): number {
  const bound = new MakespanBound();
  arrivals.forEach((a, i) => bound.add(a, work[i] ?? 0));
  return bound.bound(maxWorkers);
}

/** Direction changes that came within `windowMs` of the operation they reverse. */
export function countReversals(ops: readonly { at: number; direction: 'up' | 'down' }[], windowMs: number): number {
  let reversals = 0;
  for (let i = 1; i < ops.length; i++) {
    const prev = ops[i - 1]!;
    const op = ops[i]!;
    if (op.direction !== prev.direction && op.at - prev.at <= windowMs) reversals++;
  }
  return reversals;
}

export function computeQuality(o: Observation, config: { maxWorkers: number; scaleCooldownMs: number }): ScalingQuality {
  const makespanMs = o.endAt;
  const lowerBoundMs = o.makespan.bound(config.maxWorkers);
  const g = o.integrals;
  const share = (x: number) => (makespanMs > 0 ? x / makespanMs : 0);
  const departures = o.done + o.failed;
  const meanWip = share(g.wipMs);
  const meanLatencyMs = o.latencies.mean();
  const departuresPerMs = share(departures);
  const predicted = departuresPerMs * meanLatencyMs;
  const relativeError = meanWip > 0 ? Math.abs(meanWip - predicted) / meanWip : predicted === 0 ? 0 : 1;
  return {
    makespanMs,
    lowerBoundMs,
    criticalPathMs: o.makespan.criticalPath(),
    makespanRatio: lowerBoundMs > 0 ? makespanMs / lowerBoundMs : 1,
    workerSeconds: g.workerMs / 1000,
    busyWorkerSeconds: g.busyMs / 1000,
    idleShare: g.workerMs > 0 ? 1 - g.busyMs / g.workerMs : 0,
    p95QueueWaitMs: o.queueWaits.percentile(0.95),
    // The cooldown forbids a reversal sooner than one cooldown; one more is the window.
    scaleReversals: countReversals(o.scaleOperations, 2 * config.scaleCooldownMs),
    underProvisionedShare: share(g.underMs),
    overProvisionedShare: share(g.overMs),
    littlesLaw: {
      meanWorkInProgress: meanWip,
      departuresPerSecond: departuresPerMs * 1000,
      meanLatencySeconds: meanLatencyMs / 1000,
      relativeError,
      holds: relativeError <= LITTLES_LAW_TOLERANCE,
    },
  };
}
