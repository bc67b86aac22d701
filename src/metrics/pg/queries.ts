import { ISSUE_STATUSES, SESSION_OUTCOMES, type IssueStatus, type SessionOutcome } from '../../core/states.js';
import type { CoordinatorRow } from '../../store/ports.js';
import { LIST_COORDINATORS, toCoordinator, type CoordinatorRecord } from '../../store/postgres/fleet.js';
import { toHold, toRunLock, type HoldRecord, type RunLockRecord } from '../../store/postgres/rows.js';
import type { RunLockInfo } from '../../store/types.js';
import type { CoordinatorCounts } from '../coordinators.js';
import {
  COUNTED_OUTCOMES,
  type BackpressureEventRow,
  type HoldRecordRow,
  type KilledSessionRow,
  type OutcomeTotals,
  type RecycleRow,
  type ScaleOperationEventRow,
  type SpendTotals,
  type TimeRange,
} from '../query-types.js';
import type { ReadTx } from './reader.js';

/**
 * The figures of the metric set, asked of a PostgreSQL store: the same
 * questions StoreQueries asks of SQLite, answering with the same shapes.
 * The schema keeps no trigger-made totals (they would serialise the
 * coordinators' writes), so totals are counted: each is one statement over
 * the sessions' indexes or a scan of them; a fleet's store is read in one
 * snapshot per render, never row by row.
 */

const COUNTED = `outcome IN (${COUNTED_OUTCOMES.map((o) => `'${o}'`).join(', ')})`;
const HOLD_COLUMNS = 'kind, reason, fix, since, until, ended_at, ended_by';

export async function runLock(tx: ReadTx): Promise<RunLockInfo | undefined> {
  const record = await tx.row<RunLockRecord>('SELECT pid, hostname, started_at, heartbeat_at, process_start FROM run_lock WHERE id = 1');
  return record && toRunLock(record);
}

/** The latest time anything was recorded, by the coordinators' clocks, or null. */
export async function lastActivity(tx: ReadTx): Promise<number | null> {
  const row = await tx.row<{ at: number | null }>(
    `SELECT greatest(
       (SELECT max(ended_at) FROM sessions), (SELECT max(last_progress_at) FROM sessions WHERE ended_at IS NULL),
       (SELECT max(at) FROM metric_snapshots), (SELECT max(at) FROM scale_operations), (SELECT max(at) FROM backpressure_changes),
       (SELECT heartbeat_at FROM run_lock WHERE id = 1), (SELECT max(coalesce(ended_at, started_at)) FROM coordinators)
     ) AS at`,
  );
  return row?.at ?? null;
}

/** Every coordinator that joined, live ones first, then the latest; ages by the database's clock. */
export async function coordinators(tx: ReadTx): Promise<CoordinatorRow[]> {
  const rows = await tx.rows<CoordinatorRecord>(LIST_COORDINATORS);
  return rows.map(toCoordinator);
}

/** Finished sessions per outcome that ended in `range`, with their summed durations (a negative one counts 0). */
export async function outcomeTotals(tx: ReadTx, range: TimeRange): Promise<Record<SessionOutcome, OutcomeTotals>> {
  const rows = await tx.rows<{ outcome: SessionOutcome; n: number; d: number | null }>(
    `SELECT outcome, count(*) AS n, sum(greatest(ended_at - started_at, 0)) AS d FROM sessions
     WHERE ended_at > $1 AND ended_at <= $2 AND outcome IS NOT NULL GROUP BY outcome`,
    [range.from, range.to],
  );
  const totals = {} as Record<SessionOutcome, OutcomeTotals>;
  for (const outcome of SESSION_OUTCOMES) {
    const row = rows.find((r) => r.outcome === outcome);
    totals[outcome] = { count: row?.n ?? 0, durationMs: row?.d ?? 0 };
  }
  return totals;
}

/** The duration `offset` places from the shortest (asc) or the longest (desc) among counted sessions that ended in `range`. */
export async function countedDurationAt(tx: ReadTx, range: TimeRange, offset: number, order: 'asc' | 'desc'): Promise<number | undefined> {
  const row = await tx.row<{ d: number }>(
    `SELECT ended_at - started_at AS d FROM sessions WHERE ${COUNTED} AND ended_at > $1 AND ended_at <= $2
     ORDER BY d ${order === 'asc' ? 'ASC' : 'DESC'} LIMIT 1 OFFSET $3`,
    [range.from, range.to, offset],
  );
  return row?.d;
}

/** Counted sessions with a duration at most each of `boundsMs` (ascending): a histogram's cumulative counts, in one pass over the sessions. */
export async function cumulativeDurations(tx: ReadTx, boundsMs: readonly number[]): Promise<number[]> {
  if (boundsMs.length === 0) return [];
  const columns = boundsMs.map((_, i) => `count(*) FILTER (WHERE ended_at - started_at <= $${i + 1}::float8) AS n${i}`).join(', ');
  const row = await tx.row<Record<string, number>>(`SELECT ${columns} FROM sessions WHERE ${COUNTED} AND ended_at IS NOT NULL`, boundsMs);
  return boundsMs.map((_, i) => row?.[`n${i}`] ?? 0);
}

export async function successesEnded(tx: ReadTx, range: TimeRange): Promise<number> {
  return (await tx.row<{ n: number }>("SELECT count(*) AS n FROM sessions WHERE outcome = 'success' AND ended_at > $1 AND ended_at <= $2", [range.from, range.to]))?.n ?? 0;
}

/** Times of the latest `limit` snapshots, newest first. */
export async function recentSnapshotTimes(tx: ReadTx, limit: number): Promise<number[]> {
  return (await tx.rows<{ at: number }>('SELECT at FROM metric_snapshots ORDER BY at DESC, id DESC LIMIT $1', [limit])).map((r) => r.at);
}

export async function stallsDetected(tx: ReadTx, range: TimeRange): Promise<number> {
  return (await tx.row<{ n: number }>('SELECT count(*) AS n FROM sessions WHERE stalled_at > $1 AND stalled_at <= $2', [range.from, range.to]))?.n ?? 0;
}

/**
 * Open sessions and workers per coordinator (`''`: a harness that did not
 * join a fleet, whose workers count from `unjoinedSince`, the start of its
 * live run, or not at all when null).
 */
export async function coordinatorLoads(tx: ReadTx, unjoinedSince: number | null): Promise<Map<string, Pick<CoordinatorCounts, 'workers' | 'openSessions' | 'stalledSessions'>>> {
  const loads = new Map<string, Pick<CoordinatorCounts, 'workers' | 'openSessions' | 'stalledSessions'>>();
  const at = (key: string) => loads.get(key) ?? loads.set(key, { workers: 0, openSessions: 0, stalledSessions: 0 }).get(key)!;
  const workers = await tx.rows<{ key: string; n: number }>(
    `SELECT coordinator_id AS key, count(*) AS n FROM workers WHERE retired_at IS NULL AND (coordinator_id <> '' OR created_at >= $1) GROUP BY coordinator_id`,
    [unjoinedSince ?? Number.MAX_VALUE],
  );
  for (const w of workers) at(w.key).workers = w.n;
  const open = await tx.rows<{ key: string; n: number; stalled: number }>(
    `SELECT coalesce(coordinator_id, '') AS key, count(*) AS n, count(*) FILTER (WHERE stalled_at IS NOT NULL) AS stalled
     FROM sessions WHERE ended_at IS NULL GROUP BY coalesce(coordinator_id, '')`,
  );
  for (const o of open) Object.assign(at(o.key), { openSessions: o.n, stalledSessions: o.stalled });
  return loads;
}

/** Each coordinator's finished sessions in `range` by outcome, and its successes in `recent`. */
export async function coordinatorOutcomes(tx: ReadTx, range: TimeRange, recent: TimeRange): Promise<Map<string, Pick<CoordinatorCounts, 'outcomes' | 'recentSuccesses'>>> {
  const found = new Map<string, Pick<CoordinatorCounts, 'outcomes' | 'recentSuccesses'>>();
  const at = (key: string) => found.get(key) ?? found.set(key, { outcomes: {}, recentSuccesses: 0 }).get(key)!;
  const rows = await tx.rows<{ key: string; outcome: SessionOutcome; n: number }>(
    `SELECT coordinator_id AS key, outcome, count(*) AS n FROM sessions
     WHERE coordinator_id IS NOT NULL AND outcome IS NOT NULL AND ended_at > $1 AND ended_at <= $2 GROUP BY coordinator_id, outcome`,
    [range.from, range.to],
  );
  for (const r of rows) at(r.key).outcomes[r.outcome] = r.n;
  const successes = await tx.rows<{ key: string; n: number }>(
    `SELECT coordinator_id AS key, count(*) AS n FROM sessions
     WHERE coordinator_id IS NOT NULL AND outcome = 'success' AND ended_at > $1 AND ended_at <= $2 GROUP BY coordinator_id`,
    [recent.from, recent.to],
  );
  for (const s of successes) at(s.key).recentSuccesses = s.n;
  return found;
}

export async function latestBackpressure(tx: ReadTx, since: number): Promise<BackpressureEventRow | undefined> {
  const row = await tx.row<{ at: number; active: boolean; queue_depth: number }>(
    'SELECT at, active, queue_depth FROM backpressure_changes WHERE at >= $1 ORDER BY at DESC, id DESC LIMIT 1',
    [since],
  );
  return row && { at: row.at, active: row.active, queueDepth: row.queue_depth };
}

export async function backpressureActivations(tx: ReadTx, range: TimeRange): Promise<number> {
  return (await tx.row<{ n: number }>('SELECT count(*) AS n FROM backpressure_changes WHERE active AND at > $1 AND at <= $2', [range.from, range.to]))?.n ?? 0;
}

export async function issueCounts(tx: ReadTx): Promise<Record<IssueStatus, number>> {
  const counts = Object.fromEntries(ISSUE_STATUSES.map((s) => [s, 0])) as Record<IssueStatus, number>;
  for (const { status, n } of await tx.rows<{ status: string; n: number }>('SELECT status, count(*) AS n FROM issues GROUP BY status')) {
    if (status in counts) counts[status as IssueStatus] = n;
  }
  return counts;
}

export async function scaleOperationCounts(tx: ReadTx, range: TimeRange): Promise<{ up: number; down: number }> {
  const counts = { up: 0, down: 0 };
  const rows = await tx.rows<{ direction: string; n: number }>('SELECT direction, count(*) AS n FROM scale_operations WHERE at > $1 AND at <= $2 GROUP BY direction', [range.from, range.to]);
  for (const { direction, n } of rows) if (direction === 'up' || direction === 'down') counts[direction] = n;
  return counts;
}

export async function spendTotals(tx: ReadTx): Promise<SpendTotals> {
  const row = await tx.row<{ cost_usd: number; input_tokens: number; output_tokens: number }>('SELECT cost_usd, input_tokens, output_tokens FROM spend_totals WHERE id = 1');
  return { costUsd: row?.cost_usd ?? 0, inputTokens: row?.input_tokens ?? 0, outputTokens: row?.output_tokens ?? 0 };
}

export async function activeHolds(tx: ReadTx): Promise<HoldRecordRow[]> {
  return (await tx.rows<HoldRecord>(`SELECT ${HOLD_COLUMNS} FROM holds WHERE ended_at IS NULL ORDER BY since, id`)).map(toHold);
}

export async function latestHoldChanges(tx: ReadTx, range: TimeRange, limit: number): Promise<HoldRecordRow[]> {
  return (
    await tx.rows<HoldRecord>(
      `SELECT ${HOLD_COLUMNS} FROM holds WHERE (since > $1 AND since <= $2) OR (ended_at > $1 AND ended_at <= $2) ORDER BY id DESC LIMIT $3`,
      [range.from, range.to, limit],
    )
  ).map(toHold);
}

export async function reportCounts(tx: ReadTx): Promise<{ pending: number; sending: number; sent: number; rejected: number }> {
  const counts = { pending: 0, sending: 0, sent: 0, rejected: 0 };
  for (const row of await tx.rows<{ state: keyof typeof counts; n: number }>('SELECT state, count(*) AS n FROM outbox GROUP BY state')) counts[row.state] = row.n;
  return counts;
}

export async function rejectedReports(tx: ReadTx, limit: number): Promise<{ issueId: string; kind: string; source: string; error: string | null; at: number | null }[]> {
  const rows = await tx.rows<{ issue_id: string; kind: string; source: string; error: string | null; settled_at: number | null }>(
    "SELECT issue_id, kind, source, error, settled_at FROM outbox WHERE state = 'rejected' ORDER BY id DESC LIMIT $1",
    [limit],
  );
  return rows.map((r) => ({ issueId: r.issue_id, kind: r.kind, source: r.source, error: r.error, at: r.settled_at }));
}

export async function latestScaleOperations(tx: ReadTx, range: TimeRange, limit: number): Promise<ScaleOperationEventRow[]> {
  const rows = await tx.rows<{ at: number; direction: 'up' | 'down'; from_count: number; to_count: number; reason: string }>(
    'SELECT at, direction, from_count, to_count, reason FROM scale_operations WHERE at > $1 AND at <= $2 ORDER BY at DESC, id DESC LIMIT $3',
    [range.from, range.to, limit],
  );
  return rows.map((r) => ({ at: r.at, direction: r.direction, from: r.from_count, to: r.to_count, reason: r.reason }));
}

export async function latestBackpressureChanges(tx: ReadTx, range: TimeRange, limit: number): Promise<BackpressureEventRow[]> {
  const rows = await tx.rows<{ at: number; active: boolean; queue_depth: number }>(
    'SELECT at, active, queue_depth FROM backpressure_changes WHERE at > $1 AND at <= $2 ORDER BY at DESC, id DESC LIMIT $3',
    [range.from, range.to, limit],
  );
  return rows.map((r) => ({ at: r.at, active: r.active, queueDepth: r.queue_depth }));
}

/** Sessions the harness stopped (stalled or timed out), latest first. */
export async function latestKilledSessions(tx: ReadTx, range: TimeRange, limit: number): Promise<KilledSessionRow[]> {
  const rows = await tx.rows<{ id: string; issue_id: string; worker_id: string; ended_at: number; outcome: 'stalled' | 'timeout'; reason: string | null }>(
    `SELECT id, issue_id, worker_id, ended_at, outcome, reason FROM sessions
     WHERE outcome IN ('stalled', 'timeout') AND ended_at > $1 AND ended_at <= $2 ORDER BY ended_at DESC, n DESC LIMIT $3`,
    [range.from, range.to, limit],
  );
  return rows.map((r) => ({ at: r.ended_at, outcome: r.outcome, sessionId: r.id, issueId: r.issue_id, workerId: r.worker_id, reason: r.reason }));
}

/** Workers retired because they reached their session quota, latest first. */
export async function latestRecycles(tx: ReadTx, range: TimeRange, limit: number): Promise<RecycleRow[]> {
  const rows = await tx.rows<{ id: string; retired_at: number; sessions_run: number }>(
    `SELECT id, retired_at, sessions_run FROM workers WHERE retire_reason LIKE 'recycled%' AND retired_at > $1 AND retired_at <= $2
     ORDER BY retired_at DESC LIMIT $3`,
    [range.from, range.to, limit],
  );
  return rows.map((r) => ({ at: r.retired_at, workerId: r.id, sessionsRun: r.sessions_run }));
}
