/**
 * Agent adapters: for each agent, the command line to run, the parser that
 * turns its output stream into typed events, and how to resume a session.
 * Pure and clock-free: the caller feeds bytes and the current time.
 */
import { createClaudeParser } from './claude.js';
import { createCodexParser } from './codex.js';
import type { AgentFormat } from './events.js';
import { createGeminiParser } from './gemini.js';
import { createOpencodeParser } from './opencode.js';
import type { AgentStreamParser, ParserOptions } from './parser.js';
import { createTextParser } from './text.js';

/** One output format: how to read it. */
export interface AgentAdapter {
  format: AgentFormat;
  createParser(options?: ParserOptions): AgentStreamParser;
}

export const ADAPTERS: Readonly<Record<AgentFormat, AgentAdapter>> = {
  'claude-stream-json': { format: 'claude-stream-json', createParser: createClaudeParser },
  'codex-json': { format: 'codex-json', createParser: createCodexParser },
  'gemini-stream-json': { format: 'gemini-stream-json', createParser: createGeminiParser },
  'opencode-json': { format: 'opencode-json', createParser: createOpencodeParser },
  text: { format: 'text', createParser: createTextParser },
};

/** A fresh parser for one session's output in `format`. */
export function createParser(format: AgentFormat, options?: ParserOptions): AgentStreamParser {
  return ADAPTERS[format].createParser(options);
}

export * from './events.js';
export type { AgentStreamParser, ParserOptions } from './parser.js';
export { createClaudeParser, epochMs } from './claude.js';
export { createCodexParser } from './codex.js';
export { createGeminiParser, GEMINI_EXIT_ERRORS } from './gemini.js';
export { createOpencodeParser } from './opencode.js';
export { createTextParser } from './text.js';
export { detectUsageLimit, resetTimeOf, type ResetTimeOptions } from './usage-limit.js';
export { isKnownTimeZone } from './zoned-time.js';
export { applyAgentEvent, emptySummary, summarise, type AgentSummary, type SummaryOptions, type UsageTally } from './summary.js';
export { decideOutcome, OUTCOME_KINDS, type AgentExit, type AgentOutcome, type OutcomeKind } from './outcome.js';
export {
  CLAUDE_PERMISSION_MODES,
  CODEX_SANDBOXES,
  PRESET_NAMES,
  PRESETS,
  PresetOptionError,
  claudePreset,
  codexPreset,
  geminiPreset,
  opencodePreset,
  presetNamed,
  type AgentPreset,
  type ClaudePermissionMode,
  type CodexSandbox,
  type PresetName,
  type PresetOptions,
} from './presets.js';
export {
  knownRefusals,
  preflight,
  versionProblem,
  PREFLIGHT_PROBLEMS,
  type PreflightInput,
  type PreflightProblem,
  type PreflightProblemCode,
  type PreflightReport,
  type VersionProbe,
  type VersionProbeResult,
} from './preflight.js';
export { spawnVersionProbe, type SpawnProbeOptions } from './probe.js';
export { DEFAULT_MAX_LINE_BYTES } from './lines.js';
