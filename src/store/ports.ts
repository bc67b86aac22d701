/**
 * The store as each consumer sees it: one narrow port per job. The run's
 * interpreter needs claims and session lifecycle and the run's records; the
 * merge queue needs merge entries; `harness metrics` and reports need only
 * read-only queries. An implementation (SQLite, memory, PostgreSQL) provides
 * every port; one conformance suite checks each port on each of them.
 *
 * A port method may answer at once or with a promise: the interpreter feeds
 * either back to the reducer the same way.
 */
import type { QueueView } from '../core/run/state.js';
import type {
  BackpressureChangeRow,
  IssueInput,
  IssueRow,
  IssueTransition,
  MetricsSnapshotRow,
  ScaleOperationRow,
  SessionEnd,
  WorkerRow,
} from './types.js';

export type Answer<T> = T | Promise<T>;

export type { QueueView };

/** Where a session's log goes, known once its issue and attempt are. */
export type LogPathFor = (issueId: string, attempt: number, sessionId: string) => string | null;

/** Intake and claims: the queue as dispatch sees it. */
export interface ClaimPort {
  /** Insert new ids as `backlog` (known ids keep their state); answer the queue after. */
  importIssues(issues: readonly IssueInput[], now: number): Answer<QueueView>;
  /** Move up to `limit` backlog issues to `queued`, most urgent first. */
  admit(limit: number, now: number): Answer<{ count: number; view: QueueView }>;
  /**
   * In one transaction: take the most urgent queued issue that is ready at
   * `now` (priority, then import order; its retry backoff over), move it to
   * `running` with attempts + 1, and open a session row for it. Null when no
   * issue is ready.
   */
  claim(args: { sessionId: string; workerId: string; now: number; logPath: LogPathFor }): Answer<{ issue: IssueRow | null; view: QueueView }>;
  /** The queue as it is now. */
  queueView(now: number): Answer<QueueView>;
}

/** A session's life after its claim. */
export interface SessionPort {
  setSessionProcess(sessionId: string, pid: number, pgid: number): Answer<void>;
  /** Persist the time of the latest progress (callers throttle this). */
  touchSession(sessionId: string, at: number): Answer<void>;
  /** In one transaction: close the session with its outcome and apply the issue transition; answer the queue after. */
  finishSession(sessionId: string, end: SessionEnd, transition: IssueTransition): Answer<QueueView>;
}

/** What the run records besides sessions: workers, scale operations, backpressure, metric snapshots. */
export interface RecordPort {
  upsertWorker(worker: WorkerRow): Answer<void>;
  recordScaleOperation(op: ScaleOperationRow): Answer<void>;
  recordBackpressure(change: BackpressureChangeRow): Answer<void>;
  recordSnapshot(snapshot: MetricsSnapshotRow): Answer<void>;
  /** Check that the store is still the one opened (its file not deleted or replaced); throw when not. */
  checkFile?(): Answer<void>;
}

/** Everything the run's interpreter writes through. */
export type RunStore = ClaimPort & SessionPort & RecordPort;
