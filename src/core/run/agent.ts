/**
 * What agents say, as the run hears it: a session's parsed events folded
 * into its summary (the agent's own session id, its spend, its verdict),
 * rate-limit signals lowering the concurrency (additive increase,
 * multiplicative decrease), and spend held against the budgets.
 */
import type { AgentEvent } from '../../agents/formats/events.js';
import { applyAgentEvent, emptySummary, type AgentSummary } from '../../agents/formats/summary.js';
import type { AgentUsage } from '../../store/types.js';
import { hold } from './holds.js';
import type { Out } from './pool.js';
import { stopSession } from './sessions.js';
import type { RunState, SessionRecord, Spend } from './state.js';

/** Events of one session's agent, parsed from its output. */
export function agentSaid(s: RunState, sessionId: string, events: readonly AgentEvent[], at: number, out: Out): void {
  const session = s.sessions.get(sessionId);
  if (!session || !session.issue) return;
  let summary = session.agent ?? emptySummary();
  const before = summary.sessionId;
  for (const event of events) {
    summary = applyAgentEvent(summary, event);
    if (isRateLimitSignal(event)) rateLimited(s, session.startedAt, at, out);
  }
  session.agent = summary;
  writeActivity(s, session, at, false, out);
  if (summary.sessionId !== null && summary.sessionId !== before) {
    // Kept at once: a crash must not lose the conversation a retry resumes.
    out.push({ type: 'write', write: { op: 'agent-session', sessionId, agentSessionId: summary.sessionId, model: summary.model } });
  }
  checkBudgets(s, session, at, out);
}

/** The longest activity text kept with a session (characters). */
export const ACTIVITY_TEXT_MAX = 500;

/**
 * Keep the agent's latest activity and spend with its running session, for
 * readers in other processes: at most once per progressPersistMs, and
 * whatever is left unwritten at the next health check (`flush`).
 */
export function writeActivity(s: RunState, session: SessionRecord, at: number, flush: boolean, out: Out): void {
  const summary = session.agent;
  if (!summary || !session.issue || session.phase !== 'running') return;
  const written = session.activityWritten;
  if (written?.summary === summary) return;
  if (!flush && written && at - written.at < s.rules.progressPersistMs) return;
  session.activityWritten = { at, summary };
  const text = summary.lastActivity === null ? null : cut(summary.lastActivity, ACTIVITY_TEXT_MAX);
  out.push({ type: 'write', write: { op: 'activity', sessionId: session.id, activity: { at, text, costUsd: summary.costUsd, ...summary.tokens } } });
}

/** At most `max` characters, never ending inside a surrogate pair. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

function isRateLimitSignal(event: AgentEvent): boolean {
  if (event.type === 'retry') return event.status === 429 || event.error === 'rate_limited';
  if (event.type === 'rate-limit') return event.status === 'rejected';
  return false;
}

/**
 * A rate-limit signal from a session started at `startedAt`: halve the
 * concurrency, at most once per check interval, and only for a session
 * started since the last decrease. A session started before it was let in
 * under the old limit, so its 429s say nothing of the new one; heeding
 * them would halve again and again while the sessions of the old limit
 * finish (as TCP decreases once per window, not once per lost packet).
 */
export function rateLimited(s: RunState, startedAt: number, at: number, out: Out): void {
  const c = s.concurrency;
  c.signals++;
  c.signalAt = at;
  if (!s.rules.adaptiveConcurrency) return;
  if (c.loweredAt !== null && (at - c.loweredAt < s.rules.scale.healthCheckIntervalMs || startedAt < c.loweredAt)) return;
  const limit = Math.max(1, Math.floor(c.limit / 2));
  c.loweredAt = at;
  if (limit === c.limit) return;
  out.push({ type: 'emit', name: 'concurrency:changed', payload: { at, from: c.limit, to: limit, reason: 'the provider is rate-limiting: halved' } });
  c.limit = limit;
}

/** At each health check without a rate-limit signal since the last one: one more session may run, up to maxWorkers. */
export function relaxConcurrency(s: RunState, now: number, out: Out): void {
  const c = s.concurrency;
  const max = s.rules.scale.maxWorkers;
  if (c.limit >= max) return;
  if (c.signalAt !== null && now - c.signalAt < s.rules.scale.healthCheckIntervalMs) return;
  out.push({ type: 'emit', name: 'concurrency:changed', payload: { at: now, from: c.limit, to: c.limit + 1, reason: 'no rate limit for a check interval: one more' } });
  c.limit++;
}

/** This session's spend so far, as its agent reported it. */
export function sessionSpend(session: SessionRecord): Spend {
  const a = session.agent;
  return { costUsd: a?.costUsd ?? 0, inputTokens: a?.tokens.inputTokens ?? 0, outputTokens: a?.tokens.outputTokens ?? 0 };
}

/** What the state has spent: recorded sessions, plus what running ones have reported. */
export function totalSpend(s: RunState): Spend {
  const total = { ...s.queue.spent };
  for (const session of s.sessions.values()) {
    const live = sessionSpend(session);
    total.costUsd += live.costUsd;
    total.inputTokens += live.inputTokens;
    total.outputTokens += live.outputTokens;
  }
  return total;
}

/** Over a run cap: hold the fleet (running sessions finish). Over an issue's cap: stop its session, the issue fails. */
export function checkBudgets(s: RunState, session: SessionRecord | null, now: number, out: Out): void {
  const b = s.rules.budgets;
  const total = totalSpend(s);
  const tokens = total.inputTokens + total.outputTokens;
  if (b.maxCostUsd !== null && total.costUsd >= b.maxCostUsd) {
    hold(s, 'budget', `budget reached: $${total.costUsd.toFixed(2)} spent of --max-cost-usd $${b.maxCostUsd.toFixed(2)}`, 'raise --max-cost-usd (or maxCostUsd) and run again to continue', null, now, out);
  } else if (b.maxTokens !== null && tokens >= b.maxTokens) {
    hold(s, 'budget', `budget reached: ${tokens} tokens spent of --max-tokens ${b.maxTokens}`, 'raise --max-tokens (or maxTokens) and run again to continue', null, now, out);
  }
  if (!session?.issue) return;
  const over = issueOverBudget(s, session);
  if (over) {
    session.budgetNote = over;
    stopSession(s, session.id, 'budget', now, out);
  }
}

/** Why the session's issue is over its cap, counting this session's spend; null when it is not. */
export function issueOverBudget(s: RunState, session: SessionRecord): string | null {
  const b = s.rules.budgets;
  if (!session.issue) return null;
  const live = sessionSpend(session);
  const usd = session.issue.spentUsd + live.costUsd;
  const tokens = session.issue.spentTokens + live.inputTokens + live.outputTokens;
  if (b.issueMaxCostUsd !== null && usd >= b.issueMaxCostUsd) return `budget: $${usd.toFixed(2)} spent of --issue-max-cost-usd $${b.issueMaxCostUsd.toFixed(2)}`;
  if (b.issueMaxTokens !== null && tokens >= b.issueMaxTokens) return `budget: ${tokens} tokens spent of --issue-max-tokens ${b.issueMaxTokens}`;
  return null;
}

/** The spending an issue has left, for an agent that stops itself at a budget. */
export function budgetLeft(s: RunState, spentUsd: number): number | null {
  const cap = s.rules.budgets.issueMaxCostUsd;
  return cap === null ? null : Math.max(0, cap - spentUsd);
}

/** What to record of the agent's report on the session row. */
export function usageOf(summary: AgentSummary | null, error: string | null): AgentUsage | null {
  if (!summary) return null;
  return {
    agentSessionId: summary.sessionId,
    model: summary.model,
    turns: summary.result?.numTurns ?? null,
    costUsd: summary.costUsd,
    inputTokens: summary.tokens.inputTokens,
    outputTokens: summary.tokens.outputTokens,
    cacheReadTokens: summary.tokens.cacheReadTokens,
    cacheWriteTokens: summary.tokens.cacheWriteTokens,
    agentError: error,
  };
}
