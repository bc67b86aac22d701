import { hostname } from 'node:os';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { assessHealth } from '../../src/core/health.js';
import { computeSessionStats, percentile } from '../../src/core/metrics.js';
import { SESSION_OUTCOMES, type SessionOutcome } from '../../src/core/states.js';
import { buildReport } from '../../src/metrics/report.js';
import { finishedRun, makeStore, recordSessions, report, seeded, type SessionSpec, type TestStore } from './helpers.js';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
const COUNTED: readonly SessionOutcome[] = ['success', 'failure', 'stalled', 'timeout'];

let stores: TestStore[] = [];
afterEach(() => {
  stores.forEach((s) => s.cleanup());
  stores = [];
});
function fresh(): TestStore {
  const t = makeStore();
  stores.push(t);
  return t;
}

/** Sessions with random outcomes (cancelled and lost among them), durations with zeros and ties, spread over ten minutes. */
function randomSessions(seed: number, count: number): SessionSpec[] {
  const rnd = seeded(seed);
  const outcomes: SessionOutcome[] = ['success', 'success', 'success', 'failure', 'stalled', 'timeout', 'cancelled', 'lost'];
  return Array.from({ length: count }, (_, i) => {
    const startedAt = T0 + Math.floor(rnd() * 600_000);
    const durationMs = rnd() < 0.1 ? 0 : rnd() < 0.1 ? 5000 : Math.floor(rnd() * 20_000);
    return { issueId: `i${i}`, startedAt, endedAt: startedAt + durationMs, outcome: outcomes[Math.floor(rnd() * outcomes.length)]!, then: 'done' as const };
  });
}

/** The reference: the core's own computation over the same rows, loaded whole into JS. */
function reference(specs: readonly SessionSpec[], now: number, since: number | null) {
  const counted = specs.filter(
    (s) => s.outcome && COUNTED.includes(s.outcome) && s.endedAt! <= now && (since === null || s.endedAt! > since),
  );
  const finished = counted.map((s) => ({ endedAt: s.endedAt!, durationMs: s.endedAt! - s.startedAt, ok: s.outcome === 'success' }));
  return { stats: computeSessionStats(finished, now), durations: finished.map((f) => f.durationMs) };
}

describe('the report agrees with the sessions in the store', () => {
  it.each([1, 2, 3, 4])('random store %i: success rate, mean, nearest-rank p95/p99, totals, throughput', (seed) => {
    const t = fresh();
    const specs = randomSessions(seed, 300);
    recordSessions(t.store, specs);
    const now = T0 + 610_000;
    const r = report(t, finishedRun(now));
    const { stats, durations } = reference(specs, Number.MAX_SAFE_INTEGER, null);
    expect(r.successRate).toBeCloseTo(stats.successRate, 12);
    expect(r.avgSessionDurationMs).toBeCloseTo(stats.avgSessionDurationMs, 6);
    expect(r.p95SessionDurationMs).toBe(percentile(durations, 0.95));
    expect(r.p99SessionDurationMs).toBe(percentile(durations, 0.99));
    expect(r.totalSessionsCompleted).toBe(stats.totalSessionsCompleted);
    expect(r.totalSessionsFailed).toBe(stats.totalSessionsFailed);
    for (const outcome of SESSION_OUTCOMES) {
      expect(r.sessionsByOutcome[outcome], outcome).toBe(specs.filter((s) => s.outcome === outcome).length);
    }
    // The run has ended, so "now" is the last recorded end, and throughput is measured up to it.
    const lastEnd = Math.max(...specs.map((s) => s.endedAt!));
    expect(r.live).toBe(false);
    expect(r.now).toBe(lastEnd);
    expect(r.nowSource).toBe('last-activity');
    expect(r.throughputPerMinute).toBe(reference(specs, lastEnd, null).stats.throughputPerMinute);
  });

  it('restricts session figures to --since and agrees with the same window computed in JS', () => {
    const t = fresh();
    const specs = randomSessions(7, 300);
    recordSessions(t.store, specs);
    const lastEnd = Math.max(...specs.map((s) => s.endedAt!));
    const r = report(t, finishedRun(0, { sinceMs: 120_000 }));
    const since = lastEnd - 120_000;
    const { stats, durations } = reference(specs, lastEnd, since);
    expect(durations.length).toBeGreaterThan(20);
    expect(durations.length).toBeLessThan(200);
    expect(r.since).toBe(since);
    expect(r.successRate).toBeCloseTo(stats.successRate, 12);
    expect(r.p95SessionDurationMs).toBe(percentile(durations, 0.95));
    expect(r.p99SessionDurationMs).toBe(percentile(durations, 0.99));
    expect(r.totalSessionsCompleted + r.totalSessionsFailed).toBe(durations.length);
  });

  it('counts throughput over the 60 s before now: an end exactly 60 s ago is out, one at now is in', () => {
    const t = fresh();
    const now = T0 + 120_000;
    recordSessions(t.store, [
      { issueId: 'old', startedAt: T0, endedAt: now - 60_000, outcome: 'success', then: 'done' },
      { issueId: 'in1', startedAt: T0, endedAt: now - 59_999, outcome: 'success', then: 'done' },
      { issueId: 'in2', startedAt: T0, endedAt: now, outcome: 'success', then: 'done' },
      { issueId: 'bad', startedAt: T0, endedAt: now - 1000, outcome: 'failure', then: 'failed' },
    ]);
    expect(report(t, finishedRun(now)).throughputPerMinute).toBe(2);
  });

  it('gives 0 for every duration and 100 % success when nothing has finished', () => {
    const t = fresh();
    recordSessions(t.store, [{ issueId: 'running', startedAt: T0 }]);
    const r = report(t, finishedRun(T0 + 5000));
    expect([r.avgSessionDurationMs, r.p95SessionDurationMs, r.p99SessionDurationMs, r.successRate]).toEqual([0, 0, 0, 1]);
    expect(r.issuesByStatus.running).toBe(1);
  });

  it('takes queue depth from queued issues and merge queue depth from merging ones', () => {
    const t = fresh();
    t.store.importIssues(['q1', 'q2', 'q3', 'm1', 'b1'].map((id) => ({ id, title: id, body: '', priority: 2, labels: [] })), T0);
    t.store.admit(4, T0);
    recordSessions(t.store, [{ issueId: 'm1', startedAt: T0, endedAt: T0 + 10, outcome: 'success', then: 'merging' }]);
    const r = report(t, finishedRun(T0 + 20));
    expect([r.queueDepth, r.mergeQueueDepth]).toEqual([3, 1]);
    expect(r.issuesByStatus).toEqual({ backlog: 1, queued: 3, running: 0, merging: 1, done: 0, failed: 0 });
  });
});

describe('health over the trailing window', () => {
  /** Snapshots one second apart: the health window is then 10 s. */
  function withSnapshots(t: TestStore, count: number, last: number): void {
    for (let i = count - 1; i >= 0; i--) {
      t.store.recordSnapshot({
        at: last - i * 1000, currentWorkers: 2, activeWorkers: 1, idleWorkers: 1, stalledWorkers: 0, queueDepth: 3, mergeQueueDepth: 0,
        throughputPerMinute: 0, avgSessionDurationMs: 0, p95SessionDurationMs: 0, p99SessionDurationMs: 0, successRate: 1,
        totalSessionsCompleted: 0, totalSessionsFailed: 0, health: 'healthy', backpressureActive: false, scaleOperations: 0,
      });
    }
  }

  it.each<[string, SessionOutcome[], string]>([
    ['all successes', ['success', 'success', 'success', 'success', 'success'], 'healthy'],
    ['one stall among successes', ['success', 'success', 'success', 'success', 'stalled'], 'degraded'],
    ['70 % success', ['success', 'success', 'success', 'success', 'success', 'success', 'success', 'failure', 'failure', 'timeout'], 'degraded'],
    ['three stalls', ['success', 'success', 'stalled', 'stalled', 'stalled'], 'unhealthy'],
    ['mostly failures', ['failure', 'failure', 'success'], 'unhealthy'],
  ])('%s → %s', (_name, outcomes, health) => {
    const t = fresh();
    const now = T0 + 100_000;
    withSnapshots(t, 12, now);
    // Old failures, outside the 10 s window, do not count.
    recordSessions(t.store, [
      ...['x1', 'x2', 'x3'].map((id) => ({ issueId: id, startedAt: T0, endedAt: now - 10_000, outcome: 'failure' as const, then: 'failed' as const })),
      ...outcomes.map((outcome, i) => ({ issueId: `h${i}`, startedAt: now - 9000, endedAt: now - 9000 + i * 100, outcome, then: 'done' as const })),
    ]);
    const r = report(t, finishedRun(now));
    expect(r.healthCheckIntervalMs).toBe(1000);
    expect(r.healthCheckIntervalSource).toBe('snapshots');
    expect(r.healthWindowMs).toBe(10_000);
    expect(r.health).toBe(health);
    const ok = outcomes.filter((o) => o === 'success').length;
    expect(r.health).toBe(assessHealth({ successRate: ok / outcomes.length, stalledWorkers: outcomes.filter((o) => o === 'stalled').length }));
  });

  it('falls back to the default 30 s interval (a 5 min window) without snapshots', () => {
    const t = fresh();
    recordSessions(t.store, [{ issueId: 'a', startedAt: T0, endedAt: T0 + 1000, outcome: 'failure', then: 'failed' }]);
    const r = report(t, finishedRun(0));
    expect([r.healthCheckIntervalMs, r.healthCheckIntervalSource, r.healthWindowMs, r.health]).toEqual([30_000, 'default', 300_000, 'unhealthy']);
  });
});

describe('a live run', () => {
  it('uses the wall clock and takes workers, stalls and backpressure from the live run only', () => {
    const t = fresh();
    const runStart = T0 + 60_000;
    const now = T0 + 90_000;
    // A previous run's workers were never retired (the pool just stopped); they must not count.
    t.store.upsertWorker({ id: 'worker-1', state: 'idle', sessionsRun: 3, createdAt: T0, retiredAt: null });
    t.store.recordBackpressure({ at: T0 + 1000, active: true, queueDepth: 200 });
    expect(t.store.acquireRunLock({ pid: 4242, hostname: hostname(), startedAt: runStart, heartbeatAt: runStart }, () => false)).toEqual({ acquired: true });
    for (const [id, retiredAt] of [['worker-2', null], ['worker-3', null], ['worker-4', null], ['worker-5', runStart + 5000]] as const) {
      t.store.upsertWorker({ id, state: retiredAt ? 'retired' : 'idle', sessionsRun: 0, createdAt: runStart, retiredAt });
    }
    recordSessions(t.store, [
      { issueId: 'r1', startedAt: runStart + 1000, workerId: 'worker-2', stalledAt: runStart + 15_000 },
      { issueId: 'r2', startedAt: runStart + 2000, workerId: 'worker-3' },
      { issueId: 'd1', startedAt: runStart, endedAt: runStart + 500, outcome: 'success', workerId: 'worker-4', then: 'done' },
    ]);
    t.store.recordSnapshot({
      at: runStart + 20_000, currentWorkers: 3, activeWorkers: 2, idleWorkers: 1, stalledWorkers: 1, queueDepth: 0, mergeQueueDepth: 0,
      throughputPerMinute: 0, avgSessionDurationMs: 0, p95SessionDurationMs: 0, p99SessionDurationMs: 0, successRate: 1,
      totalSessionsCompleted: 0, totalSessionsFailed: 0, health: 'healthy', backpressureActive: false, scaleOperations: 0,
    });
    const alive = (pid: number) => pid === 4242;
    const r = report(t, finishedRun(now, { isAlive: alive }));
    expect(r.live).toBe(true);
    expect(r.now).toBe(now);
    expect(r.nowSource).toBe('clock');
    expect(r.run?.pid).toBe(4242);
    expect([r.currentWorkers, r.activeWorkers, r.idleWorkers, r.stalledWorkers]).toEqual([3, 2, 1, 1]);
    expect(r.backpressureActive).toBe(false);

    // The same store once the process is gone: nothing runs, and figures are as of the last activity.
    const after = buildReport(t.reader(), finishedRun(now));
    expect(after.live).toBe(false);
    expect([after.currentWorkers, after.activeWorkers, after.idleWorkers, after.stalledWorkers]).toEqual([0, 0, 0, 0]);
    expect(after.now).toBe(runStart + 20_000);
  });

  it('is live on another host while its heartbeat is recent', () => {
    const t = fresh();
    t.store.acquireRunLock({ pid: 1, hostname: 'elsewhere', startedAt: T0, heartbeatAt: T0 }, () => true);
    expect(report(t, finishedRun(T0 + 30_000)).live).toBe(true);
    expect(report(t, finishedRun(T0 + 120_000)).live).toBe(false);
  });
});

describe('events', () => {
  it('merges scale operations, backpressure changes, stalls, timeouts and recycles, oldest first, limited to the latest', () => {
    const t = fresh();
    t.store.recordScaleOperation({ at: T0 + 1000, direction: 'up', from: 2, to: 6, reason: 'queue 16 ÷ 2 workers = 8.00 > 2' });
    t.store.recordBackpressure({ at: T0 + 2000, active: true, queueDepth: 120 });
    recordSessions(t.store, [
      { issueId: 'hung', startedAt: T0, endedAt: T0 + 3000, outcome: 'stalled', workerId: 'worker-3', signal: 'SIGTERM', reason: 'no progress for 10m' },
      { issueId: 'slow', startedAt: T0, endedAt: T0 + 4000, outcome: 'timeout', workerId: 'worker-4', then: 'failed' },
      { issueId: 'fine', startedAt: T0, endedAt: T0 + 4500, outcome: 'failure', then: 'failed' },
    ]);
    t.store.upsertWorker({ id: 'worker-7', state: 'retired', sessionsRun: 50, createdAt: T0, retiredAt: T0 + 5000 });
    t.store.upsertWorker({ id: 'worker-8', state: 'retired', sessionsRun: 3, createdAt: T0, retiredAt: T0 + 5500 });
    // The store API does not write the retire reason yet; set it as the recorder will.
    const raw = new Database(t.path);
    raw.prepare("UPDATE workers SET retire_reason = 'recycled: session quota reached' WHERE id = 'worker-7'").run();
    raw.prepare("UPDATE workers SET retire_reason = 'scale-down: idle' WHERE id = 'worker-8'").run();
    raw.close();
    t.store.recordBackpressure({ at: T0 + 6000, active: false, queueDepth: 10 });

    const r = report(t, finishedRun(0));
    expect(r.events.map((e) => [e.at - T0, e.type])).toEqual([
      [1000, 'scale:up'],
      [2000, 'backpressure:on'],
      [3000, 'session:stalled'],
      [4000, 'session:timeout'],
      [5000, 'pool:recycled'],
      [6000, 'backpressure:off'],
    ]);
    expect(r.events[2]).toMatchObject({ issueId: 'hung', workerId: 'worker-3', reason: 'no progress for 10m' });
    expect(r.events[4]).toMatchObject({ workerId: 'worker-7', sessionsRun: 50 });
    expect([r.scaleOperations, r.backpressureActivations, r.workerStalls]).toEqual([1, 1, 1]);

    expect(report(t, finishedRun(0, { eventLimit: 2 })).events.map((e) => e.type)).toEqual(['pool:recycled', 'backpressure:off']);
    expect(report(t, finishedRun(0, { sinceMs: 2500 })).events.map((e) => e.type)).toEqual(['session:timeout', 'pool:recycled', 'backpressure:off']);
  });
});
