/**
 * How sessions run the agent, from the `agent` config: a preset (a bare
 * `claude`, `codex`, `gemini` or `opencode`), whose argv is built per
 * session (the conversation it resumes, the budget it has left), or a
 * custom command line, run as given and read in the format it names. Pure:
 * what it needs of the machine (the resolved binary, whether the sessions
 * work in a git repository) is handed in.
 */
import type { AgentFormat } from './formats/events.js';
import { PRESET_NAMES, presetNamed, type AgentPreset, type ClaudePermissionMode, type CodexSandbox } from './formats/presets.js';

/** The `agent` settings an invocation is made from (a subset of AgentConfig, so this module does not depend on config/). */
export interface AgentSettings {
  command: readonly string[];
  format: AgentFormat | null;
  resume: boolean | null;
  model: string | null;
  permissionMode: ClaudePermissionMode;
  sandbox: CodexSandbox;
  bin: string | null;
}

/** What one session's argv depends on. */
export interface SessionArgs {
  /** The agent conversation to continue, or null to start fresh. */
  resumeFrom?: string | null;
  /** The spending the issue has left (USD), for an agent that stops itself at a budget. */
  budgetUsd?: number | null;
  /** Where the session works (its worktree in worktree mode). */
  cwd?: string;
}

export interface AgentInvocation {
  /** The preset, or null for a custom command line. */
  preset: AgentPreset | null;
  format: AgentFormat;
  /** A retry continues the agent's conversation. */
  resume: boolean;
  /** The argv of a fresh session without a budget: what preflight checks and `config show` prints. */
  baseArgv: string[];
  /** One session's argv. A custom command line is the same for every session. */
  argv(session?: SessionArgs): string[];
}

export interface InvocationContext {
  /** The preset's binary as resolved (an absolute path, or a name found on PATH); default agent.bin or the preset's name. */
  bin?: string;
  /** Codex: directories its sandbox may also write, e.g. the repository's git directory (so the agent can commit). */
  writableDirs?: readonly string[];
  /** Codex: more such directories for a session working in `cwd` (a worktree's own git directory). */
  sessionDirs?: (cwd: string) => readonly string[];
  /** Codex: the sessions do not work in a git repository. */
  skipGitRepoCheck?: boolean;
}

/** The preset a command names: exactly one word that is a preset's name. Anything else is a command line. */
export function presetOfCommand(command: readonly string[]): AgentPreset | null {
  return command.length === 1 ? presetNamed(command[0] ?? '') : null;
}

/** The smallest budget a preset's flag can carry; an issue with nothing left gets this and stops at once. */
const MIN_BUDGET_USD = 0.000001;

export function agentInvocation(agent: AgentSettings, context: InvocationContext = {}): AgentInvocation {
  const preset = presetOfCommand(agent.command);
  if (!preset) {
    const command = [...agent.command];
    const format = agent.format ?? 'text';
    return { preset: null, format, resume: agent.resume === true, baseArgv: command, argv: () => [...command] };
  }
  const options = {
    bin: context.bin ?? agent.bin ?? preset.bin,
    model: agent.model,
    permissionMode: agent.permissionMode,
    sandbox: agent.sandbox,
    writableDirs: context.writableDirs ?? [],
    skipGitRepoCheck: context.skipGitRepoCheck ?? false,
  };
  const resume = (agent.resume ?? preset.supportsResume) && preset.supportsResume;
  const argv = (session: SessionArgs = {}): string[] =>
    preset.argv({
      ...options,
      writableDirs: [...options.writableDirs, ...(session.cwd !== undefined && context.sessionDirs ? context.sessionDirs(session.cwd) : [])],
      resumeId: resume ? (session.resumeFrom ?? null) : null,
      maxBudgetUsd: preset.supportsBudget && session.budgetUsd != null ? Math.max(MIN_BUDGET_USD, session.budgetUsd) : null,
    });
  return { preset, format: preset.format, resume, baseArgv: argv(), argv };
}

/**
 * What is wrong with the `agent` settings as a whole, one line per problem
 * (`agent.format: …`); empty when nothing is. Field values were checked
 * one by one before; these relate them.
 */
export function agentSettingsProblems(agent: AgentSettings): string[] {
  const problems: string[] = [];
  const preset = presetOfCommand(agent.command);
  if (preset && agent.format !== null && agent.format !== preset.format) {
    problems.push(
      `agent.format: expected ${preset.format} (what the ${preset.name} preset prints) or nothing, received ${JSON.stringify(agent.format)}: ` +
        'drop agent.format, or give a command line instead of the preset name',
    );
  }
  if (preset && agent.resume === true && !preset.supportsResume) {
    problems.push(`agent.resume: the ${preset.name} preset cannot resume a session: set agent.resume to false or leave it unset`);
  }
  if (!preset && agent.resume === true && (agent.format ?? 'text') === 'text') {
    problems.push('agent.resume: resuming needs the agent\'s session id, which only a structured agent.format gives: set agent.format (e.g. claude-stream-json), or leave agent.resume unset');
  }
  if (!preset && agent.bin !== null) {
    problems.push(`agent.bin: only a preset (${PRESET_NAMES.join(', ')}) takes a binary; with a command line, put the program first in agent.command`);
  }
  return problems;
}
