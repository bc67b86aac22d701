import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideScale, queueRatio, type ScaleInput } from '../../src/core/scale.js';
import { DEFAULT_SCALE_CONFIG, type ScaleConfig } from '../../src/core/scale-config.js';

const config: ScaleConfig = { ...DEFAULT_SCALE_CONFIG }; // min 4, max 30, up 2, down 0.5, cooldown 60 s

function input(partial: Partial<ScaleInput>): ScaleInput {
  return { workers: 10, busy: 10, queueDepth: 0, now: 1_000_000, lastScaleAt: null, ...partial };
}

describe('queueRatio', () => {
  it.each([
    [40, 10, 4],
    [0, 10, 0],
    [0, 0, 0],
    [5, 0, Infinity],
  ])('%i queued ÷ %i workers = %d', (queueDepth, workers, expected) => {
    expect(queueRatio(queueDepth, workers)).toBe(expected);
  });
});

describe('decideScale', () => {
  it.each<[string, Partial<ScaleInput>, 'up' | 'down' | 'hold', number]>([
    // REFERENCE §1 item 1: the real queue depth can push the ratio past the threshold.
    ['seed example: 40 queued on 10 busy workers', { workers: 10, busy: 10, queueDepth: 40 }, 'up', 20],
    ['ratio exactly at the up threshold holds', { workers: 10, busy: 10, queueDepth: 20 }, 'hold', 10],
    ['just above the up threshold', { workers: 10, busy: 10, queueDepth: 21 }, 'up', 20],
    ['small pool grows by at least 4', { workers: 4, busy: 4, queueDepth: 30 }, 'up', 8],
    ['growth capped at maxWorkers', { workers: 20, busy: 20, queueDepth: 100 }, 'up', 30],
    ['at maxWorkers with a deep queue holds', { workers: 30, busy: 30, queueDepth: 100 }, 'hold', 30],
    // REFERENCE §1 item 2: scale-down with nothing to retire is a hold, not an operation.
    ['down: busy workers keep their places', { workers: 20, busy: 3, queueDepth: 2 }, 'down', 5],
    ['down never below minWorkers', { workers: 20, busy: 0, queueDepth: 1 }, 'down', 4],
    ['down with every worker busy holds', { workers: 20, busy: 19, queueDepth: 1 }, 'hold', 20],
    ['down at minWorkers holds', { workers: 4, busy: 0, queueDepth: 0 }, 'hold', 4],
    ['ratio exactly at the down threshold holds', { workers: 20, busy: 0, queueDepth: 10 }, 'hold', 20],
    ['within the band holds', { workers: 10, busy: 5, queueDepth: 10 }, 'hold', 10],
    // REFERENCE §1 item 4: an empty pool is topped up to min, and the ratio is not NaN.
    ['empty pool with no work', { workers: 0, busy: 0, queueDepth: 0 }, 'up', 4],
    ['empty pool with work', { workers: 0, busy: 0, queueDepth: 7 }, 'up', 4],
    ['pool below min', { workers: 2, busy: 2, queueDepth: 0 }, 'up', 4],
    ['pool above max', { workers: 35, busy: 35, queueDepth: 100 }, 'down', 30],
  ])('%s', (_name, partial, direction, target) => {
    const decision = decideScale(input(partial), config);
    expect(decision).toMatchObject({ direction, target, from: partial.workers });
    expect(Number.isNaN(decision.ratio)).toBe(false);
  });

  it.each<[string, Partial<ScaleConfig>, Partial<ScaleInput>, number]>([
    ['step limit: at most doubles a pool of 10', {}, { workers: 10, busy: 0, queueDepth: 25 }, 20],
    ['step limit: a small pool may add 4', { minWorkers: 1 }, { workers: 2, busy: 2, queueDepth: 5 }, 6],
    ['demand: one worker per issue present', { minWorkers: 1 }, { workers: 2, busy: 0, queueDepth: 5 }, 5],
    [
      'demand below current + 1 still adds one',
      { scaleUpThreshold: 0.5, scaleDownThreshold: 0.1 },
      { workers: 10, busy: 0, queueDepth: 6 },
      11,
    ],
  ])('scale-up size, %s', (_name, overrides, partial, target) => {
    expect(decideScale(input(partial), { ...config, ...overrides })).toMatchObject({ direction: 'up', target });
  });

  it('explains a scale-up with the numbers, each stated once beside the from → to a scale line prints', () => {
    expect(decideScale(input({ workers: 10, busy: 10, queueDepth: 40 }), config).reason).toBe('queue 40, 4.00 per worker > 2');
    expect(decideScale(input({ workers: 20, busy: 0, queueDepth: 1 }), config).reason).toBe('queue 1, 0.05 per worker < 0.5');
    expect(decideScale(input({ workers: 0, busy: 0, queueDepth: 0 }), config).reason).toBe('below minWorkers');
    expect(decideScale(input({ workers: 40, busy: 0, queueDepth: 0 }), config).reason).toBe('above maxWorkers');
    expect(decideScale(input({ workers: 30, busy: 30, queueDepth: 100 }), config).reason).toContain('at maxWorkers');
    expect(decideScale(input({ workers: 20, busy: 19, queueDepth: 1 }), config).reason).toContain(
      'every worker has work',
    );
  });

  it.each([
    [{ workers: 10, busy: 10, queueDepth: 40 }, 'up'],
    [{ workers: 20, busy: 0, queueDepth: 1 }, 'down'],
    [{ workers: 0, busy: 0, queueDepth: 0 }, 'up'],
    [{ workers: 40, busy: 0, queueDepth: 0 }, 'down'],
  ] as const)('a scale line for %j states no number twice', (partial, direction) => {
    const d = decideScale(input(partial), config);
    expect(d.direction).toBe(direction);
    const line = `scale ${direction} ${d.from} → ${d.target}: ${d.reason}`;
    const numbers = line.match(/\d+(?:\.\d+)?/g) ?? [];
    expect(new Set(numbers).size).toBe(numbers.length);
  });

  it('reports an infinite ratio for an empty pool with work, which JSON renders as null', () => {
    const decision = decideScale(input({ workers: 0, busy: 0, queueDepth: 7 }), config);
    expect(decision.ratio).toBe(Infinity);
    expect(JSON.parse(JSON.stringify(decision)).ratio).toBeNull();
  });

  describe('cooldown', () => {
    const deep = { workers: 10, busy: 10, queueDepth: 40 };
    const idle = { workers: 20, busy: 0, queueDepth: 0 };
    it.each<[string, Partial<ScaleInput>, number, 'up' | 'down' | 'hold']>([
      ['up blocked 1 ms into cooldown', deep, 1_000_000 - 1, 'hold'],
      ['up blocked 1 ms before it ends', deep, 1_000_000 - 59_999, 'hold'],
      ['up allowed when it ends', deep, 1_000_000 - 60_000, 'up'],
      ['down blocked inside cooldown', idle, 1_000_000 - 30_000, 'hold'],
      ['down allowed after it', idle, 1_000_000 - 90_000, 'down'],
      ['below min ignores cooldown', { workers: 1, busy: 1, queueDepth: 0 }, 1_000_000 - 1, 'up'],
      ['above max ignores cooldown', { workers: 31, busy: 0, queueDepth: 0 }, 1_000_000 - 1, 'down'],
    ])('%s', (_name, partial, lastScaleAt, direction) => {
      expect(decideScale(input({ ...partial, lastScaleAt }), config).direction).toBe(direction);
    });

    it('says how much cooldown is left', () => {
      const decision = decideScale(input({ ...deep, lastScaleAt: 1_000_000 - 45_000 }), config);
      expect(decision.reason).toBe('cooldown: 15s left of 60s');
    });
  });

  describe('properties', () => {
    const arbConfig = fc
      .record({
        minWorkers: fc.integer({ min: 0, max: 20 }),
        span: fc.integer({ min: 0, max: 40 }),
        scaleUpThreshold: fc.double({ min: 0.1, max: 5, noNaN: true }),
        gap: fc.double({ min: 0, max: 4, noNaN: true }),
        scaleCooldownMs: fc.integer({ min: 0, max: 120_000 }),
      })
      .map(({ minWorkers, span, scaleUpThreshold, gap, scaleCooldownMs }): ScaleConfig => ({
        ...DEFAULT_SCALE_CONFIG,
        minWorkers,
        maxWorkers: minWorkers + span,
        scaleUpThreshold,
        scaleDownThreshold: Math.max(0, scaleUpThreshold - gap),
        scaleCooldownMs,
      }));
    const arbInput = fc
      .record({
        workers: fc.integer({ min: 0, max: 80 }),
        busyShare: fc.double({ min: 0, max: 1, noNaN: true }),
        queueDepth: fc.integer({ min: 0, max: 500 }),
        now: fc.integer({ min: 0, max: 1_000_000 }),
        sinceLast: fc.option(fc.integer({ min: 0, max: 200_000 })),
      })
      .map(({ workers, busyShare, queueDepth, now, sinceLast }): ScaleInput => ({
        workers,
        busy: Math.floor(workers * busyShare),
        queueDepth,
        now,
        lastScaleAt: sinceLast === null ? null : now - sinceLast,
      }));

    it('keeps the target within [minWorkers, maxWorkers] unless the pool starts above max', () => {
      fc.assert(
        fc.property(arbInput, arbConfig, (scale, cfg) => {
          fc.pre(scale.workers <= cfg.maxWorkers);
          const { target } = decideScale(scale, cfg);
          return target >= cfg.minWorkers && target <= cfg.maxWorkers;
        }),
      );
    });

    it("is 'hold' exactly when the target equals the current size", () => {
      fc.assert(
        fc.property(arbInput, arbConfig, (scale, cfg) => {
          const d = decideScale(scale, cfg);
          return d.from === scale.workers && (d.direction === 'hold') === (d.target === d.from) &&
            (d.direction !== 'up' || d.target > d.from) && (d.direction !== 'down' || d.target < d.from);
        }),
      );
    });

    it('never scales down below the busy workers', () => {
      fc.assert(
        fc.property(arbInput, arbConfig, (scale, cfg) => {
          fc.pre(scale.workers <= cfg.maxWorkers);
          const d = decideScale(scale, cfg);
          return d.direction !== 'down' || d.target >= scale.busy;
        }),
      );
    });

    it('never reports a NaN ratio', () => {
      fc.assert(
        fc.property(arbInput, arbConfig, (scale, cfg) => !Number.isNaN(decideScale(scale, cfg).ratio)),
      );
    });
  });
});
