import { describe, expect, it } from 'vitest';
import { digestAdd, digestPercentile, emptyDigest, percentile } from '../../src/core/metrics.js';
import { runLoadTest } from '../../src/loadtest/run.js';
import { generateLoadTestSpec } from '../../src/loadtest/spec.js';

describe('the observer', () => {
  it('never counts more concurrent sessions than workers, even when recycling starts a session before the last one’s end is announced', async () => {
    const spec = generateLoadTestSpec({ totalIssues: 120, concurrentAgents: 5, failureRate: 0, rampUpMs: 0 });
    const r = await runLoadTest(spec, '/tmp', { readConfig: false, overrides: { minWorkers: 5, maxSessionsPerWorker: 2 } });
    expect(r.distinctWorkers).toBeGreaterThan(50);
    expect(r.peakConcurrentWorkers).toBe(5);
    expect(Math.max(...r.timeline.map((s) => s.busy))).toBeLessThanOrEqual(5);
  });
});

// The load test's 100,000-session runs rely on DurationDigest keeping values
// in blocks; this exercises many blocks, which small property tests do not.
describe('DurationDigest across many blocks', () => {
  it('agrees with percentile on thousands of values, in any order and with duplicates', () => {
    let state = 42;
    const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (const pick of [() => Math.floor(random() * 5), (i: number) => i, (i: number) => 10_000 - i, () => random() * 1e6]) {
      const digest = emptyDigest();
      const values: number[] = [];
      for (let i = 0; i < 5000; i++) {
        const v = pick(i);
        values.push(v);
        digestAdd(digest, v);
      }
      expect(digest.count).toBe(5000);
      for (const p of [0.0001, 0.25, 0.5, 0.95, 0.99, 1]) expect(digestPercentile(digest, p)).toBe(percentile(values, p));
    }
  });
});
