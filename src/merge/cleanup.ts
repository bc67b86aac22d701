import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { samePath, type Git } from '../git/index.js';

/** Where an issue's worktree and branch are (WorktreeManager.locate). */
export type LocateWorkspace = (issueId: string) => { path: string; branch: string };

/**
 * Remove an issue's worktree (whatever is in it) and, when asked, its
 * branch: after a landing, or before a rejected issue is redone from the
 * updated target. Unlike WorktreeManager.remove, a worktree git refuses to
 * remove (locked, half made) does not stop it: the merge has landed or been
 * rejected already, so the directory is deleted all the same.
 */
export async function discardIssueWorkspace(git: Git, locate: LocateWorkspace, issueId: string, options: { deleteBranch: boolean }): Promise<void> {
  const { path, branch } = locate(issueId);
  const registered = (await git.worktrees()).some((w) => samePath(w.path, path));
  if (registered && existsSync(path)) await git.try(['worktree', 'remove', '--force', '--force', path]);
  await rm(path, { recursive: true, force: true });
  // Forgets a worktree whose directory is gone, which would otherwise keep its branch "checked out".
  await git.try(['worktree', 'prune']);
  if (options.deleteBranch && (await git.commitOf(`refs/heads/${branch}`)) !== null) {
    await git.run(['branch', '--quiet', '-D', branch]);
  }
}
