import { describe, expect, it } from 'vitest';
import { findFirstRed, splitAtCulprit } from '../../src/merge/batch.js';

/** A stack whose levels from `culprit` up are red; records which levels were tested. */
function stackBrokenAt(culprit: number) {
  const tested: number[] = [];
  return {
    tested,
    isGreen: async (level: number) => {
      tested.push(level);
      return level < culprit;
    },
  };
}

describe('findFirstRed', () => {
  const cases = [1, 2, 3, 4, 5, 8, 13].flatMap((size) => Array.from({ length: size }, (_, i) => [size, i + 1] as const));

  it.each(cases)('finds the culprit of a stack of %i broken at level %i within ⌈log2⌉ tests', async (size, culprit) => {
    const stack = stackBrokenAt(culprit);
    expect(await findFirstRed(size, stack.isGreen)).toBe(culprit);
    expect(stack.tested.length).toBeLessThanOrEqual(Math.ceil(Math.log2(size)));
    // The top is known red and the target known green: neither is tested again.
    expect(stack.tested.every((level) => level >= 1 && level < size)).toBe(true);
  });

  it('only lands below a level that tested green', async () => {
    // 4 levels, broken at 3: 2 is tested green, so 1 and 2 may land.
    const stack = stackBrokenAt(3);
    expect(await findFirstRed(4, stack.isGreen)).toBe(3);
    expect(stack.tested).toContain(2);
  });

  it('tests nothing for a single level', async () => {
    const stack = stackBrokenAt(1);
    expect(await findFirstRed(1, stack.isGreen)).toBe(1);
    expect(stack.tested).toEqual([]);
  });

  it.each([0, -1, 1.5])('refuses a stack of %s levels', async (size) => {
    await expect(findFirstRed(size, async () => true)).rejects.toThrow(RangeError);
  });
});

describe('splitAtCulprit', () => {
  it.each<[number, { land: string[]; culprit: string; retry: string[] }]>([
    [1, { land: [], culprit: 'a', retry: ['b', 'c', 'd'] }],
    [2, { land: ['a'], culprit: 'b', retry: ['c', 'd'] }],
    [4, { land: ['a', 'b', 'c'], culprit: 'd', retry: [] }],
  ])('culprit at level %i', (level, expected) => {
    expect(splitAtCulprit(['a', 'b', 'c', 'd'], level)).toEqual(expected);
  });

  it('refuses a level outside the stack', () => {
    expect(() => splitAtCulprit(['a'], 2)).toThrow(RangeError);
  });
});
