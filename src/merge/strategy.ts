import type { MergeStrategy } from '../config/types.js';
import { GitError, firstLines, type Git } from '../git/index.js';

/** The outcome of bringing one branch onto the commit checked out in the merge worktree. */
export type Applied =
  | { kind: 'applied'; head: string }
  | { kind: 'conflict'; files: string[] };

export interface BranchChange {
  /** The branch's commit. */
  commit: string;
  branch: string;
  issueId: string;
  title: string;
}

/**
 * Apply `change` on top of HEAD in the merge worktree `dir` (a detached,
 * clean checkout). On a conflict the operation is abandoned and the files
 * are reported; the caller resets the worktree. Git failures other than
 * conflicts throw GitError.
 *
 * - rebase: the branch's own commits replayed on HEAD (a branch already
 *   based on HEAD lands as it is: a fast-forward);
 * - merge: a merge commit of HEAD and the branch;
 * - squash: the branch's changes as one new commit.
 *
 * The queue's own commits skip commit hooks: verify is the gate, and a
 * hook written for someone's checkout may not run in the merge worktree.
 */
export async function applyBranch(git: Git, dir: string, strategy: MergeStrategy, change: BranchChange): Promise<Applied> {
  const onto = await git.run(['rev-parse', 'HEAD'], dir);
  switch (strategy) {
    case 'rebase': {
      await git.run(['checkout', '--quiet', '--force', '--detach', change.commit], dir);
      const out = await git.try(['rebase', '--quiet', onto], dir);
      if (out.code !== 0) return conflictOrThrow(git, dir, ['rebase', '--abort'], `rebase of ${change.branch}`, out.stderr);
      break;
    }
    case 'merge': {
      const message = `Merge ${change.branch}: ${oneLine(change.title)} (${change.issueId})`;
      const out = await git.try(['merge', '--quiet', '--no-ff', '--no-edit', '--no-verify', '-m', message, change.commit], dir);
      if (out.code !== 0) return conflictOrThrow(git, dir, ['merge', '--abort'], `merge of ${change.branch}`, out.stderr);
      break;
    }
    case 'squash': {
      const out = await git.try(['merge', '--quiet', '--squash', change.commit], dir);
      if (out.code !== 0) return conflictOrThrow(git, dir, ['reset', '--quiet', '--hard', onto], `squash of ${change.branch}`, out.stderr);
      // A branch whose changes are already on the target squashes to nothing: there is nothing to commit.
      if (!(await git.succeeds(['diff', '--cached', '--quiet'], dir))) {
        await git.run(['commit', '--quiet', '--no-verify', '-m', `${oneLine(change.title)} (${change.issueId})`, '-m', `Squashed from ${change.branch}.`], dir);
      }
      break;
    }
  }
  return { kind: 'applied', head: await git.run(['rev-parse', 'HEAD'], dir) };
}

async function conflictOrThrow(git: Git, dir: string, abort: string[], what: string, stderr: string): Promise<Applied> {
  const files = await git.conflictedFiles(dir);
  await git.try(abort, dir);
  if (files.length > 0) return { kind: 'conflict', files };
  throw new GitError(`${what} failed: ${firstLines(stderr)}`);
}

/** Issue titles go into commit subjects, which are one line. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
