/**
 * Values in logarithmic buckets, for percentiles over more values than are
 * worth keeping one by one: bucket i holds the values in [γ^i, γ^(i+1)),
 * γ = (1 + ε) ÷ (1 − ε), and reports 2γ^(i+1) ÷ (γ + 1), which is within
 * ε = 0.1 % of every value in it. Values ≤ 0 share one bucket that reports
 * 0. The count, minimum and maximum stay exact, and the first and last
 * ranks report them. Memory grows with the spread of the values (about
 * 1,150 buckets per factor of ten), never with their number. Plain data:
 * change it only through bucketAdd.
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
}

export function emptyBuckets(): LogBuckets {
  return { counts: new Map(), zeros: 0, count: 0, min: Infinity, max: -Infinity };
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
  b.counts.set(i, (b.counts.get(i) ?? 0) + 1);
}

/** The value at 1-based `rank` (1 ≤ rank ≤ count), to within the relative error. */
export function bucketValueAt(b: LogBuckets, rank: number): number {
  if (rank >= b.count) return b.max;
  if (rank <= 1) return b.min;
  const clamp = (v: number) => Math.min(b.max, Math.max(b.min, v));
  let seen = b.zeros;
  if (rank <= seen) return clamp(0);
  for (const i of [...b.counts.keys()].sort((x, y) => x - y)) {
    seen += b.counts.get(i) as number;
    if (rank <= seen) return clamp((2 * GAMMA ** (i + 1)) / (GAMMA + 1));
  }
  return b.max;
}
