import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type ResolvedConfig } from '../../src/config/types.js';
import { ConfigError } from '../../src/errors.js';
import { applyExplicitConfig, deriveLoadTestConfig, PROCESS_FLOORS_MS, scaleForProcessMode } from '../../src/loadtest/config.js';
import { LOAD_TEST_SCENARIOS } from '../../src/loadtest/scenarios.js';

const heavy = LOAD_TEST_SCENARIOS.heavy;

function resolved(explicit: Partial<typeof DEFAULT_CONFIG>, defaults: Partial<typeof DEFAULT_CONFIG> = {}): ResolvedConfig {
  const config = { ...DEFAULT_CONFIG, ...defaults, ...explicit };
  const sources = Object.fromEntries(Object.keys(DEFAULT_CONFIG).map((k) => [k, { kind: 'default' }])) as ResolvedConfig['sources'];
  for (const key of Object.keys(explicit)) sources[key] = { kind: 'flag', flag: `--${key}` };
  return { config, sources, file: null };
}

describe('deriveLoadTestConfig', () => {
  it('sizes the pool from the spec and scales the timings to the mean session', () => {
    const config = deriveLoadTestConfig(heavy);
    expect(config.scale).toMatchObject({ maxWorkers: 25, minWorkers: 4, workerStallTimeoutMs: 30_000, healthCheckIntervalMs: 5000, scaleCooldownMs: 15_000 });
    expect(config).toMatchObject({ progressEveryMs: 3000, retryDelayMs: 5000, sessionTimeoutMs: 300_000 });
    expect(deriveLoadTestConfig({ ...heavy, concurrentAgents: 3 }).scale.minWorkers).toBe(3);
  });

  it('reports progress often enough that a working session never looks stalled', () => {
    for (const spec of Object.values(LOAD_TEST_SCENARIOS)) {
      const config = deriveLoadTestConfig(spec);
      expect(config.progressEveryMs * 4).toBeLessThan(config.scale.workerStallTimeoutMs);
    }
  });
});

describe('applyExplicitConfig', () => {
  it('lets explicitly set values win over derived ones, and harness defaults lose to them', () => {
    const derived = deriveLoadTestConfig(heavy);
    const config = applyExplicitConfig(derived, resolved({ maxWorkers: 20, scaleCooldownMs: 9000 }));
    expect(config.scale.maxWorkers).toBe(20);
    expect(config.scale.scaleCooldownMs).toBe(9000);
    expect(config.scale.workerStallTimeoutMs).toBe(30_000);
    expect(config.scale.healthCheckIntervalMs).toBe(5000);
  });

  it('rejects an explicit minWorkers above the derived maxWorkers, naming the fix', () => {
    expect(() => applyExplicitConfig(deriveLoadTestConfig(LOAD_TEST_SCENARIOS.smoke), resolved({ minWorkers: 8 }))).toThrow(ConfigError);
    expect(() => applyExplicitConfig(deriveLoadTestConfig(LOAD_TEST_SCENARIOS.smoke), resolved({ minWorkers: 8 }))).toThrow(/raise maxWorkers or lower minWorkers/);
  });
});

describe('scaleForProcessMode', () => {
  it('multiplies durations by the time scale but never goes below the floors', () => {
    const config = scaleForProcessMode(deriveLoadTestConfig(heavy), 0.01);
    expect(config.scale.workerStallTimeoutMs).toBe(PROCESS_FLOORS_MS.workerStallTimeoutMs);
    expect(config.scale.healthCheckIntervalMs).toBe(PROCESS_FLOORS_MS.healthCheckIntervalMs);
    expect(config.scale.scaleCooldownMs).toBe(150);
    expect(config.progressEveryMs).toBe(30);
    expect(config.scale.maxWorkers).toBe(25);
  });
});

describe('a lowered maxWorkers', () => {
  it('takes an unset minWorkers down with it instead of failing the cross-field rule', () => {
    const config = applyExplicitConfig(deriveLoadTestConfig(heavy), resolved({ maxWorkers: 3 }));
    expect(config.scale).toMatchObject({ maxWorkers: 3, minWorkers: 3 });
  });
});
