import { describe, expect, it } from 'vitest';
import { StoreFailure } from '../../src/errors.js';
import { SimulatedRunner } from '../../src/loadtest/sim-runner.js';
import { VirtualClock } from '../../src/runtime/clock.js';
import { Coordinator } from '../../src/runtime/coordinator.js';
import { NO_PROCESSES } from '../../src/runtime/processes.js';
import { MemoryStore } from '../../src/store/memory/index.js';
import type { IssueInput, IssueTransition, SessionEnd } from '../../src/store/types.js';

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

function issues(n: number): IssueInput[] {
  return Array.from({ length: n }, (_, i) => ({ id: `I-${i + 1}`, title: `issue ${i + 1}`, body: '', priority: 2, labels: [] }));
}

/** A store whose disk fills up: the `failAt`-th session end cannot be written, nor anything after it. */
function fillingStore(failAt: number) {
  const store = new MemoryStore();
  const listeners = new Set<(failure: StoreFailure) => void>();
  let failure: StoreFailure | null = null;
  let ends = 0;
  const finish = store.finishSession;
  const counts = { writesAfterFailure: 0 };
  return Object.assign(store, {
    counts,
    onFailure(listener: (failure: StoreFailure) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    finishSession(sessionId: string, end: SessionEnd, transition: IssueTransition) {
      if (failure) {
        counts.writesAfterFailure++;
        throw failure;
      }
      if (++ends === failAt) {
        failure = new StoreFailure('the disk is full: cannot write the state store test');
        listeners.forEach((l) => l(failure as StoreFailure));
        throw failure;
      }
      return finish(sessionId, end, transition);
    },
  });
}

describe('Coordinator and its store', () => {
  it('stops when the store fails: starts nothing more, stops its running sessions, and run() rejects with the failure', async () => {
    const clock = new VirtualClock(1_000);
    const store = fillingStore(3);
    const killed: string[] = [];
    const runner = new SimulatedRunner(clock, () => ({ durationMs: 1_000, fails: false, stalls: false }), { progressEveryMs: 100 });
    const start = runner.start.bind(runner);
    runner.start = (spec, callbacks) => {
      const handle = start(spec, callbacks);
      return { ...handle, kill: () => (killed.push(spec.sessionId), handle.kill()) };
    };
    let n = 0;
    const coordinator = new Coordinator(
      { issues: issues(10), store, runner },
      { cwd: '/tmp', clock, processes: NO_PROCESSES, newSessionId: () => `s${++n}`, scaleConfig: { minWorkers: 3, maxWorkers: 3, healthCheckIntervalMs: 500 } },
    );
    await coordinator.initialize();
    let outcome: unknown;
    coordinator.run().then(
      () => (outcome = 'resolved'),
      (error: unknown) => (outcome = error),
    );
    // run() settles through promises: let them run between stretches of virtual time.
    for (let i = 0; i < 10 && outcome === undefined; i++) {
      await flush();
      clock.runUntil(() => outcome !== undefined, 60_000);
    }
    expect(outcome).toBeInstanceOf(StoreFailure);
    expect((outcome as Error).message).toMatch(/disk is full/);
    // s1 and s2 ended (s4 and s5 took their workers); s3's end could not be written: s4 and s5 were stopped, nothing started after.
    expect(killed).toEqual(['s4', 's5']);
    expect(n).toBe(5);
    expect(coordinator.runningSessions).toBe(0);
    expect(store.counts.writesAfterFailure).toBe(0);
  });

  it('gives a lost session and the session that redoes it different log files', async () => {
    const store = new MemoryStore();
    const logDir = '/state.db.logs';
    const first = new VirtualClock(1_000);
    const hangs = new SimulatedRunner(first, () => ({ durationMs: 1_000, fails: false, stalls: true }), { progressEveryMs: 100 });
    // A harness that starts a session and dies: nothing ever ends it.
    const dead = new Coordinator(
      { issues: issues(1), store, runner: hangs, settings: { logDir } },
      { cwd: '/tmp', clock: first, processes: NO_PROCESSES, lock: false, scaleConfig: { minWorkers: 1, maxWorkers: 1 } },
    );
    void dead.run();
    await flush();
    const [lost] = store.openSessions();
    expect(lost?.attempt).toBe(1);

    const second = new VirtualClock(5_000);
    const redo = new SimulatedRunner(second, () => ({ durationMs: 100, fails: false, stalls: false }), { progressEveryMs: 50 });
    const next = new Coordinator(
      { issues: issues(1), store, runner: redo, settings: { logDir } },
      { cwd: '/tmp', clock: second, processes: NO_PROCESSES, lock: false, scaleConfig: { minWorkers: 1, maxWorkers: 1 } },
    );
    let done = false;
    void next.run().then(() => (done = true));
    await flush();
    second.runUntil(() => done || store.countIssues().done === 1, 10_000);
    const sessions = store.sessionsForIssue('I-1');
    expect(sessions.map((s) => [s.outcome, s.attempt])).toEqual([
      ['lost', 1],
      ['success', 1],
    ]);
    expect(sessions[0]!.logPath).not.toBe(sessions[1]!.logPath);
    for (const s of sessions) expect(s.logPath).toMatch(new RegExp(`^${logDir}/I-1-1-${s.id}\\.log$`));
  });
});
