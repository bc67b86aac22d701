import { DEFAULT_RUN_SETTINGS, DEFAULT_SCALE_CONFIG, type ScaleConfig } from '../scale-config.js';
import { decideScale } from '../scale.js';
import type { RunRules } from './state.js';

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
    ...rest,
  };
}
