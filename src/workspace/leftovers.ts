import { relative } from 'node:path';
import { WorktreeError, type WorktreeManager } from './worktree.js';

/** A `harness/<id>` branch with work on it that this state did not make. */
export interface LeftoverBranch {
  issueId: string;
  branch: string;
  /** Commits on it whose changes the base branch does not have. */
  commits: number;
  /** Its worktree, when that is still there with uncommitted changes. */
  dirtyWorktree: string | null;
}

/**
 * Before a worktree run: branches `harness/<id>` of issues that have never
 * had a session in this state were left by an earlier run whose state is
 * gone (deleted, or moved aside). Reusing one would give the agent someone
 * else's half-done work, on an old base, without a word. One with nothing
 * on it that the base lacks (no commits, or only ones landed by rebase, and
 * no uncommitted changes in its worktree) is removed with its worktree, so
 * the issue starts afresh from the base; nothing is lost. The others are
 * returned: the caller refuses to start (see leftoverError), since only the
 * user can say whether that work matters.
 */
export async function clearLeftoverBranches(
  workspaces: WorktreeManager,
  issueIds: Iterable<string>,
  hasRunHere: (issueId: string) => boolean | Promise<boolean>,
): Promise<LeftoverBranch[]> {
  const existing = new Set(await workspaces.harnessBranches());
  if (existing.size === 0) return [];
  const leftovers: LeftoverBranch[] = [];
  const seen = new Set<string>();
  for (const issueId of issueIds) {
    const { path, branch } = workspaces.locate(issueId);
    if (!existing.has(branch) || seen.has(branch)) continue;
    // Asked only for branches that exist: a fleet's store answers each with a round trip.
    const ran = hasRunHere(issueId);
    if (typeof ran === 'boolean' ? ran : await ran) continue;
    seen.add(branch);
    const commits = await workspaces.branchChangesAhead(branch);
    const dirty = await workspaces.hasUncommittedChanges(path);
    if (commits === 0 && !dirty) {
      await workspaces.removeWorktree(path);
      await workspaces.deleteBranch(branch);
    } else {
      leftovers.push({ issueId, branch, commits, dirtyWorktree: dirty ? path : null });
    }
  }
  return leftovers;
}

/** The refusal for leftover branches, with how to keep or drop each. Exit 2. */
export function leftoverError(leftovers: readonly LeftoverBranch[], workspaces: WorktreeManager): WorktreeError {
  const lines = leftovers.map((l) => {
    const what = [
      l.commits > 0 ? `${l.commits} commit(s) not on ${workspaces.baseBranch}` : null,
      l.dirtyWorktree ? `uncommitted changes in ${relative(workspaces.repoDir, l.dirtyWorktree) || l.dirtyWorktree}` : null,
    ].filter(Boolean);
    return `  ${l.branch} (issue ${JSON.stringify(l.issueId)}): ${what.join(', ')}`;
  });
  const example = leftovers[0]!.branch;
  return new WorktreeError(
    [
      `${leftovers.length} branch(es) from an earlier run hold work this state knows nothing about (its state file is gone, or this is another one):`,
      ...lines,
      `harness will not build on that work unannounced. Keep a branch under another name (git branch -m ${example} <new-name>), or drop it (git branch -D ${example}${leftovers.some((l) => l.dirtyWorktree) ? '; `harness clean --force` also removes its worktree' : ''}), then run again. \`harness clean\` removes harness worktrees and merged harness/* branches.`,
    ].join('\n'),
  );
}
