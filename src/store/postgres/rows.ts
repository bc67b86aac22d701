/**
 * Rows as PostgreSQL returns them, mapped to the contract's types by the
 * SQLite store's own mappers: the columns have the same names and values
 * (labels as JSON text, times and counts as numbers), so the two stores
 * cannot map a row differently. Only booleans differ (PostgreSQL has them;
 * SQLite stores 0/1), and are turned back here. Log paths are stored as
 * given: there is no state file for them to be relative to.
 */
import type { BackpressureChangeRow, ControlRequestRow, MetricsSnapshotRow, SessionRow } from '../types.js';
import {
  toBackpressure as fromSqliteBackpressure,
  toControl as fromSqliteControl,
  toSession as fromSqliteSession,
  toSnapshot as fromSqliteSnapshot,
  type BackpressureRecord,
  type ControlRequestRecord,
  type SessionRecord,
  type SnapshotRecord,
} from '../sqlite/rows.js';

export {
  CONTROL_COLUMNS,
  ISSUE_COLUMNS,
  MERGE_ENTRY_COLUMNS,
  REPORT_COLUMNS,
  SESSION_COLUMNS,
  SNAPSHOT_COLUMNS,
  snapshotParams,
  toHold,
  toIssue,
  toMergeEntry,
  toReport,
  toRunLock,
  toScaleOperation,
  toWorker,
  type HoldRecord,
  type IssueRecord,
  type MergeEntryRecord,
  type ReportRecord,
  type RunLockRecord,
  type ScaleOperationRecord,
  type SessionRecord,
  type WorkerRecord,
} from '../sqlite/rows.js';

type WithBooleans<R, K extends keyof R> = Omit<R, K> & { [P in K]: boolean | (null extends R[P] ? null : never) };

export const toSession = (r: SessionRecord): SessionRow => fromSqliteSession(r, null);

export function toBackpressure(r: WithBooleans<BackpressureRecord, 'active'>): BackpressureChangeRow {
  return fromSqliteBackpressure({ ...r, active: r.active ? 1 : 0 });
}

export function toSnapshot(r: WithBooleans<SnapshotRecord, 'backpressure_active'>): MetricsSnapshotRow {
  return fromSqliteSnapshot({ ...r, backpressure_active: r.backpressure_active ? 1 : 0 });
}

export function toControl(r: WithBooleans<ControlRequestRecord, 'applied'>): ControlRequestRow {
  return fromSqliteControl({ ...r, applied: r.applied === null ? null : r.applied ? 1 : 0 });
}
