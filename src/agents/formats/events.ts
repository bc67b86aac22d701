/**
 * What an agent's output stream says, in one vocabulary for every agent.
 * Each format's parser turns its own lines into these events; the run's
 * reducer consumes them. Every text field holds agent output: untrusted,
 * to be escaped wherever it is printed.
 */

/** The output formats harness can read. */
export const AGENT_FORMATS = ['claude-stream-json', 'codex-json', 'gemini-stream-json', 'opencode-json', 'text'] as const;
export type AgentFormat = (typeof AGENT_FORMATS)[number];

/**
 * Why an agent session failed, when the agent says so:
 * - `api_error`: the model API failed (a 5xx, a broken stream), with its status when known;
 * - `max_turns`: the agent stopped at its turn limit;
 * - `max_budget`: the agent stopped at its spending limit (Claude's `--max-budget-usd`);
 * - `auth`: the API refused the credentials (401, 403);
 * - `rate_limited`: the API kept answering 429 after the agent's own retries;
 * - `usage_limit`: a plan's usage limit or an account's spend cap was reached;
 * - `overloaded`: the API was overloaded (529, "high demand");
 * - `invalid_request`: the API refused the request itself (400, 413, 422).
 */
export const AGENT_ERROR_KINDS = [
  'api_error',
  'max_turns',
  'max_budget',
  'auth',
  'rate_limited',
  'usage_limit',
  'overloaded',
  'invalid_request',
] as const;
export type AgentErrorKind = (typeof AGENT_ERROR_KINDS)[number];

/**
 * Kinds of agent work. Each one resets the stall timer:
 * - `message`: assistant text;
 * - `reasoning`: thinking or reasoning text;
 * - `tool_use`: a tool call (a command, an edit, a search);
 * - `tool_result`: a tool's result coming back;
 * - `item`: another work item (Codex todo lists, item updates);
 * - `step`: a turn or step started or ended, a compaction, a hook;
 * - `text`: a plain output line (the `text` format, or a non-JSON line in a JSON stream);
 * - `other`: a JSON event of a type this version does not know.
 */
export const PROGRESS_KINDS = ['message', 'reasoning', 'tool_use', 'tool_result', 'item', 'step', 'text', 'other'] as const;
export type ProgressKind = (typeof PROGRESS_KINDS)[number];

/**
 * Token counts. `inputTokens` excludes cached input in every format, so
 * input + cacheRead + cacheWrite is the whole prompt: Claude reports it
 * that way, and Codex's and Gemini's cached counts are subtracted from
 * their input counts.
 */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

/**
 * What a usage event's counts cover:
 * - `delta`: this step only; add it to what came before (opencode's step_finish);
 * - `process`: everything since this process started; it replaces the
 *   previous `process` figure (Claude's and Gemini's result);
 * - `thread`: the whole conversation, including sessions it resumed
 *   (Codex's turn.completed); this session's share is the figure minus the
 *   thread's figure when the resumed session ended.
 */
export type UsageBasis = 'delta' | 'process' | 'thread';

/** Claude's rate_limit_event statuses; other agents' values pass through. */
export type RateLimitStatus = 'allowed' | 'allowed_warning' | 'rejected';

/** Which kind of limit a usage-limit event reports. A spend cap does not lift by waiting for a reset alone. */
export type UsageLimitKind = 'usage' | 'spend_cap';

/** Agent work: resets the stall timer. `activity` is one short line for a dashboard (≤ 120 characters). */
export interface ProgressEvent {
  type: 'progress';
  kind: ProgressKind;
  activity: string;
}

/** The agent is retrying a failed API request itself. Not progress: an agent stuck retrying stalls. */
export interface RetryEvent {
  type: 'retry';
  /** 1-based attempt number, when given. */
  attempt: number | null;
  maxRetries: number | null;
  /** How long the agent waits before this attempt, in ms, when given. */
  delayMs: number | null;
  /** HTTP status of the failed request, when given. */
  status: number | null;
  error: AgentErrorKind | null;
  message: string;
}

/** The provider's view of a plan's rate limit (Claude's rate_limit_event). */
export interface RateLimitEvent {
  type: 'rate-limit';
  status: RateLimitStatus | string;
  /** Epoch ms; the agent may give seconds or milliseconds, normalised here. */
  resetsAt: number | null;
  /** e.g. five_hour, seven_day, overage. */
  limitType: string | null;
  /** Fraction of the limit used, 0–1, when given. */
  utilization: number | null;
}

/** The agent's own session (Claude session_id, Codex thread_id, …) and model; the latest wins. */
export interface SessionInfoEvent {
  type: 'session';
  sessionId: string | null;
  model: string | null;
}

/** Tokens (and cost when the agent reports it), on the basis its format uses. */
export interface UsageEvent {
  type: 'usage';
  basis: UsageBasis;
  tokens: TokenUsage;
  costUsd: number | null;
}

/** The agent's own verdict on the session. The last one in a stream wins. */
export interface ResultEvent {
  type: 'result';
  ok: boolean;
  error: AgentErrorKind | null;
  /** HTTP status of the API error behind a failure, when given. */
  apiStatus: number | null;
  /** The agent's own name for the outcome (Claude's subtype, Gemini's error type), when given. */
  subtype: string | null;
  numTurns: number | null;
  durationMs: number | null;
  costUsd: number | null;
  usage: TokenUsage | null;
  /** The final message or error text, at most RESULT_TEXT_MAX characters. */
  text: string | null;
}

/** A usage limit or spend cap was reached; `resetAt` (epoch ms) when the text or event says when it lifts. */
export interface UsageLimitEvent {
  type: 'usage-limit';
  limit: UsageLimitKind;
  resetAt: number | null;
  /** The text it was read from (at most RESULT_TEXT_MAX characters). */
  text: string;
}

/** An error the agent reported and went on from (Codex's error items, Gemini's warnings). Neither progress nor failure. */
export interface WarningEvent {
  type: 'warning';
  message: string;
}

export type AgentEvent = ProgressEvent | RetryEvent | RateLimitEvent | SessionInfoEvent | UsageEvent | ResultEvent | UsageLimitEvent | WarningEvent;

/** Longest result or limit text kept in an event; the rest is cut with an ellipsis. */
export const RESULT_TEXT_MAX = 4000;
/** Longest activity text. */
export const ACTIVITY_MAX = 120;

export const ZERO_USAGE: TokenUsage = Object.freeze({ inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 });
