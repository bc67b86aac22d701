/**
 * The one copy of a run's live state: the pool, the sessions, the queue as
 * the store last reported it, backpressure, scaling, health and the session
 * tallies. Plain data only. `step` (step.ts) is the only code that changes
 * it; the seed's classes (Coordinator, ScaleManager, WorkerPool) read it.
 */
import type { IssueRow } from '../../store/types.js';
import type { BackpressureState } from '../backpressure.js';
import type { ScaleConfig } from '../scale-config.js';
import type { ScaleDecision, ScaleInput } from '../scale.js';
import { SESSION_OUTCOMES, type HealthStatus, type IssueStatus, type SessionOutcome, type WorkerState } from '../states.js';
import { emptyTally, type SessionTally } from '../tally.js';

/** A scaling policy: the default is the core's decideScale; the load test compares others. */
export type ScalePolicy = (input: ScaleInput, config: ScaleConfig) => ScaleDecision;

/** Why the harness stopped a session itself. */
export type KillReason = 'stalled' | 'timeout' | 'cancelled';

/** What a run is told once and never changes: the thresholds and how to apply them. */
export interface RunRules {
  scale: ScaleConfig;
  /** Session attempts an issue gets before it is failed. */
  maxAttempts: number;
  /** A session running longer than this (ms) is stopped with outcome `timeout`. */
  sessionTimeoutMs: number;
  /** Base of the exponential retry backoff (ms). */
  retryDelayMs: number;
  /** Minimum time (ms) between two writes of one session's progress time. */
  progressPersistMs: number;
  policy: ScalePolicy;
  /**
   * True for a Coordinator: issues are admitted and dispatched, and the
   * sessions it starts are stopped when they stall. False for a standalone
   * ScaleManager, which only watches the sessions its hooks report.
   */
  dispatches: boolean;
  /** Successful branches go to a merge queue (worktree mode). */
  merges: boolean;
  /** Sessions run in a prepared workspace (a worktree per issue). */
  workspaces: boolean;
  /** Announce the metrics table every this many finished sessions (the seed's display); 0 never. */
  displayEvery: number;
}

export interface WorkerRecord {
  readonly id: string;
  state: Exclude<WorkerState, 'retired'>;
  /** Sessions this worker has started (its quota count). */
  sessionsRun: number;
  readonly createdAt: number;
  /** The session it runs, when busy or draining. */
  sessionId: string | null;
  /** An idle worker whose claim for an issue is with the store: no second claim until it answers. */
  claiming: boolean;
}

export interface PoolState {
  /** The number in the next worker id (`worker-N`); never reused. */
  nextNumber: number;
  /** Live workers in creation order (retired ones leave at once: their history is in the store). */
  workers: Map<string, WorkerRecord>;
}

export type SessionPhase = 'preparing' | 'running' | 'handing-off';

export interface SessionRecord {
  readonly id: string;
  readonly workerId: string;
  readonly startedAt: number;
  lastProgressAt: number;
  /** When the health check found it stalled (once). */
  stalledAt: number | null;
  /** The issue it works on (as claimed); null for a session reported through the ScaleManager's hooks. */
  issue: IssueRow | null;
  /** The issue's attempt this session is (0 for hook sessions). */
  attempt: number;
  phase: SessionPhase;
  /** When progress was last written to the store. */
  persistedProgressAt: number;
  killReason: KillReason | null;
  /** Worktree branch (worktree mode), once prepared. */
  branch: string | null;
  /** Set while the exit waits for the merge queue's answer. */
  exit: { at: number; exitCode: number | null; signal: string | null; error: string | null } | null;
}

/** The queue as the store last reported it, after each change it made. */
export interface QueueView {
  counts: Record<IssueStatus, number>;
  /** Earliest end of a retry backoff among queued issues, or null. */
  nextRetryAt: number | null;
  /** Merge entries waiting or being merged. */
  mergeDepth: number;
}

export type RunPhase = 'new' | 'ready' | 'running' | 'finished';

export interface RunState {
  readonly rules: RunRules;
  /** new → ready (initialized) → running (run() called) → finished. */
  phase: RunPhase;
  /** The health check is armed (the scale manager was started). */
  checking: boolean;
  stopping: boolean;
  forced: boolean;
  /** Callers that keep the run from finishing while more issues may arrive. */
  intakeHolds: number;
  pool: PoolState;
  sessions: Map<string, SessionRecord>;
  queue: QueueView;
  /** The queue depth the scaler and backpressure see (the store's queued count, or what setQueueDepth said). */
  queueDepth: number;
  /** Claims with the store, not yet answered. */
  claimsInFlight: number;
  /** An admission is with the store. */
  admitting: boolean;
  /** A claim came back empty: no claim until the queue changes. */
  drained: boolean;
  retryWakeAt: number | null;
  backpressure: BackpressureState;
  lastScaleAt: number | null;
  scaleOperations: number;
  health: HealthStatus;
  tally: SessionTally;
  /** Sessions of this run by outcome, and in all. */
  outcomes: Record<SessionOutcome, number>;
  sessionsEnded: number;
  /** The run stopped on an error of its own (a store write failed); the summary reports it. */
  failure: string | null;
  /** The last error a health check threw (also announced as `health:error`). */
  lastCheckError: unknown;
  /** The last scaling decision, for ScaleManager.runHealthCheck(). */
  lastDecision: ScaleDecision | null;
}

export function emptyCounts(): Record<IssueStatus, number> {
  return { backlog: 0, queued: 0, running: 0, merging: 0, done: 0, failed: 0 };
}

export function initialState(rules: RunRules, options: { firstWorkerNumber?: number } = {}): RunState {
  return {
    rules,
    phase: 'new',
    checking: false,
    stopping: false,
    forced: false,
    intakeHolds: 0,
    pool: { nextNumber: options.firstWorkerNumber ?? 1, workers: new Map() },
    sessions: new Map(),
    queue: { counts: emptyCounts(), nextRetryAt: null, mergeDepth: 0 },
    queueDepth: 0,
    claimsInFlight: 0,
    admitting: false,
    drained: false,
    retryWakeAt: null,
    backpressure: { active: false, activations: 0 },
    lastScaleAt: null,
    scaleOperations: 0,
    health: 'healthy',
    tally: emptyTally(rules.scale),
    outcomes: Object.fromEntries(SESSION_OUTCOMES.map((o) => [o, 0])) as Record<SessionOutcome, number>,
    sessionsEnded: 0,
    failure: null,
    lastCheckError: null,
    lastDecision: null,
  };
}
