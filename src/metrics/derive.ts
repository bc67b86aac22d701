import { DEFAULT_SCALE_CONFIG } from '../core/scale-config.js';
import { holderState } from '../store/run-lock.js';
import type { RunLockInfo } from '../store/types.js';

/**
 * The pure rules `harness metrics` applies to what it reads from the store:
 * whether a run is live, how far apart its health checks were, and where a
 * nearest-rank percentile sits. Time and liveness are parameters.
 */

/** Snapshots looked at to estimate the health-check interval (ten gaps). */
export const HEALTH_INTERVAL_SAMPLE = 11;

export interface Liveness {
  /** This machine's hostname. */
  hostname: string;
  isAlive: (pid: number) => boolean;
  /** Which process has a pid now (see runtime/processes processIdentity); null when unknown. */
  identify?: (pid: number) => string | null;
  /** Wall-clock time (ms). */
  now: number;
}

/**
 * A run is live while it holds the run lock, judged as a new run judges it
 * (src/store/run-lock.ts): on this host, while its process lives and is the
 * one that took the lock; on another host (a shared file system), while its
 * heartbeat (every 10 s) is younger than the lock's staleness limit. A lock
 * left by a harness that was killed stays in the store, so the row alone
 * proves nothing.
 */
export function isRunLive(lock: RunLockInfo | undefined, liveness: Liveness): boolean {
  if (!lock) return false;
  return holderState(lock, liveness) === 'live';
}

export interface HealthInterval {
  ms: number;
  /** `snapshots`: the median spacing of the latest snapshots; `default`: too few snapshots, the default interval. */
  source: 'snapshots' | 'default';
}

/**
 * The store does not record healthCheckIntervalMs, but a snapshot is written
 * at every health check, so their spacing shows it. The median of the latest
 * gaps ignores the long gap between two runs on one store. In a fleet every
 * coordinator writes its own, so with `stride` of them a check's interval
 * is the time from one snapshot to the `stride`-th before it.
 */
export function healthIntervalFromSnapshots(timesNewestFirst: readonly number[], stride = 1): HealthInterval {
  const gaps: number[] = [];
  for (let i = stride; i < timesNewestFirst.length; i++) {
    const gap = (timesNewestFirst[i - stride] ?? 0) - (timesNewestFirst[i] ?? 0);
    if (gap > 0) gaps.push(gap);
  }
  if (gaps.length === 0) return { ms: DEFAULT_SCALE_CONFIG.healthCheckIntervalMs, source: 'default' };
  gaps.sort((a, b) => a - b);
  return { ms: gaps[Math.floor((gaps.length - 1) / 2)] ?? DEFAULT_SCALE_CONFIG.healthCheckIntervalMs, source: 'snapshots' };
}

/** The nearest rank, by the one rule of src/core/metrics.ts. */
export { nearestRank } from '../core/metrics.js';

/**
 * Where to find the rank-th smallest of n values with `LIMIT 1 OFFSET k`:
 * from the shorter end, so p99 of a million sessions skips ten thousand
 * index entries rather than 990,000.
 */
export function rankOffset(rank: number, n: number): { order: 'asc' | 'desc'; offset: number } {
  const fromBottom = rank - 1;
  const fromTop = n - rank;
  return fromBottom <= fromTop ? { order: 'asc', offset: fromBottom } : { order: 'desc', offset: fromTop };
}
