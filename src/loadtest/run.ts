import { performance } from 'node:perf_hooks';
import type { ConfigOverrides } from '../config/flags.js';
import { resolveConfig } from '../config/load.js';
import { UsageError } from '../errors.js';
import type { ScalePolicy } from '../runtime/scale-manager.js';
import { applyExplicitConfig, applyOverrides, deriveLoadTestConfig, inScenarioTime, scaleForProcessMode, type LoadTestConfig, type LoadTestOverrides } from './config.js';
import type { ObserverOptions } from './observe.js';
import { COMPARED_POLICIES, findPolicy, type PolicyEntry } from './policies.js';
import { runProcessMode } from './process-mode.js';
import { buildResults, type LoadTestMode, type LoadTestResults, type RunRecord } from './results.js';
import { LOAD_TEST_SCENARIOS, isScenarioName, SCENARIO_NAMES } from './scenarios.js';
import { simulate } from './simulate.js';
import type { LoadTestSpec } from './spec.js';

export interface LoadTestOptions {
  /** Default 'simulation'. */
  mode?: LoadTestMode;
  /** Process mode: real ms per scenario ms. Default 0.01. */
  timeScale?: number;
  /** A baseline's name (see COMPARED_POLICIES) or a policy function. Default: the harness scaler. */
  policy?: string | ScalePolicy;
  /** Layer the config file, HARNESS_* env vars and `flags` over the derived config. Default true. */
  readConfig?: boolean;
  configPath?: string;
  /** Environment for HARNESS_* variables. Default: process.env. */
  env?: Record<string, string | undefined>;
  /** CLI flag values, keyed by config field (see flagsToOverrides). */
  flags?: ConfigOverrides;
  /** Typed values applied last, in scenario time. */
  overrides?: LoadTestOverrides;
  /** Called whenever an issue reaches its final outcome. */
  onProgress?: ObserverOptions['onFinal'];
  /** Process mode: aborting stops the run and kills its sessions. */
  signal?: AbortSignal;
}

export const DEFAULT_TIME_SCALE = 0.01;

/** The derived config with the user's explicit settings over it. */
export async function resolveLoadTestConfig(spec: LoadTestSpec, cwd: string, options: LoadTestOptions = {}): Promise<LoadTestConfig> {
  let config = deriveLoadTestConfig(spec);
  if (options.readConfig !== false) {
    const resolved = await resolveConfig({
      cwd,
      ...(options.configPath !== undefined ? { configPath: options.configPath } : {}),
      ...(options.env ? { env: options.env } : {}),
      flags: options.flags ?? {},
    });
    config = applyExplicitConfig(deriveLoadTestConfig(spec, resolved.config), resolved);
  }
  return options.overrides ? applyOverrides(config, options.overrides) : config;
}

/** Run `spec` once and judge it against the seed's acceptance criteria. */
export async function runLoadTest(spec: LoadTestSpec, cwd: string = process.cwd(), options: LoadTestOptions = {}): Promise<LoadTestResults> {
  const config = await resolveLoadTestConfig(spec, cwd, options);
  return runWithConfig(spec, config, cwd, options);
}

/** Run a bundled scenario by name. */
export async function runLoadTestScenario(name: string, cwd: string = process.cwd(), options: LoadTestOptions = {}): Promise<LoadTestResults> {
  if (!isScenarioName(name)) throw new UsageError(`unknown scenario "${name}": expected one of ${SCENARIO_NAMES.join(', ')}`);
  return runLoadTest({ ...LOAD_TEST_SCENARIOS[name] }, cwd, options);
}

/** The same seeded workload under the default policy and each baseline, in COMPARED_POLICIES order. */
export async function compareLoadTest(spec: LoadTestSpec, cwd: string = process.cwd(), options: Omit<LoadTestOptions, 'policy'> = {}): Promise<LoadTestResults[]> {
  const config = await resolveLoadTestConfig(spec, cwd, options);
  const results: LoadTestResults[] = [];
  for (const entry of COMPARED_POLICIES) results.push(await runWithConfig(spec, config, cwd, { ...options, policy: entry.name }));
  return results;
}

async function runWithConfig(spec: LoadTestSpec, config: LoadTestConfig, cwd: string, options: LoadTestOptions): Promise<LoadTestResults> {
  const { policy, entry } = pickPolicy(options.policy, config);
  const used = entry?.adjust ? { ...config, scale: entry.adjust(config.scale) } : config;
  const mode = options.mode ?? 'simulation';
  const timeScale = options.timeScale ?? DEFAULT_TIME_SCALE;
  if (mode === 'process' && !(timeScale > 0 && Number.isFinite(timeScale))) {
    throw new UsageError(`--time-scale: expected a positive number (e.g. 0.01 for 100× faster than real time), received ${timeScale}`);
  }
  if (mode === 'process' && spec.rateLimit) {
    throw new UsageError('a rate-limited scenario (rateLimit) runs in simulation only: its provider exists only on the virtual clock; drop --mode process, or the rateLimit field');
  }
  const started = performance.now();
  const bounds = { minWorkers: config.scale.minWorkers, maxWorkers: config.scale.maxWorkers };
  const common = { cwd, bounds, ...(policy ? { policy } : {}), ...(options.onProgress ? { onFinal: options.onProgress } : {}) };
  const adaptive = entry ? { adaptiveConcurrency: entry.adaptiveConcurrency } : {};
  const record: RunRecord =
    mode === 'process'
      ? await runProcessMode(spec, used, { ...common, timeScale, ...(options.signal ? { signal: options.signal } : {}) })
      : await simulate(spec, used, { ...common, ...adaptive });
  const policyName = typeof options.policy === 'function' ? 'custom' : (options.policy ?? 'default');
  // Process mode ran with the floored real-time config; report that one, in scenario time.
  const ran = mode === 'process' ? inScenarioTime(scaleForProcessMode(used, timeScale), timeScale) : used;
  return buildResults(spec, ran, record, { mode, policy: policyName, timeScale: mode === 'process' ? timeScale : 1, wallClockMs: performance.now() - started });
}

function pickPolicy(choice: LoadTestOptions['policy'], config: LoadTestConfig): { policy?: ScalePolicy; entry?: PolicyEntry } {
  if (choice === undefined) return {};
  if (typeof choice === 'function') return { policy: choice };
  const entry = findPolicy(choice);
  if (!entry) throw new UsageError(`unknown policy "${choice}": expected one of ${COMPARED_POLICIES.map((p) => p.name).join(', ')}`);
  return { policy: entry.create(entry.adjust ? entry.adjust(config.scale) : config.scale), entry };
}
