import { existsSync } from 'node:fs';
import { basename, relative } from 'node:path';
import type { WorktreeInfo, WorktreeManager } from './worktree.js';

export interface CleanOptions {
  /** Names (sanitised issue ids) whose worktree and branch a live harness is using, with why. */
  inUse: ReadonlyMap<string, string>;
  /** The merge worktree (`.harness/merge`). */
  mergeWorktree: string;
  /** Why a live harness needs the merge worktree, or null when none does. */
  mergeInUse: string | null;
  /** Also remove worktrees with uncommitted changes. */
  force: boolean;
  /** Worker mode's worktrees (`.harness/workers/…`), reset between sessions: removed whatever is in them unless a live harness uses them. */
  workerWorktrees?: readonly WorktreeInfo[];
  /** Why a live harness needs the worker worktrees, or null when none does. */
  workersInUse?: string | null;
}

export interface CleanReport {
  removed: string[];
  kept: string[];
}

/**
 * `harness clean`: remove harness's issue worktrees (the workers' and the
 * merge worktree too) and the `harness/*` branches whose commits are all on the base
 * branch, as themselves or as rebased copies (a squashed landing is not
 * recognised: that branch is kept). Never touches what a live harness is using, a worktree with
 * uncommitted changes (unless `force`), or a branch with commits the base
 * lacks: those are listed as kept, with how to remove them by hand.
 */
export async function cleanWorkspaces(workspaces: WorktreeManager, options: CleanOptions): Promise<CleanReport> {
  const report: CleanReport = { removed: [], kept: [] };
  const shown = (path: string): string => relative(workspaces.repoDir, path) || path;
  const keptBranches = new Set<string>();

  for (const worktree of options.workerWorktrees ?? []) {
    const branch = worktree.branch ? ` (branch ${worktree.branch})` : '';
    if (options.workersInUse) {
      report.kept.push(`worker worktree ${shown(worktree.path)}${branch}: ${options.workersInUse}`);
      if (worktree.branch) keptBranches.add(worktree.branch);
    } else {
      await workspaces.removeWorktree(worktree.path);
      report.removed.push(`worker worktree ${shown(worktree.path)}${branch}`);
    }
  }
  for (const worktree of await workspaces.list()) {
    const name = basename(worktree.path);
    const busy = options.inUse.get(name);
    const branch = worktree.branch ? ` (branch ${worktree.branch})` : '';
    if (busy !== undefined) {
      report.kept.push(`worktree ${shown(worktree.path)}${branch}: ${busy}`);
      if (worktree.branch) keptBranches.add(worktree.branch);
    } else if (!options.force && (await workspaces.hasUncommittedChanges(worktree.path))) {
      report.kept.push(`worktree ${shown(worktree.path)}${branch}: it has uncommitted changes (harness clean --force removes it)`);
      if (worktree.branch) keptBranches.add(worktree.branch);
    } else {
      await workspaces.removeWorktree(worktree.path);
      report.removed.push(`worktree ${shown(worktree.path)}${branch}`);
    }
  }
  if (existsSync(options.mergeWorktree)) {
    if (options.mergeInUse !== null) report.kept.push(`merge worktree ${shown(options.mergeWorktree)}: ${options.mergeInUse}`);
    else {
      await workspaces.removeWorktree(options.mergeWorktree);
      report.removed.push(`merge worktree ${shown(options.mergeWorktree)}`);
    }
  }

  const merged = new Set(await workspaces.mergedBranches());
  for (const branch of await workspaces.harnessBranches()) {
    const busy = options.inUse.get(branch.slice('harness/'.length));
    if (busy !== undefined) {
      if (!keptBranches.has(branch)) report.kept.push(`branch ${branch}: ${busy}`);
    } else if (keptBranches.has(branch)) {
      // Checked out in a worktree kept above: said there.
    } else if (merged.has(branch) || (await workspaces.branchChangesAhead(branch)) === 0) {
      // Merged, or landed by rebase (the same changes, as other commits).
      await workspaces.deleteBranch(branch);
      report.removed.push(`branch ${branch} (merged into ${workspaces.baseBranch})`);
    } else {
      const ahead = await workspaces.branchChangesAhead(branch);
      report.kept.push(`branch ${branch}: ${ahead} commit(s) not on ${workspaces.baseBranch} (git branch -D ${branch} deletes it)`);
    }
  }
  return report;
}

export function renderCleanReport(report: CleanReport): string {
  if (report.removed.length === 0 && report.kept.length === 0) return 'nothing to clean: no harness worktrees or harness/* branches';
  return [...report.removed.map((line) => `removed ${line}`), ...report.kept.map((line) => `kept ${line}`)].join('\n');
}
