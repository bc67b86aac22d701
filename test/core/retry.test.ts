import { describe, expect, it } from 'vitest';
import {
  decideAfterSession,
  retryDelayMs,
  type AfterSession,
  type AfterSessionInput,
} from '../../src/core/retry.js';
import type { SessionOutcome } from '../../src/core/states.js';

describe('retryDelayMs', () => {
  it.each([
    [1, 1_000, 1_000],
    [2, 1_000, 2_000],
    [3, 1_000, 4_000],
    [7, 1_000, 64_000],
    [8, 1_000, 100_000], // 128 s capped at 100 × base
    [50, 1_000, 100_000],
    [2_000, 1_000, 100_000], // 2^1999 overflows to Infinity; the cap still holds
    [0, 1_000, 1_000],
  ])('attempt %i with base %i waits %i ms', (attempt, base, expected) => {
    expect(retryDelayMs(attempt, base)).toBe(expected);
  });
});

const NOW = 1_000_000;

function after(outcome: SessionOutcome, attempts: number, reason: string | null = 'exit code 1'): AfterSession {
  const input: AfterSessionInput = { outcome, attempts, maxAttempts: 3, retryDelayMs: 1_000, now: NOW, reason };
  return decideAfterSession(input);
}

function queued(notBefore: number, lastError: string | null, refundAttempt = false): AfterSession {
  return { status: 'queued', notBefore, refundAttempt, lastError };
}

function failed(lastError: string): AfterSession {
  return { status: 'failed', notBefore: null, refundAttempt: false, lastError };
}

const done: AfterSession = { status: 'done', notBefore: null, refundAttempt: false, lastError: null };

describe('decideAfterSession', () => {
  it.each<[string, AfterSession, AfterSession]>([
    ['success is done', after('success', 1, null), done],
    ['success on the last attempt is done', after('success', 3, null), done],
    ['failure backs off 1 s after attempt 1', after('failure', 1), queued(NOW + 1_000, 'exit code 1')],
    ['failure backs off 2 s after attempt 2', after('failure', 2), queued(NOW + 2_000, 'exit code 1')],
    // REFERENCE §1 item 5: stalled work goes back to the queue, at once.
    ['stalled work is requeued at once', after('stalled', 1, 'no output'), queued(NOW, 'no output')],
    ['timed-out work is requeued at once', after('timeout', 2, 'ran 3600s'), queued(NOW, 'ran 3600s')],
    ['a stall without a reason still records one', after('stalled', 1, null), queued(NOW, 'stalled')],
    ['cancelled work is requeued free', after('cancelled', 3, null), queued(NOW, null, true)],
    ['lost work is requeued free past max attempts', after('lost', 5, 'restarted'), queued(NOW, 'restarted', true)],
    // REFERENCE §1 item 13: out of attempts means failed, never left running.
    ['failure on the last attempt fails', after('failure', 3), failed('failure after 3 attempts: exit code 1')],
    ['stall on the last attempt fails', after('stalled', 3, 'no output'), failed('stalled after 3 attempts: no output')],
    ['timeout past max attempts fails', after('timeout', 4, null), failed('timeout after 4 attempts: timeout')],
  ])('%s', (_name, actual, expected) => {
    expect(actual).toEqual(expected);
  });

  it('fails at once with a single allowed attempt', () => {
    const input: AfterSessionInput = {
      outcome: 'failure',
      attempts: 1,
      maxAttempts: 1,
      retryDelayMs: 1_000,
      now: NOW,
      reason: 'exit 2',
    };
    expect(decideAfterSession(input)).toEqual(failed('failure after 1 attempt: exit 2'));
  });
});
