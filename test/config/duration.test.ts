import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/config/duration.js';

describe('parseDuration', () => {
  it.each<[string | number, number]>([
    ['500ms', 500],
    ['30s', 30_000],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['1.5s', 1_500],
    ['.5s', 500],
    ['1m30s', 90_000],
    ['1h30m', 5_400_000],
    ['60000', 60_000],
    [' 45s ', 45_000],
    [60000, 60_000],
    [0, 0],
    ['0ms', 0],
  ])('%j → %i ms', (input, expected) => {
    expect(parseDuration(input)).toBe(expected);
  });

  it.each<[string | number, RegExp]>([
    ['', /invalid duration ""/],
    ['   ', /invalid duration/],
    ['10x', /invalid duration "10x".*ms, s, m or h/],
    ['-5s', /cannot be negative/],
    [-1, /cannot be negative/],
    [Number.NaN, /invalid duration NaN/],
    [Number.POSITIVE_INFINITY, /invalid duration Infinity/],
    ['s', /invalid duration "s"/],
    ['10 m', /invalid duration "10 m"/],
    ['10mm', /invalid duration "10mm"/],
    ['1e3', /invalid duration "1e3"/],
  ])('rejects %j', (input, message) => {
    expect(() => parseDuration(input)).toThrow(message);
  });
});

describe('formatDuration', () => {
  it.each<[number, string]>([
    [600_000, '10m'],
    [30_000, '30s'],
    [3_600_000, '1h'],
    [500, '500ms'],
    [90_000, '1m30s'],
    [1_500, '1s500ms'],
    [0, '0ms'],
    [5_400_000, '1h30m'],
  ])('%i ms → %s', (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
  });

  it('round-trips through parseDuration for any whole number of ms', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * 24 * 3_600_000 }), (ms) => {
        expect(parseDuration(formatDuration(ms))).toBe(ms);
      }),
    );
  });
});
