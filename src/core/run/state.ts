/**
 * The one copy of a run's live state: the pool, the sessions, the queue as
 * the store last reported it, backpressure, scaling, health and the session
 * tallies. Plain data only. `step` (step.ts) is the only code that changes
 * it; the seed's classes (Coordinator, ScaleManager, WorkerPool) read it.
 */
import type { AgentFormat } from '../../agents/formats/events.js';
import type { AgentSummary } from '../../agents/formats/summary.js';
import type { IssueRow } from '../../store/types.js';
import type { BackpressureState } from '../backpressure.js';
import type { HostLimits, HostSample } from '../host.js';
import type { ScaleConfig } from '../scale-config.js';
import type { ScaleDecision, ScaleInput } from '../scale.js';
import { SESSION_OUTCOMES, type HealthStatus, type IssueStatus, type SessionOutcome, type WorkerState } from '../states.js';
import { emptyTally, type SessionTally } from '../tally.js';

/** A scaling policy: the default is the core's decideScale; the load test compares others. */
export type ScalePolicy = (input: ScaleInput, config: ScaleConfig) => ScaleDecision;

/** Why the harness stopped a session itself: a stall, the timeout, an interrupt, or the issue's budget spent. */
export type KillReason = 'stalled' | 'timeout' | 'cancelled' | 'budget';

/**
 * Why the fleet is on hold: something every session would run into, or an
 * operator's pause. While any hold is on, no session starts; running ones
 * go on. A usage limit lifts by itself at its reset time (probed); a pause
 * lifts when resumed; the others end the run (exit 3) with what to fix.
 * A `tracker` hold is the exception: the issues' tracker does not answer,
 * so no new issue comes in, but sessions for issues already taken go on;
 * it lifts when the tracker answers again.
 */
export const HOLD_KINDS = ['usage-limit', 'auth', 'spend-cap', 'budget', 'circuit', 'paused', 'tracker'] as const;
export type HoldKind = (typeof HOLD_KINDS)[number];

export interface Hold {
  kind: HoldKind;
  /** What happened, in a line. */
  reason: string;
  /** What ends it: the reset time, or what the operator must do. */
  fix: string;
  since: number;
  /** When it lifts by itself (a usage limit's reset), or null. */
  until: number | null;
  /** A probe session may start: the hold's time is up and one session checks whether it has lifted. */
  probing: boolean;
}

/** How a run treats holds and failures that repeat. */
export interface HoldRules {
  /** `wait` (default): a usage-limit hold waits for its reset; `stop`: it ends the run too (exit 3). */
  onHold: 'wait' | 'stop';
  /** The longest a usage-limit hold waits before probing, whatever reset time it was given (ms). */
  maxWaitMs: number;
  /** A usage-limit hold with no reset time probes this often (ms). */
  probeEveryMs: number;
  /** The same failure this many times in a row, on different issues, holds the fleet (a circuit breaker); 0 off. */
  circuitBreakerAfter: number;
}

/** Spending caps, USD and tokens (input + output); null for none. */
export interface BudgetRules {
  maxCostUsd: number | null;
  maxTokens: number | null;
  issueMaxCostUsd: number | null;
  issueMaxTokens: number | null;
}

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
  /** The agent's output format, when it is read (null: exit codes only, every output line is progress). */
  agentFormat: AgentFormat | null;
  /** Continue the agent's conversation on a retry after a stall, timeout, interrupt, loss or hold. */
  resume: boolean;
  holds: HoldRules;
  budgets: BudgetRules;
  /** Lower the concurrency while the provider rate-limits (additive increase, multiplicative decrease). */
  adaptiveConcurrency: boolean;
  /** While the machine is over one of these, the pool does not grow (see src/core/host.ts). */
  host: HostLimits;
}

/** Spending, as the store and the running sessions report it. */
export interface Spend {
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
}

/** The concurrency the provider allows, learnt from its rate limits: AIMD over the running sessions. */
export interface ConcurrencyLimit {
  /** At most this many sessions run at once (never above maxWorkers, never below 1). */
  limit: number;
  /** When the limit last went down (a rate-limit signal); further signals within one check interval do not lower it again. */
  loweredAt: number | null;
  /** When a rate-limit signal was last seen. */
  signalAt: number | null;
  /** Rate-limit signals seen in all. */
  signals: number;
}

/** The same failure on different issues, counted until something else happens. */
export interface FailureStreak {
  signature: string | null;
  issues: string[];
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
  /** What the agent's output said so far (structured formats); null when it is not read. */
  agent: AgentSummary | null;
  /** The agent conversation this session resumed, if any. */
  resumedFrom: string | null;
  /** The session probes whether a usage-limit hold has lifted. */
  probe: boolean;
  /** Why the issue's budget stopped it, when it did. */
  budgetNote: string | null;
  /** Why the harness stopped it, when the kill reason alone does not say (an operator cancelled it). */
  stopNote?: string;
  /** The agent's summary as last written to the store, and when (its activity is kept throttled). */
  activityWritten?: { at: number; summary: AgentSummary };
  /** Its verdict, kept while the merge queue is asked about its branch. */
  verdict?: import('./outcome.js').SessionVerdict;
}

/** The queue as the store last reported it, after each change it made. */
export interface QueueView {
  counts: Record<IssueStatus, number>;
  /** Earliest end of a retry backoff among queued issues, or null. */
  nextRetryAt: number | null;
  /** Merge entries waiting or being merged. */
  mergeDepth: number;
  /** Everything the state has spent, as recorded (ended sessions). */
  spent: Spend;
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
  /** Imports of arriving issues with the store, not yet answered: the run does not finish before they are in the queue. */
  importsInFlight: number;
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
  /** The machine's load and free memory as last sampled (before a health check); null until then, or without host limits. */
  host: HostSample | null;
  /** Why the host holds growth back now (announced once as `scale:held`), or null. */
  hostHold: string | null;
  holds: Map<HoldKind, Hold>;
  concurrency: ConcurrencyLimit;
  streak: FailureStreak;
}

export function noSpend(): Spend {
  return { costUsd: 0, inputTokens: 0, outputTokens: 0 };
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
    queue: { counts: emptyCounts(), nextRetryAt: null, mergeDepth: 0, spent: noSpend() },
    queueDepth: 0,
    claimsInFlight: 0,
    admitting: false,
    importsInFlight: 0,
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
    host: null,
    hostHold: null,
    holds: new Map(),
    concurrency: { limit: rules.scale.maxWorkers, loweredAt: null, signalAt: null, signals: 0 },
    streak: { signature: null, issues: [] },
  };
}
