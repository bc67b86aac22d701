/**
 * A session's outcome. The agent's own final result wins when there is
 * one: Claude's `is_error: true` with exit 0 is a failure, and so is
 * Codex's `turn.failed` followed by exit 0. A warning (Codex's error item)
 * is never a failure. Without a result, a usage-limit message means the
 * limit; otherwise the exit code decides.
 */
import type { AgentErrorKind, AgentEvent, AgentFormat, UsageLimitKind } from './events.js';
import { GEMINI_EXIT_ERRORS } from './gemini.js';
import { summarise, type AgentSummary } from './summary.js';
import { activityText, clip } from './values.js';

/** How the agent's process ended (the runner's SessionExit). */
export interface AgentExit {
  /** Exit code, or null when killed by a signal or never started. */
  exitCode: number | null;
  signal: string | null;
  /** Set when the process could not be started at all. */
  error?: string;
}

export const OUTCOME_KINDS = ['success', 'failure'] as const;
export type OutcomeKind = (typeof OUTCOME_KINDS)[number];

export interface AgentOutcome {
  kind: OutcomeKind;
  /** Why it failed, when the agent or its exit code says; null for success and for a plain non-zero exit. */
  error: AgentErrorKind | null;
  apiStatus: number | null;
  /** What decided it: the agent's result event, a usage-limit message without one, or the exit. */
  decidedBy: 'result' | 'usage-limit' | 'exit';
  /** For a usage limit or spend cap: which, and when it lifts (epoch ms) if known. */
  usageLimit: { limit: UsageLimitKind; resetAt: number | null } | null;
  /** One line for a log or a table: what happened, with the agent's own words where it gave some. */
  reason: string;
}

/** What each exit code means for formats whose CLI documents them. */
const EXIT_ERRORS: Partial<Record<AgentFormat, Readonly<Record<number, AgentErrorKind>>>> = { 'gemini-stream-json': GEMINI_EXIT_ERRORS };

const LABELS: Record<AgentErrorKind, string> = {
  api_error: 'API error',
  max_turns: 'turn limit reached',
  max_budget: 'budget limit reached',
  auth: 'authentication failed',
  rate_limited: 'rate limited',
  usage_limit: 'usage limit reached',
  overloaded: 'API overloaded',
  invalid_request: 'request refused by the API',
};

const REASON_MAX = 240;

export function decideOutcome(events: AgentSummary | readonly AgentEvent[], exit: AgentExit, format: AgentFormat = 'text'): AgentOutcome {
  const summary = Array.isArray(events) ? summarise(events as readonly AgentEvent[]) : (events as AgentSummary);
  const result = summary.result;
  const limit = summary.usageLimit ? { limit: summary.usageLimit.limit, resetAt: summary.usageLimit.resetAt } : null;

  if (result) {
    if (result.ok) {
      const details = [result.numTurns !== null ? `${result.numTurns} turn${result.numTurns === 1 ? '' : 's'}` : null, cost(summary.costUsd)].filter(Boolean);
      return { kind: 'success', error: null, apiStatus: null, decidedBy: 'result', usageLimit: null, reason: `agent reported success${details.length ? ` (${details.join(', ')})` : ''}` };
    }
    const error = result.error ?? 'api_error';
    const usageLimit = error === 'usage_limit' ? (limit ?? { limit: 'usage' as const, resetAt: null }) : null;
    return {
      kind: 'failure',
      error,
      apiStatus: result.apiStatus,
      decidedBy: 'result',
      usageLimit,
      reason: failureReason(error, result.apiStatus, result.text, usageLimit, exit),
    };
  }

  if (limit) {
    return { kind: 'failure', error: 'usage_limit', apiStatus: null, decidedBy: 'usage-limit', usageLimit: limit, reason: failureReason('usage_limit', null, summary.usageLimit!.text, limit, exit) };
  }

  if (exit.error !== undefined) return exitFailure(null, `could not start the agent: ${oneLine(exit.error)}`);
  if (exit.signal !== null) return exitFailure(null, `killed by ${exit.signal}${summary.lastActivity ? `; last activity: ${summary.lastActivity}` : ''}`);
  const silent = format === 'text' ? '' : ' without a result event';
  if (exit.exitCode === 0) return { kind: 'success', error: null, apiStatus: null, decidedBy: 'exit', usageLimit: null, reason: `exited with code 0${silent}` };
  const error = (exit.exitCode !== null && EXIT_ERRORS[format]?.[exit.exitCode]) || null;
  return exitFailure(error, `exited with code ${exit.exitCode ?? 'unknown'}${silent}${error ? ` (${LABELS[error]})` : ''}`);
}

function exitFailure(error: AgentErrorKind | null, reason: string): AgentOutcome {
  return { kind: 'failure', error, apiStatus: null, decidedBy: 'exit', usageLimit: null, reason: clip(reason, REASON_MAX) };
}

function failureReason(
  error: AgentErrorKind,
  status: number | null,
  text: string | null,
  limit: { limit: UsageLimitKind; resetAt: number | null } | null,
  exit: AgentExit,
): string {
  let label: string = LABELS[error];
  if (limit?.limit === 'spend_cap') label = 'spend cap reached';
  if (status !== null) label += ` (${status})`;
  if (limit?.resetAt != null) label += `, resets ${new Date(limit.resetAt).toISOString()}`;
  if (exit.exitCode === 0) label += ', though the agent exited 0';
  return clip(text ? `${label}: ${oneLine(text)}` : label, REASON_MAX);
}

function oneLine(text: string): string {
  return activityText(text, REASON_MAX);
}

function cost(usd: number | null): string | null {
  return usd === null ? null : `$${usd < 0.01 ? usd.toFixed(4) : usd.toFixed(2)}`;
}
