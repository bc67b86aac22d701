/**
 * What a load test keeps of a figure it reports the mean and percentiles
 * of (latencies, queue waits, session durations), in memory that does not
 * grow with the number of issues beyond a bound. Up to EXACT_LIMIT values
 * are kept as they are, so every percentile is exact (nearest rank, as
 * `percentile` in core/metrics.ts gives it). Past that, the values move
 * into logarithmic buckets whose width is RELATIVE_ERROR of their value:
 * a percentile is then within 0.1 % of the exact one, and the mean, the
 * count, the minimum and the maximum stay exact.
 */
import { checkPercentile, nearestRank } from '../core/metrics.js';

export const EXACT_LIMIT = 1 << 17;
export const RELATIVE_ERROR = 0.001;
const GAMMA = (1 + RELATIVE_ERROR) / (1 - RELATIVE_ERROR);
const LOG_GAMMA = Math.log(GAMMA);

export class ValueSample {
  count = 0;
  /** Summed in arrival order, as a reduce over the values would. */
  sum = 0;
  min = Infinity;
  max = -Infinity;
  private exact: Float64Array | null = new Float64Array(64);
  /** Bucket index → count, once the exact values are given up; values ≤ 0 count under `zeros`. */
  private buckets: Map<number, number> | null = null;
  private zeros = 0;

  static of(values: readonly number[]): ValueSample {
    const sample = new ValueSample();
    for (const v of values) sample.add(v);
    return sample;
  }

  add(value: number): void {
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    const exact = this.exact;
    if (exact) {
      if (this.count === exact.length) {
        if (this.count >= EXACT_LIMIT) {
          this.toBuckets(exact);
          this.count++;
          this.bucket(value);
          return;
        }
        const grown = new Float64Array(exact.length * 2);
        grown.set(exact);
        this.exact = grown;
        grown[this.count] = value;
      } else exact[this.count] = value;
      this.count++;
      return;
    }
    this.count++;
    this.bucket(value);
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
    if (rank === this.count) return this.max;
    if (rank === 1) return this.min;
    const clamp = (v: number) => Math.min(this.max, Math.max(this.min, v));
    let seen = this.zeros;
    if (rank <= seen) return clamp(0);
    const buckets = this.buckets as Map<number, number>;
    for (const i of [...buckets.keys()].sort((a, b) => a - b)) {
      seen += buckets.get(i) as number;
      if (rank <= seen) return clamp((2 * GAMMA ** (i + 1)) / (GAMMA + 1));
    }
    return this.max;
  }

  private toBuckets(exact: Float64Array): void {
    this.buckets = new Map();
    this.exact = null;
    for (let i = 0; i < this.count; i++) this.bucket(exact[i] as number);
  }

  private bucket(value: number): void {
    if (!(value > 0)) {
      this.zeros++;
      return;
    }
    const buckets = this.buckets as Map<number, number>;
    const i = Math.floor(Math.log(value) / LOG_GAMMA);
    buckets.set(i, (buckets.get(i) ?? 0) + 1);
  }
}
