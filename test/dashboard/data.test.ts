import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { dashboardCaches, readDashboard, stallRisk } from '../../src/dashboard/data.js';
import { FleetQueries } from '../../src/metrics/fleet.js';
import { openStoreReader } from '../../src/metrics/queries.js';
import { MIGRATIONS, migrate } from '../../src/store/sqlite/migrations.js';
import { tempDir } from '../helpers/cli.js';
import { HOSTILE_TITLE, liveState, liveness } from './fixtures.js';

const NOW = Date.UTC(2025, 5, 1, 12);

function read(path: string, now = NOW) {
  const queries = openStoreReader(path);
  try {
    return readDashboard(queries, new FleetQueries(queries.db, path), dashboardCaches(), { ...liveness, now, state: 'state.db', stallTimeoutMs: 10_000, actions: false });
  } finally {
    queries.close();
  }
}

describe('stallRisk', () => {
  it.each([
    [0, null, 'ok'],
    [4_999, null, 'ok'],
    [5_000, null, 'warn'],
    [9_999, null, 'warn'],
    [10_000, null, 'stalled'],
    [1_000, 123, 'stalled'],
  ] as const)('%i ms without progress (found stalled at %s) against a 10 s stall timeout: %s', (since, stalledAt, risk) => {
    expect(stallRisk(since, 10_000, stalledAt)).toBe(risk);
  });
});

describe('readDashboard', () => {
  it('reads the fleet, its coordinator, holds, spend and the running sessions of a live run', () => {
    const tmp = tempDir();
    try {
      const { store, path } = liveState(tmp.dir, NOW);
      store.close();
      const d = read(path);
      expect(d.live).toBe(true);
      expect(d.fleet.workers).toEqual({ current: 3, busy: 1, idle: 1, draining: 1, stalled: 0 });
      expect(d.coordinators).toEqual([expect.objectContaining({ pid: process.pid, live: true, workers: d.fleet.workers })]);
      expect(d.fleet.queueDepth).toBe(0);
      expect(d.fleet.latency).toMatchObject({ p50Ms: 5_000, p95Ms: 10_000 });
      // The done session's $0.50 recorded, and R-1's $0.25 reported so far.
      expect(d.fleet.spend).toEqual({ costUsd: 0.75, inputTokens: 2200, outputTokens: 400, runningCostUsd: 0.25 });
      expect(d.holds).toEqual([expect.objectContaining({ kind: 'paused', reason: 'paused from the dashboard', endedAt: null })]);
      expect(d.sessions.map((s) => [s.issueId, s.title, s.risk, s.activity])).toEqual([
        ['R-1', HOSTILE_TITLE, 'ok', { text: 'Bash: <b>npm test</b>', source: 'agent' }],
        // No activity from the agent: the log's last line, its escape written out.
        ['R-2', 'runs with a log', 'stalled', { text: 'second \\e[2J line', source: 'log' }],
      ]);
      expect(d.sessions[0]).toMatchObject({ costUsd: 0.25, inputTokens: 1200, outputTokens: 300, hasLog: false });
      expect(d.sessions[1]).toMatchObject({ hasLog: true });
      expect(d.issues.counts).toMatchObject({ done: 1, failed: 1, running: 2, backlog: 1 });
    } finally {
      tmp.cleanup();
    }
  });

  it('lists scale operations, failures with what followed, holds and requests in the event feed, newest first', () => {
    const tmp = tempDir();
    try {
      const { store, path } = liveState(tmp.dir, NOW);
      const posted = store.postControl({ kind: 'pause', target: null, requestedAt: NOW - 6_000, requestedBy: 'the dashboard' });
      store.takeControls(NOW - 5_500);
      store.answerControl(posted.id, { at: NOW - 5_000, applied: true, result: 'paused dispatch' });
      store.close();
      const d = read(path);
      expect(d.events.map((e) => [e.kind, e.text])).toEqual([
        ['hold:on', 'hold paused: paused from the dashboard'],
        ['control', 'pause requested from the dashboard: paused dispatch'],
        ['session:failed', 'F-1 attempt 1 failed: exit code 1 → no attempts left'],
        ['scale:up', 'scale up 1 → 3: queue 4, 4.00 per worker > 2'],
      ]);
    } finally {
      tmp.cleanup();
    }
  });

  it('charts workers, queue depth and the cost spent by then, from the snapshots', () => {
    const tmp = tempDir();
    try {
      const { store, path } = liveState(tmp.dir, NOW);
      store.close();
      const { charts } = read(path);
      expect(charts.points.length).toBe(2);
      expect(charts.points.map((p) => [p.workers, p.queueDepth])).toEqual([
        [1, 4],
        [3, 1],
      ]);
      // D-1's $0.50 was spent 30 s before now: after the first snapshot, by the second.
      expect(charts.points.map((p) => p.costUsd)).toEqual([0, 0.5]);
      // The charts end at the latest snapshot.
      expect(charts.to).toBe(NOW - 1_000);
    } finally {
      tmp.cleanup();
    }
  });

  it('reads a store written by an older harness (schema 7: no activity, no requests) without changing it', () => {
    const tmp = tempDir();
    try {
      const path = `${tmp.dir}/old.db`;
      const db = new Database(path);
      migrate(db, path, MIGRATIONS.slice(0, 7));
      db.prepare("INSERT INTO issues (id, title, body, priority, labels, status, attempts, seq, created_at, updated_at) VALUES ('A', 't', '', 2, '[]', 'queued', 0, 1, 1, 1)").run();
      db.close();
      const d = read(path);
      expect(d.issues.counts.queued).toBe(1);
      expect(d.controls).toEqual([]);
      const raw = new Database(path, { readonly: true });
      expect(raw.pragma('user_version', { simple: true })).toBe(7);
      raw.close();
    } finally {
      tmp.cleanup();
    }
  });
});
