/**
 * The command line of each agent preset, as an argv array: run without a
 * shell, the prompt on stdin. See docs/agents.md for why each flag is there.
 */
import { UsageError } from '../../errors.js';
import type { AgentFormat } from './events.js';

export const PRESET_NAMES = ['claude', 'codex', 'gemini', 'opencode'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** Claude Code's `--permission-mode` values (2.1.197). */
export const CLAUDE_PERMISSION_MODES = ['acceptEdits', 'auto', 'bypassPermissions', 'default', 'dontAsk', 'plan'] as const;
export type ClaudePermissionMode = (typeof CLAUDE_PERMISSION_MODES)[number];

/** Codex's `--sandbox` values (0.171.0). */
export const CODEX_SANDBOXES = ['read-only', 'workspace-write', 'danger-full-access'] as const;
export type CodexSandbox = (typeof CODEX_SANDBOXES)[number];

export interface PresetOptions {
  /** The binary to run instead of the preset's name on PATH. */
  bin?: string;
  /** Continue this agent session (a session id the agent printed earlier) instead of starting over. */
  resumeId?: string | null;
  /** The model to ask for; the agent's default when absent. */
  model?: string | null;
  /** Claude: stop the session at this spend, in USD (`--max-budget-usd`). Ignored by presets without such a flag. */
  maxBudgetUsd?: number | null;
  /** Claude: stop after this many turns (`--max-turns`). */
  maxTurns?: number | null;
  /** Claude: `--permission-mode`, default bypassPermissions. */
  permissionMode?: ClaudePermissionMode;
  /** Codex: `--sandbox`, default workspace-write. */
  sandbox?: CodexSandbox;
  /**
   * Codex: more directories the sandbox lets the agent write (`--add-dir`).
   * workspace-write keeps `.git` read-only, so an agent that must commit
   * needs the repository's git directory here (`git rev-parse --git-common-dir`).
   */
  writableDirs?: readonly string[];
  /** Codex: run outside a git repository (`--skip-git-repo-check`). */
  skipGitRepoCheck?: boolean;
}

export interface AgentPreset {
  name: PresetName;
  /** The binary looked up on PATH unless options.bin says otherwise. */
  bin: string;
  format: AgentFormat;
  /** Whether a session can be continued by id. */
  supportsResume: boolean;
  /** Whether the agent enforces a per-session spending cap itself. */
  supportsBudget: boolean;
  /** How to install it, for the message when it is missing. */
  install: string;
  argv(options?: PresetOptions): string[];
}

/** A preset option that cannot go on a command line as given. Exit 2. */
export class PresetOptionError extends UsageError {}

const SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;

function resumeId(preset: PresetName, id: string | null | undefined, supported: boolean): string | null {
  if (id === null || id === undefined) return null;
  if (!supported) throw new PresetOptionError(`the ${preset} preset cannot resume a session: start it without a resume id`);
  if (!SESSION_ID.test(id)) {
    throw new PresetOptionError(
      `resume id ${JSON.stringify(id.slice(0, 80))} is not a session id: expected 1–200 letters, digits, '.', '_', ':' or '-', starting with a letter or digit`,
    );
  }
  return id;
}

/** A value that goes on the command line as one argument: printable, and never mistaken for a flag. */
function word(name: string, value: string | null | undefined, max = 200): string | null {
  if (value === null || value === undefined) return null;
  if (value === '' || value.startsWith('-') || /[\u0000-\u001f\u007f]/.test(value) || value.length > max) {
    throw new PresetOptionError(`${name} ${JSON.stringify(value.slice(0, 80))} cannot be passed: expected 1–${max} printable characters, not starting with '-'`);
  }
  return value;
}

const PATH_MAX = 4096;

function usd(value: number | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const text = Number.isFinite(value) ? value.toFixed(6).replace(/\.?0+$/, '') : '';
  if (!(value > 0) || text === '' || text === '0') throw new PresetOptionError(`maxBudgetUsd must be a positive amount of at least 0.000001, received ${value}`);
  return text;
}

function positiveInteger(name: string, value: number | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (!Number.isSafeInteger(value) || value < 1) throw new PresetOptionError(`${name} must be a whole number ≥ 1, received ${value}`);
  return String(value);
}

function oneOf<T extends string>(name: string, value: T | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value)) throw new PresetOptionError(`${name} must be one of ${allowed.join(', ')}, received ${JSON.stringify(value)}`);
  return value;
}

const flag = (name: string, value: string | null): string[] => (value === null ? [] : [name, value]);

export const claudePreset: AgentPreset = {
  name: 'claude',
  bin: 'claude',
  format: 'claude-stream-json',
  supportsResume: true,
  supportsBudget: true,
  install: 'npm install -g @anthropic-ai/claude-code',
  argv(options = {}) {
    const mode = oneOf('permissionMode', options.permissionMode, CLAUDE_PERMISSION_MODES, 'bypassPermissions');
    return [
      word('bin', options.bin, PATH_MAX) ?? 'claude',
      '-p',
      '--output-format',
      'stream-json',
      '--verbose',
      '--permission-mode',
      mode,
      ...flag('--model', word('model', options.model)),
      ...flag('--max-turns', positiveInteger('maxTurns', options.maxTurns)),
      ...flag('--max-budget-usd', usd(options.maxBudgetUsd)),
      ...flag('--resume', resumeId('claude', options.resumeId, true)),
    ];
  },
};

export const codexPreset: AgentPreset = {
  name: 'codex',
  bin: 'codex',
  format: 'codex-json',
  supportsResume: true,
  supportsBudget: false,
  install: 'npm install -g @openai/codex',
  argv(options = {}) {
    const sandbox = oneOf('sandbox', options.sandbox, CODEX_SANDBOXES, 'workspace-write');
    const id = resumeId('codex', options.resumeId, true);
    return [
      word('bin', options.bin, PATH_MAX) ?? 'codex',
      'exec',
      '--json',
      '--sandbox',
      sandbox,
      ...(options.skipGitRepoCheck ? ['--skip-git-repo-check'] : []),
      ...(options.writableDirs ?? []).flatMap((dir) => ['--add-dir', word('writable dir', dir, PATH_MAX)!]),
      ...flag('--model', word('model', options.model)),
      // `exec resume <id>` after exec's own options; the prompt still comes on stdin.
      ...(id === null ? [] : ['resume', id]),
    ];
  },
};

export const geminiPreset: AgentPreset = {
  name: 'gemini',
  bin: 'gemini',
  format: 'gemini-stream-json',
  supportsResume: false,
  supportsBudget: false,
  install: 'npm install -g @google/gemini-cli',
  argv(options = {}) {
    resumeId('gemini', options.resumeId, false);
    return [
      word('bin', options.bin, PATH_MAX) ?? 'gemini',
      // An empty --prompt selects headless mode; the prompt itself comes on stdin, to which -p is appended.
      '-p',
      '',
      '--output-format',
      'stream-json',
      '--approval-mode',
      'yolo',
      ...flag('--model', word('model', options.model)),
    ];
  },
};

export const opencodePreset: AgentPreset = {
  name: 'opencode',
  bin: 'opencode',
  format: 'opencode-json',
  supportsResume: true,
  supportsBudget: false,
  install: 'npm install -g opencode-ai',
  argv(options = {}) {
    return [
      word('bin', options.bin, PATH_MAX) ?? 'opencode',
      'run',
      '--format',
      'json',
      ...flag('--model', word('model', options.model)),
      ...flag('--session', resumeId('opencode', options.resumeId, true)),
    ];
  },
};

export const PRESETS: Readonly<Record<PresetName, AgentPreset>> = { claude: claudePreset, codex: codexPreset, gemini: geminiPreset, opencode: opencodePreset };

/** The preset a bare `--agent` value names, or null for anything else (which stays a command line). */
export function presetNamed(value: string): AgentPreset | null {
  return (PRESET_NAMES as readonly string[]).includes(value) ? PRESETS[value as PresetName] : null;
}
