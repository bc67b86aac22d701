import { describe, expect, it } from 'vitest';
import { drawBehaviour, MIN_DURATION_SHARE, type BehaviourParams } from '../../src/loadtest/behaviour.js';

const params: BehaviourParams = { seed: 7, avgSessionDurationMs: 60_000, sessionDurationVariance: 0.3, failureRate: 0.1, stallRate: 0 };

function draws(p: BehaviourParams, n: number) {
  return Array.from({ length: n }, (_, i) => drawBehaviour(p, `LT-${i + 1}`, 1 + (i % 3)));
}

describe('drawBehaviour', () => {
  it('is a pure function of (seed, issue, attempt)', () => {
    expect(drawBehaviour(params, 'LT-5', 2)).toEqual(drawBehaviour(params, 'LT-5', 2));
    const a = draws(params, 200);
    const b = draws({ ...params, seed: 8 }, 200);
    expect(a.filter((x, i) => x.durationMs === b[i]!.durationMs).length).toBeLessThan(10);
    const firstAttempts = draws(params, 50).map((_, i) => drawBehaviour(params, `LT-${i + 1}`, 1).durationMs);
    const secondAttempts = draws(params, 50).map((_, i) => drawBehaviour(params, `LT-${i + 1}`, 2).durationMs);
    expect(firstAttempts).not.toEqual(secondAttempts);
  });

  it('never fails at a failure rate of 0 and always fails at 1 (earlier defect: 0 became 0.1)', () => {
    expect(draws({ ...params, failureRate: 0 }, 5000).some((b) => b.fails)).toBe(false);
    expect(draws({ ...params, failureRate: 1 }, 5000).every((b) => b.fails)).toBe(true);
  });

  it('draws failures and stalls at their rates, and a stalling session never also fails', () => {
    const all = draws({ ...params, failureRate: 0.2, stallRate: 0.1 }, 20_000);
    const stalls = all.filter((b) => b.stalls).length / all.length;
    const failures = all.filter((b) => b.fails).length / all.filter((b) => !b.stalls).length;
    expect(stalls).toBeCloseTo(0.1, 1);
    expect(failures).toBeCloseTo(0.2, 1);
    expect(all.some((b) => b.stalls && b.fails)).toBe(false);
  });

  it('spreads durations uniformly over mean × (1 ± variance)', () => {
    const durations = draws(params, 20_000).map((b) => b.durationMs);
    expect(Math.min(...durations)).toBeGreaterThanOrEqual(42_000);
    expect(Math.max(...durations)).toBeLessThanOrEqual(78_000);
    const mean = durations.reduce((s, d) => s + d, 0) / durations.length;
    expect(Math.abs(mean - 60_000)).toBeLessThan(600);
    const lowQuarter = durations.filter((d) => d < 51_000).length / durations.length;
    expect(lowQuarter).toBeCloseTo(0.25, 1);
  });

  it('never draws a duration below the floor, whatever the variance', () => {
    const durations = draws({ ...params, sessionDurationVariance: 1 }, 5000).map((b) => b.durationMs);
    expect(Math.min(...durations)).toBe(60_000 * MIN_DURATION_SHARE);
    expect(draws({ ...params, avgSessionDurationMs: 3, sessionDurationVariance: 1 }, 500).every((b) => b.durationMs >= 1)).toBe(true);
  });
});
