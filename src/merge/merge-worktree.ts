import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { samePath, type Git } from '../git/index.js';

/**
 * The worktree where merges are built and verified (`.harness/merge`),
 * always on a detached HEAD, so nothing anyone has checked out changes
 * until a verified result is ready. Every merge starts from a reset.
 */
export class MergeWorktree {
  /** False after the worktree was created or deep-cleaned: setup and copied files are missing. */
  ready = false;

  constructor(
    private readonly git: Git,
    readonly path: string,
  ) {}

  /**
   * Check out `commit` with a clean tree: any rebase or merge in progress is
   * abandoned, changes are discarded and untracked files removed. `deep`
   * also removes ignored files (build output, installed dependencies) and
   * lock files a killed git left behind; it is used after a crash.
   */
  async reset(commit: string, options: { deep: boolean }): Promise<void> {
    const created = await this.ensure(commit);
    if (!created) {
      if (options.deep) await this.clearLeftovers();
      await this.git.try(['rebase', '--abort'], this.path);
      await this.git.try(['merge', '--abort'], this.path);
      await this.git.run(['checkout', '--quiet', '--force', '--detach', commit], this.path);
      await this.git.run(['reset', '--quiet', '--hard', commit], this.path);
    }
    // -f twice also removes untracked nested repositories.
    await this.git.run(['clean', '-f', '-f', '-d', '--quiet', ...(options.deep ? ['-x'] : [])], this.path);
    if (created || options.deep) this.ready = false;
  }

  /** Move to another commit of the stack, keeping ignored files (so setup need not run again). */
  checkout(commit: string): Promise<void> {
    return this.reset(commit, { deep: false });
  }

  /** Create the worktree at `commit` unless git already has it; true when created. */
  private async ensure(commit: string): Promise<boolean> {
    const registered = (await this.git.worktrees()).some((w) => samePath(w.path, this.path));
    if (registered && existsSync(join(this.path, '.git'))) return false;
    // A directory left by a crash half-way through `worktree add`, or one git forgot.
    await rm(this.path, { recursive: true, force: true });
    await this.git.run(['worktree', 'prune']);
    await this.git.run(['worktree', 'add', '--quiet', '--detach', '--force', this.path, commit]);
    return true;
  }

  /** State a killed git leaves: an index lock and a half-done rebase that `--abort` may refuse. */
  private async clearLeftovers(): Promise<void> {
    const gitDir = await this.git.run(['rev-parse', '--absolute-git-dir'], this.path).catch(() => null);
    if (gitDir === null) return;
    for (const name of ['index.lock', 'rebase-merge', 'rebase-apply', 'MERGE_HEAD', 'MERGE_MSG', 'SQUASH_MSG']) {
      await rm(join(gitDir, name), { recursive: true, force: true });
    }
  }
}
