/** Pieces of the coordinator that need none of its state: session records, reasons, config, the run lock. */
import type { SessionExit, SessionHandle } from '../agents/types.js';
import { DEFAULT_SCALE_CONFIG, type ScaleConfig } from '../core/scale-config.js';
import { StoreError } from '../errors.js';
import type { IssueRow, RunLockInfo, Store } from '../store/types.js';
import type { TimerHandle } from './clock.js';
import type { CoordinatorOptions } from './coordinator-types.js';

/** Why the harness stopped a session itself. */
export type KillReason = 'stalled' | 'timeout' | 'cancelled';

/** A session the coordinator has started and not yet seen end. */
export interface ActiveSession {
  id: string;
  issue: IssueRow;
  workerId: string;
  attempt: number;
  startedAt: number;
  persistedProgressAt: number;
  branch: string | null;
  handle: SessionHandle | null;
  killReason: KillReason | null;
  timeout: TimerHandle | null;
  ended: boolean;
}

/** The recorded reason of a session the harness stopped. */
export function killReasonText(reason: KillReason, config: { workerStallTimeoutMs: number; sessionTimeoutMs: number }): string {
  switch (reason) {
    case 'stalled':
      return `no progress for more than ${config.workerStallTimeoutMs} ms`;
    case 'timeout':
      return `ran longer than sessionTimeoutMs (${config.sessionTimeoutMs} ms)`;
    case 'cancelled':
      return 'cancelled by a second interrupt';
  }
}

export function describeExit(exit: SessionExit): string {
  if (exit.error) return exit.error;
  if (exit.signal) return `killed by ${exit.signal}`;
  return exit.exitCode === 0 ? 'exit code 0' : `exit code ${exit.exitCode}`;
}

export function resolveScaleConfig(options: CoordinatorOptions): ScaleConfig {
  const given = stripUndefined(options.scaleConfig ?? {});
  const maxWorkers = given.maxWorkers ?? options.maxWorkers ?? DEFAULT_SCALE_CONFIG.maxWorkers;
  const config: ScaleConfig = { ...DEFAULT_SCALE_CONFIG, ...given, maxWorkers };
  if (given.minWorkers === undefined) config.minWorkers = Math.min(config.minWorkers, maxWorkers);
  if (options.enableScaleManager === false) config.minWorkers = config.maxWorkers;
  return config;
}

export function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
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
