import { describe, expect, it } from 'vitest';
import { checkCrossFieldRules } from '../../src/config/rules.js';
import { DEFAULT_CONFIG, type HarnessConfig } from '../../src/config/types.js';

function messages(overrides: Partial<HarnessConfig>): string[] {
  return checkCrossFieldRules({ ...DEFAULT_CONFIG, ...overrides }).map((problem) => problem.message);
}

describe('checkCrossFieldRules', () => {
  it('passes the defaults', () => {
    expect(messages({})).toEqual([]);
  });

  it.each<[string, Partial<HarnessConfig>, string[]]>([
    ['min equal to max', { minWorkers: 8, maxWorkers: 8 }, []],
    [
      'max below min',
      { minWorkers: 4, maxWorkers: 2 },
      ['maxWorkers: expected ≥ minWorkers (4), received 2: raise maxWorkers or lower minWorkers'],
    ],
    [
      'down threshold equal to up threshold',
      { scaleUpThreshold: 1, scaleDownThreshold: 1 },
      [expect.stringMatching(/^scaleDownThreshold: expected < scaleUpThreshold \(1\), received 1: lower scaleDownThreshold/)],
    ],
    [
      'target depth above max depth',
      { targetQueueDepth: 150 },
      ['targetQueueDepth: expected ≤ maxQueueDepth (100), received 150: lower targetQueueDepth or raise maxQueueDepth'],
    ],
    ['target depth equal to max depth', { targetQueueDepth: 100 }, []],
    [
      'all three broken at once',
      { minWorkers: 10, maxWorkers: 5, scaleDownThreshold: 3, targetQueueDepth: 500 },
      [
        expect.stringMatching(/^maxWorkers:/),
        expect.stringMatching(/^scaleDownThreshold:/),
        expect.stringMatching(/^targetQueueDepth:/),
      ],
    ],
    ['a side that is not a number is skipped', { minWorkers: Number.NaN, maxWorkers: 1 }, []],
  ])('%s', (_name, overrides, expected) => {
    expect(messages(overrides)).toEqual(expected);
  });

  it('names both fields of a broken rule', () => {
    expect(checkCrossFieldRules({ ...DEFAULT_CONFIG, maxWorkers: 2 })[0]?.fields).toEqual(['maxWorkers', 'minWorkers']);
  });
});
