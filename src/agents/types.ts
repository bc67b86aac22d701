import type { IssueRow } from '../store/types.js';
import type { AgentEvent } from './formats/events.js';

/** Everything a runner needs to start one agent session. */
export interface SessionSpec {
  sessionId: string;
  workerId: string;
  attempt: number;
  issue: IssueRow;
  /** Working directory of the session (the project, or the issue's worktree). */
  cwd: string;
  /** Where the session's combined stdout/stderr goes (runners may ignore). */
  logPath: string | null;
  /**
   * Continue this agent conversation (the agent's own session or thread id,
   * from an earlier session of the issue) instead of starting over, when the
   * agent's preset can resume. A runner falls back to a fresh start when the
   * resume itself fails.
   */
  resumeFrom?: string | null;
  /** The spending the issue has left, in USD, for an agent that can stop itself at a budget (Claude's `--max-budget-usd`). */
  budgetUsd?: number | null;
}

/** How a session's process ended. */
export interface SessionExit {
  /** Exit code, or null when killed by a signal or never started. */
  exitCode: number | null;
  /** Signal name (e.g. SIGKILL) when killed by a signal. */
  signal: string | null;
  /** Set when the process could not be started at all. */
  error?: string;
}

export interface SessionCallbacks {
  /**
   * The agent process exists: its pid and process group. Runners that start
   * processes call it once, possibly before start() returns; simulated
   * sessions never do.
   */
  onSpawn?(pid: number, pgid: number): void;
  /** The session showed progress (output on either stream, a heartbeat) at `at`. */
  onProgress(at: number): void;
  /**
   * What the agent's output stream says, parsed (structured formats only:
   * Claude Code's stream-json, Codex's JSONL, …). Its progress events are
   * also reported through onProgress; retries are not progress.
   */
  onAgentEvents?(events: readonly AgentEvent[], at: number): void;
  /** Once, when the session's process has ended. */
  onExit(exit: SessionExit): void;
}

export interface SessionHandle {
  /**
   * OS pid and process group id once the session is a real process; null
   * before (a runner may spawn after start() returns) and for simulations.
   */
  readonly pid: number | null;
  readonly pgid: number | null;
  /**
   * Stop the session: SIGTERM to its process group, SIGKILL after the grace
   * period if anything in the group is still alive. onExit still fires.
   */
  kill(): void;
}

/**
 * Starts agent sessions. The real runner spawns child processes; the load
 * test's runner simulates them on a virtual clock. The coordinator cannot
 * tell them apart.
 */
export interface SessionRunner {
  start(spec: SessionSpec, callbacks: SessionCallbacks): SessionHandle;
  /** Release what the runner holds (helper processes), once no session runs. */
  close?(): Promise<void>;
}
