/** Pieces of the coordinator that need none of its state: its scale config and the run lock. */
import { stripUndefined } from '../core/objects.js';
import { DEFAULT_SCALE_CONFIG, type ScaleConfig } from '../core/scale-config.js';
import { StoreError } from '../errors.js';
import type { RunLockInfo, Store } from '../store/types.js';
import type { CoordinatorOptions } from './coordinator-types.js';

export function resolveScaleConfig(options: CoordinatorOptions): ScaleConfig {
  const given = stripUndefined(options.scaleConfig ?? {});
  const maxWorkers = given.maxWorkers ?? options.maxWorkers ?? DEFAULT_SCALE_CONFIG.maxWorkers;
  const config: ScaleConfig = { ...DEFAULT_SCALE_CONFIG, ...given, maxWorkers };
  if (given.minWorkers === undefined) config.minWorkers = Math.min(config.minWorkers, maxWorkers);
  if (options.enableScaleManager === false) config.minWorkers = config.maxWorkers;
  return config;
}

/** Claim the store for this harness, or say which live harness holds it. */
export function claimRunLock(store: Store, self: RunLockInfo, isAlive: (pid: number) => boolean): void {
  const claim = store.acquireRunLock(self, isAlive);
  if (claim.acquired) return;
  const h = claim.holder;
  throw new StoreError(
    `${store.location} is in use by another harness (pid ${h.pid} on ${h.hostname}, started ${new Date(h.startedAt).toISOString()}): ` +
      'wait for it to finish, stop it, or pass --state <path> to use another store',
  );
}
