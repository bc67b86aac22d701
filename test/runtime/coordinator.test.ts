import { describe, expect, it } from 'vitest';
import type { SessionSpec } from '../../src/agents/types.js';
import { SimulatedRunner, type SimulatedBehaviour } from '../../src/loadtest/sim-runner.js';
import { VirtualClock } from '../../src/runtime/clock.js';
import { Coordinator } from '../../src/runtime/coordinator.js';
import { NO_PROCESSES } from '../../src/runtime/processes.js';
import type { CoordinatorOptions, ProcessInspector, RunSummary } from '../../src/runtime/coordinator-types.js';
import { MemoryStore } from '../../src/store/memory/index.js';
import type { IssueInput } from '../../src/store/types.js';
import { startSessionOn } from '../helpers/store.js';

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

const noProcesses: ProcessInspector = NO_PROCESSES;

function issues(n: number, extra: Partial<IssueInput> = {}): IssueInput[] {
  return Array.from({ length: n }, (_, i) => ({ id: `I-${i + 1}`, title: `issue ${i + 1}`, body: '', priority: 2, labels: [], ...extra }));
}

interface Harness {
  clock: VirtualClock;
  store: MemoryStore;
  coordinator: Coordinator;
  concurrency: number[];
  starts: SessionSpec[];
}

function setup(
  backlog: IssueInput[],
  behaviour: (spec: SessionSpec) => Partial<SimulatedBehaviour>,
  options: Partial<CoordinatorOptions> = {},
  settings = {},
): Harness {
  const clock = new VirtualClock(1_000_000);
  const store = new MemoryStore();
  const starts: SessionSpec[] = [];
  let n = 0;
  const runner = new SimulatedRunner(
    clock,
    (spec) => {
      starts.push(spec);
      return { durationMs: 10_000, fails: false, stalls: false, ...behaviour(spec) };
    },
    { progressEveryMs: 1000 },
  );
  const coordinator = new Coordinator(
    { issues: backlog, store, runner, settings: { retryDelayMs: 1000, ...settings } },
    {
      cwd: '/tmp',
      clock,
      processes: noProcesses,
      newSessionId: () => `s${++n}`,
      scaleConfig: { healthCheckIntervalMs: 1000, scaleCooldownMs: 5000, workerStallTimeoutMs: 30_000 },
      ...options,
    },
  );
  const concurrency: number[] = [];
  coordinator.events.on('session:started', () => concurrency.push(coordinator.runningSessions));
  return {
    clock,
    store,
    coordinator,
    concurrency,
    starts,
  };
}

/** Drive the virtual clock until run() resolves; microtasks run between steps. */
async function runToEnd(h: Harness, maxSteps = 1_000_000): Promise<RunSummary> {
  let summary: RunSummary | undefined;
  const done = h.coordinator.run().then((s) => (summary = s));
  await flush();
  for (let i = 0; i < maxSteps && !summary; i++) {
    if (!h.clock.step()) break;
    if (i % 1000 === 0) await Promise.resolve();
  }
  await done;
  return summary!;
}

describe('Coordinator', () => {
  it('runs sessions concurrently, not one after another (earlier defect: one agent at a time)', async () => {
    const h = setup(issues(20), () => ({}), { scaleConfig: { minWorkers: 4, maxWorkers: 10, healthCheckIntervalMs: 1000, scaleCooldownMs: 5000 } });
    const summary = await runToEnd(h);
    expect(summary.issues.done).toBe(20);
    expect(Math.max(...h.concurrency)).toBeGreaterThanOrEqual(8);
    expect(summary.exitCode).toBe(0);
  });

  it('scales the pool up from the real queue depth and back down when the queue empties', async () => {
    const h = setup(issues(60), () => ({ durationMs: 20_000 }), {
      scaleConfig: { minWorkers: 2, maxWorkers: 12, healthCheckIntervalMs: 1000, scaleCooldownMs: 3000 },
    });
    const ups: number[] = [];
    const downs: number[] = [];
    h.coordinator.events.on('scale:up', (e) => ups.push(e.to));
    h.coordinator.events.on('scale:down', (e) => downs.push(e.to));
    const summary = await runToEnd(h);
    expect(ups.length).toBeGreaterThan(0);
    expect(Math.max(...ups)).toBe(12);
    expect(downs.length).toBeGreaterThan(0);
    expect(summary.metrics.scaleOperations).toBe(ups.length + downs.length);
    expect(summary.issues.done).toBe(60);
  });

  it('gives P0 issues before P2 issues, and older before newer within a priority', async () => {
    const backlog = [
      { id: 'late-p2', title: 't', body: '', priority: 2, labels: [] },
      { id: 'p0', title: 't', body: '', priority: 0, labels: [] },
      { id: 'p1', title: 't', body: '', priority: 1, labels: [] },
      { id: 'later-p2', title: 't', body: '', priority: 2, labels: [] },
    ];
    const h = setup(backlog, () => ({}), { scaleConfig: { minWorkers: 1, maxWorkers: 1, healthCheckIntervalMs: 1000 } });
    await runToEnd(h);
    expect(h.starts.map((s) => s.issue.id)).toEqual(['p0', 'p1', 'late-p2', 'later-p2']);
  });

  it('retries a failure after a backoff and fails the issue after maxAttempts with its reason', async () => {
    const h = setup(issues(2), (spec) => ({ fails: spec.issue.id === 'I-1' || spec.attempt === 1 }), {}, { maxAttempts: 3 });
    const summary = await runToEnd(h);
    const bad = h.store.getIssue('I-1')!;
    const good = h.store.getIssue('I-2')!;
    expect(bad.status).toBe('failed');
    expect(bad.attempts).toBe(3);
    expect(bad.lastError).toMatch(/exit code 1/);
    expect(good.status).toBe('done');
    expect(good.attempts).toBe(2);
    expect(summary.exitCode).toBe(1);
    expect(summary.failures).toEqual([{ id: 'I-1', reason: expect.stringMatching(/3 attempts/) }]);
    const retry = h.store.sessionsForIssue('I-2');
    expect(retry[1]!.startedAt - retry[0]!.endedAt!).toBeGreaterThanOrEqual(1000);
  });

  it('kills a stalled session, records it as stalled and gives the issue back to the queue (earlier defect: work lost)', async () => {
    const h = setup(issues(3), (spec) => ({ stalls: spec.issue.id === 'I-2' && spec.attempt === 1 }));
    const summary = await runToEnd(h);
    const sessions = h.store.sessionsForIssue('I-2');
    expect(sessions.map((s) => s.outcome)).toEqual(['stalled', 'success']);
    expect(sessions[0]!.endedAt).not.toBeNull();
    expect(h.store.getIssue('I-2')!.status).toBe('done');
    expect(summary.metrics.workerStalls).toBe(1);
    expect(summary.sessions.stalled).toBe(1);
  });

  it('stops a session that runs past sessionTimeoutMs even while it makes progress', async () => {
    const h = setup(issues(1), (spec) => ({ durationMs: spec.attempt === 1 ? 10_000_000 : 1000 }), {}, { sessionTimeoutMs: 60_000 });
    await runToEnd(h);
    expect(h.store.sessionsForIssue('I-1').map((s) => s.outcome)).toEqual(['timeout', 'success']);
  });

  it('throttles intake with backpressure: never drops an issue, records activations', async () => {
    const h = setup(issues(50), () => ({ durationMs: 5000 }), {
      scaleConfig: { minWorkers: 2, maxWorkers: 2, maxQueueDepth: 10, targetQueueDepth: 4, healthCheckIntervalMs: 1000 },
    });
    const depths: number[] = [];
    h.coordinator.events.on('issue:admitted', (e) => depths.push(e.queueDepth));
    const summary = await runToEnd(h);
    expect(Math.max(...depths)).toBeLessThanOrEqual(11);
    expect(summary.issues.done).toBe(50);
    expect(summary.metrics.backpressureActivations).toBeGreaterThan(0);
    expect(h.store.listBackpressure().filter((b) => b.active)).toHaveLength(summary.metrics.backpressureActivations);
  });

  it('recycles workers at their session quota', async () => {
    const h = setup(issues(12), () => ({ durationMs: 1000 }), {
      scaleConfig: { minWorkers: 1, maxWorkers: 1, maxSessionsPerWorker: 5, healthCheckIntervalMs: 1000 },
    });
    await runToEnd(h);
    const workers = new Set(h.starts.map((s) => s.workerId));
    expect([...workers]).toEqual(['worker-1', 'worker-2', 'worker-3']);
    const retired = h.store.listWorkers().filter((w) => w.state === 'retired');
    expect(retired.map((w) => [w.id, w.sessionsRun, w.retireReason])).toEqual([
      ['worker-1', 5, 'recycled: session quota reached'],
      ['worker-2', 5, 'recycled: session quota reached'],
    ]);
  });

  it('finishes only when every issue has left the queue, and counts each done issue once', async () => {
    const h = setup(issues(30), (spec) => ({ fails: spec.attempt === 1 && Number(spec.issue.id.slice(2)) % 3 === 0 }));
    const summary = await runToEnd(h);
    expect(summary.issues.done).toBe(30);
    expect(summary.sessions.success).toBe(30);
    for (const issue of h.store.listIssues()) {
      expect(h.store.sessionsForIssue(issue.id).filter((s) => s.outcome === 'success')).toHaveLength(1);
    }
  });

  it('on a graceful stop starts nothing new and lets running sessions finish; a forced stop cancels them without spending an attempt', async () => {
    const h = setup(issues(10), () => ({ durationMs: 10_000 }), { scaleConfig: { minWorkers: 2, maxWorkers: 2, healthCheckIntervalMs: 1000 } });
    let summary: RunSummary | undefined;
    void h.coordinator.run().then((s) => (summary = s));
    await flush();
    h.clock.advance(1000);
    expect(h.coordinator.runningSessions).toBe(2);
    h.coordinator.stop();
    h.clock.advance(5000);
    expect(h.coordinator.runningSessions).toBe(2);
    h.coordinator.stop();
    h.clock.advance(1000);
    await flush();
    expect(summary?.exitCode).toBe(130);
    expect(summary?.sessions.cancelled).toBe(2);
    expect(h.store.openSessions()).toHaveLength(0);
    const cancelled = h.store.listIssues().filter((i) => h.store.sessionsForIssue(i.id).length > 0);
    expect(cancelled.map((i) => [i.status, i.attempts])).toEqual([
      ['queued', 0],
      ['queued', 0],
    ]);
  });

  it('after a crash, recovers sessions left open: kills only matching processes and requeues without spending an attempt', async () => {
    const store = new MemoryStore();
    store.importIssues(issues(2), 0);
    store.admit(2, 0);
    startSessionOn(store, { sessionId: 'old-1', issueId: 'I-1', workerId: 'worker-1', now: 0, logPath: null });
    store.setSessionProcess('old-1', 4242, 4242);
    startSessionOn(store, { sessionId: 'old-2', issueId: 'I-2', workerId: 'worker-2', now: 0, logPath: null });
    store.setSessionProcess('old-2', 5353, 5353);
    const killed: number[] = [];
    const clock = new VirtualClock(10);
    const runner = new SimulatedRunner(clock, () => ({ durationMs: 100, fails: false, stalls: false }), { progressEveryMs: 50 });
    const coordinator = new Coordinator(
      { issues: [], store, runner },
      {
        cwd: '/tmp',
        clock,
        processes: {
          belongsToSession: (pid, id) => pid === 4242 && id === 'old-1',
          killGroup: (g) => killed.push(g),
          // old-2's recorded pid belongs to someone else now, but a child of it still carries its id.
          findSessionProcesses: (id) => (id === 'old-2' ? [7777] : []),
          killProcess: (pid) => killed.push(pid),
          isAlive: () => true,
        },
      },
    );
    await coordinator.initialize();
    expect(killed).toEqual([4242, 7777]);
    expect(store.sessionsForIssue('I-1')[0]!.outcome).toBe('lost');
    expect(store.getIssue('I-1')!.attempts).toBe(0);
    let summary: RunSummary | undefined;
    void coordinator.run().then((s) => (summary = s));
    await flush();
    clock.runUntil(() => coordinator.runningSessions === 0 && store.countIssues().done === 2, 100_000);
    await flush();
    expect(summary?.issues.done).toBe(2);
    expect(summary?.sessions.lost).toBe(0);
  });

  it('refuses to run on a store a live harness holds, naming that process', async () => {
    const store = new MemoryStore();
    store.acquireRunLock({ pid: 999, hostname: 'box', startedAt: 0, heartbeatAt: 0 }, () => true);
    const clock = new VirtualClock(0);
    const coordinator = new Coordinator(
      { issues: [], store, runner: new SimulatedRunner(clock, () => ({ durationMs: 1, fails: false, stalls: false }), { progressEveryMs: 1 }) },
      { cwd: '/tmp', clock, processes: { ...noProcesses, isAlive: () => true }, owner: { pid: 1000, hostname: 'box' } },
    );
    await expect(coordinator.initialize()).rejects.toThrow(/pid 999 on box/);
  });

  it('applies the seed constructor options: maxWorkers as the target and a fixed pool without the scale manager', async () => {
    const h = setup(issues(30), () => ({}), { maxWorkers: 6, enableScaleManager: false, scaleConfig: { healthCheckIntervalMs: 1000 } });
    expect(h.coordinator.scaleConfig.maxWorkers).toBe(6);
    expect(h.coordinator.scaleConfig.minWorkers).toBe(6);
    const summary = await runToEnd(h);
    expect(summary.metrics.scaleOperations).toBe(0);
    expect(Math.max(...h.concurrency)).toBe(6);
  });

  it('ends the holds an earlier run ended under when it starts, and reports the fleet: holds, spend, concurrency', async () => {
    const h = setup(issues(2), () => ({}));
    h.store.recordHold({ kind: 'auth', reason: 'authentication failed (401)', fix: "check the agent's credentials, then run again", since: 5, until: null });
    await h.coordinator.initialize();
    expect(h.store.listHolds(true)).toEqual([]);
    expect(h.store.listHolds()).toEqual([expect.objectContaining({ kind: 'auth', endedAt: 1_000_000, endedBy: 'a new run started' })]);
    expect(h.coordinator.fleetStatus()).toEqual({ holds: [], spent: { costUsd: 0, inputTokens: 0, outputTokens: 0 }, concurrency: { limit: 30, max: 30 } });
    expect((await runToEnd(h)).exitCode).toBe(0);
  });
});
