import { describe, expect, it } from 'vitest';
import { coordinatorFigures, coordinatorStatus, fleetWorkers, NO_COUNTS } from '../../src/metrics/coordinators.js';
import { healthIntervalFromSnapshots } from '../../src/metrics/derive.js';
import { exposedCoordinators, FINISHED_COORDINATOR_SERIES_MS } from '../../src/metrics/prometheus-fleet.js';
import type { CoordinatorRow } from '../../src/store/ports.js';

const row = (over: Partial<CoordinatorRow> = {}): CoordinatorRow => ({
  id: 'host-a:1:1',
  token: 1,
  host: 'host-a',
  pid: 1,
  processStart: null,
  version: '1.0.0',
  maxWorkers: 4,
  startedAt: 1_000,
  leaseMs: 30_000,
  heartbeatAgeMs: 2_000,
  state: 'live',
  endedAt: null,
  endedBy: null,
  running: 0,
  ...over,
});

describe('coordinatorStatus', () => {
  it.each([
    [{ state: 'live', heartbeatAgeMs: 0 }, 'live'],
    [{ state: 'live', heartbeatAgeMs: 30_000 }, 'live'],
    [{ state: 'live', heartbeatAgeMs: 30_001 }, 'late'],
    [{ state: 'ended', heartbeatAgeMs: 5 }, 'ended'],
    [{ state: 'dead', heartbeatAgeMs: 90_000 }, 'dead'],
  ] as const)('%j is %s', (over, status) => {
    expect(coordinatorStatus(row(over))).toBe(status);
  });
});

describe('coordinatorFigures', () => {
  it('splits a live coordinator’s workers into busy and idle by its open sessions, and its sessions by heading', () => {
    const figures = coordinatorFigures(row(), {
      workers: 3,
      openSessions: 2,
      stalledSessions: 1,
      outcomes: { success: 4, failure: 1, stalled: 1, lost: 2, cancelled: 1 },
      recentSuccesses: 3,
    });
    expect(figures).toMatchObject({ status: 'live', workers: { busy: 2, idle: 1, stalled: 1 }, running: 2, done: 4, failed: 2, lost: 2, throughputPerMinute: 3 });
    expect(figures.sessionsByOutcome).toEqual({ success: 4, failure: 1, stalled: 1, timeout: 0, cancelled: 1, lost: 2, held: 0 });
  });

  it('gives a coordinator that is late, ended or dead no workers, whatever its rows still say, but keeps its sessions', () => {
    for (const over of [{ heartbeatAgeMs: 60_000 }, { state: 'dead' as const }, { state: 'ended' as const }]) {
      const figures = coordinatorFigures(row(over), { ...NO_COUNTS, workers: 2, openSessions: 1, outcomes: { lost: 1 } });
      expect(figures.workers).toEqual({ busy: 0, idle: 0, stalled: 0 });
      expect([figures.running, figures.lost]).toEqual([1, 1]);
    }
  });

  it('never counts more busy workers than the coordinator has', () => {
    expect(coordinatorFigures(row(), { ...NO_COUNTS, workers: 1, openSessions: 3 }).workers).toEqual({ busy: 1, idle: 0, stalled: 0 });
  });

  it('sums the fleet’s workers over its coordinators', () => {
    const a = coordinatorFigures(row(), { ...NO_COUNTS, workers: 2, openSessions: 1 });
    const b = coordinatorFigures(row({ id: 'b' }), { ...NO_COUNTS, workers: 1, openSessions: 1, stalledSessions: 1 });
    expect(fleetWorkers([a, b])).toEqual({ current: 3, active: 2, stalled: 1 });
  });
});

describe('exposedCoordinators', () => {
  it('keeps running coordinators and those that finished within the last hour', () => {
    const now = 10 * FINISHED_COORDINATOR_SERIES_MS;
    const all = [
      coordinatorFigures(row({ id: 'live' }), NO_COUNTS),
      coordinatorFigures(row({ id: 'late', heartbeatAgeMs: 99_999 }), NO_COUNTS),
      coordinatorFigures(row({ id: 'recent', state: 'dead', endedAt: now - FINISHED_COORDINATOR_SERIES_MS }), NO_COUNTS),
      coordinatorFigures(row({ id: 'old', state: 'ended', endedAt: now - FINISHED_COORDINATOR_SERIES_MS - 1 }), NO_COUNTS),
    ];
    expect(exposedCoordinators(all, now).map((c) => c.id)).toEqual(['live', 'late', 'recent']);
  });
});

describe('healthIntervalFromSnapshots with several coordinators', () => {
  it('reads a check interval from snapshots `stride` apart, where adjacent gaps would be a fraction of it', () => {
    // Two coordinators checking every 1000 ms, 300 ms out of phase.
    const times = [5300, 5000, 4300, 4000, 3300, 3000, 2300, 2000, 1300, 1000];
    expect(healthIntervalFromSnapshots(times)).toEqual({ ms: 300, source: 'snapshots' });
    expect(healthIntervalFromSnapshots(times, 2)).toEqual({ ms: 1000, source: 'snapshots' });
  });
});
