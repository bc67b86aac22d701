import { describe, expect, it } from 'vitest';
import { formatBytes, hasHostLimits, holdGrowthForHost, hostPressure, NO_HOST_LIMITS, type HostLimits, type HostSample } from '../../src/core/host.js';
import { DEFAULT_SCALE_CONFIG } from '../../src/core/scale-config.js';
import { decideScale, type ScaleDecision } from '../../src/core/scale.js';

const GB = 1_000_000_000;
const limits = (given: Partial<HostLimits>): HostLimits => ({ ...NO_HOST_LIMITS, ...given });
const sample = (load1: number, freeBytes = 16 * GB): HostSample => ({ load1, freeBytes });

describe('hostPressure', () => {
  it.each<[string, HostSample | null, Partial<HostLimits>, string | null]>([
    ['no limits: never', sample(50, 0), {}, null],
    ['no sample yet: never', null, { maxLoad: 1, minFreeMemory: GB }, null],
    ['load under the limit', sample(5.9), { maxLoad: 6 }, null],
    ['load at the limit is not over it', sample(6), { maxLoad: 6 }, null],
    ['load over the limit', sample(7.9), { maxLoad: 6 }, 'host load 7.9 > host.maxLoad 6'],
    ['load shown to two decimals', sample(7.8567), { maxLoad: 6.5 }, 'host load 7.86 > host.maxLoad 6.5'],
    ['memory above the minimum', sample(1, 3 * GB), { minFreeMemory: 2 * GB }, null],
    ['memory at the minimum is enough', sample(1, 2 * GB), { minFreeMemory: 2 * GB }, null],
    ['memory under the minimum', sample(1, 1.2 * GB), { minFreeMemory: 2 * GB }, 'free memory 1.2 GB < host.minFreeMemory 2 GB'],
    ['memory in MB', sample(1, 300_000_000), { minFreeMemory: 512_000_000 }, 'free memory 300 MB < host.minFreeMemory 512 MB'],
    ['both over: both named', sample(9, GB), { maxLoad: 4, minFreeMemory: 2 * GB }, 'host load 9 > host.maxLoad 4 and free memory 1 GB < host.minFreeMemory 2 GB'],
    ['one of two over', sample(9, 8 * GB), { maxLoad: 4, minFreeMemory: 2 * GB }, 'host load 9 > host.maxLoad 4'],
  ])('%s', (_, given, set, expected) => {
    expect(hostPressure(given, limits(set))).toBe(expected);
  });

  it('samples only when a limit is set', () => {
    expect(hasHostLimits(NO_HOST_LIMITS)).toBe(false);
    expect(hasHostLimits(limits({ maxLoad: 4 }))).toBe(true);
    expect(hasHostLimits(limits({ minFreeMemory: GB }))).toBe(true);
  });
});

describe('holdGrowthForHost', () => {
  const config = { ...DEFAULT_SCALE_CONFIG, minWorkers: 2, maxWorkers: 20, scaleCooldownMs: 5000 };
  const decide = (workers: number, busy: number, queueDepth: number): ScaleDecision => decideScale({ workers, busy, queueDepth, now: 100_000, lastScaleAt: null }, config);
  const pressure = 'host load 7.9 > host.maxLoad 6';

  it.each<[string, ScaleDecision, string | null, ScaleDecision['direction'], number, string]>([
    ['growth held at the current size', decide(4, 4, 40), pressure, 'hold', 4, 'host load 7.9 > host.maxLoad 6: not growing (queue 40, 10.00 per worker > 2)'],
    ['topping up to minWorkers held too', decide(0, 0, 5), pressure, 'hold', 0, 'host load 7.9 > host.maxLoad 6: not growing (below minWorkers)'],
    ['growth goes ahead without pressure', decide(4, 4, 40), null, 'up', 8, 'queue 40, 10.00 per worker > 2'],
    ['a scale-down is never held', decide(10, 1, 0), pressure, 'down', 2, 'queue 0, 0.00 per worker < 0.5'],
    ['a hold stays a hold, with its own reason', decide(4, 4, 4), pressure, 'hold', 4, 'queue 4, 1.00 per worker within [0.5, 2]: hold at 4'],
  ])('%s', (_, decision, given, direction, target, reason) => {
    const held = holdGrowthForHost(decision, given);
    expect(held).toMatchObject({ direction, from: decision.from, target, reason, ratio: decision.ratio });
  });

  it('returns the very decision it does not change', () => {
    const decision = decide(4, 4, 40);
    expect(holdGrowthForHost(decision, null)).toBe(decision);
  });
});

describe('formatBytes', () => {
  it.each<[number, string]>([
    [0, '0 B'],
    [999, '999 B'],
    [1000, '1 KB'],
    [512_000_000, '512 MB'],
    [1_234_567_890, '1.2 GB'],
    [2 * GB, '2 GB'],
    [1024 ** 3, '1.1 GB'],
    [3_500_000_000_000, '3.5 TB'],
  ])('%i → %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});
