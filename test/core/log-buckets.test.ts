import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BUCKET_RELATIVE_ERROR, bucketAdd, bucketValueAt, emptyBuckets } from '../../src/core/log-buckets.js';

function bucketsOf(values: readonly number[]) {
  const b = emptyBuckets();
  for (const v of values) bucketAdd(b, v);
  return b;
}

describe('log buckets', () => {
  it('reports the exact minimum and maximum at the first and last ranks', () => {
    const b = bucketsOf([5, 1, 9]);
    expect(bucketValueAt(b, 1)).toBe(1);
    expect(bucketValueAt(b, 3)).toBe(9);
  });

  it('reports 0 for ranks among values of 0 or less', () => {
    const b = bucketsOf([0, -3, 0, 10, 20]);
    expect(bucketValueAt(b, 2)).toBe(0);
    expect(bucketValueAt(b, 3)).toBe(0);
  });

  it('is within the relative error of the sorted value at every rank, low ranks and high', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10_000_000 }), { minLength: 1, maxLength: 300 }), (values) => {
        const b = bucketsOf(values);
        const sorted = [...values].sort((x, y) => x - y);
        for (let rank = 1; rank <= sorted.length; rank++) {
          const exact = sorted[rank - 1] as number;
          const got = bucketValueAt(b, rank);
          expect(Math.abs(got - exact)).toBeLessThanOrEqual(exact * BUCKET_RELATIVE_ERROR * 1.0001 + 1e-9);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('sees buckets added after a read', () => {
    const b = bucketsOf([100, 200, 300, 400]);
    expect(bucketValueAt(b, 3)).toBeCloseTo(300, -1);
    for (const v of [1000, 2000, 3000, 4000, 5000]) bucketAdd(b, v);
    // 9 values now: rank 7 is 3000, read from the top; rank 3 is 300, from the bottom.
    expect(Math.abs(bucketValueAt(b, 7) - 3000)).toBeLessThanOrEqual(3000 * BUCKET_RELATIVE_ERROR);
    expect(Math.abs(bucketValueAt(b, 3) - 300)).toBeLessThanOrEqual(300 * BUCKET_RELATIVE_ERROR);
  });
});
