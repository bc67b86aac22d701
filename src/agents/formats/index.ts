/**
 * Agent adapters: for each agent, the command line to run, the parser that
 * turns its output stream into typed events, and how to resume a session.
 * Pure and clock-free: the caller feeds bytes and the current time.
 */
export { ADAPTERS, createParser, type AgentAdapter } from './parsers.js';
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
