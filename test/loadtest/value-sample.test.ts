import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { percentile } from '../../src/core/metrics.js';
import { EXACT_LIMIT, RELATIVE_ERROR, ValueSample } from '../../src/loadtest/value-sample.js';

describe('ValueSample', () => {
  it('is exact up to its limit: the same mean and percentiles as the values themselves', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10_000_000 }), { minLength: 1, maxLength: 500 }), fc.constantFrom(0.5, 0.95, 0.99, 1), (values, p) => {
        const sample = ValueSample.of(values);
        expect(sample.isExact).toBe(true);
        expect(sample.count).toBe(values.length);
        expect(sample.mean()).toBe(values.reduce((s, x) => s + x, 0) / values.length);
        expect(sample.percentile(p)).toBe(percentile(values, p));
      }),
    );
  });

  it('past its limit keeps count, sum, minimum and maximum exact, and percentiles within the relative error', () => {
    const n = EXACT_LIMIT + 50_000;
    const values = Array.from({ length: n }, (_, i) => 1000 + ((i * 2654435761) % 3_600_000));
    values[17] = 0;
    const sample = ValueSample.of(values);
    expect(sample.isExact).toBe(false);
    expect(sample.count).toBe(n);
    expect(sample.sum).toBe(values.reduce((s, x) => s + x, 0));
    expect(sample.percentile(1)).toBe(values.reduce((m, x) => Math.max(m, x), 0));
    expect(sample.percentile(1 / n)).toBe(0);
    for (const p of [0.5, 0.9, 0.95, 0.99, 0.999]) {
      const exact = percentile(values, p);
      expect(Math.abs(sample.percentile(p) - exact) / exact).toBeLessThanOrEqual(RELATIVE_ERROR + 1e-12);
    }
  });

  it('is 0 when empty and refuses a p outside (0, 1]', () => {
    expect(new ValueSample().percentile(0.95)).toBe(0);
    expect(new ValueSample().mean()).toBe(0);
    expect(() => new ValueSample().percentile(95)).toThrow(/pass 0.95 for p95/);
  });
});
