import type { RunLockInfo } from './types.js';

/**
 * A live harness writes its lock's heartbeat every 10 s. A lock whose
 * heartbeat is this much older than now (ms) is presumed abandoned when
 * nothing better can be known: its holder is on another host (a shared file
 * system, where no signal reaches), or the lock does not record which
 * process took it (written by an older harness, or where /proc is missing).
 */
export const LOCK_STALE_MS = 60_000;

/** @deprecated the same limit under its former name. */
export const FOREIGN_LOCK_STALE_MS = LOCK_STALE_MS;

/** What the run lock can learn about a process id on this host. */
export interface LockProbe {
  isAlive(pid: number): boolean;
  /** The identity of the process that has this pid now (boot and start time), or null when it cannot be read. */
  identify?(pid: number): string | null;
}

/**
 * What became of a lock's holder:
 * - `live`: it still runs (same pid and identity, or a fresh heartbeat when
 *   identity cannot be compared);
 * - `dead`: no process has its pid;
 * - `reused`: its pid belongs to another process now (a different start
 *   time, or a boot since);
 * - `stale`: its heartbeat stopped long ago, and nothing else can be known.
 */
export type HolderState = 'live' | 'dead' | 'reused' | 'stale';

export interface LockContext extends LockProbe {
  /** This machine's hostname. */
  hostname: string;
  /** Wall-clock time (ms). */
  now: number;
}

/** Pure: the system is asked only through `context`. */
export function holderState(holder: RunLockInfo, context: LockContext): HolderState {
  const stale = context.now - holder.heartbeatAt > LOCK_STALE_MS;
  if (holder.hostname !== context.hostname) return stale ? 'stale' : 'live';
  if (!context.isAlive(holder.pid)) return 'dead';
  const current = context.identify?.(holder.pid) ?? null;
  if (holder.processStart !== undefined && current !== null) return current === holder.processStart ? 'live' : 'reused';
  return stale ? 'stale' : 'live';
}

/** Why a claim of the run lock succeeds (`free`, `own`, or what became of the holder) or fails. */
export type LockVerdict =
  | { claim: true; why: 'free' | 'own' | 'forced' | Exclude<HolderState, 'live'> }
  | { claim: false; why: 'live' };

/**
 * Whether `self` may claim the run lock from `holder`. Shared by every store
 * so the takeover rules cannot drift apart. `force` (`harness run
 * --force-unlock`) takes it from any holder. Pure: the system is a parameter,
 * and `self.heartbeatAt` is now.
 */
export function judgeRunLock(holder: RunLockInfo | undefined, self: RunLockInfo, probe: LockProbe, force = false): LockVerdict {
  if (holder === undefined) return { claim: true, why: 'free' };
  const sameProcess =
    holder.hostname === self.hostname &&
    holder.pid === self.pid &&
    (holder.processStart === undefined || self.processStart === undefined || holder.processStart === self.processStart);
  if (sameProcess) return { claim: true, why: 'own' };
  if (force) return { claim: true, why: 'forced' };
  const state = holderState(holder, { ...probe, hostname: self.hostname, now: self.heartbeatAt });
  return state === 'live' ? { claim: false, why: 'live' } : { claim: true, why: state };
}
