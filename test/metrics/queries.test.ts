import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { ISSUE_STATUSES, SESSION_OUTCOMES } from '../../src/core/states.js';
import { ALL_TIME, openStoreReader, StoreQueries } from '../../src/metrics/queries.js';
import { buildReport } from '../../src/metrics/report.js';
import { MIGRATIONS, migrate } from '../../src/store/sqlite/migrations.js';
import { tempDir } from '../helpers/cli.js';
import { finishedRun, makeStore, recordSessions, seeded, type TestStore } from './helpers.js';

const T0 = Date.UTC(2025, 0, 1);
let cleanups: (() => void)[] = [];
afterEach(() => {
  cleanups.forEach((c) => c());
  cleanups = [];
});
function fresh(): TestStore {
  const t = makeStore();
  cleanups.push(t.cleanup);
  return t;
}

describe('the totals kept by triggers', () => {
  it('match a full count after imports, retries, refunds, failures and issue transitions', () => {
    const t = fresh();
    const rnd = seeded(11);
    const outcomes = SESSION_OUTCOMES;
    t.store.importIssues(Array.from({ length: 40 }, (_, i) => ({ id: `i${i}`, title: 't', body: '', priority: i % 3, labels: [] })), T0);
    // Importing again changes nothing.
    t.store.importIssues([{ id: 'i0', title: 't', body: '', priority: 0, labels: [] }], T0);
    for (let round = 0; round < 6; round++) {
      t.store.admit(7, T0 + round);
      for (const issue of t.store.listIssues('queued')) {
        const outcome = outcomes[Math.floor(rnd() * outcomes.length)]!;
        const then = outcome === 'success' ? (rnd() < 0.3 ? 'merging' : 'done') : rnd() < 0.2 ? 'failed' : 'queued';
        recordSessions(t.store, [{ issueId: issue.id, startedAt: T0 + round * 1000, endedAt: T0 + round * 1000 + Math.floor(rnd() * 5000), outcome, then }]);
      }
    }
    recordSessions(t.store, [{ issueId: t.store.listIssues('queued')[0]?.id ?? 'i39', startedAt: T0 }]);

    const raw = new Database(t.path, { readonly: true });
    const byOutcome = raw
      .prepare('SELECT outcome, count(*) AS n, sum(max(ended_at - started_at, 0)) AS d FROM sessions WHERE outcome IS NOT NULL GROUP BY outcome')
      .all() as { outcome: string; n: number; d: number }[];
    const byStatus = raw.prepare('SELECT status, count(*) AS n FROM issues GROUP BY status').all() as { status: string; n: number }[];
    raw.close();

    const q = t.reader();
    const totals = q.outcomeTotals(ALL_TIME);
    for (const outcome of SESSION_OUTCOMES) {
      const row = byOutcome.find((r) => r.outcome === outcome);
      expect(totals[outcome], outcome).toEqual({ count: row?.n ?? 0, durationMs: row?.d ?? 0 });
    }
    // The windowed path (index seeks) must agree with the kept totals over the same, unbounded, range.
    const wide = q.outcomeTotals({ from: ALL_TIME.from + 1, to: ALL_TIME.to - 1 });
    expect(wide).toEqual(totals);
    const counts = q.issueCounts();
    for (const status of ISSUE_STATUSES) expect(counts[status], status).toBe(byStatus.find((r) => r.status === status)?.n ?? 0);
  });
});

describe('openStoreReader', () => {
  it('refuses a missing file with the fix, and creates nothing', () => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const path = `${tmp.dir}/nothing.db`;
    expect(() => openStoreReader(path)).toThrow(`no harness state at ${path}: run \`harness run\` first or pass --state <path>`);
  });

  it('refuses a file that is not a harness store', () => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const path = `${tmp.dir}/other.db`;
    new Database(path).exec('CREATE TABLE x (y INTEGER)');
    expect(() => openStoreReader(path)).toThrow(/not a harness state store/);
  });

  it('reads a store written before the metrics schema, through plain queries', () => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const path = `${tmp.dir}/v1.db`;
    const db = new Database(path);
    migrate(db, path, MIGRATIONS.slice(0, 1));
    db.prepare("INSERT INTO issues (id, title, body, priority, status, seq, created_at, updated_at) VALUES ('a', 'a', '', 2, 'done', 1, 0, 0)").run();
    const insert = db.prepare("INSERT INTO sessions (id, issue_id, worker_id, attempt, started_at, last_progress_at, ended_at, outcome) VALUES (?, 'a', 'w', 1, 0, 0, ?, ?)");
    [[10, 'success'], [20, 'failure'], [30, 'success'], [40, 'lost']].forEach(([ended, outcome], i) => insert.run(`s${i}`, ended, outcome));
    db.close();
    const q = new StoreQueries(new Database(path, { readonly: true }));
    cleanups.push(() => q.close());
    const r = buildReport(q, finishedRun(0));
    expect([r.totalSessionsCompleted, r.totalSessionsFailed, r.p95SessionDurationMs, r.sessionsByOutcome.lost]).toEqual([2, 1, 30, 1]);
    expect(r.issuesByStatus.done).toBe(1);
    expect(r.events).toEqual([]);
  });
});
