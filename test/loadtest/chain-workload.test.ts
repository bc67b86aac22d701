import { describe, expect, it } from 'vitest';
import { chainLayout } from '../../src/loadtest/chains.js';
import { applyOverrides, deriveLoadTestConfig, type LoadTestOverrides } from '../../src/loadtest/config.js';
import { runLoadTest, runLoadTestScenario } from '../../src/loadtest/run.js';
import { LOAD_TEST_SCENARIOS } from '../../src/loadtest/scenarios.js';
import { simulate } from '../../src/loadtest/simulate.js';
import { generateLoadTestSpec, issueId, type LoadTestSpec } from '../../src/loadtest/spec.js';
import { MemoryStore } from '../../src/store/memory/index.js';

const isolated = { readConfig: false } as const;

/** A simulated run on a store that keeps every issue and session, to read what happened. */
async function simulated(spec: LoadTestSpec, overrides: LoadTestOverrides = {}) {
  const store = new MemoryStore();
  const config = applyOverrides(deriveLoadTestConfig(spec), overrides);
  const record = await simulate(spec, config, { cwd: '/tmp', store });
  const layout = chainLayout(spec)!;
  // Every chained issue that has a blocker, with it.
  const pairs = Array.from({ length: spec.totalIssues }, (_, i) => [i, layout.blockerOf(i)] as const)
    .filter((p): p is readonly [number, number] => p[1] !== null)
    .map(([i, b]) => ({ dependent: issueId(i), blocker: issueId(b) }));
  return { store, record, pairs };
}

describe('a workload with chains', () => {
  it('never starts a dependent’s session before its blocker’s last session ended', async () => {
    const spec = generateLoadTestSpec({ totalIssues: 120, concurrentAgents: 20, rampUpMs: 0, failureRate: 0.2, chains: { share: 0.5, length: 4 } });
    const { store, record, pairs } = await simulated(spec);
    expect(record.complete).toBe(true);
    expect(pairs).toHaveLength(45);
    let checked = 0;
    for (const { dependent, blocker } of pairs) {
      const before = store.sessionsForIssue(blocker);
      const after = store.sessionsForIssue(dependent);
      if (after.length === 0) continue;
      expect(store.getIssue(blocker)?.status).toBe('done');
      const blockerEnd = Math.max(...before.map((s) => s.endedAt ?? Infinity));
      expect(Math.min(...after.map((s) => s.startedAt))).toBeGreaterThanOrEqual(blockerEnd);
      checked++;
    }
    expect(checked).toBeGreaterThan(40);
    // With all 120 arriving at once and 20 workers, the scheduler alone would have started some dependents first.
    expect(record.observation.done + record.observation.failed).toBe(120);
  });

  it('fails the rest of a chain whose issue failed, each naming its blocker, without running it', async () => {
    // One attempt each and a failure rate of 0.5: about half the chains break somewhere.
    const spec = generateLoadTestSpec({ totalIssues: 60, concurrentAgents: 10, rampUpMs: 0, failureRate: 0.5, chains: { share: 1, length: 3 } });
    const { store, record, pairs } = await simulated(spec, { maxAttempts: 1 });
    const doomed = pairs.filter(({ blocker }) => store.getIssue(blocker)?.status === 'failed');
    expect(doomed.length).toBeGreaterThan(5);
    for (const { dependent, blocker } of doomed) {
      expect(store.getIssue(dependent)).toMatchObject({ status: 'failed', attempts: 0, lastError: `blocked by ${blocker}, which failed` });
      expect(store.sessionsForIssue(dependent)).toEqual([]);
    }
    const o = record.observation;
    expect(o.blockedFailed).toBe(doomed.length);
    expect(o.done + o.failed).toBe(60);
    expect(store.countIssues().failed).toBe(o.failed);
  });

  it('with onBlockerFailure wait, leaves them waiting, undone and unrun, and still ends', async () => {
    const spec = generateLoadTestSpec({ totalIssues: 60, concurrentAgents: 10, rampUpMs: 0, failureRate: 0.5, chains: { share: 1, length: 3 } });
    const { store, record, pairs } = await simulated(spec, { maxAttempts: 1, onBlockerFailure: 'wait' });
    expect(record.complete).toBe(true);
    // The rest of each broken chain: its blocker failed, or waits itself.
    const waiting = new Set<string>();
    for (const { dependent, blocker } of pairs) if (store.getIssue(blocker)?.status === 'failed' || waiting.has(blocker)) waiting.add(dependent);
    expect(waiting.size).toBeGreaterThan(5);
    for (const id of waiting) {
      expect(store.getIssue(id)).toBeUndefined();
      expect(store.sessionsForIssue(id)).toEqual([]);
    }
    const o = record.observation;
    expect(o.blockedFailed).toBe(0);
    expect(o.leftWaiting).toBe(waiting.size);
    expect(o.done + o.failed + o.leftWaiting).toBe(60);
  });

  it('reports blocked failures, the chains and a lower bound that holds the critical path', async () => {
    const spec = generateLoadTestSpec({ totalIssues: 60, concurrentAgents: 10, rampUpMs: 0, failureRate: 0.5, chains: { share: 1, length: 3 } });
    const r = await runLoadTest(spec, '/tmp', { ...isolated, overrides: { maxAttempts: 1 } });
    expect(r.chains).toMatchObject({ spec: { share: 1, length: 3 }, count: 20, chainedIssues: 60, onBlockerFailure: 'fail', leftWaiting: 0 });
    expect(r.issues.blockedFailed).toBe(r.chains!.blockedFailed);
    expect(r.issues.blockedFailed).toBeGreaterThan(5);
    expect(r.issues.done + r.issues.failed).toBe(60);
    expect(r.summary).toContain(`chains: 20 chains of 3 (60 of 60 issues); ${r.issues.blockedFailed} failed because a blocker failed`);
    expect(r.quality.littlesLaw.holds).toBe(true);
    expect(r.quality.lowerBoundMs).toBeGreaterThanOrEqual(r.quality.criticalPathMs);
    expect(r.quality.makespanMs).toBeGreaterThanOrEqual(r.quality.lowerBoundMs);
    const waited = await runLoadTest(spec, '/tmp', { ...isolated, overrides: { maxAttempts: 1, onBlockerFailure: 'wait' } });
    expect(waited.complete).toBe(true);
    expect(waited.issues.unfinished).toBe(waited.chains!.leftWaiting);
    expect(waited.summary).toMatch(/chains: 20 chains of 3 \(60 of 60 issues\); \d+ left waiting on a blocker that failed/);
  });

  it('makes a chain of long sessions the critical path: no schedule beats L sessions in a row', async () => {
    // Two chains of 5 identical 60 s sessions on 10 workers: the area bound is 60 s, the chains' 300 s.
    const spec = generateLoadTestSpec({ totalIssues: 10, concurrentAgents: 10, rampUpMs: 0, failureRate: 0, sessionDurationVariance: 0, chains: { share: 1, length: 5 } });
    const r = await runLoadTest(spec, '/tmp', isolated);
    expect(r.quality.criticalPathMs).toBe(300_000);
    expect(r.quality.lowerBoundMs).toBe(300_000);
    expect(r.quality.makespanMs).toBeGreaterThanOrEqual(300_000);
    expect(r.peakConcurrentWorkers).toBe(2);
  });

  it('gives the same results for the same seed, and other chains for another', async () => {
    const spec = LOAD_TEST_SCENARIOS.chains;
    const a = await runLoadTest(spec, '/tmp', isolated);
    const b = await runLoadTest(spec, '/tmp', isolated);
    expect(JSON.stringify({ ...a, wallClock: null })).toBe(JSON.stringify({ ...b, wallClock: null }));
    const other = await runLoadTest({ ...spec, seed: 2 }, '/tmp', isolated);
    expect(other.quality.makespanMs).not.toBe(a.quality.makespanMs);
  });

  it('the bundled chains scenario passes and takes longer than the same work without chains', async () => {
    const chains = await runLoadTestScenario('chains', '/tmp', isolated);
    expect(chains.passed).toBe(true);
    expect(chains.chains).toMatchObject({ count: 20, chainedIssues: 100 });
    const { chains: _, ...unchained } = LOAD_TEST_SCENARIOS.chains;
    const plain = await runLoadTest({ ...unchained }, '/tmp', isolated);
    expect(plain.chains).toBeNull();
    expect(chains.sessions).toEqual(plain.sessions);
    expect(chains.quality.makespanMs).toBeGreaterThan(plain.quality.makespanMs);
    expect(chains.quality.criticalPathMs).toBeGreaterThan(plain.quality.criticalPathMs);
  });
});
