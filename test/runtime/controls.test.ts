import { describe, expect, it } from 'vitest';
import { emptySummary } from '../../src/agents/formats/summary.js';
import type { SessionSpec } from '../../src/agents/types.js';
import type { ControlKind } from '../../src/core/controls.js';
import { SimulatedRunner } from '../../src/loadtest/sim-runner.js';
import { VirtualClock } from '../../src/runtime/clock.js';
import { decideControl } from '../../src/runtime/controls.js';
import { Coordinator } from '../../src/runtime/coordinator.js';
import { NO_PROCESSES } from '../../src/runtime/processes.js';
import { MemoryStore } from '../../src/store/memory/index.js';
import type { ControlRequestRow, IssueInput } from '../../src/store/types.js';
import { issue, session, state, worker } from '../core/run/builders.js';

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

const request = (kind: ControlKind, target: string | null = null, requestedAt = 100): ControlRequestRow => ({
  id: 1,
  kind,
  target,
  requestedAt,
  requestedBy: 'the dashboard',
  takenAt: 101,
  answeredAt: null,
  applied: null,
  result: null,
});

describe('decideControl', () => {
  const running = () =>
    state({ workers: [worker('worker-1')], sessions: [session('s1', 'worker-1', { issue: issue('A'), agent: emptySummary() })] });
  const paused = () => {
    const s = running();
    s.holds.set('paused', { kind: 'paused', reason: 'paused from the dashboard', fix: '', since: 50, until: null, probing: false });
    return s;
  };

  it.each([
    ['pause', null, running, { kind: 'event', event: { type: 'pause', reason: 'paused from the dashboard' } }],
    ['pause', null, paused, { kind: 'refuse', result: 'dispatch is already paused' }],
    ['resume', null, paused, { kind: 'event', event: { type: 'lift-hold', kind: 'paused', by: 'resumed from the dashboard' } }],
    ['resume', null, running, { kind: 'refuse', result: 'dispatch is not paused' }],
    ['lift-hold', 'paused', paused, { kind: 'event', event: { type: 'lift-hold', kind: 'paused', by: 'lifted from the dashboard' } }],
    ['lift-hold', 'circuit', paused, { kind: 'refuse', result: 'no "circuit" hold is on' }],
    ['lift-hold', 'made-up', paused, { kind: 'refuse', result: 'no "made-up" hold is on' }],
    ['cancel-session', 's1', running, { kind: 'event', event: { type: 'cancel-session', sessionId: 's1', by: 'from the dashboard' } }],
    ['cancel-session', 's9', running, { kind: 'refuse', result: 'no running session "s9" to cancel' }],
    ['retry-issue', 'A-7', running, { kind: 'retry', issueId: 'A-7' }],
    ['retry-issue', null, running, { kind: 'refuse', result: 'no issue named to retry' }],
  ] as const)('%s %s → %o', (kind, target, make, expected) => {
    expect(decideControl(request(kind, target), make(), 0)).toMatchObject(expected);
  });

  it('refuses a request posted before the run started, and any once the run has ended', () => {
    expect(decideControl(request('pause', null, 10), running(), 20)).toEqual({ kind: 'refuse', result: 'not done: it was posted before this run started' });
    const ended = running();
    ended.phase = 'finished';
    expect(decideControl(request('pause'), ended, 0)).toEqual({ kind: 'refuse', result: 'not done: the run has ended' });
  });
});

describe("a running coordinator takes operators' requests from its store", () => {
  const issues = (n: number): IssueInput[] => Array.from({ length: n }, (_, i) => ({ id: `I-${i + 1}`, title: `issue ${i + 1}`, body: '', priority: 2, labels: [] }));

  function setup(behaviour: (spec: SessionSpec) => { fails?: boolean }) {
    const clock = new VirtualClock(1_000_000);
    const store = new MemoryStore();
    const runner = new SimulatedRunner(clock, (spec) => ({ durationMs: 10_000, fails: false, stalls: false, ...behaviour(spec) }), { progressEveryMs: 1000 });
    let n = 0;
    const coordinator = new Coordinator(
      { issues: issues(3), store, runner, settings: { maxAttempts: 1, retryDelayMs: 1000 } },
      {
        cwd: '/tmp',
        clock,
        processes: NO_PROCESSES,
        newSessionId: () => `s${++n}`,
        // One worker; health checks far apart, so the short timer is what takes the requests.
        scaleConfig: { minWorkers: 1, maxWorkers: 1, healthCheckIntervalMs: 60_000, scaleCooldownMs: 5000, workerStallTimeoutMs: 120_000 },
      },
    );
    /** Fire timers until `done`, at most `ms` of virtual time: a condition never met fails instead of spinning. */
    const until = (done: () => boolean, ms = 600_000) => {
      clock.runUntil(done, clock.now() + ms);
      expect(done(), 'the condition was not met in time').toBe(true);
    };
    const post = (kind: ControlKind, target: string | null = null) => store.postControl({ kind, target, requestedAt: clock.now(), requestedBy: 'the dashboard' });
    const answer = (id: number) => store.listControls(100).find((r) => r.id === id)!;
    return { clock, store, coordinator, post, answer, until };
  }

  it('pauses, cancels a session, resumes, and answers each request with what came of it', async () => {
    const h = setup(() => ({}));
    const done = h.coordinator.run();
    await flush();
    h.until(() => h.coordinator.runningSessions === 1);

    const pause = h.post('pause');
    h.clock.advance(1000);
    expect(h.answer(pause.id)).toMatchObject({ applied: true, result: expect.stringMatching(/^paused dispatch/) });
    expect(h.store.listHolds(true)).toEqual([expect.objectContaining({ kind: 'paused', reason: 'paused from the dashboard' })]);

    const cancel = h.post('cancel-session', 's1');
    const unknown = h.post('cancel-session', 'nobody');
    h.clock.advance(1000);
    expect(h.answer(cancel.id)).toMatchObject({ applied: true, result: expect.stringContaining('cancelled session s1 of issue I-1') });
    expect(h.answer(unknown.id)).toMatchObject({ applied: false, result: 'no running session "nobody" to cancel' });
    expect(h.store.getSession('s1')).toMatchObject({ outcome: 'cancelled', reason: 'cancelled from the dashboard' });
    expect(h.store.getIssue('I-1')).toMatchObject({ status: 'queued', attempts: 0 });
    // Paused: nothing starts while the hold is on.
    h.clock.advance(5000);
    expect(h.coordinator.runningSessions).toBe(0);

    const resume = h.post('resume');
    h.clock.advance(1000);
    expect(h.answer(resume.id)).toMatchObject({ applied: true, result: 'resumed dispatch' });
    expect(h.coordinator.runningSessions).toBe(1);

    h.until(() => h.store.countIssues().done === 3);
    await done;
  });

  it('retries a failed issue through the store, and refuses one that is not failed', async () => {
    const h = setup((spec) => ({ fails: spec.issue.id === 'I-2' && spec.attempt === 1 }));
    const done = h.coordinator.holdIntake();
    const ran = h.coordinator.run();
    await flush();
    h.until(() => h.store.getIssue('I-2')?.status === 'failed' && h.coordinator.runningSessions === 0);

    const retry = h.post('retry-issue', 'I-2');
    const notFailed = h.post('retry-issue', 'I-1');
    h.clock.advance(1000);
    expect(h.answer(retry.id)).toMatchObject({ applied: true, result: 'issue "I-2" is back in the queue with a fresh budget of attempts' });
    expect(h.answer(notFailed.id)).toMatchObject({ applied: false, result: 'issue "I-1" is done, not failed: only failed issues can be retried' });
    h.until(() => h.store.getIssue('I-2')?.status === 'done');
    expect(h.store.sessionsForIssue('I-2').map((s) => [s.attempt, s.outcome])).toEqual([
      [1, 'failure'],
      [2, 'success'],
    ]);
    done();
    h.until(() => h.coordinator.runningSessions === 0);
    await ran;
  });
});
