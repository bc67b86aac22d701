/** The rows of the merge queue, the run lock and operators' control requests (the rest are in types.ts). */
import type { ControlKind } from '../core/controls.js';
import type { MergeEntryState } from '../merge/states.js';
import type { LockProbe, LockVerdict } from './run-lock.js';

/** One branch in the merge queue (see src/merge/states.ts for the state machine). */
export interface MergeEntryRow {
  /** Increasing with every enqueue: the queue is served in id order (oldest first). */
  id: number;
  issueId: string;
  branch: string;
  /** The branch's commit when it was queued. */
  head: string | null;
  state: MergeEntryState;
  queuedAt: number;
  /** When the latest merge attempt began. */
  startedAt: number | null;
  endedAt: number | null;
  /** Target commit the latest attempt built on (the expected old value of the target). */
  base: string | null;
  /** Commit holding this entry's change on top of `base`, recorded before the target moves. */
  result: string | null;
  /** Why it was rejected, or what is holding it up. */
  reason: string | null;
  /** Pull request address (pr mode). */
  url: string | null;
  /** The verify command's process while it runs, so a restart can stop it. */
  verifyPid: number | null;
  verifyPgid: number | null;
}

/** Fields of a merge entry to change; absent fields keep their value. */
export type MergeEntryUpdate = Partial<Pick<MergeEntryRow, 'state' | 'startedAt' | 'endedAt' | 'base' | 'result' | 'reason' | 'url' | 'verifyPid' | 'verifyPgid'>>;

export interface RunLockInfo {
  pid: number;
  hostname: string;
  startedAt: number;
  heartbeatAt: number;
  /**
   * Which process had `pid` when it took the lock (its boot and start time,
   * see src/runtime/processes.ts), so a pid that another process took over
   * later does not hold the lock. Absent when unknown.
   */
  processStart?: string;
}

export interface RunLockOptions {
  /** Tells the process that has a pid now from the one that took the lock. */
  identify?: LockProbe['identify'];
  /** Take the lock whoever holds it (`harness run --force-unlock`). */
  force?: boolean;
}

export type RunLockClaim =
  | { acquired: true; taken?: { holder: RunLockInfo; why: Exclude<Extract<LockVerdict, { claim: true }>['why'], 'free' | 'own'> } }
  | { acquired: false; holder: RunLockInfo };

/** An operator's request to a running harness (src/core/controls.ts), as posted. */
export interface ControlRequestInput {
  kind: ControlKind;
  /** The session, issue or hold kind it is about; null for `pause` and `resume`. */
  target: string | null;
  requestedAt: number;
  /** Who asked, for the record (`dashboard`, or a user name). */
  requestedBy: string;
}

/** A control request as stored: pending until a run takes it, then answered with what came of it. */
export interface ControlRequestRow extends ControlRequestInput {
  /** Increasing with every request: taken in id order. */
  id: number;
  takenAt: number | null;
  answeredAt: number | null;
  /** Whether the run did what was asked; null until answered. */
  applied: boolean | null;
  /** What came of it, in a line; null until answered. */
  result: string | null;
}
