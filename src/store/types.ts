import type { IssueStatus, SessionOutcome, WorkerState, HealthStatus } from '../core/states.js';

/**
 * The rows of a harness run's durable state; the ports that read and write
 * them are in ports.ts. Every method that changes state is one transaction.
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
  /** The agent conversation a retry continues (its agent's session or thread id), or null to start over. */
  resumeFrom: string | null;
  /** What the issue's sessions have spent: USD, and tokens (input + output). */
  spentUsd: number;
  spentTokens: number;
}

/** What an agent said of one session: its own id, model, turns, spend and error. */
export interface AgentUsage {
  /** The agent's own session or thread id (the latest, since a resume can change it). */
  agentSessionId: string | null;
  model: string | null;
  turns: number | null;
  costUsd: number | null;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** The agent's error kind (auth, usage_limit, api_error, …), when it failed with one. */
  agentError: string | null;
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
  /** When the health check found it stalled, if it did. */
  stalledAt: number | null;
  endedAt: number | null;
  outcome: SessionOutcome | null;
  exitCode: number | null;
  signal: string | null;
  logPath: string | null;
  /** Free text: why the session ended as it did. */
  reason: string | null;
  /** What the agent reported, for agents whose output is read; null otherwise. While it runs: what it has reported so far. */
  usage: AgentUsage | null;
  /** The agent's latest activity (a message, a tool call) and when it was recorded; absent until one is. */
  activity?: { at: number; text: string | null };
}

/**
 * What a running session's agent has said so far: its latest activity and
 * its spend, kept with the session while it runs (throttled), so a reader
 * in another process sees it. The session's end writes the final figures.
 */
export interface SessionActivity {
  at: number;
  /** The latest activity text, or null when the agent has reported none yet. */
  text: string | null;
  costUsd: number | null;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
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
  /** Set (an agent conversation to continue) or clear (null) what the issue's next session resumes; absent keeps it. */
  resumeFrom?: string | null;
}

export interface SessionEnd {
  outcome: SessionOutcome;
  endedAt: number;
  exitCode?: number | null;
  signal?: string | null;
  reason?: string | null;
  /** What the agent reported; its spend is added to the issue's and the state's. */
  usage?: AgentUsage | null;
}

/** A hold of the fleet, as recorded (see HOLD_KINDS in src/core/run/state.ts). */
export interface HoldRow {
  kind: string;
  reason: string;
  fix: string;
  since: number;
  until: number | null;
  /** When it ended, and how (lifted, reset, the run ended); null while it holds. */
  endedAt: number | null;
  endedBy: string | null;
}

export interface ImportResult {
  /** Ids that were new and are now in the backlog. */
  added: number;
  /** Ids already known: left exactly as they were. */
  known: number;
  /** The queue after the import. */
  view: import('../core/run/state.js').QueueView;
}

/** What a report tells the tracker an issue came from: it is done, or it failed. */
export type ReportKind = 'done' | 'failed';

/**
 * A report's life in the outbox: pending (not sent yet), sending (a send
 * began: a crash may leave it so, and the sender then asks the tracker
 * before sending again), sent (the tracker took it), rejected (the tracker
 * refused it for good). Sent and rejected are settled: final.
 */
export const REPORT_STATES = ['pending', 'sending', 'sent', 'rejected'] as const;
export type ReportState = (typeof REPORT_STATES)[number];

/** One report owed to a tracker, queued in the transaction that gave its issue the outcome it reports. */
export interface ReportRow {
  /** Increasing with every report: oldest first is id order. */
  id: number;
  issueId: string;
  /** The tracker the issue came from ("beads", "github"), and its link there, as tracked when the report was queued. */
  source: string;
  url: string | null;
  kind: ReportKind;
  /** When the outcome was recorded (the issue's updatedAt). */
  createdAt: number;
  state: ReportState;
  /** Sends begun (startReport). */
  attempts: number;
  lastAttemptAt: number | null;
  /** When it was sent or rejected; null while unsettled. */
  settledAt: number | null;
  /** Why the latest send failed, or why it was rejected. */
  error: string | null;
}

export type { MergeEntryRow, MergeEntryUpdate, RunLockInfo, RunLockOptions, RunLockClaim, ControlRequestInput, ControlRequestRow } from './record-types.js';

/** What `retryIssues` did: every id retried, or nothing at all when some id is unknown or not failed. */
export interface RetryResult {
  retried: string[];
  unknown: string[];
  notFailed: { id: string; status: IssueStatus }[];
}

export type { Store } from './ports.js';

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
