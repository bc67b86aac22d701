/**
 * Session metrics. Percentiles are nearest-rank: the ⌈p·n⌉-th smallest value,
 * always an observed duration, zeros included. Throughput and success counts
 * follow one rule: a session that failed is never "completed".
 */
import { bucketAdd, bucketValueAt, emptyBuckets, type LogBuckets } from './log-buckets.js';

/** The trailing window throughput is measured over. */
export const THROUGHPUT_WINDOW_MS = 60_000;

/** Nearest-rank percentile of `values` (not modified); 0 for no values. */
export function percentile(values: readonly number[], p: number): number {
  return percentileOfSorted([...values].sort((a, b) => a - b), p);
}

/** `percentile` for input already in ascending order, without copying it. */
export function percentileOfSorted(sorted: readonly number[], p: number): number {
  checkPercentile(p);
  if (sorted.length === 0) return 0;
  return sorted[nearestRank(p, sorted.length) - 1] ?? 0;
}

export function checkPercentile(p: number): void {
  if (Number.isNaN(p) || p <= 0 || p > 1) {
    throw new RangeError(`percentile p must be in (0, 1], received ${p}: pass 0.95 for p95`);
  }
}

/**
 * ⌈p·n⌉, clamped to [1, n]. p·n is rounded first when it lies within float
 * noise of an integer: 0.07 × 100 is 7.000000000000001 in binary floating
 * point, and a bare ceil would pick the 8th value instead of the 7th.
 */
export function nearestRank(p: number, n: number): number {
  checkPercentile(p);
  const exact = p * n;
  const nearest = Math.round(exact);
  const rank = Math.abs(exact - nearest) <= 1e-9 * Math.max(1, exact) ? nearest : Math.ceil(exact);
  return Math.min(n, Math.max(1, rank));
}

/**
 * A session that ended. Cancelled and lost sessions are not the agent's
 * doing (see FAILED_OUTCOMES), so callers leave them out rather than pass
 * them as failures.
 */
export interface FinishedSession {
  endedAt: number;
  durationMs: number;
  ok: boolean;
}

export interface SessionStats {
  /** Successful sessions that ended in the trailing 60 s (now − 60000 < endedAt ≤ now), per minute. */
  throughputPerMinute: number;
  /** Mean over all finished sessions, ok or not; 0 when none. */
  avgSessionDurationMs: number;
  p95SessionDurationMs: number;
  p99SessionDurationMs: number;
  /** ok ÷ finished; 1 when none finished (nothing has failed). */
  successRate: number;
  /** Sessions that succeeded. */
  totalSessionsCompleted: number;
  /** Sessions that did not succeed. */
  totalSessionsFailed: number;
}

/**
 * Stats over the sessions passed in; pass a windowed list to get windowed
 * rates. Durations cover every finished session, since a failure took time
 * too; throughput counts only successes, since failures are not work done.
 */
export function computeSessionStats(finished: readonly FinishedSession[], now: number): SessionStats {
  const durations = finished.map((s) => s.durationMs).sort((a, b) => a - b);
  const completed = finished.filter((s) => s.ok).length;
  const recentSuccesses = finished.filter(
    (s) => s.ok && s.endedAt <= now && now - THROUGHPUT_WINDOW_MS < s.endedAt,
  ).length;
  const total = durations.reduce((sum, d) => sum + d, 0);
  return {
    throughputPerMinute: recentSuccesses * (60_000 / THROUGHPUT_WINDOW_MS),
    avgSessionDurationMs: finished.length === 0 ? 0 : total / finished.length,
    p95SessionDurationMs: percentileOfSorted(durations, 0.95),
    p99SessionDurationMs: percentileOfSorted(durations, 0.99),
    successRate: finished.length === 0 ? 1 : completed / finished.length,
    totalSessionsCompleted: completed,
    totalSessionsFailed: finished.length - completed,
  };
}

/** Values per block of a DurationDigest; a block splits in two when it doubles. */
const DIGEST_BLOCK = 256;
/** Durations a digest keeps one by one; past this many it moves them into logarithmic buckets. */
export const DIGEST_EXACT_LIMIT = 1 << 17;

/**
 * Durations for a long-running process, kept in order as they arrive, so p95
 * and p99 are exact nearest-rank values without re-sorting on every metrics
 * read. The values are held in sorted blocks of at most 2 × DIGEST_BLOCK
 * (each block's values precede the next block's): an insertion shifts one
 * block, not every value. Past DIGEST_EXACT_LIMIT values (a run of more
 * than 131,072 sessions: a load test, in practice) they move into
 * logarithmic buckets (core/log-buckets.ts), and a percentile is then
 * within 0.1 %: memory stops growing with the number of sessions. Plain
 * data: change it only through digestAdd.
 */
export interface DurationDigest {
  blocks: number[][];
  count: number;
  sum: number;
  buckets: LogBuckets | null;
}

export function emptyDigest(): DurationDigest {
  return { blocks: [], count: 0, sum: 0, buckets: null };
}

export function digestAdd(digest: DurationDigest, ms: number): void {
  digest.count += 1;
  digest.sum += ms;
  if (digest.buckets) return bucketAdd(digest.buckets, ms);
  if (digest.count > DIGEST_EXACT_LIMIT) {
    const buckets = emptyBuckets();
    for (const block of digest.blocks) for (const v of block) bucketAdd(buckets, v);
    bucketAdd(buckets, ms);
    digest.buckets = buckets;
    digest.blocks = [];
    return;
  }
  const blocks = digest.blocks;
  // The first block whose largest value exceeds ms, or the last block.
  let lo = 0;
  let hi = blocks.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const block = blocks[mid] as number[];
    if ((block[block.length - 1] ?? Infinity) <= ms) lo = mid + 1;
    else hi = mid;
  }
  const block = blocks[lo];
  if (!block) {
    blocks.push([ms]);
    return;
  }
  block.splice(upperBound(block, ms), 0, ms);
  if (block.length > 2 * DIGEST_BLOCK) blocks.splice(lo + 1, 0, block.splice(DIGEST_BLOCK));
}

/** 0 when empty. */
export function digestMean(digest: DurationDigest): number {
  return digest.count === 0 ? 0 : digest.sum / digest.count;
}

/** Nearest-rank percentile of the digest's values; 0 when empty. */
export function digestPercentile(digest: DurationDigest, p: number): number {
  checkPercentile(p);
  if (digest.count === 0) return 0;
  const rank = nearestRank(p, digest.count);
  if (digest.buckets) return bucketValueAt(digest.buckets, rank);
  const blocks = digest.blocks;
  // Walk from the nearer end: p95 and p99 sit near the top, so a read touches a few blocks however many there are.
  if (rank * 2 <= digest.count) {
    let left = rank;
    for (const block of blocks) {
      if (left <= block.length) return block[left - 1] ?? 0;
      left -= block.length;
    }
    return 0;
  }
  let fromTop = digest.count - rank;
  for (let i = blocks.length - 1; i >= 0; i--) {
    const block = blocks[i] as number[];
    if (fromTop < block.length) return block[block.length - 1 - fromTop] ?? 0;
    fromTop -= block.length;
  }
  return 0;
}

/**
 * Event times in a trailing window (now − windowMs < at ≤ now). Time moves
 * forward: windowAdd drops the entries that fell out of the window at the
 * time added, each once, so a steady stream costs amortised O(1) and the
 * window holds only what it counts. windowCount never changes it.
 */
export interface TimeWindow {
  readonly windowMs: number;
  times: number[];
}

export function emptyWindow(windowMs: number): TimeWindow {
  return { windowMs, times: [] };
}

export function windowAdd(window: TimeWindow, at: number): void {
  const times = window.times;
  const last = times[times.length - 1];
  if (last === undefined || at >= last) times.push(at);
  else times.splice(upperBound(times, at), 0, at);
  // Drop what no later count can see: entries at or before (latest − windowMs).
  const latest = times[times.length - 1] as number;
  const stale = upperBound(times, latest - window.windowMs);
  if (stale > 64 && stale * 2 > times.length) window.times = times.slice(stale);
}

export function windowCount(window: TimeWindow, now: number): number {
  const times = window.times;
  return Math.max(0, upperBound(times, now) - upperBound(times, now - window.windowMs));
}

/** Index of the first element greater than `value` in an ascending array. */
function upperBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] ?? Infinity) <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
