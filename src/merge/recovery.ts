import type { ProcessInspector } from '../runtime/coordinator-types.js';
import type { MergeEntryRow, Store } from '../store/types.js';
import type { LocateWorkspace } from './cleanup.js';
import type { Git } from '../git/index.js';
import type { MergeWorktree } from './merge-worktree.js';
import type { MergeOutcomes } from './outcomes.js';
import type { TargetBranch } from './target.js';

export interface RecoveryDeps {
  store: Store;
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
 * gets one.
 */
export async function recoverInterruptedMerges(deps: RecoveryDeps, mode: 'local' | 'pr'): Promise<void> {
  const { store, git, target, processes, outcomes } = deps;
  const interrupted = store.listMerges('merging');
  for (const entry of interrupted) {
    if (entry.verifyPid !== null && processes.belongsToSession(entry.verifyPid, verifyToken(entry))) {
      processes.killGroup(entry.verifyPgid ?? entry.verifyPid);
    }
  }
  const waiting = new Set([...store.listMerges('queued'), ...interrupted].map((e) => e.issueId));
  for (const issue of store.listIssues('merging')) {
    if (waiting.has(issue.id)) continue;
    store.enqueueMerge({ issueId: issue.id, branch: issue.branch ?? deps.locate(issue.id).branch, head: null, now: deps.now() });
  }
  if (interrupted.length === 0) return;
  if (mode === 'pr') {
    // Opening a pull request again is safe: one that exists already counts as opened.
    outcomes.requeue(interrupted, 'interrupted by a restart; opening the pull request again');
    return;
  }
  const head = await target.head();
  await deps.worktree.reset(head, { deep: true });
  const landed: MergeEntryRow[] = [];
  for (const entry of interrupted) {
    if (entry.result !== null && (await git.isAncestor(entry.result, head))) landed.push(entry);
    else outcomes.requeue([entry], 'interrupted by a restart; merging again');
  }
  if (landed.length === 0) return;
  outcomes.landed(landed, target.branch, 'found on the target after a restart', { reason: 'landed before a restart' });
  for (const entry of landed) await outcomes.cleanUp(entry.issueId, true);
}

/** Put in the verify's environment, so a restart can tell its process from an unrelated one with a reused pid. */
export function verifyToken(entry: Pick<MergeEntryRow, 'id' | 'startedAt'>): string {
  return `merge-${entry.id}-${entry.startedAt ?? 0}`;
}
