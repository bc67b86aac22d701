import { describe, expect, it } from 'vitest';
import { decideScale } from '../../src/core/scale.js';
import { deriveLoadTestConfig } from '../../src/loadtest/config.js';
import { compareLoadTest, runLoadTest, runLoadTestScenario } from '../../src/loadtest/run.js';
import { LOAD_TEST_SCENARIOS, SCENARIO_NAMES } from '../../src/loadtest/scenarios.js';
import { simulate } from '../../src/loadtest/simulate.js';
import { generateLoadTestSpec } from '../../src/loadtest/spec.js';
import type { ScalePolicy } from '../../src/runtime/scale-manager.js';

/** Library calls that must not pick up a config file or HARNESS_* variables from the machine running the tests. */
const isolated = { readConfig: false } as const;

/** A scaler with the bug the earlier implementation had in effect: it never scales up. */
const neverScalesUp: ScalePolicy = (input, config) => {
  const decision = decideScale(input, config);
  return decision.direction === 'up' ? { ...decision, direction: 'hold', target: decision.from, reason: 'broken: never scales up' } : decision;
};

function withoutWallClock(results: object): string {
  return JSON.stringify({ ...results, wallClock: null });
}

describe('simulation mode', () => {
  it('gives the same results byte for byte for the same seed, apart from wall-clock time', async () => {
    const spec = { ...LOAD_TEST_SCENARIOS.medium, stallRate: 0.02 };
    const a = await runLoadTest(spec, '/tmp', isolated);
    const b = await runLoadTest(spec, '/tmp', isolated);
    expect(withoutWallClock(a)).toBe(withoutWallClock(b));
    const other = await runLoadTest({ ...spec, seed: 2 }, '/tmp', isolated);
    expect(withoutWallClock(other)).not.toBe(withoutWallClock(a));
  });

  it.each(SCENARIO_NAMES)('%s passes, finishes every issue, and satisfies Little’s law', async (name) => {
    const r = await runLoadTestScenario(name, '/tmp', isolated);
    expect(r.passed).toBe(true);
    expect(r.complete).toBe(true);
    expect(r.issues.done + r.issues.failed).toBe(r.issues.total);
    expect(r.quality.littlesLaw.holds).toBe(true);
    expect(r.quality.littlesLaw.relativeError).toBeLessThan(1e-9);
    expect(r.quality.makespanRatio).toBeGreaterThanOrEqual(1);
    expect(r.quality.busyWorkerSeconds).toBeLessThanOrEqual(r.quality.workerSeconds);
    expect(r.time.kind).toBe('virtual');
  });

  it('really runs the coordinator: its summary and the observation agree, and the pool reaches the target', async () => {
    const spec = LOAD_TEST_SCENARIOS.heavy;
    const config = deriveLoadTestConfig(spec);
    const { summary, observation } = await simulate(spec, config, { cwd: '/tmp' });
    expect(summary.issues.done).toBe(observation.done);
    expect(summary.sessions).toEqual(observation.outcomes);
    expect(summary.metrics.scaleOperations).toBe(observation.scaleOperations.length);
    expect(observation.peakRunning).toBe(25);
    expect(Math.max(...observation.samples.map((s) => s.workers))).toBe(25);
    // Session durations are the drawn ones: busy time equals the sum of durations.
    const work = observation.sessionDurations.sum;
    expect(observation.integrals.busyMs).toBeCloseTo(work, 6);
  });

  it('fails the success-rate criterion at a failure rate of 0.6, and never fails a session at 0', async () => {
    const bad = await runLoadTest(generateLoadTestSpec({ failureRate: 0.6 }), '/tmp', isolated);
    expect(bad.passed).toBe(false);
    expect(bad.criteria.find((c) => c.name === 'success rate')?.passed).toBe(false);
    expect(bad.summary).toMatch(/failed criteria: success rate/);
    const perfect = await runLoadTest(generateLoadTestSpec({ failureRate: 0, totalIssues: 50 }), '/tmp', isolated);
    expect(perfect.sessions.failure).toBe(0);
    expect(perfect.successRate).toBe(1);
  });

  it('detects stalled sessions through the health checker, stops them and still finishes their issues', async () => {
    const r = await runLoadTest(generateLoadTestSpec({ totalIssues: 100, concurrentAgents: 10, stallRate: 0.05, failureRate: 0 }), '/tmp', isolated);
    expect(r.workerStalls).toBeGreaterThan(0);
    expect(r.sessions.stalled).toBe(r.workerStalls);
    expect(r.issues.done + r.issues.failed).toBe(100);
  });

  it('fails the heavy scenario when the scaling policy never scales up: the load test checks something real', async () => {
    const r = await runLoadTestScenario('heavy', '/tmp', { ...isolated, policy: neverScalesUp });
    expect(r.passed).toBe(false);
    expect(r.peakConcurrentWorkers).toBe(4);
    expect(r.criteria.find((c) => c.name === 'peak concurrency')?.passed).toBe(false);
    expect(r.quality.makespanRatio).toBeGreaterThan(3);
  });

  it('honours explicit config over derived values', async () => {
    const r = await runLoadTestScenario('heavy', '/tmp', { ...isolated, overrides: { maxWorkers: 12 } });
    expect(r.config.scale.maxWorkers).toBe(12);
    expect(r.peakConcurrentWorkers).toBe(12);
    expect(r.criteria.find((c) => c.name === 'peak concurrency')?.passed).toBe(false);
  });

  it('compares the default policy with the baselines on the same workload', async () => {
    const runs = await compareLoadTest(LOAD_TEST_SCENARIOS.heavy, '/tmp', isolated);
    const by = Object.fromEntries(runs.map((r) => [r.policy, r]));
    expect(Object.keys(by)).toEqual(['default', 'fixed-max', 'fixed-min', 'hpa']);
    expect(by['fixed-max']!.scaleOperations).toBe(0);
    expect(by['fixed-max']!.quality.underProvisionedShare).toBe(0);
    expect(by['fixed-min']!.peakConcurrentWorkers).toBe(4);
    expect(by['fixed-min']!.quality.makespanMs).toBeGreaterThan(by.default!.quality.makespanMs);
    expect(by['fixed-max']!.quality.idleShare).toBeGreaterThan(by.default!.quality.idleShare);
    expect(new Set(runs.map((r) => r.issues.total))).toEqual(new Set([200]));
  });
});
