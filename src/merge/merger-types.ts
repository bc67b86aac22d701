import type { MergeConfig } from '../config/types.js';
import type { EventBus } from '../core/events.js';
import type { Clock } from '../runtime/clock.js';
import type { ProcessInspector } from '../runtime/coordinator-types.js';
import type { LocateWorkspace } from './cleanup.js';
import type { Git } from '../git/index.js';
import type { MergeLeadership } from './leadership.js';
import type { MergeStore } from './merge-store.js';
import type { MergeWorktree } from './merge-worktree.js';
import type { MergeOutcomes } from './outcomes.js';
import type { SharedRemote } from './shared-remote.js';
import type { TargetBranch } from './target.js';

export interface MergerSettings extends Pick<MergeConfig, 'mode' | 'strategy' | 'verify' | 'batchSize' | 'push'> {
  /** Session attempts an issue gets (RunSettings.maxAttempts); a rejected merge requeues the issue only below it. */
  maxAttempts: number;
  /** Run once in the merge worktree before its first verify (workspace.setup). */
  setup: string[] | null;
  /** Keep worktrees and branches of done issues (workspace.keep). */
  keep: boolean;
  /** Verify and setup logs go to `<logDir>/merge/`. */
  logDir: string;
  /** A verify or setup running longer than this (ms) is stopped and counts as failed. */
  commandTimeoutMs: number;
  killGraceMs: number;
  /** Size cap of each verify or setup log (logMaxBytes). */
  logMaxBytes: number;
  /** Wait (ms) before trying again when the target's checkout is dirty or a pull request could not be opened. */
  retryMs: number;
  /** Environment of git, verify, setup and gh. */
  env: NodeJS.ProcessEnv;
}

export interface MergerDeps {
  store: MergeStore;
  events: EventBus;
  clock: Clock;
  git: Git;
  target: TargetBranch;
  worktree: MergeWorktree;
  locate: LocateWorkspace;
  /** Copy workspace.copy files into a fresh merge worktree. */
  copyFiles(dir: string): void;
  /** The beforeRemove hook, run before a done or restarted issue's worktree is removed. */
  beforeRemove?: ((issueId: string, path: string) => Promise<void>) | undefined;
  /** Finds and stops a verify left running by a harness that died. */
  processes: Pick<ProcessInspector, 'belongsToSession' | 'killGroup'>;
  /**
   * In a fleet: the merge lease. Only its holder merges; the others leave
   * the queue to it. None: this coordinator is the only one (SQLite).
   */
  leadership?: MergeLeadership | null;
  /** In a fleet, how often (ms) the leader looks for entries the others queued, and the others try for the lease. Default 1 s. */
  pollMs?: number;
  /**
   * A fleet of checkouts (merge.push in a fleet): the remote they share,
   * which branches are fetched from and merges land on. None: merges land
   * on this checkout's target.
   */
  remote?: SharedRemote | null;
}

/** What the merge loop lends each kind of merge: its parts, its outcomes, and its pauses. */
export interface MergeStepContext {
  deps: MergerDeps;
  settings: MergerSettings;
  outcomes: MergeOutcomes;
  /** Wait before trying again; returns early when the merger is stopped. */
  pause(): Promise<void>;
  /** The merger was asked to stop. */
  stopping(): boolean;
  /**
   * Right before the target moves (or a pull request opens): in a fleet,
   * renew the merge lease with the store and throw LeaseLostError unless
   * it is still this coordinator's. Nothing to do without a fleet.
   */
  beforeLanding(): Promise<void> | undefined;
}
