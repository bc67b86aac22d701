import type { ProcessInspector } from '../runtime/coordinator-types.js';
import { isPromise } from '../runtime/engine-ports.js';
import type { Answer } from '../store/ports.js';
import type { MergeEntryRow } from '../store/types.js';
import type { LocateWorkspace } from './cleanup.js';
import type { Git } from '../git/index.js';
import type { MergeStore } from './merge-store.js';
import type { MergeWorktree } from './merge-worktree.js';
import type { MergeOutcomes } from './outcomes.js';
import type { TargetBranch } from './target.js';

export interface RecoveryDeps {
  store: MergeStore;
  git: Git;
  target: TargetBranch;
  worktree: MergeWorktree;
  locate: LocateWorkspace;
  outcomes: MergeOutcomes;
  processes: Pick<ProcessInspector, 'belongsToSession' | 'killGroup'>;
  now(): number;
}

/**
 * Put back what a dead harness left: entries `merging` when it died. Their
 * verify is stopped (only a process proven to be it), the merge worktree is
 * reset deeply (ignored files, git's lock files, half a rebase), and each
 * entry is either found on the target (it landed just before the crash, so
 * it is marked landed: the target never moves twice for one merge) or
 * queued again at its old place. An issue left merging without an entry
 * gets one. In a fleet, the coordinator that takes the merge lease runs
 * this for whatever the leader before it left.
 */
export async function recoverInterruptedMerges(deps: RecoveryDeps, mode: 'local' | 'pr'): Promise<void> {
  const { store, git, target, processes, outcomes } = deps;
  const interrupted = await answered(store.listMerges('merging'));
  for (const entry of interrupted) {
    if (entry.verifyPid !== null && processes.belongsToSession(entry.verifyPid, verifyToken(entry))) {
      processes.killGroup(entry.verifyPgid ?? entry.verifyPid);
    }
  }
  await queueOrphans(deps, interrupted, null);
  if (interrupted.length === 0) return;
  if (mode === 'pr') {
    // Opening a pull request again is safe: one that exists already counts as opened.
    await answered(outcomes.requeue(interrupted, 'interrupted by a restart; opening the pull request again'));
    return;
  }
  const head = await target.head();
  await deps.worktree.reset(head, { deep: true });
  const landed: MergeEntryRow[] = [];
  for (const entry of interrupted) {
    if (entry.result !== null && (await git.isAncestor(entry.result, head))) landed.push(entry);
    else await answered(outcomes.requeue([entry], 'interrupted by a restart; merging again'));
  }
  if (landed.length === 0) return;
  await answered(outcomes.landed(landed, target.branch, 'found on the target after a restart', { reason: 'landed before a restart' }));
  for (const entry of landed) await outcomes.cleanUp(entry.issueId, true);
}

/**
 * Issues left merging without an entry (their harness died between
 * recording the session's end and queueing the branch) get one. In a
 * fleet the leader asks again from time to time, for those whose last
 * change is before `changedBefore`: their coordinator has had a lease's
 * length to queue the branch, and is presumed dead by now.
 */
export async function queueOrphans(
  deps: Pick<RecoveryDeps, 'store' | 'locate' | 'now'>,
  merging: readonly MergeEntryRow[],
  changedBefore: number | null,
): Promise<void> {
  const { store } = deps;
  const waiting = new Set([...(await answered(store.listMerges('queued'))), ...merging].map((e) => e.issueId));
  for (const issue of await answered(store.listIssues('merging'))) {
    if (waiting.has(issue.id) || (changedBefore !== null && issue.updatedAt >= changedBefore)) continue;
    await answered(store.enqueueMerge({ issueId: issue.id, branch: issue.branch ?? deps.locate(issue.id).branch, head: null, now: deps.now() }));
  }
}

/**
 * The value of a store's answer. Recovery runs once, before any merge, and
 * waits on git throughout, so waiting here on an answer given at once
 * changes nothing for a store that gives them.
 */
async function answered<T>(answer: Answer<T>): Promise<T> {
  return isPromise(answer) ? await answer : answer;
}

/** Put in the verify's environment, so a restart can tell its process from an unrelated one with a reused pid. */
export function verifyToken(entry: Pick<MergeEntryRow, 'id' | 'startedAt'>): string {
  return `merge-${entry.id}-${entry.startedAt ?? 0}`;
}
