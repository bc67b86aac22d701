import type { HealthStatus, WorkerState } from '../../core/states.js';
import type { MergeEntryState } from '../../merge/states.js';
import type { BackpressureChangeRow, MergeEntryRow, MetricsSnapshotRow, ReportKind, ReportRow, ReportState, RunLockInfo, ScaleOperationRow, WorkerRow } from '../types.js';

/** The records of the pool, the scaler, the metrics, the run lock, the merge queue and the outbox, as SQLite returns them, and their mapping to the contract's types. */

export interface WorkerRecord {
  id: string;
  state: WorkerState;
  sessions_run: number;
  created_at: number;
  retired_at: number | null;
  retire_reason: string | null;
}

export interface ScaleOperationRecord {
  at: number;
  direction: 'up' | 'down';
  from_count: number;
  to_count: number;
  reason: string;
}

export interface BackpressureRecord {
  at: number;
  active: number;
  queue_depth: number;
}

export interface SnapshotRecord {
  at: number;
  current_workers: number;
  active_workers: number;
  idle_workers: number;
  stalled_workers: number;
  queue_depth: number;
  merge_queue_depth: number;
  throughput_per_minute: number;
  avg_session_duration_ms: number;
  p95_session_duration_ms: number;
  p99_session_duration_ms: number;
  success_rate: number;
  total_sessions_completed: number;
  total_sessions_failed: number;
  health: HealthStatus;
  backpressure_active: number;
  scale_operations: number;
}

export interface MergeEntryRecord {
  id: number;
  issue_id: string;
  branch: string;
  head: string | null;
  state: MergeEntryState;
  queued_at: number;
  started_at: number | null;
  ended_at: number | null;
  base: string | null;
  result: string | null;
  reason: string | null;
  url: string | null;
  verify_pid: number | null;
  verify_pgid: number | null;
}

export interface RunLockRecord {
  pid: number;
  hostname: string;
  started_at: number;
  heartbeat_at: number;
  process_start: string | null;
}

export const MERGE_ENTRY_COLUMNS =
  'id, issue_id, branch, head, state, queued_at, started_at, ended_at, base, result, reason, url, verify_pid, verify_pgid';

export function toWorker(r: WorkerRecord): WorkerRow {
  return { id: r.id, state: r.state, sessionsRun: r.sessions_run, createdAt: r.created_at, retiredAt: r.retired_at, retireReason: r.retire_reason };
}

export function toScaleOperation(r: ScaleOperationRecord): ScaleOperationRow {
  return { at: r.at, direction: r.direction, from: r.from_count, to: r.to_count, reason: r.reason };
}

export function toBackpressure(r: BackpressureRecord): BackpressureChangeRow {
  return { at: r.at, active: r.active !== 0, queueDepth: r.queue_depth };
}

export function toSnapshot(r: SnapshotRecord): MetricsSnapshotRow {
  return {
    at: r.at,
    currentWorkers: r.current_workers,
    activeWorkers: r.active_workers,
    idleWorkers: r.idle_workers,
    stalledWorkers: r.stalled_workers,
    queueDepth: r.queue_depth,
    mergeQueueDepth: r.merge_queue_depth,
    throughputPerMinute: r.throughput_per_minute,
    avgSessionDurationMs: r.avg_session_duration_ms,
    p95SessionDurationMs: r.p95_session_duration_ms,
    p99SessionDurationMs: r.p99_session_duration_ms,
    successRate: r.success_rate,
    totalSessionsCompleted: r.total_sessions_completed,
    totalSessionsFailed: r.total_sessions_failed,
    health: r.health,
    backpressureActive: r.backpressure_active !== 0,
    scaleOperations: r.scale_operations,
  };
}

/** The columns of a metrics snapshot, in the order both stores write and read them. */
export const SNAPSHOT_COLUMNS = [
  'at',
  'current_workers',
  'active_workers',
  'idle_workers',
  'stalled_workers',
  'queue_depth',
  'merge_queue_depth',
  'throughput_per_minute',
  'avg_session_duration_ms',
  'p95_session_duration_ms',
  'p99_session_duration_ms',
  'success_rate',
  'total_sessions_completed',
  'total_sessions_failed',
  'health',
  'backpressure_active',
  'scale_operations',
] as const satisfies readonly (keyof SnapshotRecord)[];

/** Named parameters for the snapshot insert (booleans stored as 0/1). */
export function snapshotParams(s: MetricsSnapshotRow): SnapshotRecord {
  return {
    at: s.at,
    current_workers: s.currentWorkers,
    active_workers: s.activeWorkers,
    idle_workers: s.idleWorkers,
    stalled_workers: s.stalledWorkers,
    queue_depth: s.queueDepth,
    merge_queue_depth: s.mergeQueueDepth,
    throughput_per_minute: s.throughputPerMinute,
    avg_session_duration_ms: s.avgSessionDurationMs,
    p95_session_duration_ms: s.p95SessionDurationMs,
    p99_session_duration_ms: s.p99SessionDurationMs,
    success_rate: s.successRate,
    total_sessions_completed: s.totalSessionsCompleted,
    total_sessions_failed: s.totalSessionsFailed,
    health: s.health,
    backpressure_active: s.backpressureActive ? 1 : 0,
    scale_operations: s.scaleOperations,
  };
}

export function toRunLock(r: RunLockRecord): RunLockInfo {
  const lock: RunLockInfo = { pid: r.pid, hostname: r.hostname, startedAt: r.started_at, heartbeatAt: r.heartbeat_at };
  if (r.process_start !== null) lock.processStart = r.process_start;
  return lock;
}

export function toMergeEntry(r: MergeEntryRecord): MergeEntryRow {
  return {
    id: r.id,
    issueId: r.issue_id,
    branch: r.branch,
    head: r.head,
    state: r.state,
    queuedAt: r.queued_at,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    base: r.base,
    result: r.result,
    reason: r.reason,
    url: r.url,
    verifyPid: r.verify_pid,
    verifyPgid: r.verify_pgid,
  };
}

/** Named parameters for the merge entry update: every column, from a row. */
export function mergeEntryParams(row: MergeEntryRow): MergeEntryRecord {
  return {
    id: row.id,
    issue_id: row.issueId,
    branch: row.branch,
    head: row.head,
    state: row.state,
    queued_at: row.queuedAt,
    started_at: row.startedAt,
    ended_at: row.endedAt,
    base: row.base,
    result: row.result,
    reason: row.reason,
    url: row.url,
    verify_pid: row.verifyPid,
    verify_pgid: row.verifyPgid,
  };
}

export interface ReportRecord {
  id: number;
  issue_id: string;
  source: string;
  url: string | null;
  kind: ReportKind;
  created_at: number;
  state: ReportState;
  attempts: number;
  last_attempt_at: number | null;
  settled_at: number | null;
  error: string | null;
}

export const REPORT_COLUMNS = 'id, issue_id, source, url, kind, created_at, state, attempts, last_attempt_at, settled_at, error';

export function toReport(r: ReportRecord): ReportRow {
  return {
    id: r.id,
    issueId: r.issue_id,
    source: r.source,
    url: r.url,
    kind: r.kind,
    createdAt: r.created_at,
    state: r.state,
    attempts: r.attempts,
    lastAttemptAt: r.last_attempt_at,
    settledAt: r.settled_at,
    error: r.error,
  };
}
