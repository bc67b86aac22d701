import { NO_HOST_LIMITS } from '../host.js';
import { DEFAULT_RUN_SETTINGS, DEFAULT_SCALE_CONFIG, type ScaleConfig } from '../scale-config.js';
import { decideScale } from '../scale.js';
import type { BudgetRules, HoldRules, RunRules } from './state.js';

export const DEFAULT_HOLD_RULES: Readonly<HoldRules> = Object.freeze({
  onHold: 'wait',
  maxWaitMs: 6 * 60 * 60 * 1000,
  probeEveryMs: 15 * 60 * 1000,
  circuitBreakerAfter: 3,
});

export const NO_BUDGETS: Readonly<BudgetRules> = Object.freeze({ maxCostUsd: null, maxTokens: null, issueMaxCostUsd: null, issueMaxTokens: null });

/** Rules of a run: the scale config's defaults and the harness scaler, overridden by `given`. */
export function defaultRules(given: Partial<Omit<RunRules, 'scale'>> & { scale?: Partial<ScaleConfig> } = {}): RunRules {
  const { scale, ...rest } = given;
  return {
    scale: { ...DEFAULT_SCALE_CONFIG, ...scale },
    ...DEFAULT_RUN_SETTINGS,
    policy: decideScale,
    dispatches: false,
    merges: false,
    workspaces: false,
    displayEvery: 0,
    agentFormat: null,
    resume: false,
    holds: { ...DEFAULT_HOLD_RULES },
    budgets: { ...NO_BUDGETS },
    adaptiveConcurrency: true,
    host: { ...NO_HOST_LIMITS },
    ...rest,
  };
}
