/**
 * What a session's events add up to: the agent's session id and model (the
 * latest), its last result, limits, retries, and its tokens and cost with
 * each usage event counted on its own basis. A pure fold, so the run's
 * reducer can keep one per session and apply events as they come.
 */
import {
  ZERO_USAGE,
  type AgentEvent,
  type RateLimitEvent,
  type ResultEvent,
  type RetryEvent,
  type TokenUsage,
  type UsageLimitEvent,
} from './events.js';

export interface AgentSummary {
  sessionId: string | null;
  model: string | null;
  /** The last result event: the agent's verdict. */
  result: ResultEvent | null;
  usageLimit: UsageLimitEvent | null;
  rateLimit: RateLimitEvent | null;
  retries: number;
  lastRetry: RetryEvent | null;
  progressEvents: number;
  /** The latest progress event's activity text. */
  lastActivity: string | null;
  warnings: number;
  /** This session's tokens. */
  tokens: TokenUsage;
  /** This session's cost in USD, when the agent reports one. */
  costUsd: number | null;
  /**
   * The agent's running total for its whole conversation (Codex threads),
   * to keep with the session: a later session resuming it passes this as
   * its `threadBaseline`.
   */
  threadTokens: TokenUsage | null;
  /** What the tokens are made of, to fold further events in. */
  tally: UsageTally;
}

export interface UsageTally {
  delta: TokenUsage;
  deltaCostUsd: number | null;
  process: TokenUsage | null;
  processCostUsd: number | null;
  thread: TokenUsage | null;
  /** The thread's total when this session started (resuming), subtracted from later thread totals. */
  threadBaseline: TokenUsage;
}

export interface SummaryOptions {
  /** For a session that resumed a thread: the thread total its predecessor ended with. */
  threadBaseline?: TokenUsage | null;
}

export function emptySummary(options: SummaryOptions = {}): AgentSummary {
  return {
    sessionId: null,
    model: null,
    result: null,
    usageLimit: null,
    rateLimit: null,
    retries: 0,
    lastRetry: null,
    progressEvents: 0,
    lastActivity: null,
    warnings: 0,
    tokens: ZERO_USAGE,
    costUsd: null,
    threadTokens: null,
    tally: { delta: ZERO_USAGE, deltaCostUsd: null, process: null, processCostUsd: null, thread: null, threadBaseline: options.threadBaseline ?? ZERO_USAGE },
  };
}

/** The summary after one more event. Never mutates `summary`. */
export function applyAgentEvent(summary: AgentSummary, event: AgentEvent): AgentSummary {
  switch (event.type) {
    case 'progress':
      return { ...summary, progressEvents: summary.progressEvents + 1, lastActivity: event.activity };
    case 'retry':
      return { ...summary, retries: summary.retries + 1, lastRetry: event };
    case 'rate-limit':
      return { ...summary, rateLimit: event };
    case 'session':
      return { ...summary, sessionId: event.sessionId ?? summary.sessionId, model: event.model ?? summary.model };
    case 'result':
      return { ...summary, result: event };
    case 'usage-limit':
      return { ...summary, usageLimit: event };
    case 'warning':
      return { ...summary, warnings: summary.warnings + 1 };
    case 'usage': {
      const tally = { ...summary.tally };
      if (event.basis === 'delta') {
        tally.delta = add(tally.delta, event.tokens);
        if (event.costUsd !== null) tally.deltaCostUsd = (tally.deltaCostUsd ?? 0) + event.costUsd;
      } else if (event.basis === 'process') {
        tally.process = event.tokens;
        if (event.costUsd !== null) tally.processCostUsd = event.costUsd;
      } else {
        tally.thread = event.tokens;
      }
      return { ...summary, tally, ...totals(tally) };
    }
  }
}

export function summarise(events: Iterable<AgentEvent>, options: SummaryOptions = {}): AgentSummary {
  let summary = emptySummary(options);
  for (const event of events) summary = applyAgentEvent(summary, event);
  return summary;
}

function totals(tally: UsageTally): Pick<AgentSummary, 'tokens' | 'costUsd' | 'threadTokens'> {
  let tokens = add(tally.delta, tally.process ?? ZERO_USAGE);
  if (tally.thread) tokens = add(tokens, subtract(tally.thread, tally.threadBaseline));
  const costs = [tally.deltaCostUsd, tally.processCostUsd].filter((c): c is number => c !== null);
  return { tokens, costUsd: costs.length === 0 ? null : costs.reduce((a, b) => a + b, 0), threadTokens: tally.thread };
}

function add(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
    cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
  };
}

/** a − b per field, never below zero (a thread total smaller than its baseline means a new thread). */
function subtract(a: TokenUsage, b: TokenUsage): TokenUsage {
  if (a.inputTokens < b.inputTokens || a.outputTokens < b.outputTokens) return a;
  return {
    inputTokens: a.inputTokens - b.inputTokens,
    outputTokens: a.outputTokens - b.outputTokens,
    cacheReadTokens: Math.max(0, a.cacheReadTokens - b.cacheReadTokens),
    cacheWriteTokens: Math.max(0, a.cacheWriteTokens - b.cacheWriteTokens),
  };
}
