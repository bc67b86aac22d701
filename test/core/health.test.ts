import { describe, expect, it } from 'vitest';
import { assessHealth, healthWindowMs, recentCount } from '../../src/core/health.js';
import { DEFAULT_SCALE_CONFIG } from '../../src/core/scale-config.js';
import type { HealthStatus } from '../../src/core/states.js';

describe('assessHealth', () => {
  it.each<[number | null, number, HealthStatus]>([
    [1, 0, 'healthy'],
    [0.8, 0, 'healthy'],
    [0.79, 0, 'degraded'],
    [0.5, 0, 'degraded'],
    [0.49, 0, 'unhealthy'],
    [0, 0, 'unhealthy'],
    [1, 1, 'degraded'],
    [1, 2, 'degraded'],
    [1, 3, 'unhealthy'],
    [0.8, 2, 'degraded'],
    [0.49, 1, 'unhealthy'],
    [null, 0, 'healthy'],
    [null, 1, 'degraded'],
    [null, 3, 'unhealthy'],
    [Number.NaN, 0, 'healthy'],
  ])('success rate %s with %i stalls is %s', (successRate, stalledWorkers, expected) => {
    expect(assessHealth({ successRate, stalledWorkers })).toBe(expected);
  });
});

describe('healthWindowMs', () => {
  it('spans ten health checks: 5 minutes at the defaults', () => {
    expect(healthWindowMs(DEFAULT_SCALE_CONFIG)).toBe(300_000);
    expect(healthWindowMs({ healthCheckIntervalMs: 1_000 })).toBe(10_000);
  });
});

describe('recentCount', () => {
  const times = [0, 1_000, 5_000, 9_999, 10_000, 12_000];
  it.each([
    [10_000, 10_000, 4], // 0 is exactly one window old: out; 12_000 is in the future: out
    [10_999, 10_000, 4],
    [11_000, 10_000, 3],
    [12_000, 10_000, 4],
    [30_000, 10_000, 0],
    [-1, 10_000, 0],
  ])('at %i over %i ms: %i events', (now, windowMs, expected) => {
    expect(recentCount(times, now, windowMs)).toBe(expected);
  });

  it('keeps a stall counting against health for the whole window, not an instant', () => {
    const stallDetectedAt = [100_000];
    const window = healthWindowMs(DEFAULT_SCALE_CONFIG);
    const healthAt = (now: number) =>
      assessHealth({ successRate: 1, stalledWorkers: recentCount(stallDetectedAt, now, window) });
    expect(healthAt(99_999)).toBe('healthy');
    expect(healthAt(100_000)).toBe('degraded');
    expect(healthAt(100_000 + window - 1)).toBe('degraded');
    expect(healthAt(100_000 + window)).toBe('healthy');
  });
});
