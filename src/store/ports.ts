/**
 * The store as each consumer sees it: one narrow port per job.
 *
 * | port          | consumer                                             |
 * |---------------|------------------------------------------------------|
 * | IntakePort    | the coordinator (issues arriving), `harness retry`     |
 * | ClaimPort     | the run's interpreter: admission and claims           |
 * | SessionPort   | the interpreter and crash recovery: a session's life  |
 * | RecordPort    | the interpreter: workers, scale operations, snapshots |
 * | MergePort     | the merge queue                                       |
 * | LockPort      | the coordinator: one live harness per store           |
 * | QueryPort     | reports, `harness metrics --issue`, `harness logs`    |
 * | ControlPort   | the dashboard's actions, the running coordinator      |
 * | OutboxPort    | the intake (tracked issues), the tracker sender       |
 *
 * An implementation (SQLite, memory; PostgreSQL for a fleet) provides them
 * all; one conformance suite (test/store/conformance/) checks each port on
 * each implementation. The run's ports (`Answering<…>`) may answer at once
 * or with a promise: the run's interpreter feeds either back the same way.
 */
import type { QueueView } from '../core/run/state.js';
import type { MergeEntryState } from '../merge/states.js';
import type { IssueStatus } from '../core/states.js';
import type { StoreFailure } from '../errors.js';
import type {
  BackpressureChangeRow,
  ControlRequestInput,
  ControlRequestRow,
  HoldRow,
  ImportResult,
  IssueInput,
  IssueRow,
  IssueTransition,
  MergeEntryRow,
  MergeEntryUpdate,
  MetricsSnapshotRow,
  ReportRow,
  ReportState,
  RetryResult,
  RunLockClaim,
  RunLockInfo,
  RunLockOptions,
  ScaleOperationRow,
  SessionActivity,
  SessionEnd,
  SessionRow,
  WorkerRow,
} from './types.js';

export type Answer<T> = T | Promise<T>;

export type { QueueView };

/** Where a session's log goes, known once its issue and attempt are. */
export type LogPathFor = (issueId: string, attempt: number, sessionId: string) => string | null;

/** Issues arriving, and failed issues coming back. */
export interface Intake {
  /** Insert new ids as `backlog`; known ids keep their state. One transaction. */
  importIssues(issues: readonly IssueInput[], now: number): ImportResult;
  /**
   * One transaction: put failed issues back in the backlog with a fresh
   * budget of attempts (priorAttempts += attempts, attempts = 0); their
   * sessions stay. All or nothing: when an id is unknown or its issue is not
   * failed, nothing changes and the result says which.
   */
  retryIssues(ids: readonly string[], now: number): RetryResult;
  /**
   * One transaction: issues that will never run (a blocker failed) recorded
   * as failed with `reason` as their lastError and no session. Unknown ids
   * are inserted failed; known ids in `backlog` or `queued` become failed;
   * others are left. Tracked issues queue their `failed` report with it.
   * Returns how many changed. `trackIssues` for unknown ids may come before
   * it (track first, then fail).
   */
  failUnrun(issues: readonly IssueInput[], reason: string, now: number): { failed: number; view: QueueView };
}

/** Admission and claims: the queue as dispatch sees it. */
export interface Claims {
  /** Move up to `limit` backlog issues to `queued`, most urgent first (dispatchOrder). */
  admit(limit: number, now: number): { count: number; view: QueueView };
  /**
   * In one transaction: take the most urgent queued issue that is ready at
   * `now` (dispatchOrder; its retry backoff over), move it to `running` with
   * attempts + 1, and open a session row for it (attempt = priorAttempts +
   * attempts, startedAt = lastProgressAt = now). Null when no issue is ready.
   * With `issueId`, that issue only, if it is queued and ready.
   */
  claim(args: { sessionId: string; workerId: string; now: number; logPath: LogPathFor; issueId?: string }): { issue: IssueRow | null; view: QueueView };
  /** The queue as it is now. */
  queueView(now: number): QueueView;
}

/** A session's life after its claim. */
export interface Sessions {
  setSessionProcess(sessionId: string, pid: number, pgid: number): void;
  /** Persist the time of the latest progress (callers throttle this). */
  touchSession(sessionId: string, at: number): void;
  /**
   * What the running session's agent has said so far (its latest activity,
   * its spend): kept with the session until it ends, for readers elsewhere.
   * Does not add to the spend totals (the session's end does). Ignored for a
   * session that has ended.
   */
  recordActivity(sessionId: string, activity: SessionActivity): void;
  /** The health check found the session stalled at `at` (it is being stopped). */
  markStalled(sessionId: string, at: number): void;
  /**
   * The agent named its own session (or thread) and model: kept with the
   * session, and as what the issue's next session may resume, so a crash
   * loses neither.
   */
  recordAgentSession(sessionId: string, agentSessionId: string, model: string | null): void;
  /**
   * One transaction: close the session with its outcome and apply the issue
   * transition (refunding the attempt when asked); answer the queue after.
   * Throws if the session is unknown or already closed, or the transition
   * is not one the issue's state machine allows.
   */
  finishSession(sessionId: string, end: SessionEnd, transition: IssueTransition): QueueView;
  /** Sessions with no end: after a crash, these were running when the harness died. */
  openSessions(): SessionRow[];
}

/** What a run records besides sessions: workers, scale operations, backpressure, metric snapshots. */
export interface Records {
  upsertWorker(worker: WorkerRow): void;
  /** The highest N of a `worker-N` ever recorded (0 for none): new workers are numbered after it. */
  lastWorkerNumber(): number;
  recordScaleOperation(op: ScaleOperationRow): void;
  recordBackpressure(change: BackpressureChangeRow): void;
  recordSnapshot(snapshot: MetricsSnapshotRow): void;
  /** A hold began (one per kind at a time: a new one of a kind already on replaces its reason and end). */
  recordHold(hold: Omit<HoldRow, 'endedAt' | 'endedBy'>): void;
  /** The hold of `kind` ended at `at`, `by` what (lifted, reset, the run ended). */
  endHold(kind: string, at: number, by: string): void;
}

/** The merge queue's entries, and the issues they belong to. */
export interface MergePort {
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
   * its issue (updatedAt = now). Throws if the entry does not exist, if a
   * transition is given and the issue is not `merging`, or if either move is
   * not one its state machine allows.
   */
  setMergeState(id: number, update: MergeEntryUpdate, now: number, transition?: IssueTransition): MergeEntryRow;
  /** Entries queued or merging: the merge queue's depth. */
  mergeDepth(): number;
  getIssue(id: string): IssueRow | undefined;
  listIssues(status?: IssueStatus): IssueRow[];
}

/** One live harness per store. */
export interface LockPort {
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
}

/** Read-only questions, for reports and the CLI. */
export interface QueryPort {
  getIssue(id: string): IssueRow | undefined;
  /** All issues, in dispatch order (priority, then import order). */
  listIssues(status?: IssueStatus): IssueRow[];
  countIssues(): Record<IssueStatus, number>;
  getSession(id: string): SessionRow | undefined;
  sessionsForIssue(issueId: string): SessionRow[];
  /** Finished sessions ended at or after `since`, oldest first. */
  finishedSessions(since?: number): SessionRow[];
  listWorkers(): WorkerRow[];
  listScaleOperations(since?: number): ScaleOperationRow[];
  listBackpressure(since?: number): BackpressureChangeRow[];
  listSnapshots(since?: number): MetricsSnapshotRow[];
  /** Holds in the order they began; only those still on when `activeOnly`. */
  listHolds(activeOnly?: boolean): HoldRow[];
}

/**
 * Operators' requests to the running harness (the dashboard's actions),
 * kept in the store so they may come from another process: posted
 * pending, taken once by the run, answered with what came of them.
 */
export interface Controls {
  /** Append a pending request; returns it as stored, with its id. */
  postControl(request: ControlRequestInput): ControlRequestRow;
  /** One transaction: every pending request, oldest first, marked taken at `at`; each is taken once. */
  takeControls(at: number): ControlRequestRow[];
  /** Record what came of a taken request. Unknown ids are ignored. */
  answerControl(id: number, answer: { at: number; applied: boolean; result: string }): void;
  /** The latest `limit` requests, newest first. */
  listControls(limit: number): ControlRequestRow[];
}

/**
 * Reports owed to the trackers the issues came from, kept with the outcomes
 * they report: each is queued in the transaction that records its outcome,
 * so a crash can lose neither one without the other, and a sender sends it
 * afterwards (again after a crash, asking the tracker first when a send may
 * have happened).
 */
export interface Outbox {
  /**
   * Mark issues as coming from a tracker (`source`: "beads", "github"), with
   * their link. Ids need not be imported yet; known ids keep what they have.
   * One transaction. From then on, each change of such an issue's status to
   * done or failed queues one report of that kind, in the same transaction
   * as the change (whatever made it: finishSession, setMergeState,
   * failUnrun, ...).
   */
  trackIssues(issues: readonly { id: string; source: string; url: string | null }[]): void;
  trackerOf(issueId: string): { source: string; url: string | null } | undefined;
  /** Unsettled reports (pending, and sending: a crash may have left those), oldest first, at most `limit`. */
  unsettledReports(limit: number): ReportRow[];
  /** A send begins: state sending, attempts + 1, lastAttemptAt = at. Throws for an unknown id or a settled one. */
  startReport(id: number, at: number): ReportRow;
  /**
   * What came of a send: sent; rejected for good (error says why); or
   * pending again (the tracker could not be reached; error says why). Throws
   * for an unknown id, and for a settled one (sent and rejected are final,
   * so a report is never sent twice).
   */
  settleReport(id: number, result: { state: 'sent' | 'rejected' | 'pending'; at: number; error: string | null }): void;
  /** Reports by state. */
  reportCounts(): Record<ReportState, number>;
  /** The latest reports first, optionally only those in `state`, at most `limit`. */
  listReports(options: { state?: ReportState; limit: number }): ReportRow[];
}

/** What a coordinator says of itself when it joins a fleet. */
export interface CoordinatorInfo {
  host: string;
  pid: number;
  /** The process's identity (boot id and start time), so its host can tell it from a later process with its pid. */
  processStart: string | null;
  version: string;
  /** Its own pool's upper bound. */
  maxWorkers: number;
  startedAt: number;
  /** How long without a heartbeat before the others presume it dead (ms). */
  leaseMs: number;
  /**
   * Sessions open across the fleet at most (null: no cap). The fleet holds
   * to the tightest cap of its live coordinators, whether or not each was
   * given one: a coordinator learns of a tighter one as it joins and at
   * each renewal of its lease.
   */
  fleetMaxWorkers: number | null;
  /**
   * Where its branches can be merged from, in worktree mode: its
   * repository's checkout as `host:path` (a branch exists only in the
   * checkout that made it), or `remote:<url>` when the fleet merges through
   * a remote its checkouts share (merge.push); `shared:host:path` when it
   * merges nothing (no worktrees). A fleet merges in one place, or not at
   * all: joining is refused while coordinators merging elsewhere (or not
   * merging, for one that merges) are live, or while another place's
   * branches still wait in the merge queue. Absent: not checked.
   */
  checkout?: string | null;
  /**
   * How it merges, when it does (worktree mode): its merge settings as one
   * text (mergeSettingsOf). The leader merges every coordinator's branches
   * with its own settings, so one with other settings is refused while a
   * coordinator merging is live. Absent: not checked.
   */
  mergeSettings?: string | null;
}

export type CoordinatorState = 'live' | 'ended' | 'dead';

/** A coordinator as the fleet's table records it. */
export interface CoordinatorRow extends Omit<CoordinatorInfo, 'fleetMaxWorkers'> {
  id: string;
  token: number;
  state: CoordinatorState;
  /** Milliseconds since its last heartbeat, by the database's clock. */
  heartbeatAgeMs: number;
  endedAt: number | null;
  endedBy: string | null;
  /** Its sessions open now. */
  running: number;
}

/** A coordinator the fleet declared dead, and how many of its sessions went back to the queue as lost. */
export interface ReapedCoordinator {
  id: string;
  host: string;
  pid: number;
  sessions: number;
}

/**
 * Membership of a fleet of coordinators sharing one store (PostgreSQL).
 * A store that has joined claims for its coordinator: every session it
 * opens carries the coordinator and a fencing token, every later write
 * about that session checks both and that the coordinator is still live
 * (a FencedError if not), its workers are numbered on their own, and
 * openSessions answers its own sessions only.
 */
export interface Fleet {
  /** Join as a new coordinator (live, with a fresh token and lease). */
  joinFleet(self: CoordinatorInfo): { id: string; token: number };
  /** Renew this coordinator's lease; a FencedError once the fleet has presumed it dead. */
  heartbeat(): void;
  /**
   * One transaction: every other live coordinator whose lease ran out is
   * declared dead, and its open sessions end as lost, their issues back in
   * the queue without spending an attempt.
   */
  reapExpired(now: number): ReapedCoordinator[];
  /**
   * This host's leftovers, when a coordinator starts on it: live
   * coordinators of `host` whose process `isGone` are declared dead (their
   * sessions lost, as reapExpired does), and the lost sessions of this
   * host's dead coordinators in the last day, for the
   * caller to make sure nothing of them still runs (a process not yet recorded is found by its session id).
   */
  leftOnHost(host: string, now: number, isGone: (c: { pid: number; processStart: string | null }) => boolean): { reaped: ReapedCoordinator[]; sessions: SessionRow[] };
  /** Leave the fleet (state ended, `by` saying why); the coordinator's sessions must have ended. */
  leaveFleet(now: number, by: string): void;
  /** Every coordinator that joined, live ones first, then the latest. */
  listCoordinators(): CoordinatorRow[];
  /**
   * Take or renew the named lease for this coordinator for `ttlMs`, if it
   * is free, expired or already this coordinator's: whether it holds it now.
   */
  holdLease(name: string, ttlMs: number): boolean;
  /** Give the named lease up, if this coordinator holds it. */
  releaseLease(name: string): void;
}

export type FleetPort = Answering<Fleet>;

/** The store as a whole: where it is, group commits, failures, closing. */
export interface StoreLifecycle {
  /** Path or description of where the state lives (for messages). */
  readonly location: string;
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
  /** Check that the store is still the one opened (its file not deleted or replaced); a StoreFailure if not. */
  checkFile?(): void;
  close(): void;
}

/** The same operations, answered at once or with a promise. */
export type Answering<T> = { [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Answer<R> : T[K] };

export type IntakePort = Answering<Intake>;
export type ClaimPort = Answering<Claims>;
export type SessionPort = Answering<Sessions>;
export type RecordPort = Answering<Records>;
export type ControlPort = Answering<Controls>;
export type OutboxPort = Answering<Outbox>;

/** Everything the run's interpreter writes through. */
export type RunStore = IntakePort & ClaimPort & SessionPort & RecordPort & Pick<StoreLifecycle, 'checkFile'>;

/**
 * Every port, answered at once: what the embedded stores (SQLite, memory)
 * provide, and what the CLI and tests use. A store across the network
 * implements the Answering ports instead.
 */
export interface Store extends Intake, Claims, Sessions, Records, MergePort, LockPort, QueryPort, Controls, Outbox, StoreLifecycle {}

/**
 * Every port, answered at once or with a promise: what a store across the
 * network (PostgreSQL) provides, and what code that works with any store
 * (the conformance suite) uses. Every Store is one. A batch's body runs at
 * once on every store; on an async store the calls it makes are answered
 * before the batch commits, and its own answer says when it has.
 */
export interface AsyncStore extends Answering<Intake & Claims & Sessions & Records & MergePort & LockPort & QueryPort & Controls & Outbox> {
  readonly location: string;
  batch<T>(body: () => T): Answer<T>;
  onFailure?(listener: (failure: StoreFailure) => void): () => void;
  checkFile?(): Answer<void>;
  close(): Answer<void>;
}
