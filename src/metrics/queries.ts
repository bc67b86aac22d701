import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import { ISSUE_STATUSES, SESSION_OUTCOMES, type IssueStatus, type SessionOutcome } from '../core/states.js';
import { StoreError } from '../errors.js';
import { toHold, toIssue, toSession } from '../store/sqlite/rows.js';
import type { IssueRow, RunLockInfo, SessionRow } from '../store/types.js';
import {
  ALL_TIME,
  type BackpressureEventRow,
  type HoldRecordRow,
  type KilledSessionRow,
  type OutcomeTotals,
  type RecycleRow,
  type ScaleOperationEventRow,
  type SnapshotBucket,
  type SpendTotals,
  type TimeRange,
} from './query-types.js';
import { prepareStatements, readSchema, type Statements } from './statements.js';

export * from './query-types.js';
export { presentColumns } from './statements.js';

/**
 * Read-only SQL aggregates over a harness state store, for `harness metrics`
 * and the /metrics endpoint. Nothing here loads rows in bulk: every figure is
 * a row of the trigger-kept totals, a count or sum over an index range, or
 * one row found through an index (see METRICS_AGGREGATES in
 * src/store/sqlite/schema-steps.ts), so a store of a million sessions answers in
 * milliseconds. The connection is read-only and the store is in WAL mode, so
 * reading never blocks a `harness run` writing to the same file.
 */

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

function isAllTime(range: TimeRange): boolean {
  return range.from <= ALL_TIME.from && range.to >= ALL_TIME.to;
}

export class StoreQueries {
  private readonly sql: Statements;

  /** `statePath`: the state file's absolute path, which stored log paths are written against. */
  constructor(
    readonly db: Database.Database,
    private readonly statePath: string | null = null,
  ) {
    this.sql = prepareStatements(db, readSchema(db));
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

  /** Reports to trackers by state (pending, sending, sent, rejected); null before schema 10. */
  reportCounts(): Record<string, number> | null {
    const rows = this.sql.reportCounts?.all();
    if (!rows) return null;
    const counts: Record<string, number> = { pending: 0, sending: 0, sent: 0, rejected: 0 };
    for (const row of rows) counts[row.state] = row.n;
    return counts;
  }

  /** The latest reports a tracker refused for good, newest first. */
  rejectedReports(limit: number): { issueId: string; kind: string; source: string; error: string | null; at: number | null }[] {
    return (this.sql.rejectedReports?.all(limit) ?? []).map((r) => ({ issueId: r.issue_id, kind: r.kind, source: r.source, error: r.error, at: r.settled_at }));
  }

  /** Holds still on (not ended), oldest first; none before schema 7. */
  activeHolds(): HoldRecordRow[] {
    return (this.sql.activeHolds?.all() ?? []).map(toHold);
  }

  /** Holds that began or ended in `range`, the latest `limit` of them, newest first. */
  latestHoldChanges(range: TimeRange, limit: number): HoldRecordRow[] {
    return (this.sql.holdChanges?.all({ from: range.from, to: range.to, limit }) ?? []).map(toHold);
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

}
