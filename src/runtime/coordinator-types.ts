import type { SessionExit, SessionRunner, SessionSpec } from '../agents/types.js';
import type { EventBus } from '../core/events.js';
import type { HostLimits, HostSampler } from '../core/host.js';
import type { ScaleMetrics } from '../core/metrics-types.js';
import type { ScaleConfig } from '../core/scale-config.js';
import type { IssueStatus, SessionOutcome } from '../core/states.js';
import type { AsyncStore } from '../store/ports.js';
import type { IssueInput, IssueRow, Store } from '../store/types.js';
import type { AgentFormat } from '../agents/formats/events.js';
import type { BudgetRules, Hold, HoldRules, Spend } from '../core/run/state.js';
import type { Clock } from './clock.js';
import type { ScalePolicy } from './scale-manager.js';

/** How sessions are run, beyond the scale config. Defaults: DEFAULT_CONFIG. */
export interface RunSettings {
  /** Session attempts an issue gets before it is failed. */
  maxAttempts: number;
  /** A session running longer than this (ms) is killed with outcome `timeout`. */
  sessionTimeoutMs: number;
  /** Base retry delay (ms) after a failed session (exponential backoff). */
  retryDelayMs: number;
  /** Directory for session logs (`<logDir>/<issue>-<attempt>-<session id>.log`), or null for none. */
  logDir: string | null;
  /** Minimum time (ms) between two writes of a session's progress time to the store. */
  progressPersistMs: number;
  /** The agent's output format, when it is read; null: exit codes only. Default null. */
  agentFormat: AgentFormat | null;
  /** Continue the agent's conversation on a retry after a stall, timeout, interrupt, loss or hold. Default false. */
  resume: boolean;
  holds: HoldRules;
  budgets: BudgetRules;
  /** Halve the concurrency under rate limits and grow it back by one per check. Default true. */
  adaptiveConcurrency: boolean;
  /** The pool does not grow while the host is over host.maxLoad or under host.minFreeMemory. Default: no limits. */
  host: HostLimits;
}

/** Who a workspace is prepared for: the issue, and the session and worker that will work on it. */
export interface WorkspaceRequest {
  issueId: string;
  sessionId: string;
  workerId: string;
  attempt: number;
}

/**
 * Where a session works: the project itself, a worktree per issue, or a
 * worktree per worker. A promise lets preparation (git, a copy) run while
 * other sessions go on; the answer comes back to the run as an event. The
 * optional steps are for providers whose workspaces outlive a session.
 */
export interface WorkspaceProvider {
  prepare(issueId: string, request?: WorkspaceRequest): { path: string; branch: string } | Promise<{ path: string; branch: string }>;
  /** The session in a prepared workspace is over, before its end is reported (worker mode lets go of the issue's branch). */
  release?(request: WorkspaceRequest): Promise<void>;
  /** A worker left the pool (worker mode removes its worktree). */
  retire?(workerId: string): void;
  /** Once the run lock is held, before merges resume: clear what a harness that died left. */
  recover?(): Promise<void>;
  /** The run is over: finish what retire started and remove what is left. */
  close?(): Promise<void>;
}

/**
 * Commands run before and after each session, around its agent (the
 * lifecycle hooks beforeRun and afterRun). Each runs while other sessions
 * go on; stopping the session (`signal`) stops the hook.
 */
export interface SessionHooks {
  /** Before the agent starts: null to start it, or why the session fails instead (its output is in the session's log). */
  beforeRun(spec: SessionSpec, control: { signal: AbortSignal; onProgress(): void }): Promise<string | null>;
  /** After the session, whatever its end; never fails it (a failure is reported as `hook:failed`). */
  afterRun(spec: SessionSpec, exit: SessionExit, control: { signal: AbortSignal; onProgress(): void }): Promise<void>;
}

/** What the merge queue says of a successful session's branch. */
export type MergeAssessment = { status: 'merging'; head: string | null } | { status: 'done' } | { status: 'failed'; reason: string };

/**
 * Where successful branches go in worktree mode (the merge queue). The
 * coordinator asks whether a successful session's branch has anything to
 * merge, records the session's end with that answer (the issue becomes
 * `merging`, `done` or `failed`), and only then queues the branch, so the
 * queue never sees an entry whose issue is not yet merging. Otherwise it
 * only listens for `merge:*` events.
 */
export interface MergeService {
  /** Something to merge (its head commit), nothing to merge (done), or a refusal such as "no changes". */
  assess(issue: IssueRow, branch: string): MergeAssessment | Promise<MergeAssessment>;
  /** Queue the branch of an issue that is now `merging`; a promise when the store answers with one (a failure is the store's). */
  enqueue(issue: IssueRow, branch: string, head: string | null, now: number): void | Promise<void>;
  /** Entries waiting or being merged. */
  depth(): number;
  /** Begin merging; resumes entries a crashed harness left. */
  start(): void;
  /** Finish the merge in progress, start no other; resolves when idle. */
  stop(): Promise<void>;
}

/**
 * Everything a Coordinator works on: the work to do (issues) and how to do
 * it (store, runner, settings). This is the seed's `harnessState`.
 */
export interface HarnessState {
  /** The backlog to work through (validated). Known ids keep their stored state. */
  issues: readonly IssueInput[];
  /** Where the state of the run lives: SqliteStore for `harness run`, a PostgreSQL store (answering with promises) for a fleet's coordinator. */
  store: Store | AsyncStore;
  /** How an agent session runs (ProcessRunner for real agents). */
  runner: SessionRunner;
  settings?: Partial<RunSettings>;
  /** Set when sessions run in git worktrees. */
  workspaces?: WorkspaceProvider | null;
  /** beforeRun and afterRun, when configured. */
  hooks?: SessionHooks | null;
  /** Set when successful branches are merged (worktree mode). */
  merge?: MergeService | null;
}

/** What crash recovery needs from the operating system. */
export interface ProcessInspector {
  /** True when `pid` is alive and is the process of session `sessionId` (never an unrelated process that reused the pid). */
  belongsToSession(pid: number, sessionId: string): boolean;
  /** SIGKILL a process group. */
  killGroup(pgid: number): void;
  /** Live processes carrying this session's id in their environment (the agent and its children). */
  findSessionProcesses(sessionId: string): number[];
  /** SIGKILL one process. */
  killProcess(pid: number): void;
  isAlive(pid: number): boolean;
  /** Which process has `pid` now (see processIdentity), so the run lock can tell a reused pid; null when unknown. */
  identify?(pid: number): string | null;
}

export interface CoordinatorOptions {
  cwd: string;
  /** Target concurrent workers; used as scaleConfig.maxWorkers when that is not given. */
  maxWorkers?: number;
  /** When false the pool is fixed at maxWorkers (stall detection still runs). Default true. */
  enableScaleManager?: boolean;
  /**
   * Print the metrics table (ScaleManager.displayMetrics) to `metricsOutput`
   * after every METRICS_DISPLAY_EVERY finished sessions, as the seed's
   * Coordinator does. Default: on when `enableScaleManager` is given as true,
   * off otherwise. `harness run` has its own view and turns it off.
   */
  displayMetrics?: boolean;
  /** Where that table is written. Default: process.stdout. */
  metricsOutput?: { write(text: string): unknown };
  scaleConfig?: Partial<ScaleConfig>;
  clock?: Clock;
  events?: EventBus;
  policy?: ScalePolicy;
  /** Session id generator. Default: random UUIDs. */
  newSessionId?: () => string;
  processes?: ProcessInspector;
  /** Claim the store's run lock (refuse a second live harness). Default true. */
  lock?: boolean;
  /** Identity used for the run lock. Default: this process. */
  owner?: { pid: number; hostname: string };
  /** Take the run lock whoever holds it (`harness run --force-unlock`); `lock:taken` names the holder. Default false. */
  forceUnlock?: boolean;
  /**
   * The store is shared with other coordinators (a fleet on PostgreSQL,
   * which the store has joined): no run lock and no recovery of open
   * sessions at start (the fleet's membership does both), and holds
   * recorded by others are theirs to end. Default false.
   */
  shared?: boolean;
  /**
   * How often the run takes operators' requests (the dashboard's actions)
   * from the store besides each health check (ms); 0: at health checks
   * only. Default 1000 for a run that holds the store's lock, 0 for one
   * that does not (the load test's simulations, whose virtual time a
   * timer would only crowd).
   */
  controlPollMs?: number;
  /**
   * Reads the machine's load and free memory before each health check, when
   * `settings.host` sets a limit. Default: the operating system's figures
   * (node:os); null never reads them, so the limits hold nothing back.
   */
  host?: HostSampler | null;
}

/** What the fleet is under right now (Coordinator.fleetStatus). */
export interface FleetStatus {
  /** Holds on now, oldest first. */
  holds: Hold[];
  /** What the state has spent, running sessions' reports included. */
  spent: Spend;
  /** Sessions allowed at once: maxWorkers, lowered while the provider rate-limits. */
  concurrency: { limit: number; max: number };
}

export interface RunSummary {
  /** Issues in the store by status at the end. */
  issues: Record<IssueStatus, number>;
  /** Sessions of this run by outcome. */
  sessions: Record<SessionOutcome, number>;
  metrics: ScaleMetrics;
  /** Issues that failed, with their reason. */
  failures: { id: string; reason: string | null }[];
  interrupted: boolean;
  /** Holds the fleet was under when the run ended (what stopped it, and what ends each). */
  holds: Hold[];
  /** What the state has spent: USD and tokens, as the agents reported. */
  spent: Spend;
  /** 0 all done, 1 some failed, 3 held with work left, 130 interrupted. */
  exitCode: 0 | 1 | 3 | 130;
  /** Issues kept back because a blocker failed (`--on-blocker-failure wait`); absent when none. */
  waitingOnFailedBlockers?: string[];
}
