/**
 * The circuit breaker: the same failure, K times in a row, on K different
 * issues, is not the issues' fault (a broken agent command, an API that
 * refuses every request): the fleet is held rather than every attempt of
 * every issue spent on it. Any success, or a different failure, starts the
 * count again. Only failures with a signature count: an agent's own error
 * kind (an API that answers 500, a request it refuses), or an agent that
 * could not be started at all; a bare exit code may be the work failing,
 * and does not (outcome.ts).
 */
import { hold } from './holds.js';
import type { SessionVerdict } from './outcome.js';
import type { Out } from './pool.js';
import type { RunState, SessionRecord } from './state.js';

export function countFailure(s: RunState, session: SessionRecord, verdict: SessionVerdict, now: number, out: Out): void {
  const k = s.rules.holds.circuitBreakerAfter;
  const streak = s.streak;
  if (verdict.outcome === 'success') {
    streak.signature = null;
    streak.issues = [];
    return;
  }
  if (verdict.outcome !== 'failure' || verdict.signature === null || k <= 0 || !session.issue) return;
  if (streak.signature !== verdict.signature) {
    streak.signature = verdict.signature;
    streak.issues = [];
  }
  if (!streak.issues.includes(session.issue.id)) streak.issues.push(session.issue.id);
  if (streak.issues.length < k) return;
  hold(
    s,
    'circuit',
    `the same failure ${streak.issues.length} times in a row, on ${streak.issues.join(', ')}: ${verdict.reason}`,
    'fix what makes every session fail that way (the agent command, its credentials, the API), then run again',
    null,
    now,
    out,
  );
}
