import { describe, expect, it } from 'vitest';
import { hasExceededQuota, pickWorker } from '../../src/core/quota.js';

const config = { maxSessionsPerWorker: 50 };

describe('hasExceededQuota', () => {
  it.each([
    [0, false],
    [49, false],
    [50, true],
    [51, true],
  ])('%i sessions run → %s', (sessionsRun, expected) => {
    expect(hasExceededQuota(sessionsRun, config)).toBe(expected);
  });
});

describe('pickWorker', () => {
  // REFERENCE §1 item 9: the quota must be enforced where work is handed out.
  it('skips a worker that has run its quota, even when it is the oldest', () => {
    const idle = [
      { id: 'w1', sessionsRun: 50 },
      { id: 'w2', sessionsRun: 12 },
      { id: 'w3', sessionsRun: 3 },
    ];
    expect(pickWorker(idle, config)?.id).toBe('w2');
  });

  it('takes the oldest worker under quota', () => {
    const idle = [
      { id: 'w1', sessionsRun: 49 },
      { id: 'w2', sessionsRun: 0 },
    ];
    expect(pickWorker(idle, config)?.id).toBe('w1');
  });

  it('gives no work when every idle worker is over quota, so they get recycled', () => {
    const idle = [
      { id: 'w1', sessionsRun: 50 },
      { id: 'w2', sessionsRun: 80 },
    ];
    expect(pickWorker(idle, config)).toBeUndefined();
  });

  it('returns undefined with no idle workers', () => {
    expect(pickWorker([], config)).toBeUndefined();
  });
});
