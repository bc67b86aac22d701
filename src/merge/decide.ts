import type { IssueTransition } from '../store/types.js';

/**
 * What happens to an issue when its merge is rejected. A conflict or a red
 * verify sends the issue back to the queue for another session, which
 * starts from the updated target; the attempts its sessions spent count, so
 * after maxAttempts the issue fails with the reason.
 */

/** Why a merge did not land. */
export type RejectionKind = 'conflict' | 'verify' | 'error';

export interface RejectionInput {
  kind: RejectionKind;
  /** Attempts the issue's sessions have spent so far. */
  attempts: number;
  maxAttempts: number;
  /** What went wrong, e.g. "conflict with main in src/a.ts". */
  reason: string;
}

export interface RejectionDecision {
  transition: IssueTransition & { status: 'queued' | 'failed' };
  /** True when the issue's branch must restart from the target (requeued work is redone, not continued). */
  resetBranch: boolean;
}

const LABELS: Record<RejectionKind, string> = { conflict: 'merge conflict', verify: 'verify failed', error: 'merge failed' };

export function decideAfterRejection(input: RejectionInput): RejectionDecision {
  const { attempts, maxAttempts, reason } = input;
  if (attempts < maxAttempts) {
    // At once: the wait was the merge queue itself, and the target has moved on since.
    return { transition: { status: 'queued', notBefore: null, lastError: reason }, resetBranch: true };
  }
  const spent = `${attempts} attempt${attempts === 1 ? '' : 's'}`;
  // The branch stays as it is, for someone to look at.
  return { transition: { status: 'failed', notBefore: null, lastError: `${LABELS[input.kind]} after ${spent}: ${reason}` }, resetBranch: false };
}

/** The reason recorded for a conflict: which files, against which branch. */
export function conflictReason(target: string, files: readonly string[], max = 10): string {
  const shown = files.slice(0, max).join(', ');
  const more = files.length > max ? ` and ${files.length - max} more` : '';
  return `conflict with ${target} in ${shown}${more}`;
}
