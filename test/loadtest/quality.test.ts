import { describe, expect, it } from 'vitest';
import { deriveLoadTestConfig } from '../../src/loadtest/config.js';
import { ARRIVAL_LIMIT, computeQuality, countReversals, MakespanBound, makespanLowerBound } from '../../src/loadtest/quality.js';
import { ValueSample } from '../../src/loadtest/value-sample.js';

function bound(arrivals: number[], work: number[]): MakespanBound {
  const b = new MakespanBound();
  arrivals.forEach((a, i) => b.add(a, work[i] ?? 0));
  return b;
}
import { buildResults } from '../../src/loadtest/results.js';
import { generateLoadTestSpec } from '../../src/loadtest/spec.js';
import { observation, record } from './helpers.js';

describe('makespanLowerBound', () => {
  it.each([
    ['total work ÷ workers', [0, 0, 0, 0], [10, 10, 10, 10], 2, 20],
    ['the longest issue', [0, 0], [50, 1], 4, 50],
    ['late work cannot start before it arrives', [0, 100], [10, 40], 2, 140],
    ['work arriving late, shared by the workers', [0, 100, 100], [10, 40, 40], 2, 140],
    ['a burst after a lull', [0, 100, 100, 100, 100], [10, 30, 30, 30, 30], 2, 160],
  ])('%s', (_, arrivals, work, workers, bound) => {
    expect(makespanLowerBound(arrivals, work, workers)).toBe(bound);
  });
});

describe('MakespanBound past ARRIVAL_LIMIT distinct arrival times', () => {
  it('stays a lower bound, within one interval of the exact one, in bounded memory', () => {
    const n = ARRIVAL_LIMIT * 8;
    const arrivals = Array.from({ length: n }, (_, i) => i * 10);
    const work = Array.from({ length: n }, (_, i) => 500 + ((i * 7919) % 1000));
    // The exact bound, by the definition: over every arrival time a, a + W(≥a) ÷ m, and the longest issue.
    let exact = 0;
    let suffix = 0;
    for (let i = n - 1; i >= 0; i--) {
      suffix += work[i] as number;
      exact = Math.max(exact, (arrivals[i] as number) + suffix / 4, (arrivals[i] as number) + (work[i] as number));
    }
    const folded = bound(arrivals, work);
    const got = folded.bound(4);
    expect(got).toBeLessThanOrEqual(exact);
    expect(exact - got).toBeLessThan((n * 10) / (ARRIVAL_LIMIT / 8));
    expect((folded as unknown as { work: Map<number, number> }).work.size).toBeLessThanOrEqual(ARRIVAL_LIMIT);
  });
});

describe('countReversals', () => {
  it('counts a direction change within the window, not one after it or a repeat', () => {
    const ops = [
      { at: 0, direction: 'up' as const },
      { at: 10, direction: 'up' as const },
      { at: 25, direction: 'down' as const },
      { at: 100, direction: 'up' as const },
      { at: 115, direction: 'down' as const },
    ];
    expect(countReversals(ops, 20)).toBe(2);
    expect(countReversals(ops, 10)).toBe(0);
  });
});

describe('computeQuality', () => {
  const o = observation({
    done: 2,
    failed: 0,
    latencies: ValueSample.of([40_000, 60_000]),
    queueWaits: ValueSample.of([0, 20_000]),
    makespan: bound([0, 0], [40_000, 40_000]),
    integrals: { workerMs: 160_000, busyMs: 80_000, wipMs: 100_000, underMs: 10_000, overMs: 20_000 },
    endAt: 60_000,
    scaleOperations: [
      { at: 5000, direction: 'up', from: 1, to: 2 },
      { at: 20_000, direction: 'down', from: 2, to: 1 },
    ],
  });
  const q = computeQuality(o, { maxWorkers: 2, scaleCooldownMs: 10_000 });

  it('relates the makespan to its lower bound', () => {
    expect(q.makespanMs).toBe(60_000);
    expect(q.lowerBoundMs).toBe(40_000);
    expect(q.makespanRatio).toBe(1.5);
  });

  it('turns the integrals into worker-seconds and shares of the makespan', () => {
    expect(q.workerSeconds).toBe(160);
    expect(q.busyWorkerSeconds).toBe(80);
    expect(q.idleShare).toBe(0.5);
    expect(q.underProvisionedShare).toBeCloseTo(1 / 6);
    expect(q.overProvisionedShare).toBeCloseTo(1 / 3);
    expect(q.scaleReversals).toBe(1);
    expect(q.p95QueueWaitMs).toBe(20_000);
  });

  it("checks Little's law: mean WIP 100000/60000 against 2/60 s × 50 s", () => {
    expect(q.littlesLaw.meanWorkInProgress).toBeCloseTo(5 / 3);
    expect(q.littlesLaw.departuresPerSecond).toBeCloseTo(1 / 30);
    expect(q.littlesLaw.meanLatencySeconds).toBe(50);
    expect(q.littlesLaw.holds).toBe(true);
    const lost = computeQuality({ ...o, integrals: { ...o.integrals, wipMs: 130_000 } }, { maxWorkers: 2, scaleCooldownMs: 10_000 });
    expect(lost.littlesLaw.holds).toBe(false);
  });
});

describe('buildResults', () => {
  const spec = generateLoadTestSpec({ name: 'unit', totalIssues: 3, concurrentAgents: 2 });
  const config = deriveLoadTestConfig(spec);

  it('computes the seed fields from the observation: success over finished sessions, throughput over the makespan', () => {
    const o = observation({
      done: 2,
      failed: 1,
      latencies: ValueSample.of([10_000, 20_000, 90_000]),
      outcomes: { success: 2, failure: 1, stalled: 1, timeout: 0, cancelled: 3, lost: 0, held: 0 },
      sessionDurations: ValueSample.of([1, 1, 1, 1, 1, 1, 1]),
      peakRunning: 2,
      distinctWorkers: 2,
      endAt: 100_000,
    });
    const r = buildResults(spec, config, record(o), { mode: 'simulation', policy: 'default', timeScale: 1, wallClockMs: 5 });
    expect(r.successRate).toBe(0.5);
    expect(r.throughputPerSecond).toBe(0.02);
    expect(r.avgLatencyMs).toBe(40_000);
    expect(r.p95LatencyMs).toBe(90_000);
    expect(r.passed).toBe(false);
    expect(r.criteria.filter((c) => !c.passed).map((c) => c.name)).toEqual(['success rate']);
    expect(r.summary).toMatch(/FAILED[\s\S]*success rate 50.0%, needs ≥ 80.0%/);
  });

  it('fails a run judged unhealthy at the end, and one that did not finish', () => {
    const o = observation({ done: 3, latencies: ValueSample.of([1, 1, 1]), outcomes: { success: 3, failure: 0, stalled: 0, timeout: 0, cancelled: 0, lost: 0, held: 0 }, peakRunning: 2, distinctWorkers: 2, endAt: 10 });
    const meta = { mode: 'simulation' as const, policy: 'default', timeScale: 1, wallClockMs: 1 };
    expect(buildResults(spec, config, record(o), meta).passed).toBe(true);
    const unhealthy = buildResults(spec, config, record(o, 'unhealthy'), meta);
    expect(unhealthy.criteria.find((c) => c.name === 'health')).toMatchObject({ passed: false, measured: 'unhealthy' });
    expect(buildResults(spec, config, { ...record(o), complete: false }, meta).passed).toBe(false);
  });
});
