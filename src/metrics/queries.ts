import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import { ISSUE_STATUSES, SESSION_OUTCOMES, type IssueStatus, type SessionOutcome } from '../core/states.js';
import { StoreError } from '../errors.js';
import {
  ISSUE_COLUMNS,
  SESSION_COLUMNS,
  toIssue,
  toSession,
  type IssueRecord,
  type SessionRecord,
} from '../store/sqlite/rows.js';
import type { IssueRow, RunLockInfo, SessionRow } from '../store/types.js';

/**
 * Read-only SQL aggregates over a harness state store, for `harness metrics`
 * and the /metrics endpoint. Nothing here loads rows in bulk: every figure is
 * a row of the trigger-kept totals, a count or sum over an index range, or
 * one row found through an index (see migration 2 in
 * src/store/migrations.ts), so a store of a million sessions answers in
 * milliseconds. The connection is read-only and the store is in WAL mode, so
 * reading never blocks a `harness run` writing to the same file.
 */

/** Outcomes that count towards durations, percentiles and the success rate (cancelled and lost do not). */
export const COUNTED_OUTCOMES = ['success', 'failure', 'stalled', 'timeout'] as const satisfies readonly SessionOutcome[];

/**
 * The partial-index condition of idx_sessions_counted_duration, written as in
 * the migration: SQLite uses a partial index only for queries that repeat
 * its WHERE term.
 */
const COUNTED = `outcome IN ('success', 'failure', 'stalled', 'timeout')`;

/** A time range `from < t ≤ to` (epoch ms). */
export interface TimeRange {
  from: number;
  to: number;
}

/** Every time there is. */
export const ALL_TIME: TimeRange = { from: Number.MIN_SAFE_INTEGER, to: Number.MAX_SAFE_INTEGER };

function isAllTime(range: TimeRange): boolean {
  return range.from <= ALL_TIME.from && range.to >= ALL_TIME.to;
}

export interface OutcomeTotals {
  count: number;
  /** Sum of durations (negative durations, from a clock step, count as 0). */
  durationMs: number;
}

export interface ScaleOperationEventRow {
  at: number;
  direction: 'up' | 'down';
  from: number;
  to: number;
  reason: string;
}

export interface BackpressureEventRow {
  at: number;
  active: boolean;
  queueDepth: number;
}

export interface KilledSessionRow {
  at: number;
  outcome: 'stalled' | 'timeout';
  sessionId: string;
  issueId: string;
  workerId: string;
  reason: string | null;
}

/** What the state has spent, as the agents reported it (the store's running totals). */
export interface SpendTotals {
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
}

/** A hold as recorded (the holds table), newest changes first in latestHoldChanges. */
export interface HoldRecordRow {
  kind: string;
  reason: string;
  fix: string;
  since: number;
  until: number | null;
  endedAt: number | null;
  endedBy: string | null;
}

export interface RecycleRow {
  at: number;
  workerId: string;
  sessionsRun: number;
}

/** One column of the workers/queue chart: the largest values among the snapshots in it. */
export interface SnapshotBucket {
  bucket: number;
  workers: number;
  queueDepth: number;
}

/** Open the store at `path` for reading; a missing or foreign file is a StoreError (exit 2) with the fix. */
export function openStoreReader(path: string): StoreQueries {
  if (!existsSync(path)) {
    throw new StoreError(`no harness state at ${path}: run \`harness run\` first or pass --state <path>`);
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version < 1) throw new StoreError(`${path} is not a harness state store (it has no harness schema): pass --state <path> to the file \`harness run\` wrote`);
    return new StoreQueries(db, resolve(path));
  } catch (error) {
    db?.close();
    if (error instanceof StoreError) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new StoreError(`cannot read state store ${path} (${detail}): check that it is the file \`harness run\` wrote and that you may read it`, { cause: error });
  }
}

export class StoreQueries {
  private readonly sql;
  /** Tables and indexes of the store: one written before schema 2 lacks the metrics ones and is read the slow way. */
  private readonly schema: Set<string>;
  private readonly hasRetireReason: boolean;
  /** Schema 5: the run lock records its holder's process identity, issues their attempts before a retry. */
  private readonly hasProcessStart: boolean;
  /** Schema 6: a session records when the health check found it stalled. */
  private readonly hasStalledAt: boolean;

  /** `statePath`: the state file's absolute path, which stored log paths are written against. */
  constructor(
    readonly db: Database.Database,
    private readonly statePath: string | null = null,
  ) {
    this.schema = new Set(
      (db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'index')").all() as { name: string }[]).map((r) => r.name),
    );
    this.hasRetireReason = (db.prepare('PRAGMA table_info(workers)').all() as { name: string }[]).some((c) => c.name === 'retire_reason');
    this.hasProcessStart = (db.prepare('PRAGMA table_info(run_lock)').all() as { name: string }[]).some((c) => c.name === 'process_start');
    this.hasStalledAt = (db.prepare('PRAGMA table_info(sessions)').all() as { name: string }[]).some((c) => c.name === 'stalled_at');
    this.sql = this.prepare();
  }

  /** Run `read` in one read transaction, so every figure of a report comes from the same moment. */
  snapshot<T>(read: () => T): T {
    return this.db.transaction(read)();
  }

  /** Finished sessions per outcome that ended in `range`; all time reads the trigger-kept totals. */
  outcomeTotals(range: TimeRange): Record<SessionOutcome, OutcomeTotals> {
    const totals = {} as Record<SessionOutcome, OutcomeTotals>;
    const kept = isAllTime(range) && this.sql.keptSessionTotals ? this.sql.keptSessionTotals.all() : null;
    for (const outcome of SESSION_OUTCOMES) {
      const row = kept ? kept.find((r) => r.outcome === outcome) : this.sql.outcomeTotals.get(outcome, range.from, range.to);
      totals[outcome] = { count: row?.n ?? 0, durationMs: row?.d ?? 0 };
    }
    return totals;
  }

  /**
   * The duration `offset` places from the shortest (asc) or the longest
   * (desc) among counted sessions that ended in `range`.
   */
  countedDurationAt(range: TimeRange, offset: number, order: 'asc' | 'desc'): number | undefined {
    const statement = order === 'asc' ? this.sql.durationAsc : this.sql.durationDesc;
    return statement.get(range.from, range.to, offset)?.d;
  }

  /** Counted sessions with lowerMs < duration ≤ upperMs (one histogram bucket). */
  countedDurationsBetween(lowerMs: number, upperMs: number): number {
    return this.sql.durationsBetween.get(lowerMs, upperMs)?.n ?? 0;
  }

  successesEnded(range: TimeRange): number {
    return this.sql.successes.get(range.from, range.to)?.n ?? 0;
  }

  issueCounts(): Record<IssueStatus, number> {
    const counts = Object.fromEntries(ISSUE_STATUSES.map((s) => [s, 0])) as Record<IssueStatus, number>;
    for (const { status, n } of (this.sql.keptIssueTotals ?? this.sql.issueCounts).all()) {
      if (status in counts) counts[status as IssueStatus] = n;
    }
    return counts;
  }

  openSessionCount(): number {
    return this.sql.openSessions.get()?.n ?? 0;
  }

  /** Workers created at or after `since` that have not retired. */
  workersAlive(since: number): number {
    return this.sql.workersAlive.get(since)?.n ?? 0;
  }

  /**
   * Stalls the health check detected in `range`: the detection times, as the
   * running harness counts them. A store before schema 6 has only the
   * sessions that ended stalled, by their end.
   */
  stallsDetected(range: TimeRange): number {
    return this.sql.stallsDetected.get(range.from, range.to)?.n ?? 0;
  }

  /** Sessions of the live run (started at or after `since`) found stalled and not ended yet. */
  stalledOpenSessions(since: number): number {
    return this.sql.stalledOpen.get(since)?.n ?? 0;
  }

  /** Everything the state has spent: one row kept in step by the store (schema 7); zero before. */
  spendTotals(): SpendTotals {
    const row = this.sql.spendTotals?.get();
    return { costUsd: row?.cost_usd ?? 0, inputTokens: row?.input_tokens ?? 0, outputTokens: row?.output_tokens ?? 0 };
  }

  /** Holds still on (not ended), oldest first; none before schema 7. */
  activeHolds(): HoldRecordRow[] {
    return (this.sql.activeHolds?.all() ?? []).map(toHoldRow);
  }

  /** Holds that began or ended in `range`, the latest `limit` of them, newest first. */
  latestHoldChanges(range: TimeRange, limit: number): HoldRecordRow[] {
    return (this.sql.holdChanges?.all({ from: range.from, to: range.to, limit }) ?? []).map(toHoldRow);
  }

  /** Times of the latest `limit` snapshots, newest first. */
  recentSnapshotTimes(limit: number): number[] {
    return this.sql.snapshotTimes.all(limit).map((r) => r.at);
  }

  snapshotRange(range: TimeRange): { first: number | null; last: number | null } {
    const row = this.sql.snapshotRange.get(range.from, range.to);
    return { first: row?.first ?? null, last: row?.last ?? null };
  }

  /** Snapshots in `range` grouped into columns of `stepMs` from `origin`, largest value per column. */
  snapshotBuckets(range: TimeRange, origin: number, stepMs: number): SnapshotBucket[] {
    return this.sql.snapshotBuckets.all({ from: range.from, to: range.to, origin, step: stepMs });
  }

  latestBackpressure(since: number): BackpressureEventRow | undefined {
    const row = this.sql.latestBackpressure.get(since);
    return row && { at: row.at, active: row.active !== 0, queueDepth: row.queue_depth };
  }

  backpressureActivations(range: TimeRange): number {
    return this.sql.activations.get(range.from, range.to)?.n ?? 0;
  }

  scaleOperationCounts(range: TimeRange): { up: number; down: number } {
    const counts = { up: 0, down: 0 };
    for (const { direction, n } of this.sql.scaleCounts.all(range.from, range.to)) {
      if (direction === 'up' || direction === 'down') counts[direction] = n;
    }
    return counts;
  }

  runLock(): RunLockInfo | undefined {
    const row = this.sql.runLock.get();
    if (!row) return undefined;
    const lock: RunLockInfo = { pid: row.pid, hostname: row.hostname, startedAt: row.started_at, heartbeatAt: row.heartbeat_at };
    if (row.process_start !== null) lock.processStart = row.process_start;
    return lock;
  }

  /** The latest time anything was recorded (a session, a snapshot, a scale or backpressure change, the lock's heartbeat), or null. */
  lastActivity(): number | null {
    return this.sql.lastActivity.get()?.at ?? null;
  }

  latestScaleOperations(range: TimeRange, limit: number): ScaleOperationEventRow[] {
    return this.sql.latestScale.all(range.from, range.to, limit).map((r) => ({ at: r.at, direction: r.direction, from: r.from_count, to: r.to_count, reason: r.reason }));
  }

  latestBackpressureChanges(range: TimeRange, limit: number): BackpressureEventRow[] {
    return this.sql.latestBackpressureChanges.all(range.from, range.to, limit).map((r) => ({ at: r.at, active: r.active !== 0, queueDepth: r.queue_depth }));
  }

  /** Sessions the harness stopped (stalled or timed out), latest first. */
  latestKilledSessions(range: TimeRange, limit: number): KilledSessionRow[] {
    return this.sql.latestKilled.all({ from: range.from, to: range.to, limit }).map((r) => ({
      at: r.ended_at,
      outcome: r.outcome,
      sessionId: r.id,
      issueId: r.issue_id,
      workerId: r.worker_id,
      reason: r.reason,
    }));
  }

  /** Workers retired because they reached their session quota, latest first (needs schema 2). */
  latestRecycles(range: TimeRange, limit: number): RecycleRow[] {
    if (!this.sql.latestRecycles) return [];
    return this.sql.latestRecycles.all(range.from, range.to, limit).map((r) => ({ at: r.retired_at, workerId: r.id, sessionsRun: r.sessions_run }));
  }

  issue(id: string): IssueRow | undefined {
    const record = this.sql.issue.get(id);
    return record && toIssue(record);
  }

  sessionsForIssue(id: string): SessionRow[] {
    return this.sql.sessionsForIssue.all(id).map((r) => toSession(r, this.statePath));
  }

  /** Ids of the issues in one of `statuses`. */
  issueIdsWithStatus(statuses: readonly IssueStatus[]): string[] {
    return statuses.flatMap((status) => this.sql.issueIdsWithStatus.all(status).map((r) => r.id));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** `INDEXED BY name` when the store has that index (an older schema may not; the query is then slower, not wrong). */
  private hint(name: string): string {
    return this.schema.has(name) ? `INDEXED BY ${name}` : '';
  }

  private prepare() {
    const db = this.db;
    const byOutcome = this.hint('idx_sessions_outcome_ended');
    const byDuration = this.hint('idx_sessions_counted_duration');
    const durationAt = (order: 'ASC' | 'DESC') =>
      db.prepare<[number, number, number], { d: number }>(
        `SELECT duration_ms AS d FROM sessions ${byDuration}
         WHERE ${COUNTED} AND ended_at > ? AND ended_at <= ?
         ORDER BY duration_ms ${order} LIMIT 1 OFFSET ?`,
      );
    return {
      keptSessionTotals: this.schema.has('session_totals')
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
      keptIssueTotals: this.schema.has('issue_totals')
        ? db.prepare<[], { status: string; n: number }>('SELECT status, issues AS n FROM issue_totals')
        : null,
      issueCounts: db.prepare<[], { status: string; n: number }>('SELECT status, count(*) AS n FROM issues GROUP BY status'),
      openSessions: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM sessions WHERE ended_at IS NULL'),
      workersAlive: db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM workers WHERE retired_at IS NULL AND created_at >= ?'),
      stallsDetected: db.prepare<[number, number], { n: number }>(
        this.hasStalledAt
          ? 'SELECT count(*) AS n FROM sessions WHERE stalled_at > ? AND stalled_at <= ?'
          : "SELECT count(*) AS n FROM sessions WHERE outcome = 'stalled' AND ended_at > ? AND ended_at <= ?",
      ),
      stalledOpen: db.prepare<[number], { n: number }>(
        this.hasStalledAt
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
        `SELECT pid, hostname, started_at, heartbeat_at, ${this.hasProcessStart ? 'process_start' : 'NULL AS process_start'} FROM run_lock WHERE id = 1`,
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
      latestRecycles: this.hasRetireReason
        ? db.prepare<[number, number, number], { id: string; retired_at: number; sessions_run: number }>(
            `SELECT id, retired_at, sessions_run FROM workers
             WHERE retire_reason LIKE 'recycled%' AND retired_at > ? AND retired_at <= ? ORDER BY retired_at DESC LIMIT ?`,
          )
        : null,
      spendTotals: this.schema.has('spend_totals')
        ? db.prepare<[], { cost_usd: number; input_tokens: number; output_tokens: number }>('SELECT cost_usd, input_tokens, output_tokens FROM spend_totals WHERE id = 1')
        : null,
      // The holds table holds a few rows per run: read whole, through its partial index for the active ones.
      activeHolds: this.schema.has('holds')
        ? db.prepare<[], HoldRecord>('SELECT kind, reason, fix, since, until, ended_at, ended_by FROM holds WHERE ended_at IS NULL ORDER BY since, id')
        : null,
      holdChanges: this.schema.has('holds')
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
}

interface HoldRecord {
  kind: string;
  reason: string;
  fix: string;
  since: number;
  until: number | null;
  ended_at: number | null;
  ended_by: string | null;
}

function toHoldRow(r: HoldRecord): HoldRecordRow {
  return { kind: r.kind, reason: r.reason, fix: r.fix, since: r.since, until: r.until, endedAt: r.ended_at, endedBy: r.ended_by };
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
