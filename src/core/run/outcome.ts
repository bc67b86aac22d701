/**
 * What a session's end means: its outcome, the recorded reason, and what
 * follows for the fleet. The harness's own reason to stop a session comes
 * first (stalled, timeout, cancelled, budget). Then, for an agent whose
 * output is read, its final result event decides, the exit code only when
 * there is none (Claude's `is_error: true` with exit 0 is a failure); an
 * authentication failure or a usage limit holds the fleet instead of
 * spending the attempt. For an agent read by exit code only, exit 0 is
 * success and anything else a failure.
 */
import type { AgentFormat } from '../../agents/formats/events.js';
import { decideOutcome } from '../../agents/formats/outcome.js';
import type { AgentSummary } from '../../agents/formats/summary.js';
import type { SessionExit } from '../../agents/types.js';
import type { SessionOutcome } from '../states.js';
import type { HoldKind, KillReason } from './state.js';

/** The recorded reason of a session the harness stopped. */
export function killReasonText(reason: KillReason, rules: { workerStallTimeoutMs: number; sessionTimeoutMs: number }): string {
  switch (reason) {
    case 'stalled':
      return `no progress for more than ${rules.workerStallTimeoutMs} ms`;
    case 'timeout':
      return `ran longer than sessionTimeoutMs (${rules.sessionTimeoutMs} ms)`;
    case 'cancelled':
      return 'cancelled by a second interrupt';
    case 'budget':
      return 'budget reached';
  }
}

/** The recorded reason of a session that ended on its own. */
export function describeExit(exit: SessionExit): string {
  if (exit.error) return exit.error;
  if (exit.signal) return `killed by ${exit.signal}`;
  if (exit.exitCode === 0) return 'exit code 0';
  return exit.exitCode === 1 ? 'exit code 1' : `exit code ${exit.exitCode}`;
}

/** The outcome of an exit read by its code: the harness's own reason to stop it, else the exit code. */
export function classifyExit(killReason: KillReason | null, exit: SessionExit): SessionOutcome {
  if (killReason === 'budget') return 'failure';
  if (killReason) return killReason;
  return exit.exitCode === 0 && !exit.error ? 'success' : 'failure';
}

export interface SessionVerdict {
  outcome: SessionOutcome;
  reason: string;
  /** The agent's error kind, when it gave one (auth, usage_limit, api_error, …). */
  agentError: string | null;
  /** Put the fleet on hold for this. */
  hold: { kind: HoldKind; reason: string; fix: string; until: number | null } | null;
  /** The issue cannot be retried (its budget is spent). */
  final: boolean;
  /** What identifies this failure for the circuit breaker; null when it should not count. */
  signature: string | null;
}

export interface VerdictInput {
  killReason: KillReason | null;
  budgetNote: string | null;
  /** Why the harness stopped it, said better than the kill reason does (an operator's cancel). */
  stopNote?: string | null;
  exit: SessionExit;
  format: AgentFormat | null;
  agent: AgentSummary | null;
  rules: { workerStallTimeoutMs: number; sessionTimeoutMs: number };
}

export function judgeSession(input: VerdictInput): SessionVerdict {
  const { killReason, exit, agent, format } = input;
  const none = { agentError: null, hold: null, final: false, signature: null };
  if (killReason === 'budget') {
    return { ...none, outcome: 'failure', reason: input.budgetNote ?? killReasonText('budget', input.rules), final: true };
  }
  if (killReason) return { ...none, outcome: killReason, reason: input.stopNote ?? killReasonText(killReason, input.rules) };
  // An agent that could not be started at all fails the same way for every issue.
  const unstartable = exit.error !== undefined ? `could not start: ${exit.error}` : null;
  if (!agent || format === null) {
    // The common case (an agent read by its exit code) builds one object.
    return { outcome: classifyExit(null, exit), reason: describeExit(exit), agentError: null, hold: null, final: false, signature: unstartable };
  }
  const verdict = decideOutcome(agent, exit, format);
  if (verdict.kind === 'success') return { ...none, outcome: 'success', reason: verdict.reason };
  // An exit code alone may be the work failing (its tests, say): only the agent's own error kinds count.
  const signature = verdict.error ? `${verdict.error}${verdict.apiStatus !== null ? ` ${verdict.apiStatus}` : ''}` : unstartable;
  const failed = { ...none, outcome: 'failure' as const, reason: verdict.reason, agentError: verdict.error, signature };
  switch (verdict.error) {
    case 'auth':
      return {
        ...failed,
        outcome: 'held',
        signature: null,
        hold: { kind: 'auth', reason: verdict.reason, fix: "check the agent's credentials (its API key, or log in by running the agent once by hand), then run again", until: null },
      };
    case 'usage_limit': {
      const limit = verdict.usageLimit;
      if (limit?.limit === 'spend_cap') {
        return { ...failed, outcome: 'held', signature: null, hold: { kind: 'spend-cap', reason: verdict.reason, fix: "raise the account's spend limit with the provider, then run again", until: null } };
      }
      const until = limit?.resetAt ?? null;
      const fix = until === null ? 'waits for the limit to reset, probing with one session now and then' : `waits until the limit resets at ${new Date(until).toISOString()}, then probes with one session`;
      return { ...failed, outcome: 'held', signature: null, hold: { kind: 'usage-limit', reason: verdict.reason, fix, until } };
    }
    case 'max_budget':
      return { ...failed, reason: `budget: ${verdict.reason}`, final: true, signature: null };
    default:
      return failed;
  }
}
