import { ISSUE_STATUSES, type IssueStatus } from '../core/states.js';
import { StoreError } from '../errors.js';
import { ACTIVE_MERGE_STATES, SUPERSEDED_REASON, type MergeEntryState } from '../merge/states.js';
import { DispatchQueues, type QueueEntry } from './dispatch-queues.js';
import type { QueueView, RunStore } from './ports.js';
import { judgeRunLock } from './run-lock.js';
import { insertSorted, lowerBound, sinceAt } from './sorted.js';
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

interface StoredIssue {
  row: IssueRow;
  /** Bumped on every status change; queue entries carrying an older token are stale. */
  token: number;
}

interface StoredSession {
  row: SessionRow;
  /** Start order, the tie-breaker SQLite gets from rowid. */
  order: number;
}

/**
 * The Store contract in plain memory, for tests and the load test's
 * simulation of 100,000 issues. The dispatch path (admit, nextQueued,
 * startSession, finishSession) is O(log n) through heaps; counts are kept as
 * counters. Rows handed out are copies, so callers cannot corrupt the state.
 */
export interface MemoryStoreOptions {
  /**
   * Keep every finished session, done issue and metric snapshot (default
   * true). A simulation of a million issues passes false: what is finished
   * is folded into the counts and forgotten, so memory stays flat in the
   * number of issues. Failed issues and open sessions are always kept. A
   * forgetting store no longer knows the ids of done issues, so it is only
   * for workloads where each id arrives once.
   */
  retainFinished?: boolean;
}

export class MemoryStore implements Store {
  readonly location = ':memory:';
  private readonly retain: boolean;

  constructor(options: MemoryStoreOptions = {}) {
    this.retain = options.retainFinished ?? true;
  }

  private readonly issues = new Map<string, StoredIssue>();
  private readonly counts = Object.fromEntries(ISSUE_STATUSES.map((s) => [s, 0])) as Record<IssueStatus, number>;
  private lastSeq = 0;
  private readonly queues = new DispatchQueues((entry, status) => this.live(entry, status) !== undefined);

  private readonly sessions = new Map<string, StoredSession>();
  private sessionOrder = 0;
  private readonly open = new Set<string>();
  private readonly sessionsByIssue = new Map<string, StoredSession[]>();
  /** Finished sessions ordered by (endedAt, start order). */
  private readonly finished: StoredSession[] = [];

  private readonly workers = new Map<string, WorkerRow>();
  private readonly scaleOperations: ScaleOperationRow[] = [];
  private readonly backpressure: BackpressureChangeRow[] = [];
  private readonly snapshots: MetricsSnapshotRow[] = [];
  private runLock: RunLockInfo | undefined;

  /** Merge entries in id order (ids are assigned in increasing order, so appending keeps it). */
  private readonly merges: MergeEntryRow[] = [];
  private readonly mergeIndex = new Map<number, MergeEntryRow>();

  // --- issues ----------------------------------------------------------------

  importIssues(issues: readonly IssueInput[], now: number): ImportResult {
    let added = 0;
    for (const input of issues) {
      if (this.issues.has(input.id)) continue;
      const row: IssueRow = {
        id: input.id,
        title: input.title,
        body: input.body,
        priority: input.priority,
        labels: [...input.labels],
        status: 'backlog',
        attempts: 0,
        priorAttempts: 0,
        seq: ++this.lastSeq,
        createdAt: now,
        updatedAt: now,
        notBefore: null,
        lastError: null,
        branch: null,
      };
      const stored: StoredIssue = { row, token: 0 };
      this.issues.set(row.id, stored);
      this.counts.backlog += 1;
      this.queues.add(entryOf(stored), 'backlog');
      added += 1;
    }
    return { added, known: issues.length - added };
  }

  getIssue(id: string): IssueRow | undefined {
    const stored = this.issues.get(id);
    return stored && copyIssue(stored.row);
  }

  listIssues(status?: IssueStatus): IssueRow[] {
    // A scan: listing is rare (reports, the end of a run), status changes are not.
    const rows: IssueRow[] = [];
    for (const stored of this.issues.values()) {
      if (status === undefined || stored.row.status === status) rows.push(copyIssue(stored.row));
    }
    return rows.sort((a, b) => a.priority - b.priority || a.seq - b.seq);
  }

  countIssues(): Record<IssueStatus, number> {
    return { ...this.counts };
  }

  admit(limit: number, now: number): IssueRow[] {
    const admitted: IssueRow[] = [];
    const max = Math.floor(limit);
    while (admitted.length < max) {
      const entry = this.queues.takeBacklog();
      const stored = entry && this.issues.get(entry.id);
      if (!stored) break;
      stored.row.notBefore = null;
      this.setStatus(stored, 'queued', now);
      admitted.push(copyIssue(stored.row));
    }
    return admitted;
  }

  /** admit() without the copies of the rows. */
  private admitCount(limit: number, now: number): number {
    const max = Math.floor(limit);
    let n = 0;
    while (n < max) {
      const entry = this.queues.takeBacklog();
      const stored = entry && this.issues.get(entry.id);
      if (!stored) break;
      stored.row.notBefore = null;
      this.setStatus(stored, 'queued', now);
      n++;
    }
    return n;
  }

  nextQueued(now: number): IssueRow | undefined {
    const entry = this.queues.nextReady(now);
    const stored = entry && this.issues.get(entry.id);
    return stored && copyIssue(stored.row);
  }

  nextRetryAt(): number | null {
    return this.queues.nextRetryAt();
  }

  retryIssues(ids: readonly string[], now: number): RetryResult {
    const result: RetryResult = { retried: [], unknown: [], notFailed: [] };
    for (const id of new Set(ids)) {
      const stored = this.issues.get(id);
      if (!stored) result.unknown.push(id);
      else if (stored.row.status !== 'failed') result.notFailed.push({ id, status: stored.row.status });
      else result.retried.push(id);
    }
    if (result.unknown.length > 0 || result.notFailed.length > 0) return { ...result, retried: [] };
    for (const id of result.retried) {
      const stored = this.issues.get(id) as StoredIssue;
      stored.row.priorAttempts += stored.row.attempts;
      stored.row.attempts = 0;
      stored.row.notBefore = null;
      this.setStatus(stored, 'backlog', now);
    }
    return result;
  }

  // --- sessions --------------------------------------------------------------

  startSession(args: { sessionId: string; issueId: string; workerId: string; now: number; logPath: string | null }): SessionRow {
    const { sessionId, issueId, workerId, now, logPath } = args;
    const issue = this.issues.get(issueId);
    if (!issue) throw new StoreError(`cannot start session ${sessionId}: issue ${issueId} does not exist`);
    if (issue.row.status !== 'queued') {
      throw new StoreError(`cannot start session ${sessionId}: issue ${issueId} must be queued, but it is ${issue.row.status}`);
    }
    if (this.sessions.has(sessionId)) {
      throw new StoreError(`cannot start session ${sessionId}: a session with that id already exists`);
    }
    issue.row.attempts += 1;
    issue.row.notBefore = null;
    this.setStatus(issue, 'running', now);
    const row: SessionRow = {
      id: sessionId,
      issueId,
      workerId,
      attempt: issue.row.priorAttempts + issue.row.attempts,
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
    const stored: StoredSession = { row, order: this.sessionOrder++ };
    this.sessions.set(sessionId, stored);
    this.open.add(sessionId);
    const forIssue = this.sessionsByIssue.get(issueId);
    if (forIssue) forIssue.push(stored);
    else this.sessionsByIssue.set(issueId, [stored]);
    return { ...row };
  }

  setSessionProcess(sessionId: string, pid: number, pgid: number): void {
    const stored = this.sessions.get(sessionId);
    if (!stored) return;
    stored.row.pid = pid;
    stored.row.pgid = pgid;
  }

  touchSession(sessionId: string, at: number): void {
    const stored = this.sessions.get(sessionId);
    if (stored) stored.row.lastProgressAt = at;
  }

  finishSession(sessionId: string, end: SessionEnd, transition: IssueTransition): void {
    const session = this.sessions.get(sessionId);
    if (!session) throw new StoreError(`cannot finish session ${sessionId}: no such session`);
    const row = session.row;
    if (row.endedAt !== null) {
      throw new StoreError(`cannot finish session ${sessionId}: it already ended at ${row.endedAt} with outcome ${row.outcome}`);
    }
    row.endedAt = end.endedAt;
    row.outcome = end.outcome;
    row.exitCode = end.exitCode ?? null;
    row.signal = end.signal ?? null;
    row.reason = end.reason ?? null;
    this.open.delete(sessionId);
    if (this.retain) insertSorted(this.finished, session, finishedBefore);
    else this.forgetSession(session);

    const issue = this.issues.get(row.issueId);
    if (!issue) return;
    this.applyTransition(issue, transition, end.endedAt);
    if (!this.retain && issue.row.status === 'done') this.issues.delete(issue.row.id);
  }

  private forgetSession(session: StoredSession): void {
    const { id, issueId } = session.row;
    this.sessions.delete(id);
    const forIssue = this.sessionsByIssue.get(issueId);
    if (!forIssue) return;
    const rest = forIssue.filter((s) => s !== session);
    if (rest.length) this.sessionsByIssue.set(issueId, rest);
    else this.sessionsByIssue.delete(issueId);
  }

  getSession(id: string): SessionRow | undefined {
    const stored = this.sessions.get(id);
    return stored && { ...stored.row };
  }

  openSessions(): SessionRow[] {
    const open = [...this.open].map((id) => this.sessions.get(id)).filter((s) => s !== undefined);
    return open.sort((a, b) => a.row.startedAt - b.row.startedAt || a.order - b.order).map((s) => ({ ...s.row }));
  }

  sessionsForIssue(issueId: string): SessionRow[] {
    const rows = (this.sessionsByIssue.get(issueId) ?? []).map((s) => ({ ...s.row }));
    return rows.sort((a, b) => a.startedAt - b.startedAt || a.attempt - b.attempt);
  }

  finishedSessions(since?: number): SessionRow[] {
    const from = since === undefined ? 0 : lowerBound(this.finished, (s) => (s.row.endedAt ?? 0) >= since);
    return this.finished.slice(from).map((s) => ({ ...s.row }));
  }

  // --- workers, scaling, backpressure, snapshots -----------------------------

  upsertWorker(worker: WorkerRow): void {
    this.workers.set(worker.id, { ...worker, retireReason: worker.retireReason ?? null });
  }

  listWorkers(): WorkerRow[] {
    const rows = [...this.workers.values()].map((w) => ({ ...w }));
    return rows.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  recordScaleOperation(op: ScaleOperationRow): void {
    insertSorted(this.scaleOperations, { ...op }, atBefore);
  }

  listScaleOperations(since?: number): ScaleOperationRow[] {
    return sinceAt(this.scaleOperations, since).map((r) => ({ ...r }));
  }

  recordBackpressure(change: BackpressureChangeRow): void {
    insertSorted(this.backpressure, { ...change }, atBefore);
  }

  listBackpressure(since?: number): BackpressureChangeRow[] {
    return sinceAt(this.backpressure, since).map((r) => ({ ...r }));
  }

  recordSnapshot(snapshot: MetricsSnapshotRow): void {
    // A forgetting store keeps the latest snapshot only.
    if (!this.retain) this.snapshots.length = 0;
    insertSorted(this.snapshots, { ...snapshot }, atBefore);
  }

  listSnapshots(since?: number): MetricsSnapshotRow[] {
    return sinceAt(this.snapshots, since).map((r) => ({ ...r }));
  }

  // --- merge queue -------------------------------------------------------------

  enqueueMerge(args: { issueId: string; branch: string; head: string | null; now: number }): MergeEntryRow {
    if (!this.issues.has(args.issueId)) throw new StoreError(`cannot queue a merge for issue ${args.issueId}: no such issue`);
    for (const entry of this.merges) {
      if (entry.issueId === args.issueId && ACTIVE_MERGE_STATES.includes(entry.state)) {
        Object.assign(entry, { state: 'rejected', endedAt: args.now, reason: SUPERSEDED_REASON });
      }
    }
    const row: MergeEntryRow = {
      id: (this.merges.at(-1)?.id ?? 0) + 1,
      issueId: args.issueId,
      branch: args.branch,
      head: args.head,
      state: 'queued',
      queuedAt: args.now,
      startedAt: null,
      endedAt: null,
      base: null,
      result: null,
      reason: null,
      url: null,
      verifyPid: null,
      verifyPgid: null,
    };
    this.merges.push(row);
    this.mergeIndex.set(row.id, row);
    return { ...row };
  }

  nextMerges(limit: number): MergeEntryRow[] {
    const max = Math.floor(limit);
    const rows: MergeEntryRow[] = [];
    for (const entry of this.merges) {
      if (rows.length >= max) break;
      if (entry.state === 'queued') rows.push({ ...entry });
    }
    return rows;
  }

  getMerge(id: number): MergeEntryRow | undefined {
    const entry = this.mergeIndex.get(id);
    return entry && { ...entry };
  }

  listMerges(state?: MergeEntryState): MergeEntryRow[] {
    return this.merges.filter((e) => state === undefined || e.state === state).map((e) => ({ ...e }));
  }

  setMergeState(id: number, update: MergeEntryUpdate, now: number, transition?: IssueTransition): MergeEntryRow {
    const entry = this.mergeIndex.get(id);
    if (!entry) throw new StoreError(`cannot update merge entry ${id}: no such entry`);
    const issue = this.issues.get(entry.issueId);
    // Check before changing anything, so a refused call leaves no trace (as a rolled-back transaction would).
    if (transition && issue?.row.status !== 'merging') {
      throw new StoreError(
        `cannot apply a merge outcome to issue ${entry.issueId}: it must be merging, but it is ${issue?.row.status ?? 'missing'}`,
      );
    }
    for (const [key, value] of Object.entries(update)) {
      if (value !== undefined) Object.assign(entry, { [key]: value });
    }
    if (transition && issue) this.applyTransition(issue, transition, now);
    return { ...entry };
  }

  mergeDepth(): number {
    let depth = 0;
    for (const entry of this.merges) if (ACTIVE_MERGE_STATES.includes(entry.state)) depth++;
    return depth;
  }

  // --- run lock --------------------------------------------------------------

  acquireRunLock(self: RunLockInfo, isAlive: (pid: number) => boolean, options: RunLockOptions = {}): RunLockClaim {
    const holder = this.runLock;
    const verdict = judgeRunLock(holder, self, { isAlive, ...(options.identify ? { identify: options.identify } : {}) }, options.force);
    if (!verdict.claim) return { acquired: false, holder: { ...(holder as RunLockInfo) } };
    this.runLock = { ...self };
    return holder && verdict.why !== 'free' && verdict.why !== 'own' ? { acquired: true, taken: { holder: { ...holder }, why: verdict.why } } : { acquired: true };
  }

  heartbeatRunLock(pid: number, at: number): void {
    if (this.runLock?.pid === pid) this.runLock.heartbeatAt = at;
  }

  releaseRunLock(pid: number): void {
    if (this.runLock?.pid === pid) this.runLock = undefined;
  }

  /**
   * The run's ports (src/store/ports.ts) straight on this store's
   * structures: a claim is one call, and the queue view is one object the
   * store keeps current, so the load test's millions of steps allocate
   * nothing for it.
   */
  runStore(): RunStore {
    const view: QueueView = { counts: this.counts, nextRetryAt: null, mergeDepth: 0 };
    const current = (): QueueView => {
      view.nextRetryAt = this.queues.nextRetryAt();
      view.mergeDepth = this.merges.length === 0 ? 0 : this.mergeDepth();
      return view;
    };
    return {
      importIssues: (issues, now) => (this.importIssues(issues, now), current()),
      admit: (limit, now) => ({ count: this.admitCount(limit, now), view: current() }),
      claim: ({ sessionId, workerId, now, logPath }) => {
        const entry = this.queues.nextReady(now);
        const stored = entry && this.issues.get(entry.id);
        if (!stored) return { issue: null, view: current() };
        const id = stored.row.id;
        this.startSession({ sessionId, issueId: id, workerId, now, logPath: logPath(id, stored.row.priorAttempts + stored.row.attempts + 1, sessionId) });
        return { issue: copyIssue(stored.row), view: current() };
      },
      queueView: () => current(),
      setSessionProcess: (sessionId, pid, pgid) => this.setSessionProcess(sessionId, pid, pgid),
      touchSession: (sessionId, at) => this.touchSession(sessionId, at),
      finishSession: (sessionId, end, transition) => (this.finishSession(sessionId, end, transition), current()),
      upsertWorker: (worker) => this.upsertWorker(worker),
      recordScaleOperation: (op) => this.recordScaleOperation(op),
      recordBackpressure: (change) => this.recordBackpressure(change),
      recordSnapshot: (snapshot) => this.recordSnapshot(snapshot),
    };
  }

  /** Each change here is already whole or nothing; a batch adds nothing to that. */
  batch<T>(body: () => T): T {
    return body();
  }

  close(): void {}

  // --- internals -------------------------------------------------------------

  /** The issue behind a heap entry, if the entry still describes it. */
  private live(entry: QueueEntry, status: IssueStatus): StoredIssue | undefined {
    const stored = this.issues.get(entry.id);
    return stored && stored.token === entry.token && stored.row.status === status ? stored : undefined;
  }

  /** What finishing a session or a merge does to its issue. */
  private applyTransition(stored: StoredIssue, transition: IssueTransition, now: number): void {
    const row = stored.row;
    row.notBefore = transition.notBefore ?? null;
    if (transition.refundAttempt) row.attempts = Math.max(row.attempts - 1, 0);
    if (transition.lastError !== undefined) row.lastError = transition.lastError;
    if (transition.branch !== undefined) row.branch = transition.branch;
    this.setStatus(stored, transition.status, now);
  }

  /** The one place an issue's status changes, so counters and heaps stay in step. */
  private setStatus(stored: StoredIssue, status: IssueStatus, now: number): void {
    const row = stored.row;
    this.counts[row.status] -= 1;
    row.status = status;
    row.updatedAt = now;
    this.counts[status] += 1;
    stored.token += 1;
    // Only backlog and queued issues wait in a queue.
    if (status === 'backlog' || status === 'queued') this.queues.add(entryOf(stored), status);
  }
}

function entryOf(stored: StoredIssue): QueueEntry {
  const { id, priority, seq, notBefore } = stored.row;
  return { id, token: stored.token, priority, seq, notBefore };
}

function copyIssue(row: IssueRow): IssueRow {
  return { ...row, labels: [...row.labels] };
}

const atBefore = (a: { at: number }, b: { at: number }): boolean => a.at < b.at;

const finishedBefore = (a: StoredSession, b: StoredSession): boolean => {
  const aEnd = a.row.endedAt ?? 0;
  const bEnd = b.row.endedAt ?? 0;
  return aEnd !== bEnd ? aEnd < bEnd : a.order < b.order;
};
