/**
 * Values in logarithmic buckets, for percentiles over more values than are
 * worth keeping one by one: bucket i holds the values in [γ^i, γ^(i+1)),
 * γ = (1 + ε) ÷ (1 − ε), and reports 2γ^(i+1) ÷ (γ + 1), which is within
 * ε = 0.1 % of every value in it. Values ≤ 0 share one bucket that reports
 * 0. The count, minimum and maximum stay exact, and the first and last
 * ranks report them. Memory grows with the spread of the values (about
 * 1,150 buckets per factor of ten), never with their number. Plain data:
 * change it only through bucketAdd. `keys` caches the bucket indexes in
 * order; it is rebuilt only after a new bucket appears, so reading a
 * percentile on every health check does not sort the buckets each time.
 */
export const BUCKET_RELATIVE_ERROR = 0.001;
const GAMMA = (1 + BUCKET_RELATIVE_ERROR) / (1 - BUCKET_RELATIVE_ERROR);
const LOG_GAMMA = Math.log(GAMMA);

export interface LogBuckets {
  counts: Map<number, number>;
  zeros: number;
  count: number;
  min: number;
  max: number;
  keys: number[] | null;
}

export function emptyBuckets(): LogBuckets {
  return { counts: new Map(), zeros: 0, count: 0, min: Infinity, max: -Infinity, keys: null };
}

export function bucketAdd(b: LogBuckets, value: number): void {
  b.count++;
  if (value < b.min) b.min = value;
  if (value > b.max) b.max = value;
  if (!(value > 0)) {
    b.zeros++;
    return;
  }
  const i = Math.floor(Math.log(value) / LOG_GAMMA);
  const had = b.counts.get(i);
  if (had === undefined) b.keys = null;
  b.counts.set(i, (had ?? 0) + 1);
}

/**
 * The value at 1-based `rank` (1 ≤ rank ≤ count), to within the relative
 * error. High ranks (p95, p99) are counted down from the top, so they visit
 * only the few buckets above them.
 */
export function bucketValueAt(b: LogBuckets, rank: number): number {
  if (rank >= b.count) return b.max;
  if (rank <= 1) return b.min;
  const clamp = (v: number) => Math.min(b.max, Math.max(b.min, v));
  const valueOf = (i: number) => clamp((2 * GAMMA ** (i + 1)) / (GAMMA + 1));
  if (rank <= b.zeros) return clamp(0);
  const keys = (b.keys ??= [...b.counts.keys()].sort((x, y) => x - y));
  if (2 * rank > b.count) {
    // The values above `rank`: count - rank of them sit in the buckets over its own.
    let above = b.count - rank;
    for (let k = keys.length - 1; k >= 0; k--) {
      const i = keys[k] as number;
      const n = b.counts.get(i) as number;
      if (above < n) return valueOf(i);
      above -= n;
    }
    return b.max;
  }
  let seen = b.zeros;
  for (const i of keys) {
    seen += b.counts.get(i) as number;
    if (rank <= seen) return valueOf(i);
  }
  return b.max;
}
