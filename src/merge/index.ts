/** The merge queue: successful worktree branches land on the target branch one verified merge at a time. */
export { MERGE_ENTRY_STATES, ACTIVE_MERGE_STATES, type MergeEntryState } from './states.js';
export { MergeQueue, type IssueWorkspaces, type MergeQueueOptions } from './queue.js';
export { Merger, type MergerDeps, type MergerSettings } from './merger.js';
export { MergeOutcomes, type OutcomeDeps } from './outcomes.js';
export { recoverInterruptedMerges, type RecoveryDeps } from './recovery.js';
export { decideAfterRejection, conflictReason, type RejectionKind, type RejectionDecision } from './decide.js';
export { findFirstRed, splitAtCulprit } from './batch.js';
export { applyBranch, type Applied, type BranchChange } from './strategy.js';
export { TargetBranch, MergeSetupError, checkCommitterIdentity, type Advance } from './target.js';
export { MergeWorktree } from './merge-worktree.js';
export { openPullRequest, pullRequestBody, type PullRequest } from './pr.js';
export { runCommand, type CommandResult } from './command.js';
export { setUpWorktreeRun, MERGE_RETRY_MS, type WorktreeRun, type WorktreeRunOptions } from './worktree-run.js';
