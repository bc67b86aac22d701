import type { SessionOutcome } from './states.js';

/**
 * What happens to an issue when its session ends. Every outcome moves the
 * issue out of `running`: work is never left in progress, and work taken
 * from a stalled or timed-out agent goes back to the queue while attempts
 * remain.
 */

/** The cap on a backoff, as a multiple of the base: Temporal's default maximum interval. */
const MAX_DELAY_FACTOR = 100;

/** Exponential backoff after failed attempt `attempt` (1-based): base × 2^(attempt−1), capped at 100 × base. */
export function retryDelayMs(attempt: number, baseMs: number): number {
  const exponent = Math.max(1, attempt) - 1;
  return Math.min(baseMs * 2 ** exponent, MAX_DELAY_FACTOR * baseMs);
}

export interface AfterSessionInput {
  outcome: SessionOutcome;
  /** Attempts spent, including the session that just ended. */
  attempts: number;
  maxAttempts: number;
  /** Backoff base (ms) for `retryDelayMs`. */
  retryDelayMs: number;
  now: number;
  /** Why the session ended, e.g. "exit code 1"; null when there is nothing to say. */
  reason: string | null;
  /** The issue cannot be retried (its budget is spent): fail it whatever attempts remain. */
  final?: boolean;
}

export interface AfterSession {
  status: 'done' | 'queued' | 'failed';
  /** Earliest time the issue may start again; null unless queued. */
  notBefore: number | null;
  /** True when the session must not count against the attempts. */
  refundAttempt: boolean;
  lastError: string | null;
}

export function decideAfterSession(input: AfterSessionInput): AfterSession {
  const { outcome, attempts, maxAttempts, now, reason } = input;
  // A budget reached is final: another attempt would spend past it.
  if (input.final) return { status: 'failed', notBefore: null, refundAttempt: false, lastError: reason ?? outcome };
  switch (outcome) {
    case 'success':
      return { status: 'done', notBefore: null, refundAttempt: false, lastError: null };
    case 'cancelled':
    case 'lost':
    case 'held':
      // None is the agent's doing: run it again (when the hold lifts), free of charge.
      return { status: 'queued', notBefore: now, refundAttempt: true, lastError: reason };
    case 'failure':
    case 'stalled':
    case 'timeout': {
      const why = reason ?? outcome;
      if (attempts < maxAttempts) {
        // A stall or timeout has already cost the stall timeout in waiting;
        // backing off on top of that would only delay the retry further.
        const notBefore = outcome === 'failure' ? now + retryDelayMs(attempts, input.retryDelayMs) : now;
        return { status: 'queued', notBefore, refundAttempt: false, lastError: why };
      }
      const spent = `${attempts} attempt${attempts === 1 ? '' : 's'}`;
      const lastError = `${outcome} after ${spent}: ${why}`;
      return { status: 'failed', notBefore: null, refundAttempt: false, lastError };
    }
  }
}
