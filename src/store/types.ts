import type { IssueStatus, SessionOutcome, WorkerState, HealthStatus } from '../core/states.js';
import type { MergeEntryState } from '../merge/states.js';
import type { StoreFailure } from '../errors.js';
import type { LockProbe, LockVerdict } from './run-lock.js';

/**
 * The durable state of a harness run. Every method that changes state is one
 * transaction. The interface is synchronous on purpose: the coordinator
 * handles one event at a time and each decision must see the previous one
 * committed. (better-sqlite3 is synchronous; a PostgreSQL implementation can
 * use pg-native's synchronous client.)
 *
 * Times are epoch milliseconds supplied by the caller (the clock is injected
 * everywhere); stores never read the system time themselves, except for the
 * run lock's heartbeat which is wall-clock by nature.
 */

/** An issue as it comes from a source, after validation. */
export interface IssueInput {
  id: string;
  title: string;
  body: string;
  /** 0 is the most urgent (beads convention). Default 2. */
  priority: number;
  labels: string[];
}

export interface IssueRow extends IssueInput {
  status: IssueStatus;
  /** Sessions started that counted against maxAttempts (since the issue was last retried). */
  attempts: number;
  /**
   * Counted attempts spent before the issue was last retried (`harness
   * retry`, `run --retry-failed`): a retry starts a fresh budget, and its
   * sessions are numbered after the earlier ones (attempt = priorAttempts +
   * attempts).
   */
  priorAttempts: number;
  /** Import order, used for "oldest first" within a priority. */
  seq: number;
  createdAt: number;
  updatedAt: number;
  /** A queued issue may not be dispatched before this time (retry backoff). */
  notBefore: number | null;
  /** Why it failed (or why its last attempt failed). */
  lastError: string | null;
  /** Branch holding the work (worktree mode). */
  branch: string | null;
}

export interface SessionRow {
  id: string;
  issueId: string;
  workerId: string;
  attempt: number;
  pid: number | null;
  pgid: number | null;
  startedAt: number;
  lastProgressAt: number;
  endedAt: number | null;
  outcome: SessionOutcome | null;
  exitCode: number | null;
  signal: string | null;
  logPath: string | null;
  /** Free text: why the session ended as it did. */
  reason: string | null;
}

export interface WorkerRow {
  id: string;
  state: WorkerState;
  sessionsRun: number;
  createdAt: number;
  retiredAt: number | null;
  /** Why the worker left the pool (scale-down, recycled at its quota, drained). */
  retireReason?: string | null;
}

export interface ScaleOperationRow {
  at: number;
  direction: 'up' | 'down';
  from: number;
  to: number;
  reason: string;
}

export interface BackpressureChangeRow {
  at: number;
  active: boolean;
  queueDepth: number;
}

/** A periodic copy of the ScaleManager's metrics, for history and charts. */
export interface MetricsSnapshotRow {
  at: number;
  currentWorkers: number;
  activeWorkers: number;
  idleWorkers: number;
  stalledWorkers: number;
  queueDepth: number;
  mergeQueueDepth: number;
  throughputPerMinute: number;
  avgSessionDurationMs: number;
  p95SessionDurationMs: number;
  p99SessionDurationMs: number;
  successRate: number;
  totalSessionsCompleted: number;
  totalSessionsFailed: number;
  health: HealthStatus;
  backpressureActive: boolean;
  scaleOperations: number;
}

/** What happens to the issue when a session ends; decided by the core, applied by the store. */
export interface IssueTransition {
  status: IssueStatus;
  /** For status `queued`: earliest dispatch time (retry backoff), or null. */
  notBefore?: number | null;
  /** Give back the attempt this session spent (cancelled / lost). */
  refundAttempt?: boolean;
  lastError?: string | null;
  branch?: string | null;
}

export interface SessionEnd {
  outcome: SessionOutcome;
  endedAt: number;
  exitCode?: number | null;
  signal?: string | null;
  reason?: string | null;
}

export interface ImportResult {
  /** Ids that were new and are now in the backlog. */
  added: number;
  /** Ids already known: left exactly as they were. */
  known: number;
}

/** One branch in the merge queue (see src/merge/states.ts for the state machine). */
export interface MergeEntryRow {
  /** Increasing with every enqueue: the queue is served in id order (oldest first). */
  id: number;
  issueId: string;
  branch: string;
  /** The branch's commit when it was queued. */
  head: string | null;
  state: MergeEntryState;
  queuedAt: number;
  /** When the latest merge attempt began. */
  startedAt: number | null;
  endedAt: number | null;
  /** Target commit the latest attempt built on (the expected old value of the target). */
  base: string | null;
  /** Commit holding this entry's change on top of `base`, recorded before the target moves. */
  result: string | null;
  /** Why it was rejected, or what is holding it up. */
  reason: string | null;
  /** Pull request address (pr mode). */
  url: string | null;
  /** The verify command's process while it runs, so a restart can stop it. */
  verifyPid: number | null;
  verifyPgid: number | null;
}

/** Fields of a merge entry to change; absent fields keep their value. */
export type MergeEntryUpdate = Partial<Pick<MergeEntryRow, 'state' | 'startedAt' | 'endedAt' | 'base' | 'result' | 'reason' | 'url' | 'verifyPid' | 'verifyPgid'>>;

export interface RunLockInfo {
  pid: number;
  hostname: string;
  startedAt: number;
  heartbeatAt: number;
  /**
   * Which process had `pid` when it took the lock (its boot and start time,
   * see src/runtime/processes.ts), so a pid that another process took over
   * later does not hold the lock. Absent when unknown.
   */
  processStart?: string;
}

export interface RunLockOptions {
  /** Tells the process that has a pid now from the one that took the lock. */
  identify?: LockProbe['identify'];
  /** Take the lock whoever holds it (`harness run --force-unlock`). */
  force?: boolean;
}

export type RunLockClaim =
  | { acquired: true; taken?: { holder: RunLockInfo; why: Exclude<Extract<LockVerdict, { claim: true }>['why'], 'free' | 'own'> } }
  | { acquired: false; holder: RunLockInfo };

/** What `retryIssues` did: every id retried, or nothing at all when some id is unknown or not failed. */
export interface RetryResult {
  retried: string[];
  unknown: string[];
  notFailed: { id: string; status: IssueStatus }[];
}

export interface Store {
  /** Path or description of where the state lives (for messages). */
  readonly location: string;

  // --- issues --------------------------------------------------------------
  /** Insert new ids as `backlog`; known ids keep their state. One transaction. */
  importIssues(issues: readonly IssueInput[], now: number): ImportResult;
  getIssue(id: string): IssueRow | undefined;
  /** All issues, priority then seq order. */
  listIssues(status?: IssueStatus): IssueRow[];
  countIssues(): Record<IssueStatus, number>;
  /**
   * Move up to `limit` backlog issues to `queued`, most urgent first
   * (priority ascending, then seq ascending). Returns them.
   */
  admit(limit: number, now: number): IssueRow[];
  /**
   * The most urgent queued issue whose notBefore is null or ≤ now, or
   * undefined. Does not change state.
   */
  nextQueued(now: number): IssueRow | undefined;
  /** Earliest notBefore among queued issues (to schedule a wake-up), or null. */
  nextRetryAt(): number | null;
  /**
   * One transaction: put failed issues back in the backlog with a fresh
   * budget of attempts (priorAttempts += attempts, attempts = 0); their
   * sessions stay. All or nothing: when an id is unknown or its issue is not
   * failed, nothing changes and the result says which.
   */
  retryIssues(ids: readonly string[], now: number): RetryResult;

  // --- sessions ------------------------------------------------------------
  /**
   * One transaction: the issue goes queued → running, its attempts + 1, and a
   * session row is inserted with attempt = priorAttempts + the new attempts
   * value and startedAt = lastProgressAt = now. Throws if the issue is not queued.
   */
  startSession(args: { sessionId: string; issueId: string; workerId: string; now: number; logPath: string | null }): SessionRow;
  /** Record the process that runs a session. */
  setSessionProcess(sessionId: string, pid: number, pgid: number): void;
  /** Persist the time of the latest progress (callers throttle this). */
  touchSession(sessionId: string, at: number): void;
  /**
   * One transaction: close the session with its outcome and apply the issue
   * transition (refunding the attempt when asked). Throws if already closed.
   */
  finishSession(sessionId: string, end: SessionEnd, transition: IssueTransition): void;
  getSession(id: string): SessionRow | undefined;
  /** Sessions with no end: after a crash, these were running when the harness died. */
  openSessions(): SessionRow[];
  sessionsForIssue(issueId: string): SessionRow[];
  /** Finished sessions ended at or after `since`, oldest first. */
  finishedSessions(since?: number): SessionRow[];

  // --- workers, scaling, backpressure, snapshots ---------------------------
  upsertWorker(worker: WorkerRow): void;
  listWorkers(): WorkerRow[];
  recordScaleOperation(op: ScaleOperationRow): void;
  listScaleOperations(since?: number): ScaleOperationRow[];
  recordBackpressure(change: BackpressureChangeRow): void;
  listBackpressure(since?: number): BackpressureChangeRow[];
  recordSnapshot(snapshot: MetricsSnapshotRow): void;
  listSnapshots(since?: number): MetricsSnapshotRow[];

  // --- merge queue ---------------------------------------------------------
  /**
   * Append a `queued` entry for the issue's branch. Older active entries of
   * the same issue are rejected as superseded in the same transaction, so an
   * issue never has two entries waiting.
   */
  enqueueMerge(args: { issueId: string; branch: string; head: string | null; now: number }): MergeEntryRow;
  /** Up to `limit` queued entries, oldest first. Does not change state. */
  nextMerges(limit: number): MergeEntryRow[];
  getMerge(id: number): MergeEntryRow | undefined;
  /** Entries in id order, optionally only those in `state`. */
  listMerges(state?: MergeEntryState): MergeEntryRow[];
  /**
   * One transaction: update the entry and, when given, apply `transition` to
   * its issue (updatedAt = now). Throws if the entry does not exist, or if a
   * transition is given and the issue is not `merging`.
   */
  setMergeState(id: number, update: MergeEntryUpdate, now: number, transition?: IssueTransition): MergeEntryRow;
  /** Entries queued or merging: the merge queue's depth. */
  mergeDepth(): number;

  // --- run lock --------------------------------------------------------------
  /**
   * Claim the store for this process. If another live process holds it,
   * return that holder instead of claiming. A holder whose pid is dead or
   * belongs to another process now, or whose heartbeat stopped long ago when
   * nothing else can be known (src/store/run-lock.ts), is taken over, and the
   * claim says from whom.
   */
  acquireRunLock(self: RunLockInfo, isAlive: (pid: number) => boolean, options?: RunLockOptions): RunLockClaim;
  heartbeatRunLock(pid: number, at: number): void;
  releaseRunLock(pid: number): void;

  /**
   * Run `body`, committing every change it makes as one transaction (a
   * group commit: events that arrive together are recorded with one write
   * to disk). Each change inside is still applied whole or not at all: one
   * that throws leaves nothing behind, and if `body` catches the error the
   * other changes are kept. A body that throws gives no guarantee: a SQL
   * store rolls every change of the batch back, the memory store keeps them.
   */
  batch<T>(body: () => T): T;

  /**
   * Call `listener` once when the store can no longer record the run: a
   * write failed (disk full, I/O error, read-only) or its file was deleted or
   * replaced. From then on every write throws that same StoreFailure.
   * Stores that cannot fail (memory) need not implement it.
   */
  onFailure?(listener: (failure: StoreFailure) => void): () => void;
  /** Check that the store's file is still the one it opened; a StoreFailure (reported as above) if not. */
  checkFile?(): void;

  close(): void;
}

/** The snapshot row of a metric set. */
export function snapshotOf(m: import('../core/metrics-types.js').ScaleMetrics): MetricsSnapshotRow {
  return {
    at: m.timestamp,
    currentWorkers: m.currentWorkers,
    activeWorkers: m.activeWorkers,
    idleWorkers: m.idleWorkers,
    stalledWorkers: m.stalledWorkers,
    queueDepth: m.queueDepth,
    mergeQueueDepth: m.mergeQueueDepth,
    throughputPerMinute: m.throughputPerMinute,
    avgSessionDurationMs: m.avgSessionDurationMs,
    p95SessionDurationMs: m.p95SessionDurationMs,
    p99SessionDurationMs: m.p99SessionDurationMs,
    successRate: m.successRate,
    totalSessionsCompleted: m.totalSessionsCompleted,
    totalSessionsFailed: m.totalSessionsFailed,
    health: m.health,
    backpressureActive: m.backpressureActive,
    scaleOperations: m.scaleOperations,
  };
}
