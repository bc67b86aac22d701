import { checkCrossFieldRules } from '../config/rules.js';
import { DEFAULT_CONFIG, type HarnessConfig, type ResolvedConfig } from '../config/types.js';
import type { BlockerFailureMode } from '../core/dependencies.js';
import { SCALE_CONFIG_KEYS, type ScaleConfig } from '../core/scale-config.js';
import { ConfigError } from '../errors.js';
import type { LoadTestSpec } from './spec.js';

/**
 * Everything a load test runs with besides its workload. Times in ms; the
 * defaults are those deriveLoadTestConfig gives (see DERIVED_SHARES).
 */
export interface LoadTestConfig {
  /** The seed's ScaleConfig, as the ScaleManager gets it. */
  scale: ScaleConfig;
  /** Session attempts per issue before it fails. Default: the harness's 3. */
  maxAttempts: number;
  /** A session running longer is killed (ms). Default 5 × the mean session. */
  sessionTimeoutMs: number;
  /** Base retry backoff (ms), doubled per attempt. Default mean ÷ 12. */
  retryDelayMs: number;
  /** SIGTERM to SIGKILL (ms), process mode only. Default: the harness's 5000. */
  killGraceMs: number;
  /** A working session reports progress this often (ms). Default mean ÷ 20. */
  progressEveryMs: number;
  /** What becomes of the rest of a chain whose issue failed: `fail` without running, or `wait`. Default: the harness's `fail`. */
  onBlockerFailure: BlockerFailureMode;
}

type ConfigField = keyof ScaleConfig | 'maxAttempts' | 'sessionTimeoutMs' | 'retryDelayMs' | 'killGraceMs' | 'onBlockerFailure';

const SCALE_FIELDS: readonly (keyof ScaleConfig)[] = SCALE_CONFIG_KEYS;
const RUN_FIELDS = ['maxAttempts', 'sessionTimeoutMs', 'retryDelayMs', 'killGraceMs'] as const;

/**
 * Timings derived from the mean session duration. The harness defaults (10 min
 * stall timeout, 30 s checks, 60 s cooldown) are tuned for real agents and
 * would barely act within a 30–60 s session. A working session reports
 * progress every mean/20, so the stall timeout (mean/2) spans ten reports.
 */
export const DERIVED_SHARES = {
  progressEveryMs: 1 / 20,
  workerStallTimeoutMs: 1 / 2,
  healthCheckIntervalMs: 1 / 12,
  scaleCooldownMs: 1 / 4,
  retryDelayMs: 1 / 12,
  /** No drawn session exceeds 2 × mean, so only a stuck one reaches this. */
  sessionTimeoutMs: 5,
} as const;

/** The pool's floor: the harness default of 4, or fewer when the target is smaller. */
const MIN_WORKERS_CAP = 4;

/** The config a spec implies, before any config file, env var or flag. */
export function deriveLoadTestConfig(spec: LoadTestSpec, base: Readonly<HarnessConfig> = DEFAULT_CONFIG): LoadTestConfig {
  const at = (share: number) => Math.max(1, Math.round(spec.avgSessionDurationMs * share));
  const scale = Object.fromEntries(SCALE_FIELDS.map((f) => [f, base[f]])) as Record<keyof ScaleConfig, number> as ScaleConfig;
  return {
    scale: {
      ...scale,
      maxWorkers: spec.concurrentAgents,
      minWorkers: Math.min(MIN_WORKERS_CAP, spec.concurrentAgents),
      workerStallTimeoutMs: at(DERIVED_SHARES.workerStallTimeoutMs),
      healthCheckIntervalMs: at(DERIVED_SHARES.healthCheckIntervalMs),
      scaleCooldownMs: at(DERIVED_SHARES.scaleCooldownMs),
    },
    maxAttempts: base.maxAttempts,
    sessionTimeoutMs: at(DERIVED_SHARES.sessionTimeoutMs),
    retryDelayMs: at(DERIVED_SHARES.retryDelayMs),
    killGraceMs: base.killGraceMs,
    progressEveryMs: at(DERIVED_SHARES.progressEveryMs),
    onBlockerFailure: base.onBlockerFailure,
  };
}

/**
 * Derived values, overridden by whatever the user set explicitly (config
 * file, HARNESS_* env var, flag). A field still at its harness default does
 * not override the derived value. Throws a ConfigError when the merged
 * result breaks a cross-field rule (e.g. --min-workers above the derived maxWorkers).
 */
export function applyExplicitConfig(derived: LoadTestConfig, resolved: ResolvedConfig): LoadTestConfig {
  const explicit = (field: ConfigField) => resolved.sources[field] !== undefined && resolved.sources[field]?.kind !== 'default';
  const scale = { ...derived.scale };
  for (const field of SCALE_FIELDS) if (explicit(field)) scale[field] = resolved.config[field];
  const merged: LoadTestConfig = { ...derived, scale };
  for (const field of RUN_FIELDS) if (explicit(field)) merged[field] = resolved.config[field];
  if (explicit('onBlockerFailure')) merged.onBlockerFailure = resolved.config.onBlockerFailure;
  return checked(merged, explicit('minWorkers'));
}

/** Typed values for any field of the load-test config, in scenario time. */
export type LoadTestOverrides = Partial<ScaleConfig & Omit<LoadTestConfig, 'scale'>>;

/** Overrides given as typed values (the library's `overrides` option), then the same checks. */
export function applyOverrides(config: LoadTestConfig, overrides: LoadTestOverrides): LoadTestConfig {
  const scale = { ...config.scale };
  const merged: LoadTestConfig = { ...config, scale };
  for (const field of SCALE_FIELDS) {
    const value = overrides[field];
    if (value !== undefined) scale[field] = value;
  }
  for (const field of [...RUN_FIELDS, 'progressEveryMs'] as const) {
    const value = overrides[field];
    if (value !== undefined) merged[field] = value;
  }
  if (overrides.onBlockerFailure !== undefined) merged.onBlockerFailure = overrides.onBlockerFailure;
  return checked(merged, overrides.minWorkers !== undefined);
}

/**
 * The cross-field rules on the merged config. A minWorkers nobody set follows
 * a lowered maxWorkers down, as the coordinator does, so `--max-workers 3`
 * alone is not an error.
 */
function checked(config: LoadTestConfig, minWorkersSet: boolean): LoadTestConfig {
  if (!minWorkersSet) config.scale.minWorkers = Math.min(config.scale.minWorkers, config.scale.maxWorkers);
  const problems = checkCrossFieldRules({ ...DEFAULT_CONFIG, ...config.scale }).map((p) => p.message);
  if (problems.length > 0) throw new ConfigError(problems.map((p) => `${p} (after deriving the load-test config from the spec)`));
  return config;
}

/**
 * Process mode's real-time floors. Scaled by --time-scale 0.01, a 30 s
 * scenario's stall timeout would be 150 ms, shorter than a Node process
 * takes to start on a busy 2-core machine; these keep slow machines from
 * producing false stalls and keep the checks from flooding the store.
 */
export const PROCESS_FLOORS_MS = {
  progressEveryMs: 20,
  workerStallTimeoutMs: 2000,
  healthCheckIntervalMs: 50,
  scaleCooldownMs: 100,
  retryDelayMs: 10,
  sessionTimeoutMs: 10_000,
  /** The fake agent exits on SIGTERM at once; this only bounds a stuck one. */
  killGraceMs: 500,
} as const;

/** The config in real time for process mode: every duration × timeScale, then floored. */
export function scaleForProcessMode(config: LoadTestConfig, timeScale: number): LoadTestConfig {
  const scaled = (ms: number, floor: number) => Math.max(floor, Math.round(ms * timeScale));
  const f = PROCESS_FLOORS_MS;
  return {
    ...config,
    scale: {
      ...config.scale,
      workerStallTimeoutMs: scaled(config.scale.workerStallTimeoutMs, f.workerStallTimeoutMs),
      healthCheckIntervalMs: scaled(config.scale.healthCheckIntervalMs, f.healthCheckIntervalMs),
      scaleCooldownMs: scaled(config.scale.scaleCooldownMs, f.scaleCooldownMs),
    },
    sessionTimeoutMs: scaled(config.sessionTimeoutMs, f.sessionTimeoutMs),
    retryDelayMs: scaled(config.retryDelayMs, f.retryDelayMs),
    killGraceMs: scaled(config.killGraceMs, f.killGraceMs),
    progressEveryMs: scaled(config.progressEveryMs, f.progressEveryMs),
  };
}

/**
 * A real-time config back in scenario time (÷ timeScale): what process mode
 * ran with, floors included, in the units the results use.
 */
export function inScenarioTime(real: LoadTestConfig, timeScale: number): LoadTestConfig {
  const back = (ms: number) => Math.round(ms / timeScale);
  return {
    ...real,
    scale: {
      ...real.scale,
      workerStallTimeoutMs: back(real.scale.workerStallTimeoutMs),
      healthCheckIntervalMs: back(real.scale.healthCheckIntervalMs),
      scaleCooldownMs: back(real.scale.scaleCooldownMs),
    },
    sessionTimeoutMs: back(real.sessionTimeoutMs),
    retryDelayMs: back(real.retryDelayMs),
    killGraceMs: back(real.killGraceMs),
    progressEveryMs: back(real.progressEveryMs),
  };
}
