import { describe, expect, it } from 'vitest';
import {
  findStalls,
  findTimeouts,
  isStalled,
  nextStallCheckAt,
  type WorkingSession,
} from '../../src/core/stalls.js';

const MINUTE = 60_000;
const STALL = 10 * MINUTE;

function session(id: string, startedAt: number, lastProgressAt: number): WorkingSession {
  return { workerId: `w-${id}`, sessionId: `s-${id}`, startedAt, lastProgressAt };
}

describe('isStalled', () => {
  it.each<[string, WorkingSession, number, boolean]>([
    // REFERENCE §1 item 6: measured from the last progress, not from the start.
    ['started 2 h ago, output 1 min ago', session('a', 0, 119 * MINUTE), 120 * MINUTE, false],
    ['started 2 h ago, output 11 min ago', session('b', 0, 109 * MINUTE), 120 * MINUTE, true],
    ['silent since start, exactly the timeout', session('c', 0, 0), STALL, false],
    ['silent since start, 1 ms past the timeout', session('d', 0, 0), STALL + 1, true],
  ])('%s → %s', (_name, s, now, expected) => {
    expect(isStalled(s, STALL, now)).toBe(expected);
  });
});

describe('findStalls', () => {
  it('returns only sessions without recent progress, keeping their extra fields', () => {
    const now = 120 * MINUTE;
    const sessions = [
      { ...session('busy', 0, now - MINUTE), issueId: 'i1' },
      { ...session('quiet', 0, now - 11 * MINUTE), issueId: 'i2' },
      { ...session('new', now - 2 * MINUTE, now - 2 * MINUTE), issueId: 'i3' },
    ];
    const stalled = findStalls(sessions, { workerStallTimeoutMs: STALL }, now);
    expect(stalled.map((s) => s.issueId)).toEqual(['i2']);
  });

  it('finds nothing in an empty pool', () => {
    expect(findStalls([], { workerStallTimeoutMs: STALL }, 0)).toEqual([]);
  });
});

describe('findTimeouts', () => {
  it('caps total runtime even when the session keeps making progress', () => {
    const now = 61 * MINUTE;
    const sessions = [session('long', 0, now), session('exact', MINUTE, now), session('short', 30 * MINUTE, now)];
    expect(findTimeouts(sessions, 60 * MINUTE, now).map((s) => s.sessionId)).toEqual(['s-long']);
  });
});

describe('nextStallCheckAt', () => {
  it('is the first instant at which the session counts as stalled', () => {
    const s = session('a', 0, 5_000);
    const at = nextStallCheckAt(s, STALL);
    expect(at).toBe(5_000 + STALL + 1);
    expect(isStalled(s, STALL, at - 1)).toBe(false);
    expect(isStalled(s, STALL, at)).toBe(true);
  });
});
