import type { AgentFormat } from '../agents/formats/events.js';
import type { ClaudePermissionMode, CodexSandbox } from '../agents/formats/presets.js';
import type { BlockerFailureMode } from '../core/dependencies.js';
import { DEFAULT_SCALE_CONFIG, type ScaleConfig } from '../core/scale-config.js';
import type { SourceKind } from '../sources/types.js';

export type WorkspaceMode = 'shared' | 'worktree' | 'worker';

/** Where sessions run. A config file may give just the mode: `"workspace": "worktree"`. */
export interface WorkspaceConfig {
  /**
   * `shared`: sessions run in the project directory; `worktree`: one git
   * worktree per issue; `worker`: one git worktree per worker, kept for the
   * worker's life and reset to the target between its sessions, each issue
   * on its own branch. Default `shared`.
   */
  mode: WorkspaceMode;
  /**
   * Command (argv, or a command line split without a shell) run once in each
   * new worktree before its first agent starts, and in the merge worktree,
   * e.g. `npm ci`. Its output goes to the session's log. Default null (none).
   */
  setup: string[] | null;
  /** Files or directories, relative to the project, copied into each new worktree (e.g. `.env`). Default [] (none). */
  copy: string[];
  /** Keep an issue's worktree and branch once the issue is done. Default false (removed). */
  keep: boolean;
}

/**
 * Commands run at points of a workspace's and a session's life (argv, or a
 * command line split without a shell, like workspace.setup), each with the
 * HARNESS_* variables that say which workspace, issue and session it is
 * for. Default null: none.
 */
export interface HooksConfig {
  /** Once in each workspace harness creates (a worktree), before its first session; a failure fails that preparation. */
  afterCreate: string[] | null;
  /** Before each session, in its workspace (the project in shared mode); a failure fails the attempt. */
  beforeRun: string[] | null;
  /** After each session, whatever its outcome; a failure is reported and changes nothing. */
  afterRun: string[] | null;
  /** Before harness removes a workspace it created; a failure is reported and the workspace is removed all the same. */
  beforeRemove: string[] | null;
  /** A hook running longer than this (ms) is stopped (SIGTERM, then SIGKILL after killGraceMs) and counts as failed. Default 60000. */
  timeoutMs: number;
}

export type MergeMode = 'local' | 'pr';

/** The issues' tracker (source `beads` or `github`): how harness talks to it. */
export interface TrackerConfig {
  /** A tracker call (`bd …`, `gh …`) that takes longer is killed and counts as the tracker not answering (ms). Default 30 s. */
  timeoutMs: number;
  /** Wait before asking a tracker that did not answer again (ms); meanwhile intake is on hold. Default 15 s. */
  retryMs: number;
  /** GitHub: the label that marks an issue as harness's backlog. Default `harness`. */
  label: string;
  /** GitHub: issues listed at most per listing. Default 100. */
  limit: number;
  /** GitHub: assign a claimed issue to the account `gh` is logged in as (`--add-assignee @me`). Default false. */
  assign: boolean;
  /** The tracker's program: null for `bd` or `gh` on PATH. Default null. */
  bin: string | null;
}
/**
 * Limits of the machine on growing the pool (GNU parallel's --load and
 * --memfree): while the host is over one, no worker is added; running
 * sessions go on and the pool is never shrunk for it. Read before each
 * health check.
 */
export interface HostConfig {
  /** Grow only while the 1-minute load average is at most this. Default null (no limit). */
  maxLoad: number | null;
  /** Grow only while at least this much memory is free (bytes; a file or flag may say "2GB"). Default null (no limit). */
  minFreeMemory: number | null;
}

/** Several coordinators sharing one PostgreSQL store (`store`): what holds across them. */
export interface FleetConfig {
  /** Agents running across every coordinator of the fleet at most; null for no cap beyond each one's maxWorkers. Default null. */
  maxWorkers: number | null;
  /** A coordinator silent this long (ms) is presumed dead by the others: its sessions go back to the queue as lost. Default 30 s. */
  leaseMs: number;
}
export type MergeStrategy = 'rebase' | 'merge' | 'squash';

/** The merge queue (worktree mode): how successful branches reach the target branch. */
export interface MergeConfig {
  /** `local`: land on the target branch here; `pr`: push the branch and open a pull request with `gh`. Default `local`. */
  mode: MergeMode;
  /** How a branch is brought onto the target: `rebase`, `merge` (a merge commit) or `squash` (one commit). Default `rebase`. */
  strategy: MergeStrategy;
  /** Command (argv or command line, no shell) that must pass before a merge lands, e.g. `npm test`. Default null (land without verifying). */
  verify: string[] | null;
  /** Branch that merges land on. Default null: the branch checked out when the run starts. */
  target: string | null;
  /** Remote the target branch is pushed to after each landing (and branches go to in pr mode). Default null (no push; `origin` in pr mode). */
  push: string | null;
  /** Queued branches stacked and verified together; a red batch is bisected to find the culprit. Default 1. */
  batchSize: number;
  /** A successful session must leave commits on its branch; without any the issue fails with "no changes". Default true. */
  requireCommits: boolean;
}

export interface AgentConfig {
  /**
   * A preset's name alone (`claude`, `codex`, `gemini`, `opencode`: its
   * command line is built per session, see README), or the agent's argv
   * (no shell). Default `claude`: Claude Code in print mode, streaming JSON.
   */
  command: string[];
  /**
   * Template of the prompt written to the agent's stdin. Placeholders:
   * {{id}}, {{title}}, {{body}}, {{priority}}, {{labels}}, {{attempt}}.
   */
  prompt: string;
  /**
   * How the agent's stdout is read. Default null: the preset's format, or
   * `text` for a command line (exit code decides, every output is progress).
   */
  format: AgentFormat | null;
  /**
   * A retry after a stall, timeout, interrupt, lost session or hold
   * continues the agent's conversation. Default null: on for the presets
   * that can resume (claude, codex, opencode), off otherwise.
   */
  resume: boolean | null;
  /** The model a preset asks for. Default null: the agent's own default. */
  model: string | null;
  /** Claude's `--permission-mode`. Default `bypassPermissions` (nobody is there to approve a tool). */
  permissionMode: ClaudePermissionMode;
  /** Codex's `--sandbox`. Default `workspace-write`. */
  sandbox: CodexSandbox;
  /** A preset's binary, if not its name on PATH. Default null. */
  bin: string | null;
}

/** What a usage-limit hold does: wait for the reset (probing), or end the run like the other holds. */
export type OnHold = 'wait' | 'stop';

/**
 * Everything `harness run` needs: the seed's ScaleConfig plus how sessions
 * run. Each field's unit and default is in DEFAULT_CONFIG and the README.
 */
export interface HarnessConfig extends ScaleConfig {
  /** Session attempts an issue gets before it is failed. Default 3. */
  maxAttempts: number;
  /** A session running longer than this (ms) is killed with outcome `timeout`. Default 3600000. */
  sessionTimeoutMs: number;
  /** Time (ms) between SIGTERM and SIGKILL when a session is stopped. Default 5000. */
  killGraceMs: number;
  /** Base retry delay (ms); attempt n waits retryDelayMs × 2^(n−1), at most 100×. Default 5000. */
  retryDelayMs: number;
  /** A session's log is cut at this many bytes, with a notice. Default 10485760 (10 MiB). */
  logMaxBytes: number;
  /** Path of the SQLite state database, relative to the working directory. Default `.harness/state.db`. */
  state: string;
  /**
   * A PostgreSQL store shared by a fleet of coordinators (`postgres://…`),
   * instead of the SQLite file at `state`; env HARNESS_STORE_URL. Default
   * null (the SQLite file).
   */
  store: string | null;
  /** Stop dispatching once the state has spent this much (USD, as the agents report it); the run ends held (exit 3). Default null (no cap). */
  maxCostUsd: number | null;
  /** The same for tokens (input + output). Default null. */
  maxTokens: number | null;
  /** An issue that has spent this much (USD) fails with reason budget; Claude sessions get the rest as --max-budget-usd. Default null. */
  issueMaxCostUsd: number | null;
  /** The same for one issue's tokens (input + output). Default null. */
  issueMaxTokens: number | null;
  /** `wait` (default): a usage-limit hold waits for its reset; `stop`: the run ends held (exit 3). */
  onHold: OnHold;
  /** The same agent error on this many different issues in a row holds the fleet (exit 3); 0 turns it off. Default 3. */
  circuitBreaker: number;
  /** Where sessions run, and how worktrees are prepared and cleaned up. Default mode `shared`. */
  workspace: WorkspaceConfig;
  /** Lifecycle hooks: commands run when a workspace is created or removed, and before and after each session. */
  hooks: HooksConfig;
  /** The merge queue for worktree mode. */
  merge: MergeConfig;
  /** Where issues come from: `file` (--issues), `beads` (`bd ready`) or `github` (`gh issue list`). Default `file`. */
  source: SourceKind;
  /** A failed blocker's dependents: `fail` (default) fails them without running, `wait` keeps them waiting until it is retried and done. */
  onBlockerFailure: BlockerFailureMode;
  /** Talking to the tracker (sources beads and github). */
  tracker: TrackerConfig;
  /** The machine's load and free memory, beyond which the pool does not grow. */
  host: HostConfig;
  /** Limits across a fleet of coordinators (with `store`). */
  fleet: FleetConfig;
  agent: AgentConfig;
}

export const DEFAULT_PROMPT = [
  'You are working on issue {{id}} (priority P{{priority}}, attempt {{attempt}}).',
  '',
  'Title: {{title}}',
  '',
  '{{body}}',
  '',
  'Make the change in this working directory, run the tests, and commit your work.',
].join('\n');

export const DEFAULT_CONFIG: Readonly<HarnessConfig> = Object.freeze({
  ...DEFAULT_SCALE_CONFIG,
  maxAttempts: 3,
  sessionTimeoutMs: 60 * 60 * 1000,
  killGraceMs: 5000,
  retryDelayMs: 5000,
  logMaxBytes: 10 * 1024 * 1024,
  state: '.harness/state.db',
  store: null,
  maxCostUsd: null,
  maxTokens: null,
  issueMaxCostUsd: null,
  issueMaxTokens: null,
  onHold: 'wait',
  circuitBreaker: 3,
  source: 'file',
  onBlockerFailure: 'fail',
  fleet: Object.freeze({ maxWorkers: null, leaseMs: 30_000 }) as FleetConfig,
  tracker: Object.freeze({ timeoutMs: 30_000, retryMs: 15_000, label: 'harness', limit: 100, assign: false, bin: null }) as TrackerConfig,
  host: Object.freeze({ maxLoad: null, minFreeMemory: null }) as HostConfig,
  workspace: Object.freeze({ mode: 'shared', setup: null, copy: [], keep: false }) as WorkspaceConfig,
  hooks: Object.freeze({ afterCreate: null, beforeRun: null, afterRun: null, beforeRemove: null, timeoutMs: 60_000 }) as HooksConfig,
  merge: Object.freeze({
    mode: 'local',
    strategy: 'rebase',
    verify: null,
    target: null,
    push: null,
    batchSize: 1,
    requireCommits: true,
  }) as MergeConfig,
  agent: Object.freeze({
    command: ['claude'],
    prompt: DEFAULT_PROMPT,
    format: null,
    resume: null,
    model: null,
    permissionMode: 'bypassPermissions',
    sandbox: 'workspace-write',
    bin: null,
  }) as AgentConfig,
});

/** Where a resolved field's value came from. */
export type ConfigSource =
  | { kind: 'default' }
  | { kind: 'file'; path: string }
  | { kind: 'env'; variable: string }
  | { kind: 'flag'; flag: string };

export interface ResolvedConfig {
  config: HarnessConfig;
  /** One entry per field path (e.g. `maxWorkers`, `agent.command`). */
  sources: Record<string, ConfigSource>;
  /** The config file used, if any. */
  file: string | null;
}
