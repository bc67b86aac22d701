/**
 * The prepared statements behind StoreQueries, written for the schema the
 * store has: a store written by an older harness lacks some tables, columns
 * and indexes, and is read without them (slower, never wrong).
 */
import type Database from 'better-sqlite3';
import { ISSUE_COLUMNS, SESSION_COLUMNS, type HoldRecord, type IssueRecord, type SessionRecord } from '../store/sqlite/rows.js';
import type { SnapshotBucket } from './query-types.js';

/** What a store has, read once when it is opened. */
export interface StoreSchema {
  /** Its tables and indexes. */
  names: Set<string>;
  /** Schema 2: why a worker left. */
  hasRetireReason: boolean;
  /** Schema 5: the run lock records its holder's process identity. */
  hasProcessStart: boolean;
  /** Schema 6: a session records when the health check found it stalled. */
  hasStalledAt: boolean;
}

export function readSchema(db: Database.Database): StoreSchema {
  const columns = (table: string) => new Set((db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name));
  return {
    names: new Set((db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'index')").all() as { name: string }[]).map((r) => r.name)),
    hasRetireReason: columns('workers').has('retire_reason'),
    hasProcessStart: columns('run_lock').has('process_start'),
    hasStalledAt: columns('sessions').has('stalled_at'),
  };
}

/**
 * The partial-index condition of idx_sessions_counted_duration, written as in
 * the migration: SQLite uses a partial index only for queries that repeat
 * its WHERE term.
 */
const COUNTED = `outcome IN ('success', 'failure', 'stalled', 'timeout')`;

/** Every statement StoreQueries runs; null where the store is too old to have what it reads. */
export interface Statements {
  keptSessionTotals: Database.Statement<[], { outcome: string; n: number; d: number }> | null;
  outcomeTotals: Database.Statement<[string, number, number], { n: number; d: number | null }>;
  durationAsc: Database.Statement<[number, number, number], { d: number }>;
  durationDesc: Database.Statement<[number, number, number], { d: number }>;
  durationsBetween: Database.Statement<[number, number], { n: number }>;
  successes: Database.Statement<[number, number], { n: number }>;
  keptIssueTotals: Database.Statement<[], { status: string; n: number }> | null;
  issueCounts: Database.Statement<[], { status: string; n: number }>;
  openSessions: Database.Statement<[], { n: number }>;
  workersAlive: Database.Statement<[number], { n: number }>;
  stallsDetected: Database.Statement<[number, number], { n: number }>;
  stalledOpen: Database.Statement<[number], { n: number }>;
  snapshotTimes: Database.Statement<[number], { at: number }>;
  snapshotRange: Database.Statement<[number, number], { first: number | null; last: number | null }>;
  snapshotBuckets: Database.Statement<[{ from: number; to: number; origin: number; step: number }], SnapshotBucket>;
  latestBackpressure: Database.Statement<[number], { at: number; active: number; queue_depth: number }>;
  activations: Database.Statement<[number, number], { n: number }>;
  scaleCounts: Database.Statement<[number, number], { direction: string; n: number }>;
  runLock: Database.Statement<[], { pid: number; hostname: string; started_at: number; heartbeat_at: number; process_start: string | null }>;
  lastActivity: Database.Statement<[], { at: number | null }>;
  latestScale: Database.Statement<[number, number, number], { at: number; direction: 'up' | 'down'; from_count: number; to_count: number; reason: string }>;
  latestBackpressureChanges: Database.Statement<[number, number, number], { at: number; active: number; queue_depth: number }>;
  latestKilled: Database.Statement<[{ from: number; to: number; limit: number }], { id: string; issue_id: string; worker_id: string; ended_at: number; outcome: 'stalled' | 'timeout'; reason: string | null }>;
  latestRecycles: Database.Statement<[number, number, number], { id: string; retired_at: number; sessions_run: number }> | null;
  spendTotals: Database.Statement<[], { cost_usd: number; input_tokens: number; output_tokens: number }> | null;
  activeHolds: Database.Statement<[], HoldRecord> | null;
  reportCounts: Database.Statement<[], { state: string; n: number }> | null;
  rejectedReports: Database.Statement<[number], { issue_id: string; kind: string; source: string; error: string | null; settled_at: number | null }> | null;
  holdChanges: Database.Statement<[{ from: number; to: number; limit: number }], HoldRecord> | null;
  issue: Database.Statement<[string], IssueRecord>;
  issueIdsWithStatus: Database.Statement<[string], { id: string }>;
  sessionsForIssue: Database.Statement<[string], SessionRecord>;
}

export function prepareStatements(db: Database.Database, schema: StoreSchema): Statements {
  const hint = (name: string) => (schema.names.has(name) ? `INDEXED BY ${name}` : '');
  const byOutcome = hint('idx_sessions_outcome_ended');
  const byDuration = hint('idx_sessions_counted_duration');
  const durationAt = (order: 'ASC' | 'DESC') =>
    db.prepare<[number, number, number], { d: number }>(
      `SELECT duration_ms AS d FROM sessions ${byDuration}
       WHERE ${COUNTED} AND ended_at > ? AND ended_at <= ?
       ORDER BY duration_ms ${order} LIMIT 1 OFFSET ?`,
    );
  return {
    keptSessionTotals: schema.names.has('session_totals')
      ? db.prepare<[], { outcome: string; n: number; d: number }>('SELECT outcome, sessions AS n, duration_ms AS d FROM session_totals')
      : null,
    // One seek per outcome: a GROUP BY would walk the whole index to filter on its second column.
    // Written as ended_at − started_at rather than duration_ms so the sum is read from the index alone.
    outcomeTotals: db.prepare<[string, number, number], { n: number; d: number | null }>(
      `SELECT count(*) AS n, sum(max(ended_at - started_at, 0)) AS d FROM sessions ${byOutcome}
       WHERE outcome = ? AND ended_at > ? AND ended_at <= ?`,
    ),
    durationAsc: durationAt('ASC'),
    durationDesc: durationAt('DESC'),
    durationsBetween: db.prepare<[number, number], { n: number }>(
      `SELECT count(*) AS n FROM sessions ${byDuration} WHERE ${COUNTED} AND duration_ms > ? AND duration_ms <= ?`,
    ),
    successes: db.prepare<[number, number], { n: number }>(
      `SELECT count(*) AS n FROM sessions ${byOutcome} WHERE outcome = 'success' AND ended_at > ? AND ended_at <= ?`,
    ),
    keptIssueTotals: schema.names.has('issue_totals')
      ? db.prepare<[], { status: string; n: number }>('SELECT status, issues AS n FROM issue_totals')
      : null,
    issueCounts: db.prepare<[], { status: string; n: number }>('SELECT status, count(*) AS n FROM issues GROUP BY status'),
    openSessions: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM sessions WHERE ended_at IS NULL'),
    workersAlive: db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM workers WHERE retired_at IS NULL AND created_at >= ?'),
    stallsDetected: db.prepare<[number, number], { n: number }>(
      schema.hasStalledAt
        ? 'SELECT count(*) AS n FROM sessions WHERE stalled_at > ? AND stalled_at <= ?'
        : "SELECT count(*) AS n FROM sessions WHERE outcome = 'stalled' AND ended_at > ? AND ended_at <= ?",
    ),
    stalledOpen: db.prepare<[number], { n: number }>(
      schema.hasStalledAt
        ? 'SELECT count(*) AS n FROM sessions WHERE ended_at IS NULL AND stalled_at IS NOT NULL AND started_at >= ?'
        : 'SELECT 0 AS n WHERE ? IS NOT NULL',
    ),
    snapshotTimes: db.prepare<[number], { at: number }>('SELECT at FROM metric_snapshots ORDER BY at DESC, id DESC LIMIT ?'),
    snapshotRange: db.prepare<[number, number], { first: number | null; last: number | null }>(
      'SELECT min(at) AS first, max(at) AS last FROM metric_snapshots WHERE at > ? AND at <= ?',
    ),
    snapshotBuckets: db.prepare<[{ from: number; to: number; origin: number; step: number }], SnapshotBucket>(
      // Bound numbers arrive as REAL, so the division is cast to get whole columns.
      `SELECT CAST((at - @origin) / @step AS INTEGER) AS bucket, max(current_workers) AS workers, max(queue_depth) AS queueDepth
       FROM metric_snapshots WHERE at > @from AND at <= @to GROUP BY bucket ORDER BY bucket`,
    ),
    latestBackpressure: db.prepare<[number], { at: number; active: number; queue_depth: number }>(
      'SELECT at, active, queue_depth FROM backpressure_changes WHERE at >= ? ORDER BY at DESC, id DESC LIMIT 1',
    ),
    activations: db.prepare<[number, number], { n: number }>(
      'SELECT count(*) AS n FROM backpressure_changes WHERE active = 1 AND at > ? AND at <= ?',
    ),
    scaleCounts: db.prepare<[number, number], { direction: string; n: number }>(
      'SELECT direction, count(*) AS n FROM scale_operations WHERE at > ? AND at <= ? GROUP BY direction',
    ),
    runLock: db.prepare<[], { pid: number; hostname: string; started_at: number; heartbeat_at: number; process_start: string | null }>(
      `SELECT pid, hostname, started_at, heartbeat_at, ${schema.hasProcessStart ? 'process_start' : 'NULL AS process_start'} FROM run_lock WHERE id = 1`,
    ),
    lastActivity: db.prepare<[], { at: number | null }>(
      `SELECT max(
         coalesce((SELECT max(ended_at) FROM sessions), 0),
         coalesce((SELECT max(last_progress_at) FROM sessions WHERE ended_at IS NULL), 0),
         coalesce((SELECT max(at) FROM metric_snapshots), 0),
         coalesce((SELECT max(at) FROM scale_operations), 0),
         coalesce((SELECT max(at) FROM backpressure_changes), 0),
         coalesce((SELECT heartbeat_at FROM run_lock WHERE id = 1), 0)
       ) AS at`,
    ),
    latestScale: db.prepare<[number, number, number], { at: number; direction: 'up' | 'down'; from_count: number; to_count: number; reason: string }>(
      'SELECT at, direction, from_count, to_count, reason FROM scale_operations WHERE at > ? AND at <= ? ORDER BY at DESC, id DESC LIMIT ?',
    ),
    latestBackpressureChanges: db.prepare<[number, number, number], { at: number; active: number; queue_depth: number }>(
      'SELECT at, active, queue_depth FROM backpressure_changes WHERE at > ? AND at <= ? ORDER BY at DESC, id DESC LIMIT ?',
    ),
    // Two index walks merged, each stopping after `limit` rows.
    latestKilled: db.prepare<
      [{ from: number; to: number; limit: number }],
      { id: string; issue_id: string; worker_id: string; ended_at: number; outcome: 'stalled' | 'timeout'; reason: string | null }
    >(
      `SELECT * FROM (
         SELECT * FROM (SELECT id, issue_id, worker_id, ended_at, outcome, reason FROM sessions ${byOutcome}
           WHERE outcome = 'stalled' AND ended_at > @from AND ended_at <= @to ORDER BY ended_at DESC LIMIT @limit)
         UNION ALL
         SELECT * FROM (SELECT id, issue_id, worker_id, ended_at, outcome, reason FROM sessions ${byOutcome}
           WHERE outcome = 'timeout' AND ended_at > @from AND ended_at <= @to ORDER BY ended_at DESC LIMIT @limit)
       ) ORDER BY ended_at DESC LIMIT @limit`,
    ),
    latestRecycles: schema.hasRetireReason
      ? db.prepare<[number, number, number], { id: string; retired_at: number; sessions_run: number }>(
          `SELECT id, retired_at, sessions_run FROM workers
           WHERE retire_reason LIKE 'recycled%' AND retired_at > ? AND retired_at <= ? ORDER BY retired_at DESC LIMIT ?`,
        )
      : null,
    spendTotals: schema.names.has('spend_totals')
      ? db.prepare<[], { cost_usd: number; input_tokens: number; output_tokens: number }>('SELECT cost_usd, input_tokens, output_tokens FROM spend_totals WHERE id = 1')
      : null,
    // The holds table holds a few rows per run: read whole, through its partial index for the active ones.
    activeHolds: schema.names.has('holds')
      ? db.prepare<[], HoldRecord>('SELECT kind, reason, fix, since, until, ended_at, ended_by FROM holds WHERE ended_at IS NULL ORDER BY since, id')
      : null,
    // Reports to trackers (schema 10): counted by state through its index; the rejected ones are shown.
    reportCounts: schema.names.has('outbox') ? db.prepare<[], { state: string; n: number }>('SELECT state, count(*) AS n FROM outbox GROUP BY state') : null,
    rejectedReports: schema.names.has('outbox')
      ? db.prepare<[number], { issue_id: string; kind: string; source: string; error: string | null; settled_at: number | null }>(
          "SELECT issue_id, kind, source, error, settled_at FROM outbox WHERE state = 'rejected' ORDER BY id DESC LIMIT ?",
        )
      : null,
    holdChanges: schema.names.has('holds')
      ? db.prepare<[{ from: number; to: number; limit: number }], HoldRecord>(
          `SELECT kind, reason, fix, since, until, ended_at, ended_by FROM holds
           WHERE (since > @from AND since <= @to) OR (ended_at > @from AND ended_at <= @to) ORDER BY id DESC LIMIT @limit`,
        )
      : null,
    // Stores before schema 5 have no prior_attempts: none were retried.
    issue: db.prepare<[string], IssueRecord>(
      `SELECT ${presentColumns(db, 'issues', ISSUE_COLUMNS)} FROM issues WHERE id = ?`,
    ),
    issueIdsWithStatus: db.prepare<[string], { id: string }>('SELECT id FROM issues WHERE status = ?'),
    sessionsForIssue: db.prepare<[string], SessionRecord>(
      `SELECT ${presentColumns(db, 'sessions', SESSION_COLUMNS)} FROM sessions WHERE issue_id = ? ORDER BY started_at, attempt`,
    ),
  };
}

/** Columns a store written by an older harness lacks read as their default: counts as 0, the rest as NULL. */
const COLUMN_DEFAULTS: Readonly<Record<string, string>> = { prior_attempts: '0', spent_usd: '0', spent_tokens: '0' };

/** `wanted` (a comma-separated column list) with the columns `table` does not have replaced by their defaults. */
export function presentColumns(db: Database.Database, table: string, wanted: string): string {
  const have = new Set((db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name));
  return wanted
    .split(',')
    .map((c) => c.trim())
    .map((c) => (have.has(c) ? c : `${COLUMN_DEFAULTS[c] ?? 'NULL'} AS ${c}`))
    .join(', ');
}
