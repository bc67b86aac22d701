import { DEFAULT_SCALE_CONFIG, type ScaleConfig } from '../core/scale-config.js';

export type WorkspaceMode = 'shared' | 'worktree';

export interface AgentConfig {
  /**
   * The agent's argv (no shell). Default: Claude Code in non-interactive
   * mode, reading the prompt on stdin and streaming JSON progress.
   */
  command: string[];
  /**
   * Template of the prompt written to the agent's stdin. Placeholders:
   * {{id}}, {{title}}, {{body}}, {{priority}}, {{labels}}, {{attempt}}.
   */
  prompt: string;
}

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
  /** Where sessions run: the project directory itself, or one git worktree per issue. Default `shared`. */
  workspace: WorkspaceMode;
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
  workspace: 'shared' as WorkspaceMode,
  agent: Object.freeze({
    command: ['claude', '-p', '--output-format', 'stream-json', '--verbose', '--permission-mode', 'bypassPermissions'],
    prompt: DEFAULT_PROMPT,
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
