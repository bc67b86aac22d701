import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  computeSessionStats,
  digestAdd,
  digestMean,
  digestPercentile,
  emptyDigest,
  emptyWindow,
  percentile,
  percentileOfSorted,
  windowAdd,
  windowCount,
  type FinishedSession,
} from '../../src/core/metrics.js';

const oneToHundred = Array.from({ length: 100 }, (_, i) => i + 1);

describe('percentile (nearest rank)', () => {
  // REFERENCE §1 item 8: the ⌈p·n⌉-th smallest, not index floor(p·n).
  it.each<[string, number[], number, number]>([
    ['n=100, p95', oneToHundred, 0.95, 95],
    ['n=100, p99', oneToHundred, 0.99, 99],
    ['n=100, p07 (0.07 × 100 is not quite 7 in floating point)', oneToHundred, 0.07, 7],
    ['n=100, p100', oneToHundred, 1, 100],
    ['n=20, p95 is the 19th smallest', Array.from({ length: 20 }, (_, i) => (i + 1) * 10), 0.95, 190],
    ['n=10, p95 rounds the rank up', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95, 10],
    ['single value', [42], 0.5, 42],
    ['unsorted input', [30, 10, 20], 0.5, 20],
    ['zeros are values too', [0, 0, 0, 0, 0, 0, 0, 0, 0, 100], 0.5, 0],
    ['empty', [], 0.95, 0],
  ])('%s', (_name, values, p, expected) => {
    expect(percentile(values, p)).toBe(expected);
  });

  it('p99 is an observed value, not p95 × 1.05', () => {
    const values = [...Array.from({ length: 98 }, () => 1_000), 5_000, 9_000];
    expect(percentile(values, 0.95)).toBe(1_000);
    expect(percentile(values, 0.99)).toBe(5_000);
  });

  it('does not reorder its input', () => {
    const values = [3, 1, 2];
    percentile(values, 0.5);
    expect(values).toEqual([3, 1, 2]);
  });

  it.each([0, -0.5, 1.01, 95, Number.NaN])('rejects p = %s', (p) => {
    expect(() => percentile([1, 2, 3], p)).toThrow(RangeError);
  });

  describe('properties', () => {
    const values = fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 300 });
    const perMille = fc.integer({ min: 1, max: 1000 });
    const anyP = fc.double({ min: Number.MIN_VALUE, max: 1, noNaN: true });

    it('returns an element of the input', () => {
      fc.assert(fc.property(values, anyP, (vs, p) => vs.includes(percentile(vs, p))));
    });

    it('is monotone in p', () => {
      fc.assert(
        fc.property(values, anyP, anyP, (vs, a, b) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          return percentile(vs, lo) <= percentile(vs, hi);
        }),
      );
    });

    it('matches a sort-based reference with an exact integer rank', () => {
      fc.assert(
        fc.property(values, perMille, (vs, k) => {
          const sorted = [...vs].sort((a, b) => a - b);
          const rank = Math.ceil((k * vs.length) / 1000);
          const expected = sorted[rank - 1];
          return percentile(vs, k / 1000) === expected && percentileOfSorted(sorted, k / 1000) === expected;
        }),
      );
    });

    it('has at least ⌈p·n⌉ values at or below the result', () => {
      fc.assert(
        fc.property(values, perMille, (vs, k) => {
          const result = percentile(vs, k / 1000);
          return vs.filter((v) => v <= result).length >= Math.ceil((k * vs.length) / 1000);
        }),
      );
    });

    it('DurationDigest agrees with percentile on the same data', () => {
      fc.assert(
        fc.property(values, perMille, (vs, k) => {
          const digest = emptyDigest();
          for (const v of vs) digestAdd(digest, v);
          const mean = vs.reduce((s, v) => s + v, 0) / vs.length;
          return (
            digest.count === vs.length &&
            Math.abs(digestMean(digest) - mean) < 1e-6 &&
            digestPercentile(digest, k / 1000) === percentile(vs, k / 1000) &&
            digestPercentile(digest, 0.95) === percentile(vs, 0.95) &&
            digestPercentile(digest, 0.99) === percentile(vs, 0.99)
          );
        }),
      );
    });
  });
});

describe('DurationDigest', () => {
  it('is empty at first', () => {
    const digest = emptyDigest();
    expect([digest.count, digestMean(digest), digestPercentile(digest, 0.95)]).toEqual([0, 0, 0]);
  });

  it('keeps zeros and out-of-order arrivals', () => {
    const digest = emptyDigest();
    for (const ms of [500, 0, 300, 0, 100]) digestAdd(digest, ms);
    expect(digest.count).toBe(5);
    expect(digestMean(digest)).toBe(180);
    expect(digestPercentile(digest, 0.4)).toBe(0);
    expect(digestPercentile(digest, 1)).toBe(500);
  });
});

describe('TimeWindow', () => {
  it('counts events in (now − window, now]', () => {
    const counter = emptyWindow(60_000);
    for (const at of [0, 10_000, 59_999, 60_000, 61_000]) windowAdd(counter, at);
    expect(windowCount(counter, 60_000)).toBe(3); // 0 is exactly one window old; 61_000 is still ahead
    expect(windowCount(counter, 70_000)).toBe(3);
    expect(windowCount(counter, 119_999)).toBe(2);
    expect(windowCount(counter, 120_000)).toBe(1);
    expect(windowCount(counter, 200_000)).toBe(0);
  });

  it('ignores events later than now', () => {
    const counter = emptyWindow(60_000);
    for (const at of [1_000, 2_000, 90_000]) windowAdd(counter, at);
    expect(windowCount(counter, 2_000)).toBe(2);
  });

  it('accepts an event that arrives out of order', () => {
    const counter = emptyWindow(1_000);
    for (const at of [100, 300, 200]) windowAdd(counter, at);
    expect(windowCount(counter, 250)).toBe(2);
    expect(windowCount(counter, 1_150)).toBe(2);
  });

  it('matches a full scan over a long stream as time moves forward', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5_000 }), { maxLength: 400 }), (gaps) => {
        const counter = emptyWindow(10_000);
        const seen: number[] = [];
        let now = 0;
        for (const gap of gaps) {
          now += gap;
          windowAdd(counter, now);
          seen.push(now);
          const expected = seen.filter((t) => now - 10_000 < t && t <= now).length;
          if (windowCount(counter, now) !== expected) return false;
        }
        return true;
      }),
    );
  });
});

describe('computeSessionStats', () => {
  const now = 600_000;
  const finished: FinishedSession[] = [
    { endedAt: 100_000, durationMs: 40_000, ok: true }, // outside the throughput window
    { endedAt: 540_000, durationMs: 0, ok: true }, // exactly one window old: outside
    { endedAt: 540_001, durationMs: 20_000, ok: true },
    { endedAt: 590_000, durationMs: 60_000, ok: false }, // a failure is not throughput
    { endedAt: 600_000, durationMs: 30_000, ok: true },
  ];

  it('counts only successes in the trailing minute as throughput', () => {
    expect(computeSessionStats(finished, now).throughputPerMinute).toBe(2);
    expect(computeSessionStats(finished, now + 60_000).throughputPerMinute).toBe(0);
  });

  it('separates completed from failed and derives the success rate from them', () => {
    const stats = computeSessionStats(finished, now);
    expect(stats.totalSessionsCompleted).toBe(4);
    expect(stats.totalSessionsFailed).toBe(1);
    expect(stats.successRate).toBe(0.8);
  });

  it('averages and ranks every finished session, zeros included', () => {
    const stats = computeSessionStats(finished, now);
    expect(stats.avgSessionDurationMs).toBe(30_000);
    expect(stats.p95SessionDurationMs).toBe(60_000);
    expect(stats.p99SessionDurationMs).toBe(60_000);
  });

  it('reports no failures and no NaN before anything finished', () => {
    expect(computeSessionStats([], now)).toEqual({
      throughputPerMinute: 0,
      avgSessionDurationMs: 0,
      p95SessionDurationMs: 0,
      p99SessionDurationMs: 0,
      successRate: 1,
      totalSessionsCompleted: 0,
      totalSessionsFailed: 0,
    });
  });
});
