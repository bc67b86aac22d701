/**
 * What a load test keeps of a figure it reports the mean and percentiles
 * of (latencies, queue waits, session durations), in memory that does not
 * grow with the number of issues beyond a bound. Up to EXACT_LIMIT values
 * are kept as they are, so every percentile is exact (nearest rank, as
 * `percentile` in core/metrics.ts gives it). Past that, the values move
 * into logarithmic buckets (core/log-buckets.ts): a percentile is then
 * within 0.1 % of the exact one, and the mean, the count, the minimum and
 * the maximum stay exact.
 */
import { bucketAdd, bucketValueAt, emptyBuckets, type LogBuckets } from '../core/log-buckets.js';
import { checkPercentile, nearestRank } from '../core/metrics.js';

export { BUCKET_RELATIVE_ERROR as RELATIVE_ERROR } from '../core/log-buckets.js';
export const EXACT_LIMIT = 1 << 17;

export class ValueSample {
  count = 0;
  /** Summed in arrival order, as a reduce over the values would. */
  sum = 0;
  private exact: Float64Array | null = new Float64Array(64);
  private buckets: LogBuckets | null = null;

  static of(values: readonly number[]): ValueSample {
    const sample = new ValueSample();
    for (const v of values) sample.add(v);
    return sample;
  }

  add(value: number): void {
    this.sum += value;
    const exact = this.exact;
    if (!exact) {
      this.count++;
      bucketAdd(this.buckets as LogBuckets, value);
      return;
    }
    if (this.count === exact.length) {
      if (this.count >= EXACT_LIMIT) {
        const buckets = emptyBuckets();
        for (let i = 0; i < this.count; i++) bucketAdd(buckets, exact[i] as number);
        this.buckets = buckets;
        this.exact = null;
        return this.add((this.sum -= value, value));
      }
      const grown = new Float64Array(exact.length * 2);
      grown.set(exact);
      this.exact = grown;
    }
    (this.exact as Float64Array)[this.count] = value;
    this.count++;
  }

  get isExact(): boolean {
    return this.exact !== null;
  }

  mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  /** Nearest-rank percentile; 0 when empty. */
  percentile(p: number): number {
    checkPercentile(p);
    if (this.count === 0) return 0;
    const rank = nearestRank(p, this.count);
    if (this.exact) return this.exact.slice(0, this.count).sort()[rank - 1] as number;
    return bucketValueAt(this.buckets as LogBuckets, rank);
  }
}
