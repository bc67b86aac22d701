import type { RunLockInfo } from './types.js';

/**
 * A holder on another host cannot be probed with a signal, so it is presumed
 * dead once its heartbeat is this much older than ours (ms).
 */
export const FOREIGN_LOCK_STALE_MS = 60_000;

/**
 * Whether `self` may claim the run lock from `holder`. Shared by every store
 * so the takeover rules cannot drift apart. Pure: liveness is a parameter.
 */
export function mayClaimRunLock(
  holder: RunLockInfo | undefined,
  self: RunLockInfo,
  isAlive: (pid: number) => boolean,
): boolean {
  if (holder === undefined) return true;
  if (holder.hostname === self.hostname) {
    return holder.pid === self.pid || !isAlive(holder.pid);
  }
  return self.heartbeatAt - holder.heartbeatAt > FOREIGN_LOCK_STALE_MS;
}
