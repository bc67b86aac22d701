import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { percentile } from '../../src/core/metrics.js';
import { healthIntervalFromSnapshots, isRunLive, nearestRank, rankOffset } from '../../src/metrics/derive.js';

const lock = (hostname: string, heartbeatAt = 0) => ({ pid: 7, hostname, startedAt: 0, heartbeatAt });

describe('isRunLive', () => {
  it.each<[string, ReturnType<typeof lock> | undefined, boolean, number, boolean]>([
    ['no lock', undefined, true, 0, false],
    ['same host, process alive', lock('here'), true, 0, true],
    ['same host, process dead (killed harness left its lock)', lock('here'), false, 0, false],
    ['other host, heartbeat 30 s old', lock('there', 0), false, 30_000, true],
    ['other host, heartbeat 61 s old', lock('there', 0), true, 61_000, false],
  ])('%s', (_name, held, alive, now, live) => {
    expect(isRunLive(held, { hostname: 'here', isAlive: () => alive, now })).toBe(live);
  });
});

describe('healthIntervalFromSnapshots', () => {
  it.each<[string, number[], { ms: number; source: string }]>([
    ['none', [], { ms: 30_000, source: 'default' }],
    ['one', [1000], { ms: 30_000, source: 'default' }],
    ['regular 500 ms', [3000, 2500, 2000, 1500, 1000], { ms: 500, source: 'snapshots' }],
    ['a long gap between two runs is ignored', [100_000, 99_000, 98_000, 10_000, 9000, 8000], { ms: 1000, source: 'snapshots' }],
    ['two snapshots at the same instant', [5000, 5000], { ms: 30_000, source: 'default' }],
  ])('%s', (_name, times, expected) => {
    expect(healthIntervalFromSnapshots(times)).toEqual(expected);
  });
});

describe('nearestRank and rankOffset', () => {
  it.each<[number, number, number]>([
    [0.95, 100, 95],
    [0.99, 100, 99],
    [0.07, 100, 7],
    [0.95, 20, 19],
    [0.95, 10, 10],
    [1, 5, 5],
    [0.01, 5, 1],
  ])('p=%f of n=%i is rank %i', (p, n, rank) => {
    expect(nearestRank(p, n)).toBe(rank);
  });

  it('rejects p outside (0, 1]', () => {
    expect(() => nearestRank(0, 10)).toThrow(RangeError);
    expect(() => nearestRank(1.5, 10)).toThrow(RangeError);
  });

  it('walks from the nearer end', () => {
    expect(rankOffset(95, 100)).toEqual({ order: 'desc', offset: 5 });
    expect(rankOffset(3, 100)).toEqual({ order: 'asc', offset: 2 });
    expect(rankOffset(1, 1)).toEqual({ order: 'asc', offset: 0 });
  });

  it('finds the same value as the core percentile, whichever end it walks from', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 200 }), fc.constantFrom(0.5, 0.9, 0.95, 0.99, 1), (values, p) => {
        const sorted = [...values].sort((a, b) => a - b);
        const { order, offset } = rankOffset(nearestRank(p, values.length), values.length);
        const found = order === 'asc' ? sorted[offset] : sorted[sorted.length - 1 - offset];
        expect(found).toBe(percentile(values, p));
      }),
    );
  });
});
