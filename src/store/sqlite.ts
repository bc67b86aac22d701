import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { ISSUE_STATUSES, type IssueStatus } from '../core/states.js';
import { StoreError, StoreFailure } from '../errors.js';
import { SUPERSEDED_REASON, type MergeEntryState } from '../merge/states.js';
import { judgeRunLock } from './run-lock.js';
import { IN_MEMORY, openStateDatabase } from './sqlite-open.js';
import { describeWriteFailure, fileVanished, isStorageFailure } from './sqlite-failure.js';
import {
  mergeEntryParams,
  toBackpressure,
  toIssue,
  toMergeEntry,
  toRunLock,
  toScaleOperation,
  toSession,
  toSnapshot,
  toWorker,
  snapshotParams,
  storedLogPath,
  type MergeEntryRecord,
} from './sqlite-rows.js';
import { prepareStatements, type Statements, type TransitionParams } from './sqlite-statements.js';
import type {
  BackpressureChangeRow,
  ImportResult,
  IssueInput,
  IssueRow,
  IssueTransition,
  MergeEntryRow,
  MergeEntryUpdate,
  MetricsSnapshotRow,
  RetryResult,
  RunLockClaim,
  RunLockInfo,
  RunLockOptions,
  ScaleOperationRow,
  SessionEnd,
  SessionRow,
  Store,
  WorkerRow,
} from './types.js';

/** Lower bound for the optional `since` of list methods. */
const SINCE_EVER = Number.MIN_SAFE_INTEGER;

/**
 * The durable store: one SQLite file in WAL mode, so readers (a `harness
 * metrics` in another terminal) never block the running coordinator.
 *
 * Every write runs as `BEGIN IMMEDIATE`: methods read before they write, and
 * a deferred transaction that upgrades to a writer can fail with SQLITE_BUSY
 * without waiting, whereas an immediate one queues behind busy_timeout.
 *
 * A write that fails for a reason of storage (the disk is full, an I/O
 * error, a read-only file), or a file found deleted or replaced by
 * checkFile(), is a StoreFailure: the failure listeners hear of it once,
 * and every later write throws it without touching the database.
 */
export class SqliteStore implements Store {
  readonly location: string;
  private readonly db: Database.Database;
  private readonly sql: Statements;
  /** One transaction wrapper for the store's lifetime; each call runs the body it is given. */
  private readonly transact: Database.Transaction<(body: () => unknown) => unknown>;
  /** The state file's absolute path, which stored log paths are written against (null in memory). */
  private readonly statePath: string | null;
  /** The file opened, to notice it deleted or replaced (null in memory). */
  private readonly file: { dev: number; ino: number } | null;
  private failure: StoreFailure | null = null;
  private readonly failureListeners = new Set<(failure: StoreFailure) => void>();

  constructor(path: string) {
    this.location = path;
    this.db = openStateDatabase(path);
    this.sql = prepareStatements(this.db);
    this.transact = this.db.transaction((body: () => unknown) => body());
    this.file = path === IN_MEMORY ? null : fileIdentity(path);
    this.statePath = path === IN_MEMORY ? null : resolve(path);
  }

  // --- issues ----------------------------------------------------------------

  importIssues(issues: readonly IssueInput[], now: number): ImportResult {
    return this.write(() => {
      let seq = this.sql.maxSeq.get()?.seq ?? 0;
      let added = 0;
      for (const issue of issues) {
        const { changes } = this.sql.insertIssue.run({
          id: issue.id,
          title: issue.title,
          body: issue.body,
          priority: issue.priority,
          labels: JSON.stringify(issue.labels),
          status: 'backlog',
          seq: seq + 1,
          created_at: now,
          updated_at: now,
        });
        if (changes === 1) {
          seq += 1;
          added += 1;
        }
      }
      return { added, known: issues.length - added };
    });
  }

  getIssue(id: string): IssueRow | undefined {
    const record = this.sql.getIssue.get(id);
    return record && toIssue(record);
  }

  listIssues(status?: IssueStatus): IssueRow[] {
    const records = status === undefined ? this.sql.listIssues.all() : this.sql.listIssuesByStatus.all(status);
    return records.map(toIssue);
  }

  countIssues(): Record<IssueStatus, number> {
    const counts = Object.fromEntries(ISSUE_STATUSES.map((s) => [s, 0])) as Record<IssueStatus, number>;
    for (const { status, n } of this.sql.countIssues.all()) {
      if (status in counts) counts[status as IssueStatus] = n;
    }
    return counts;
  }

  admit(limit: number, now: number): IssueRow[] {
    if (!(limit > 0)) return [];
    // SQLite reads a negative LIMIT as "no limit".
    const sqlLimit = Number.isFinite(limit) ? Math.floor(limit) : -1;
    return this.write(() =>
      this.sql.backlogHead.all(sqlLimit).map((record) => {
        this.sql.setStatus.run('queued', now, record.id);
        return { ...toIssue(record), status: 'queued' as const, updatedAt: now };
      }),
    );
  }

  nextQueued(now: number): IssueRow | undefined {
    const record = this.sql.nextQueued.get(now);
    return record && toIssue(record);
  }

  nextRetryAt(): number | null {
    return this.sql.nextRetryAt.get()?.at ?? null;
  }

  retryIssues(ids: readonly string[], now: number): RetryResult {
    return this.write(() => {
      const result: RetryResult = { retried: [], unknown: [], notFailed: [] };
      for (const id of new Set(ids)) {
        const issue = this.sql.getIssue.get(id);
        if (!issue) result.unknown.push(id);
        else if (issue.status !== 'failed') result.notFailed.push({ id, status: issue.status });
        else result.retried.push(id);
      }
      if (result.unknown.length > 0 || result.notFailed.length > 0) return { ...result, retried: [] };
      for (const id of result.retried) this.sql.retryIssue.run(now, id);
      return result;
    });
  }

  // --- sessions --------------------------------------------------------------

  startSession(args: { sessionId: string; issueId: string; workerId: string; now: number; logPath: string | null }): SessionRow {
    const { sessionId, issueId, workerId, now, logPath } = args;
    return this.write(() => {
      const issue = this.sql.getIssue.get(issueId);
      if (!issue) throw new StoreError(`cannot start session ${sessionId}: issue ${issueId} does not exist`);
      if (issue.status !== 'queued') {
        throw new StoreError(
          `cannot start session ${sessionId}: issue ${issueId} must be queued, but it is ${issue.status}`,
        );
      }
      if (this.sql.getSession.get(sessionId)) {
        throw new StoreError(`cannot start session ${sessionId}: a session with that id already exists`);
      }
      this.sql.markRunning.run(now, issueId);
      const attempt = issue.prior_attempts + issue.attempts + 1;
      this.sql.insertSession.run({
        id: sessionId,
        issue_id: issueId,
        worker_id: workerId,
        attempt,
        started_at: now,
        log_path: storedLogPath(this.statePath, logPath),
      });
      return {
        id: sessionId,
        issueId,
        workerId,
        attempt,
        pid: null,
        pgid: null,
        startedAt: now,
        lastProgressAt: now,
        endedAt: null,
        outcome: null,
        exitCode: null,
        signal: null,
        logPath,
        reason: null,
      };
    });
  }

  setSessionProcess(sessionId: string, pid: number, pgid: number): void {
    this.write(() => this.sql.setSessionProcess.run(pid, pgid, sessionId));
  }

  touchSession(sessionId: string, at: number): void {
    this.write(() => this.sql.touchSession.run(at, sessionId));
  }

  finishSession(sessionId: string, end: SessionEnd, transition: IssueTransition): void {
    this.write(() => {
      const session = this.sql.getSession.get(sessionId);
      if (!session) throw new StoreError(`cannot finish session ${sessionId}: no such session`);
      if (session.ended_at !== null) {
        throw new StoreError(
          `cannot finish session ${sessionId}: it already ended at ${session.ended_at} with outcome ${session.outcome}`,
        );
      }
      this.sql.endSession.run({
        id: sessionId,
        ended_at: end.endedAt,
        outcome: end.outcome,
        exit_code: end.exitCode ?? null,
        signal: end.signal ?? null,
        reason: end.reason ?? null,
      });
      this.sql.applyTransition.run(transitionParams(session.issue_id, transition, end.endedAt));
    });
  }

  getSession(id: string): SessionRow | undefined {
    const record = this.sql.getSession.get(id);
    return record && toSession(record, this.statePath);
  }

  openSessions(): SessionRow[] {
    return this.sql.openSessions.all().map((r) => toSession(r, this.statePath));
  }

  sessionsForIssue(issueId: string): SessionRow[] {
    return this.sql.sessionsForIssue.all(issueId).map((r) => toSession(r, this.statePath));
  }

  finishedSessions(since?: number): SessionRow[] {
    return this.sql.finishedSessions.all(since ?? SINCE_EVER).map((r) => toSession(r, this.statePath));
  }

  // --- workers, scaling, backpressure, snapshots -----------------------------

  upsertWorker(worker: WorkerRow): void {
    this.write(() =>
      this.sql.upsertWorker.run({
        id: worker.id,
        state: worker.state,
        sessions_run: worker.sessionsRun,
        created_at: worker.createdAt,
        retired_at: worker.retiredAt,
        retire_reason: worker.retireReason ?? null,
      }),
    );
  }

  listWorkers(): WorkerRow[] {
    return this.sql.listWorkers.all().map(toWorker);
  }

  recordScaleOperation(op: ScaleOperationRow): void {
    this.write(() =>
      this.sql.insertScaleOperation.run({
        at: op.at,
        direction: op.direction,
        from_count: op.from,
        to_count: op.to,
        reason: op.reason,
      }),
    );
  }

  listScaleOperations(since?: number): ScaleOperationRow[] {
    return this.sql.listScaleOperations.all(since ?? SINCE_EVER).map(toScaleOperation);
  }

  recordBackpressure(change: BackpressureChangeRow): void {
    this.write(() =>
      this.sql.insertBackpressure.run({ at: change.at, active: change.active ? 1 : 0, queue_depth: change.queueDepth }),
    );
  }

  listBackpressure(since?: number): BackpressureChangeRow[] {
    return this.sql.listBackpressure.all(since ?? SINCE_EVER).map(toBackpressure);
  }

  recordSnapshot(snapshot: MetricsSnapshotRow): void {
    this.write(() => this.sql.insertSnapshot.run(snapshotParams(snapshot)));
  }

  listSnapshots(since?: number): MetricsSnapshotRow[] {
    return this.sql.listSnapshots.all(since ?? SINCE_EVER).map(toSnapshot);
  }

  // --- merge queue -------------------------------------------------------------

  enqueueMerge(args: { issueId: string; branch: string; head: string | null; now: number }): MergeEntryRow {
    return this.write(() => {
      if (!this.sql.getIssue.get(args.issueId)) {
        throw new StoreError(`cannot queue a merge for issue ${args.issueId}: no such issue`);
      }
      this.sql.supersedeMergeEntries.run({ issue_id: args.issueId, now: args.now, reason: SUPERSEDED_REASON });
      const { lastInsertRowid } = this.sql.insertMergeEntry.run({
        issue_id: args.issueId,
        branch: args.branch,
        head: args.head,
        queued_at: args.now,
      });
      return toMergeEntry(this.sql.getMergeEntry.get(Number(lastInsertRowid)) as MergeEntryRecord);
    });
  }

  nextMerges(limit: number): MergeEntryRow[] {
    if (!(limit > 0)) return [];
    return this.sql.nextMergeEntries.all(Number.isFinite(limit) ? Math.floor(limit) : -1).map(toMergeEntry);
  }

  getMerge(id: number): MergeEntryRow | undefined {
    const record = this.sql.getMergeEntry.get(id);
    return record && toMergeEntry(record);
  }

  listMerges(state?: MergeEntryState): MergeEntryRow[] {
    const records = state === undefined ? this.sql.listMergeEntries.all() : this.sql.listMergeEntriesByState.all(state);
    return records.map(toMergeEntry);
  }

  setMergeState(id: number, update: MergeEntryUpdate, now: number, transition?: IssueTransition): MergeEntryRow {
    return this.write(() => {
      const record = this.sql.getMergeEntry.get(id);
      if (!record) throw new StoreError(`cannot update merge entry ${id}: no such entry`);
      const row: MergeEntryRow = { ...toMergeEntry(record), ...stripUndefined(update) };
      this.sql.updateMergeEntry.run(mergeEntryParams(row));
      if (transition) {
        const issue = this.sql.getIssue.get(row.issueId);
        if (issue?.status !== 'merging') {
          throw new StoreError(
            `cannot apply a merge outcome to issue ${row.issueId}: it must be merging, but it is ${issue?.status ?? 'missing'}`,
          );
        }
        this.sql.applyTransition.run(transitionParams(row.issueId, transition, now));
      }
      return row;
    });
  }

  mergeDepth(): number {
    return this.sql.mergeDepth.get()?.n ?? 0;
  }

  // --- run lock --------------------------------------------------------------

  acquireRunLock(self: RunLockInfo, isAlive: (pid: number) => boolean, options: RunLockOptions = {}): RunLockClaim {
    return this.write((): RunLockClaim => {
      const record = this.sql.getRunLock.get();
      const holder = record && toRunLock(record);
      const verdict = judgeRunLock(holder, self, { isAlive, ...(options.identify ? { identify: options.identify } : {}) }, options.force);
      if (!verdict.claim) return { acquired: false, holder: holder as RunLockInfo };
      this.sql.claimRunLock.run({
        pid: self.pid,
        hostname: self.hostname,
        started_at: self.startedAt,
        heartbeat_at: self.heartbeatAt,
        process_start: self.processStart ?? null,
      });
      return holder && verdict.why !== 'free' && verdict.why !== 'own' ? { acquired: true, taken: { holder, why: verdict.why } } : { acquired: true };
    });
  }

  heartbeatRunLock(pid: number, at: number): void {
    this.write(() => this.sql.heartbeatRunLock.run(at, pid));
  }

  releaseRunLock(pid: number): void {
    this.write(() => this.sql.releaseRunLock.run(pid));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Run `body` as one IMMEDIATE transaction (see the class comment). */
  batch<T>(body: () => T): T {
    // Changes made inside run as savepoints of this transaction (better-sqlite3 nests them).
    return this.write(body);
  }

  onFailure(listener: (failure: StoreFailure) => void): () => void {
    this.failureListeners.add(listener);
    return () => this.failureListeners.delete(listener);
  }

  checkFile(): void {
    if (this.failure) throw this.failure;
    if (!this.file) return;
    let now: { dev: number; ino: number } | null;
    try {
      now = fileIdentity(this.location);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw this.fail(new StoreFailure(`cannot check the state store ${this.location}: ${String(error)}`));
      now = null;
    }
    if (now === null || now.dev !== this.file.dev || now.ino !== this.file.ino) {
      throw this.fail(new StoreFailure(fileVanished(this.location, now === null ? 'deleted' : 'replaced')));
    }
  }

  private write<T>(body: () => T): T {
    if (this.failure) throw this.failure;
    try {
      return this.transact.immediate(body) as T;
    } catch (error) {
      if (error instanceof StoreFailure) throw error;
      // A statement that failed for lack of space may have rolled the whole transaction back, making
      // the commit fail in turn: whatever follows a failure is that failure.
      if (isStorageFailure(error)) throw this.fail(new StoreFailure(describeWriteFailure(this.location, error), { cause: error }));
      throw this.failure ?? error;
    }
  }

  /** Record the first failure, tell the listeners, and return what to throw. */
  private fail(failure: StoreFailure): StoreFailure {
    if (this.failure) return this.failure;
    this.failure = failure;
    for (const listener of [...this.failureListeners]) listener(failure);
    return failure;
  }
}

function fileIdentity(path: string): { dev: number; ino: number } {
  const { dev, ino } = statSync(path);
  return { dev, ino };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** An issue transition as the parameters of the one statement that applies it. */
function transitionParams(id: string, transition: IssueTransition, now: number): TransitionParams {
  return {
    id,
    status: transition.status,
    not_before: transition.notBefore ?? null,
    refund: transition.refundAttempt ? 1 : 0,
    set_error: transition.lastError === undefined ? 0 : 1,
    last_error: transition.lastError ?? null,
    set_branch: transition.branch === undefined ? 0 : 1,
    branch: transition.branch ?? null,
    now,
  };
}
