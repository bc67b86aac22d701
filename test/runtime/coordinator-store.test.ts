import { describe, expect, it } from 'vitest';
import { FencedError, StoreFailure } from '../../src/errors.js';
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

  it('ends when claims in flight fail after another call failed first (a fleet that presumed it dead), rather than waiting for them', async () => {
    const clock = new VirtualClock(1_000);
    const store = new MemoryStore();
    const presumedDead = new FencedError('coordinator c1 may no longer claim an issue: the fleet presumed it dead');
    const held: (() => void)[] = [];
    // Claims answered later, as a store across the network answers them; they fail once released.
    Object.assign(store, { claim: () => new Promise((_, reject) => held.push(() => reject(presumedDead))) });
    const runner = new SimulatedRunner(clock, () => ({ durationMs: 1_000, fails: false, stalls: false }), { progressEveryMs: 100 });
    const coordinator = new Coordinator(
      { issues: issues(5), store, runner },
      { cwd: '/tmp', clock, processes: NO_PROCESSES, scaleConfig: { minWorkers: 2, maxWorkers: 2, healthCheckIntervalMs: 500 } },
    );
    const done = coordinator.run();
    const outcome = done.then(
      () => 'finished',
      (error: unknown) => error,
    );
    for (let i = 0; i < 20 && held.length < 2; i++) await flush();
    expect(held.length).toBe(2);
    // The lease's renewal fails first (the fleet declared this coordinator dead), then the claims it had in flight.
    coordinator.engine.guard('renew the coordinator lease', () => Promise.reject(new FencedError('coordinator c1 may no longer renew its lease')));
    await flush();
    for (const release of held) release();
    for (let i = 0; i < 20; i++) {
      await flush();
      clock.advance(100);
    }
    const ended = await Promise.race([outcome, new Promise((resolve) => setTimeout(() => resolve('still running'), 2_000))]);
    expect(ended).toBeInstanceOf(FencedError);
    expect((ended as Error).message).toMatch(/may no longer renew its lease/);
  });
});
