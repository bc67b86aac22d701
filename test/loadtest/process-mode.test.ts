import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { PROCESS_FLOORS_MS } from '../../src/loadtest/config.js';
import { LOADTEST_AGENT } from '../../src/loadtest/process-mode.js';
import { runLoadTest } from '../../src/loadtest/run.js';
import { LOAD_TEST_SCENARIOS } from '../../src/loadtest/scenarios.js';
import { generateLoadTestSpec } from '../../src/loadtest/spec.js';

const isolated = { readConfig: false } as const;

/**
 * How far process mode may stray from simulation on smoke at time scale
 * 0.01. Session outcomes are drawn from the same function, so they must
 * match exactly; times pick up spawn and exit latency (a few ms on a 300 ms
 * session, i.e. seconds of scenario time) and the health-check floor.
 */
const TIME_TOLERANCE = 0.3;

/** This checkout's fake agents still alive (another checkout's test run on the machine has its own path). */
function agentsAlive(): string[] {
  const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.includes(LOADTEST_AGENT));
}

function ourTempDirs(): string[] {
  return readdirSync(tmpdir()).filter((name) => name.startsWith('harness-load-test-'));
}

describe('process mode', () => {
  it('agrees with simulation on smoke within the stated tolerance, with real processes and no leftovers', async () => {
    const dirsBefore = new Set(ourTempDirs());
    const sim = await runLoadTest(LOAD_TEST_SCENARIOS.smoke, '/tmp', isolated);
    const real = await runLoadTest(LOAD_TEST_SCENARIOS.smoke, '/tmp', { ...isolated, mode: 'process', timeScale: 0.01 });
    expect(real.time).toMatchObject({ kind: 'real', timeScale: 0.01 });
    expect(real.passed).toBe(true);
    expect(real.sessions).toEqual(sim.sessions);
    expect(real.successRate).toBe(sim.successRate);
    expect(real.issues).toEqual(sim.issues);
    expect(Math.abs(real.peakConcurrentWorkers - sim.peakConcurrentWorkers)).toBeLessThanOrEqual(1);
    for (const pick of [(r: typeof sim) => r.quality.makespanMs, (r: typeof sim) => r.avgLatencyMs]) {
      expect(Math.abs(pick(real) - pick(sim)) / pick(sim)).toBeLessThan(TIME_TOLERANCE);
    }
    expect(real.quality.littlesLaw.holds).toBe(true);
    expect(real.wallClock.elapsedMs).toBeLessThan(30_000);
    expect(agentsAlive()).toEqual([]);
    expect(ourTempDirs().filter((d) => !dirsBefore.has(d))).toEqual([]);
  });

  it('reports the config it ran with: the floors applied, in scenario time', async () => {
    // At time scale 0.01 a 30 s mean derives a 15 s stall timeout (150 ms real), under the 2 s real floor.
    const spec = generateLoadTestSpec({ totalIssues: 4, concurrentAgents: 2, avgSessionDurationMs: 30_000, rampUpMs: 0, failureRate: 0, seed: 5 });
    const sim = await runLoadTest(spec, '/tmp', isolated);
    const real = await runLoadTest(spec, '/tmp', { ...isolated, mode: 'process', timeScale: 0.01 });
    expect(sim.config.scale.workerStallTimeoutMs).toBe(15_000);
    expect(real.config.scale.workerStallTimeoutMs).toBe(PROCESS_FLOORS_MS.workerStallTimeoutMs / 0.01);
    expect(real.config.killGraceMs).toBe(PROCESS_FLOORS_MS.killGraceMs / 0.01);
    expect(real.config.sessionTimeoutMs).toBe(Math.max(PROCESS_FLOORS_MS.sessionTimeoutMs, 150_000 * 0.01) / 0.01);
    expect(real.config.scale.healthCheckIntervalMs).toBe(PROCESS_FLOORS_MS.healthCheckIntervalMs / 0.01);
    // Fields above their floors come back as derived.
    expect(real.config.retryDelayMs).toBe(sim.config.retryDelayMs);
    expect(real.config.scale.maxWorkers).toBe(2);
  });

  it("finds Little's law exact on identical sessions that arrive together (no false alarm)", async () => {
    // Once, L counted a batch of arrivals only after the sessions it started were announced, later on
    // the real clock: a run of identical sessions reported 1–3 % error and "does not hold".
    const spec = generateLoadTestSpec({ totalIssues: 20, concurrentAgents: 4, avgSessionDurationMs: 5000, sessionDurationVariance: 0, rampUpMs: 0, failureRate: 0, stallRate: 0, seed: 1 });
    const r = await runLoadTest(spec, '/tmp', { ...isolated, mode: 'process', timeScale: 0.01 });
    expect(r.issues.done).toBe(20);
    expect(r.quality.littlesLaw.relativeError).toBeLessThan(1e-9);
    expect(r.quality.littlesLaw.holds).toBe(true);
    expect(agentsAlive()).toEqual([]);
  });

  it('stops stalled agents through the health checker and kills them', async () => {
    const spec = generateLoadTestSpec({ totalIssues: 6, concurrentAgents: 3, avgSessionDurationMs: 30_000, rampUpMs: 0, failureRate: 0, stallRate: 0.3, seed: 3 });
    const r = await runLoadTest(spec, '/tmp', { ...isolated, mode: 'process', timeScale: 0.01 });
    expect(r.workerStalls).toBeGreaterThan(0);
    expect(r.sessions.stalled).toBe(r.workerStalls);
    expect(r.issues.done + r.issues.failed).toBe(6);
    expect(agentsAlive()).toEqual([]);
  });

  it('runs chains with real processes: one issue of a chain at a time, and a failed first issue fails the rest unrun', async () => {
    // Two chains of three 20 s sessions (200 ms real): three in a row each, two at once at most.
    const spec = generateLoadTestSpec({ totalIssues: 6, concurrentAgents: 3, avgSessionDurationMs: 20_000, sessionDurationVariance: 0, rampUpMs: 0, failureRate: 0, seed: 1, chains: { share: 1, length: 3 } });
    const sim = await runLoadTest(spec, '/tmp', isolated);
    const real = await runLoadTest(spec, '/tmp', { ...isolated, mode: 'process', timeScale: 0.01 });
    expect(real.complete).toBe(true);
    expect(real.issues).toEqual(sim.issues);
    expect(real.sessions).toEqual(sim.sessions);
    expect(real.peakConcurrentWorkers).toBe(2);
    expect(real.quality.makespanMs).toBeGreaterThanOrEqual(60_000);
    expect(real.quality.criticalPathMs).toBeGreaterThanOrEqual(60_000);
    const broken = await runLoadTest({ ...spec, failureRate: 1 }, '/tmp', { ...isolated, mode: 'process', timeScale: 0.01, overrides: { maxAttempts: 1 } });
    expect(broken.issues).toMatchObject({ done: 0, failed: 6, blockedFailed: 4, unfinished: 0 });
    expect(broken.sessions.total).toBe(2);
    expect(agentsAlive()).toEqual([]);
  });

  it('stops on an abort, kills the running agents and reports the run as incomplete', async () => {
    const abort = new AbortController();
    const r = await runLoadTest(LOAD_TEST_SCENARIOS.light, '/tmp', {
      ...isolated,
      mode: 'process',
      timeScale: 0.01,
      signal: abort.signal,
      onProgress: (p) => p.finished === 3 && abort.abort(),
    });
    expect(r.complete).toBe(false);
    expect(r.passed).toBe(false);
    expect(r.issues.unfinished).toBeGreaterThan(0);
    expect(r.sessions.cancelled).toBeGreaterThan(0);
    expect(agentsAlive()).toEqual([]);
  });
});
